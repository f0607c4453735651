import { describe, expect, it } from 'vitest';
import { citationHit, citationValidity } from './citation-metrics.ts';

const passages = [
  {
    index: 1,
    source: 'leave-and-vacation.md',
    text: 'New employees get 20 days of paid vacation in their first year.',
  },
  { index: 3, source: 'benefits.md', text: 'Northwind matches 100% of the first 4% of salary.' },
];

describe('citationHit', () => {
  it('is 1 when any gold source is cited, also from a folder path', () => {
    expect(citationHit(['benefits.md'], ['leave-and-vacation.md', 'benefits.md'])).toBe(1);
    expect(citationHit(['handbook/benefits.md'], ['benefits.md'])).toBe(1);
  });

  it('is 0 when no gold source is cited, and does not match a mere name suffix', () => {
    expect(citationHit(['welcome.md'], ['benefits.md'])).toBe(0);
    expect(citationHit(['old-benefits.md'], ['benefits.md'])).toBe(0);
    expect(citationHit([], ['benefits.md'])).toBe(0);
  });

  it('is null when the item names no gold source', () => {
    expect(citationHit(['benefits.md'], [])).toBeNull();
  });
});

describe('citationValidity', () => {
  it('accepts markers of retrieved passages and quotations they contain', () => {
    const answer = 'You get "20 days of paid vacation" [1]. The 401(k) match is 4% [3].';
    expect(citationValidity(answer, passages)).toEqual({ score: 1, problems: [] });
  });

  it('flags a marker whose passage was not retrieved', () => {
    const check = citationValidity('You get 20 days [1][7].', passages);
    expect(check.score).toBe(0.5);
    expect(check.problems).toEqual(['[7] cites a passage that was not retrieved']);
  });

  it('flags a quotation that the cited passage does not contain', () => {
    const check = citationValidity(
      'You get “30 days of paid vacation” [1]. Matched "4% of salary" [3].',
      passages,
    );
    expect(check.score).toBe(0.5);
    expect(check.problems[0]).toMatch(
      /\[1\] quotes text its passages do not contain: "30 days of paid vacation"/,
    );
  });

  it('checks a quotation against the passage of its own claim, not another one', () => {
    const check = citationValidity('The match is "4% of salary" [1].', passages);
    expect(check.score).toBe(0);
  });

  it('is null for an answer without citations', () => {
    expect(citationValidity('I could not find that.', passages)).toEqual({ score: null, problems: [] });
  });
});
