import { describe, expect, it } from 'vitest';
import { buildAnswerReport } from './answer-report.ts';
import { renderHtmlReport } from './answer-report-html.ts';
import { renderMarkdownReport } from './answer-report-markdown.ts';
import { compareVariants } from './compare-variants.ts';
import type { VariantResult } from './evaluate-answers.ts';
import { parseGoldenSet } from './golden-set.ts';
import { scoreAnswer, summarizeAnswers } from './score-answer.ts';

const items = parseGoldenSet(
  '{"id":"q<1>","question":"Is <b>this</b> & that safe?","facts":["20 days"],"sources":["a.md"]}\n',
  'set.jsonl',
);

function variant(name: string, answer: string): VariantResult {
  const answers = items.map((item) =>
    scoreAnswer(item, {
      answer,
      citations: [{ index: 1, source: 'a.md', text: '20 days' }],
      model: name,
      latencyMs: 120,
      costUsd: 0.0004,
      error: null,
      toolCalls: [],
    }),
  );
  return { name, summary: summarizeAnswers(answers), answers };
}

function report() {
  const results = [variant('before', '20 days [1]'), variant('after|<script>', 'none <img src=x> [1]')];
  return buildAnswerReport({
    set: 'set.jsonl',
    seed: 1,
    results,
    comparisons: compareVariants(results),
    thresholds: [],
  });
}

describe('renderHtmlReport', () => {
  it('escapes every text from the set, the answers and the variant names', () => {
    const html = renderHtmlReport(report());
    expect(html).not.toContain('<b>this</b>');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<script');
    expect(html).toContain('&#60;img src=x&#62;');
  });

  it('needs nothing from outside the page', () => {
    const html = renderHtmlReport(report());
    expect(html).not.toMatch(/<link|<[^>]+\ssrc=|url\(|@import|https?:\/\//i);
    expect(html.match(/<svg /g)).toHaveLength(3);
  });
});

describe('renderMarkdownReport', () => {
  it('keeps table cells intact when names contain pipes', () => {
    const markdown = renderMarkdownReport(report());
    expect(markdown).toContain('| metric | before | after\\|\\<script\\> |');
    expect(markdown).toMatch(/\| fact recall \| 1\.000 \| 0\.000 \|/);
  });
});
