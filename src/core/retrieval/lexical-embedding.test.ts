import { describe, expect, it } from 'vitest';
import { lexicalEmbedding } from './lexical-embedding.ts';

function cosine(left: number[], right: number[]): number {
  return left.reduce((sum, value, index) => sum + value * right[index]!, 0);
}

describe('lexicalEmbedding', () => {
  it('hashes the 4- and 5-grams of each padded word with FNV-1a', () => {
    // "<abc", "abc>" and "<abc>" fall in buckets 5, 15 and 1 of 16 (FNV-1a computed independently).
    const vector = lexicalEmbedding('abc', 16);
    const expected = new Array<number>(16).fill(0);
    for (const bucket of [5, 15, 1]) expected[bucket] = 1 / Math.sqrt(3);
    expect(vector).toEqual(expected.map((value) => expect.closeTo(value, 12)));
  });

  it('returns unit vectors of the requested dimension, the same for the same text', () => {
    const vector = lexicalEmbedding('Autophagy deficiency in the liver increases insulin resistance.');
    expect(vector).toHaveLength(1024);
    expect(cosine(vector, vector)).toBeCloseTo(1, 12);
    expect(lexicalEmbedding('Autophagy deficiency in the liver increases insulin resistance.')).toEqual(
      vector,
    );
  });

  it('scores word forms the stemmer keeps apart as closer than unrelated words', () => {
    const query = lexicalEmbedding('autophagic flux in hepatocytes');
    const related = lexicalEmbedding('autophagy and the hepatocyte');
    const unrelated = lexicalEmbedding('migration of shorebirds across the Pacific');
    expect(cosine(query, related)).toBeGreaterThan(cosine(query, unrelated) + 0.2);
  });

  it('is all zeros for text with no word of two or more letters outside the stop words', () => {
    expect(lexicalEmbedding('the and of a', 8)).toEqual(new Array(8).fill(0));
  });

  it('rejects a dimension that is not a positive integer', () => {
    expect(() => lexicalEmbedding('text', 0)).toThrowError(/positive integer/);
    expect(() => lexicalEmbedding('text', 1.5)).toThrowError(/positive integer/);
  });
});
