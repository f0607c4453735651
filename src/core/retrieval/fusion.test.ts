import { describe, expect, it } from 'vitest';
import { fuseResults } from './fusion.ts';

interface Hit {
  id: string;
  score: number;
  from?: string;
}

const key = (hit: Hit) => hit.id;

const keyword: Hit[] = [
  { id: 'a', score: 10, from: 'keyword' },
  { id: 'b', score: 6, from: 'keyword' },
  { id: 'c', score: 2, from: 'keyword' },
];
const vector: Hit[] = [
  { id: 'c', score: 0.9, from: 'vector' },
  { id: 'd', score: 0.5, from: 'vector' },
  { id: 'a', score: 0.1, from: 'vector' },
];

describe('fuseResults, weighted', () => {
  it('adds min-max normalised scores times each list weight', () => {
    const fused = fuseResults([keyword, vector], { key, weights: [0.8, 0.2] });
    // a: 0.8·1 + 0.2·0 = 0.8; b: 0.8·0.5 = 0.4; c: 0.8·0 + 0.2·1 = 0.2; d: 0.2·0.5 = 0.1
    expect(fused.map((hit) => [hit.id, hit.score])).toEqual([
      ['a', expect.closeTo(0.8, 12)],
      ['b', expect.closeTo(0.4, 12)],
      ['c', expect.closeTo(0.2, 12)],
      ['d', expect.closeTo(0.1, 12)],
    ]);
  });

  it('keeps the fields of the first list that has the hit and cuts at k', () => {
    const fused = fuseResults([keyword, vector], { key, weights: [0.5, 0.5], k: 2 });
    expect(fused).toHaveLength(2);
    expect(fused.find((hit) => hit.id === 'c')?.from).toBe('keyword');
  });

  it('gives every hit of a list with equal scores the full weight', () => {
    const fused = fuseResults([[{ id: 'x', score: 3 }], []], { key });
    expect(fused).toEqual([{ id: 'x', score: 1 }]);
  });
});

describe('fuseResults, reciprocal rank', () => {
  it('adds weight / (constant + rank) over the lists', () => {
    const fused = fuseResults([keyword, vector], { key, method: 'rrf', rrfConstant: 60 });
    const scores = Object.fromEntries(fused.map((hit) => [hit.id, hit.score]));
    expect(scores.a).toBeCloseTo(1 / 61 + 1 / 63, 12);
    expect(scores.c).toBeCloseTo(1 / 63 + 1 / 61, 12);
    expect(scores.b).toBeCloseTo(1 / 62, 12);
    expect(scores.d).toBeCloseTo(1 / 62, 12);
  });
});

describe('fuseResults, ties', () => {
  it('breaks equal scores by best rank in any list, then by key', () => {
    // a and c both score 1/61 + 1/63 with best rank 1; b and d both 1/62 with best rank 2.
    const fused = fuseResults([keyword, vector], { key, method: 'rrf' });
    expect(fused.map((hit) => hit.id)).toEqual(['a', 'c', 'b', 'd']);
    const reversed = fuseResults([vector, keyword], { key, method: 'rrf' });
    expect(reversed.map((hit) => hit.id)).toEqual(['a', 'c', 'b', 'd']);
  });

  it('counts a hit repeated within one list once', () => {
    const fused = fuseResults(
      [
        [
          { id: 'a', score: 1 },
          { id: 'a', score: 1 },
        ],
      ],
      { key, method: 'rrf' },
    );
    expect(fused).toEqual([{ id: 'a', score: 1 / 61 }]);
  });
});

describe('fuseResults, options', () => {
  it('rejects weights that do not match the lists', () => {
    expect(() => fuseResults([keyword, vector], { key, weights: [1] })).toThrowError(/2 lists but 1 weights/);
    expect(() => fuseResults([keyword], { key, weights: [-1] })).toThrowError(/0 or more/);
  });
});
