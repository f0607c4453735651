import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../core/errors.ts';
import { analyze } from '../../core/retrieval/analyzer.ts';
import { indexTerms, queryTerms } from './keyword-terms.ts';

describe('indexTerms', () => {
  it('counts every analyzed term and keeps exact frequencies, even for names of object properties', () => {
    const terms = indexTerms('The constructor calls the constructor; toString and __proto__ too.', 'chunk');
    expect(terms.termCount).toBe(
      analyze('The constructor calls the constructor; toString and __proto__ too.').length,
    );
    expect(terms.tsvector).toContain("'constructor':1,2");
    expect(terms.tsvector).toContain("'call':1");
    expect(terms.tsvector).not.toContain("'call':1,");
    expect(terms.overflowJson).toBeNull();
  });

  it('counts an overlong term toward the length but leaves it out of the tsvector', () => {
    const blob = 'x'.repeat(3000);
    const terms = indexTerms(`short ${blob} words`, 'chunk');
    expect(terms.termCount).toBe(3);
    expect(terms.tsvector).toBe("'short':1 'word':1");
  });

  it('caps positions at 256 and keeps the exact count of a more frequent term beside them', () => {
    const terms = indexTerms(`${'zero '.repeat(300)}one`, 'chunk');
    expect(terms.termCount).toBe(301);
    expect(terms.tsvector).toContain(',256 ');
    expect(terms.tsvector).not.toContain(',257');
    expect(JSON.parse(terms.overflowJson!)).toEqual({ zero: 300 });
  });

  it('rejects a chunk whose distinct terms exceed what one tsvector holds', () => {
    const words = Array.from(
      { length: 80_000 },
      (_, index) => `w${index.toString(36)}q${'z'.repeat(12)}`,
    ).join(' ');
    expect(() => indexTerms(words, 'chunk "huge"')).toThrow(ValidationError);
    expect(() => indexTerms(words, 'chunk "huge"')).toThrow('chunk "huge"');
  });
});

describe('queryTerms', () => {
  it('counts repeated query terms and builds a quoted OR query', () => {
    expect(queryTerms('Leave, leave and VACATION')).toEqual({
      terms: ['leav', 'vacat'],
      occurrences: [2, 1],
      tsquery: "'leav' | 'vacat'",
    });
    expect(queryTerms('the of and')).toEqual({ terms: [], occurrences: [], tsquery: '' });
  });
});
