import { describe, expect, it } from 'vitest';
import { analyze } from '../../core/retrieval/analyzer.ts';
import { chunkPostings, MAX_STORED_TERM_BYTES, queryTerms, storedTerm } from './keyword-terms.ts';

describe('chunkPostings', () => {
  it('counts every analyzed term and keeps exact frequencies, even for names of object properties', () => {
    const text = 'The constructor calls the constructor; toString and __proto__ too.';
    const postings = chunkPostings(text);
    expect(postings.termCount).toBe(analyze(text).length);
    const frequencies = Object.fromEntries(
      postings.terms.map((term, index) => [term, postings.frequencies[index]]),
    );
    expect(frequencies).toMatchObject({ constructor: 2, call: 1, proto: 1 });
    expect(postings.frequencies.reduce((sum, frequency) => sum + frequency, 0)).toBe(postings.termCount);
  });

  it('keeps a term repeated hundreds of times at its exact count', () => {
    const postings = chunkPostings(`${'zero '.repeat(300)}one`);
    expect(postings).toEqual({ termCount: 301, terms: ['zero', 'on'], frequencies: [300, 1] });
  });

  it('stores an overlong term as a digest that a query for the same word finds', () => {
    const blob = 'x'.repeat(3000);
    const postings = chunkPostings(`short ${blob} words ${blob}`);
    expect(postings.termCount).toBe(4);
    const digest = postings.terms[1]!;
    expect(digest).toMatch(/^#[0-9a-f]{64}$/);
    expect(postings.frequencies).toEqual([1, 2, 1]);
    expect(queryTerms(blob).terms).toEqual([digest]);
    expect(queryTerms('y'.repeat(3000)).terms).not.toEqual([digest]);
  });
});

describe('storedTerm', () => {
  it('keeps terms up to the byte limit, counting UTF-8 bytes rather than characters', () => {
    const longest = 'a'.repeat(MAX_STORED_TERM_BYTES);
    expect(storedTerm(longest)).toBe(longest);
    expect(storedTerm(`${longest}a`)).toMatch(/^#/);
    // Three bytes each in UTF-8: 100 characters fit in 300 bytes, which is past the limit.
    expect(storedTerm('語'.repeat(80))).toBe('語'.repeat(80));
    expect(storedTerm('語'.repeat(100))).toMatch(/^#/);
  });
});

describe('queryTerms', () => {
  it('counts repeated query terms', () => {
    expect(queryTerms('Leave, leave and VACATION')).toEqual({
      terms: ['leav', 'vacat'],
      occurrences: [2, 1],
    });
    expect(queryTerms('the of and')).toEqual({ terms: [], occurrences: [] });
  });
});
