import { describe, expect, it } from 'vitest';
import { GodwitError } from '../core/errors.ts';
import { mrrAt, ndcgAt, recallAt } from './metrics.ts';

const graded = new Map([
  ['d1', 2],
  ['d2', 1],
  ['d5', 0],
]);

describe('ndcgAt', () => {
  it('uses linear gains and a log2 discount against the ideal ordering', () => {
    // DCG = 2/log2(3) + 1/log2(4); ideal = 2/log2(2) + 1/log2(3)
    expect(ndcgAt(10)(['d3', 'd1', 'd2'], graded)).toBeCloseTo(0.66967181649423, 12);
  });

  it('cuts both the ranking and the ideal list at k', () => {
    // DCG@2 = 2/log2(3); ideal@2 = 2 + 1/log2(3)
    expect(ndcgAt(2)(['d3', 'd1', 'd2'], graded)).toBeCloseTo(0.4796249331362629, 12);
  });

  it('is 1 for the ideal ranking and 0 when nothing relevant is retrieved', () => {
    expect(ndcgAt(10)(['d1', 'd2'], graded)).toBe(1);
    expect(ndcgAt(10)(['d5', 'd9'], graded)).toBe(0);
  });

  it('is 0 for a query without a relevant judgement', () => {
    expect(ndcgAt(10)(['d5'], new Map([['d5', 0]]))).toBe(0);
  });
});

describe('recallAt', () => {
  it('counts relevant documents within the cutoff over all relevant documents', () => {
    expect(recallAt(100)(['d2', 'd5', 'd7'], graded)).toBe(0.5);
    expect(recallAt(1)(['d7', 'd1', 'd2'], graded)).toBe(0);
    expect(recallAt(3)(['d7', 'd1', 'd2'], graded)).toBe(1);
  });
});

describe('mrrAt', () => {
  it('is the reciprocal rank of the first relevant document within the cutoff', () => {
    expect(mrrAt(10)(['d5', 'd7', 'd2', 'd1'], graded)).toBeCloseTo(1 / 3, 12);
    expect(mrrAt(2)(['d5', 'd7', 'd2'], graded)).toBe(0);
    expect(mrrAt(10)([], graded)).toBe(0);
  });
});

describe('cutoffs', () => {
  it('rejects a cutoff that is not a positive integer', () => {
    for (const k of [0, -1, 2.5, Number.NaN]) {
      expect(() => ndcgAt(k)).toThrowError(/positive integer/);
    }
    expect(GodwitError.isInstance(captureError(() => recallAt(0)))).toBe(true);
  });
});

function captureError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}
