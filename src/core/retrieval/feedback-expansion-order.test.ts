/**
 * expansionText keeps the `count` heaviest terms without sorting every term; the reference below sorts
 * them all, as the definition says (weight descending, ties by term), so the two must agree on any input.
 */
import { describe, expect, it } from 'vitest';
import { analyze, stem, tokenize } from './analyzer.ts';
import { expansionText, type FeedbackHit } from './pseudo-relevance-feedback.ts';

function reference(query: string, feedback: readonly FeedbackHit[], count: number): string {
  if (feedback.length === 0 || count === 0) return '';
  const queryTerms = new Set(analyze(query));
  const topScore = Math.max(...feedback.map((hit) => hit.score));
  const hitWeights = feedback.map((hit) => Math.exp(hit.score - topScore));
  const totalWeight = hitWeights.reduce((sum, weight) => sum + weight, 0);
  const termWeights = new Map<string, number>();
  const surfaces = new Map<string, string>();
  feedback.forEach((hit, index) => {
    const tokens = tokenize(hit.text);
    if (tokens.length === 0) return;
    const share = hitWeights[index]! / totalWeight / tokens.length;
    for (const token of tokens) {
      const term = stem(token);
      if (queryTerms.has(term)) continue;
      if (!surfaces.has(term)) surfaces.set(term, token);
      termWeights.set(term, (termWeights.get(term) ?? 0) + share);
    }
  });
  return [...termWeights]
    .sort(([leftTerm, left], [rightTerm, right]) => right - left || (leftTerm < rightTerm ? -1 : 1))
    .slice(0, count)
    .map(([term]) => surfaces.get(term)!)
    .join(' ');
}

/** Seeded (mulberry32), so a failure repeats. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS =
  'statin cholesterol lower ldl heart risk patient trial dose cell tumor growth mice gene protein level blood pressure study effect'.split(
    ' ',
  );

describe('expansionText', () => {
  it('picks the same words, in the same order, as sorting every term', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const next = random(seed);
      // Few distinct words and short hits make many equal weights, so the tie order is exercised.
      const vocabulary = WORDS.slice(0, 3 + Math.floor(next() * WORDS.length));
      const text = (length: number) =>
        Array.from({ length }, () => vocabulary[Math.floor(next() * vocabulary.length)]).join(' ');
      const feedback = Array.from({ length: 1 + Math.floor(next() * 6) }, () => ({
        score: Math.floor(next() * 4),
        text: text(1 + Math.floor(next() * 12)),
      }));
      const query = text(2);
      for (const count of [1, 3, 10, 40]) {
        expect(expansionText(query, feedback, count), `seed ${seed}, count ${count}`).toBe(
          reference(query, feedback, count),
        );
      }
    }
  });
});
