import { describe, expect, it } from 'vitest';
import { parseGoldenSet } from './golden-set.ts';
import { type AnswerRecord, scoreAnswer, summarizeAnswers } from './score-answer.ts';

const [vacation, mars] = parseGoldenSet(
  [
    '{"id":"vacation","question":"How many vacation days?","facts":["20 days","first year"],"reference":"New employees get 20 days in their first year.","sources":["leave.md"]}',
    '{"id":"mars","question":"Office on Mars?","unanswerable":true}',
  ].join('\n'),
  'set.jsonl',
) as [ReturnType<typeof parseGoldenSet>[number], ReturnType<typeof parseGoldenSet>[number]];

function record(answer: string, extra: Partial<AnswerRecord> = {}): AnswerRecord {
  return {
    answer,
    citations: [{ index: 1, source: 'leave.md', text: 'New employees get 20 days in their first year.' }],
    model: 'openai:gpt-4.1-mini',
    latencyMs: 100,
    costUsd: 0.001,
    error: null,
    toolCalls: [],
    ...extra,
  };
}

describe('scoreAnswer', () => {
  it('scores an answerable question on every metric', () => {
    const scored = scoreAnswer(vacation, record('New employees get 20 days [1].'));
    expect(scored.metrics).toMatchObject({
      citation_hit: 1,
      citation_validity: 1,
      fact_recall: 0.5,
      refused: 0,
    });
    expect(scored.missingFacts).toEqual(['first year']);
    expect(scored.metrics.token_f1).toBeGreaterThan(0.5);
  });

  it('scores an unanswerable question on refusal only', () => {
    const scored = scoreAnswer(
      mars,
      record('I could not find that in the knowledge base.', { citations: [] }),
    );
    expect(scored.metrics).toEqual({
      citation_hit: null,
      citation_validity: null,
      fact_recall: null,
      token_f1: null,
      rouge_l: null,
      refused: 1,
      judge_faithfulness: null,
      judge_relevance: null,
      tool_recall: null,
    });
  });

  it('scores a failed turn as what it produced, never as a refusal', () => {
    const scored = scoreAnswer(
      vacation,
      record('', { citations: [], error: 'provider down', costUsd: null }),
    );
    expect(scored.metrics).toMatchObject({ citation_hit: 0, fact_recall: 0, refused: 0 });
  });
});

describe('summarizeAnswers', () => {
  it('averages each metric over the questions it applies to, with latency and cost', () => {
    const summary = summarizeAnswers([
      scoreAnswer(vacation, record('New employees get 20 days in their first year [1].', { latencyMs: 50 })),
      scoreAnswer(
        vacation,
        record('I could not find that.', { citations: [], latencyMs: 300, costUsd: null }),
      ),
      scoreAnswer(mars, record('There is an office on Mars [1].', { latencyMs: 200, costUsd: 0.003 })),
    ]);
    expect(summary).toMatchObject({
      questions: 3,
      failed: 0,
      citation_hit: 0.5,
      fact_recall: 0.5,
      refusal_rate: 0,
      false_refusal_rate: 0.5,
      latency_ms_p50: 200,
      latency_ms_p95: 300,
      cost_usd_per_answer: 0.002,
      unpriced: 1,
    });
  });
});

describe('tool recall', () => {
  const [booking, chitchat, plain] = parseGoldenSet(
    [
      '{"id":"booking","question":"Book Dr. Lee on Tuesday","expected_tools":["find_slots","book_slot"]}',
      '{"id":"hello","question":"Hello!","expected_tools":[],"facts":["hello"]}',
      '{"id":"plain","question":"How many vacation days?","facts":["20 days"]}',
    ].join('\n'),
    'set.jsonl',
  ) as [
    ReturnType<typeof parseGoldenSet>[number],
    ReturnType<typeof parseGoldenSet>[number],
    ReturnType<typeof parseGoldenSet>[number],
  ];
  const call = (name: string) => ({ name, state: 'output-available' });

  it('counts the share of expected tools called, however often or in whatever order', () => {
    const scored = scoreAnswer(
      booking,
      record('Booked.', { toolCalls: [call('book_slot'), call('calculator'), call('book_slot')] }),
    );
    expect(scored.metrics.tool_recall).toBe(0.5);
    expect(
      scoreAnswer(booking, record('Booked.', { toolCalls: [call('book_slot'), call('find_slots')] })).metrics
        .tool_recall,
    ).toBe(1);
  });

  it('scores an empty expectation 1 without calls and 0 with any call', () => {
    expect(scoreAnswer(chitchat, record('Hello!')).metrics.tool_recall).toBe(1);
    expect(
      scoreAnswer(chitchat, record('Hello!', { toolCalls: [call('calculator')] })).metrics.tool_recall,
    ).toBe(0);
  });

  it('leaves tool recall unmeasured where the item states no expectation, and counts calls per answer', () => {
    const summary = summarizeAnswers([
      scoreAnswer(plain, record('20 days.', { toolCalls: [call('search_knowledge_base')] })),
      scoreAnswer(
        booking,
        record('Booked.', { toolCalls: [call('find_slots'), call('book_slot'), call('x')] }),
      ),
    ]);
    expect(summary.tool_recall).toBe(1);
    expect(summary.tool_calls_per_answer).toBe(2);
  });
});
