import { describe, expect, it } from 'vitest';
import { factRecall, missingFacts, rougeL, tokenF1 } from './answer-metrics.ts';
import { answerTokens, containsTokens } from './normalize-answer.ts';

describe('answerTokens', () => {
  it('folds case, accents, punctuation, articles, citation markers and number separators', () => {
    expect(answerTokens('The limit is EUR 1,500 [1][2, 3]. Café hours: 10:00!')).toEqual([
      'limit',
      'is',
      'eur',
      '1500',
      'cafe',
      'hours',
      '1000',
    ]);
  });
});

describe('containsTokens', () => {
  it('matches a contiguous run only, never part of a number', () => {
    expect(containsTokens(['get', '20', 'days'], ['20', 'days'])).toBe(true);
    expect(containsTokens(['get', '20', 'paid', 'days'], ['20', 'days'])).toBe(false);
    expect(containsTokens(['100', 'days'], ['10'])).toBe(false);
    expect(containsTokens(['a'], [])).toBe(false);
  });
});

describe('factRecall', () => {
  it('is the share of facts stated, after normalisation', () => {
    expect(factRecall('Hotels: up to eur 180 a night in Lisbon [1].', ['EUR 180', 'per diem'])).toBe(0.5);
    expect(factRecall('Carry up to five days, used by March 31.', ['five days', 'March 31'])).toBe(1);
    expect(missingFacts('Carry up to five days.', ['five days', 'March 31'])).toEqual(['March 31']);
  });

  it('does not credit 100 for an expected 10', () => {
    expect(factRecall('You have 100 sick days.', ['10'])).toBe(0);
  });

  it('is null when the item has no facts', () => {
    expect(factRecall('anything', [])).toBeNull();
  });
});

describe('tokenF1', () => {
  it('is the harmonic mean of token precision and recall', () => {
    expect(tokenF1('twenty days', 'twenty days of vacation')).toBeCloseTo(2 / 3, 10);
    expect(tokenF1('New employees get 20 days [1].', 'new employees get 20 days')).toBe(1);
    expect(tokenF1('nothing alike', 'twenty days')).toBe(0);
  });

  it('counts repeated tokens at most as often as the reference has them', () => {
    // predicted: days days days (3), reference: days (1) → precision 1/3, recall 1
    expect(tokenF1('days days days', 'days')).toBeCloseTo(0.5, 10);
  });

  it('is null without a reference and handles empty text', () => {
    expect(tokenF1('x', null)).toBeNull();
    expect(tokenF1('', 'twenty days')).toBe(0);
    expect(tokenF1('the', 'a')).toBe(1);
  });
});

describe('rougeL', () => {
  it('scores the longest common subsequence, keeping word order', () => {
    // LCS = new get 20 days (4): precision 4/5, recall 4/7
    const expected = (2 * (4 / 5) * (4 / 7)) / (4 / 5 + 4 / 7);
    expect(rougeL('new staff get 20 days', 'new employees get 20 days of vacation')).toBeCloseTo(
      expected,
      10,
    );
  });

  it('penalises reordering that token F1 ignores', () => {
    expect(tokenF1('days 20 get', 'get 20 days')).toBe(1);
    expect(rougeL('days 20 get', 'get 20 days')).toBeCloseTo(1 / 3, 10);
  });

  it('is null without a reference', () => {
    expect(rougeL('x', null)).toBeNull();
  });
});
