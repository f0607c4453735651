import { describe, expect, it } from 'vitest';
import { compareVariants } from './compare-variants.ts';
import type { VariantResult } from './evaluate-answers.ts';
import { parseGoldenSet } from './golden-set.ts';
import { scoreAnswer, summarizeAnswers } from './score-answer.ts';
import { checkThresholds, parseThresholds } from './thresholds.ts';

const items = parseGoldenSet(
  [
    '{"id":"a","question":"A?","facts":["20 days"]}',
    '{"id":"b","question":"B?","facts":["EUR 180"]}',
    '{"id":"mars","question":"Mars?","unanswerable":true}',
  ].join('\n'),
  'set.jsonl',
);

function variant(name: string, answers: string[]): VariantResult {
  const scored = items.map((item, index) =>
    scoreAnswer(item, {
      answer: answers[index]!,
      citations: [],
      model: name,
      latencyMs: 1,
      costUsd: null,
      error: null,
      toolCalls: [],
    }),
  );
  return { name, summary: summarizeAnswers(scored), answers: scored };
}

const before = variant('before', ['20 days', 'EUR 180', 'I could not find that.']);
const after = variant('after', ['20 days', 'a hotel', 'On Crater Road.']);

describe('compareVariants', () => {
  it('pairs each candidate with the first variant and lists the questions that changed, worst first', () => {
    const [comparison] = compareVariants([before, after], { seed: 1 });
    expect(comparison).toMatchObject({ baseline: 'before', candidate: 'after' });
    expect(comparison!.metrics.fact_recall).toMatchObject({ pairs: 2, meanDifference: -0.5 });
    expect(comparison!.metrics.refusal_rate).toMatchObject({ pairs: 1, meanDifference: -1 });
    expect(comparison!.metrics.token_f1.pairs).toBe(0);
    expect(comparison!.changed.map((change) => [change.id, change.deltas])).toEqual([
      ['b', { fact_recall: -1 }],
      ['mars', { refusal_rate: -1 }],
    ]);
    expect(compareVariants([before])).toEqual([]);
  });
});

describe('thresholds', () => {
  it('fails the variant below a floor and passes the one above', () => {
    const outcomes = checkThresholds(parseThresholds('fact_recall=0.9', items), [before, after]);
    expect(outcomes.map(({ variant, value, passed }) => [variant, value, passed])).toEqual([
      ['before', 1, true],
      ['after', 0.5, false],
    ]);
  });

  it('refuses a floor the set cannot measure, before anything runs', () => {
    expect(() => parseThresholds('token_f1=0.5', items)).toThrow(
      /cannot measure token_f1: no item has a "reference"/,
    );
    expect(() => parseThresholds('citation_hit=0.5', items)).toThrow(/no item has "sources"/);
    expect(() => parseThresholds(' , ', items)).toThrow(/--fail-below is empty/);
    expect(() => parseThresholds('fact_recall', items)).toThrow(/"fact_recall" is not metric=value/);
  });
});
