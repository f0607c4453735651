import { describe, expect, it } from 'vitest';
import type { BeirDataset } from './beir-dataset.ts';
import { evaluateRetrieval, percentile, rankDocuments } from './evaluate-retrieval.ts';

const dataset: BeirDataset = {
  directory: 'memory',
  split: 'test',
  corpus: [],
  queries: [
    { id: 'q1', text: 'first' },
    { id: 'q2', text: 'second' },
  ],
  qrels: new Map([
    ['q1', new Map([['d1', 1]])],
    ['q2', new Map([['d2', 1]])],
  ]),
};

const rankings: Record<string, Array<{ documentId: string; score: number }>> = {
  first: [
    { documentId: 'd1', score: 3 },
    { documentId: 'd9', score: 1 },
  ],
  // d2 appears twice (two chunks); its best chunk puts it second.
  second: [
    { documentId: 'd7', score: 5 },
    { documentId: 'd2', score: 1 },
    { documentId: 'd2', score: 4 },
  ],
};

describe('evaluateRetrieval', () => {
  it('averages the metrics over the judged queries', async () => {
    const progress: number[] = [];
    const report = await evaluateRetrieval({
      dataset,
      search: async (query) => rankings[query] ?? [],
      onProgress: ({ done }) => progress.push(done),
    });
    // q1: relevant at rank 1; q2: relevant at rank 2 → nDCG 1/log2(3), MRR 1/2
    expect(report.ndcg_at_10).toBeCloseTo((1 + 1 / Math.log2(3)) / 2, 4);
    expect(report.mrr_at_10).toBe(0.75);
    expect(report.recall_at_100).toBe(1);
    expect(report.queries).toBe(2);
    expect(report.latency_ms_p95).toBeGreaterThanOrEqual(report.latency_ms_p50);
    expect(progress).toEqual([1, 2]);
  });
});

describe('rankDocuments', () => {
  it('merges repeated documents by their best score and keeps the search order for ties', () => {
    const ranking = rankDocuments([
      { documentId: 'b', score: 2 },
      { documentId: 'a', score: 2 },
      { documentId: 'c', score: 1 },
      { documentId: 'c', score: 9 },
    ]);
    expect(ranking).toEqual(['c', 'b', 'a']);
  });
});

describe('percentile', () => {
  it('takes the nearest rank', () => {
    expect(percentile([4, 1, 3, 2], 0.5)).toBe(2);
    expect(percentile([4, 1, 3, 2], 0.95)).toBe(4);
    expect(percentile([], 0.5)).toBe(0);
  });
});
