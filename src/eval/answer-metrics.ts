/**
 * Model-free answer metrics against a golden item: fact recall, token F1 and ROUGE-L. Each returns a
 * score in [0, 1], or null when the item gives nothing to compare with (no facts, no reference), so a
 * missing expectation is never counted as a failure or a success.
 */
import { answerTokens, containsTokens } from './normalize-answer.ts';

/**
 * The share of expected facts the answer states, each matched as a contiguous run of normalised tokens
 * (so "10" does not match "100", and "USD 1,500" matches "usd 1500"). Null without facts.
 *
 * @example factRecall('Hotels: EUR 180 a night [1].', ['EUR 180', 'per diem']) // 0.5
 */
export function factRecall(answer: string, facts: readonly string[]): number | null {
  if (facts.length === 0) return null;
  const tokens = answerTokens(answer);
  return facts.filter((fact) => containsTokens(tokens, answerTokens(fact))).length / facts.length;
}

/** The facts an answer misses, as written in the golden set. */
export function missingFacts(answer: string, facts: readonly string[]): string[] {
  const tokens = answerTokens(answer);
  return facts.filter((fact) => !containsTokens(tokens, answerTokens(fact)));
}

/**
 * SQuAD-style token F1: the harmonic mean of precision and recall of the answer's tokens (as a bag)
 * against the reference's. Null without a reference; 1 when both are empty after normalisation.
 *
 * @example tokenF1('twenty days', 'twenty days of vacation') // 0.667 (precision 1, recall 0.5)
 */
export function tokenF1(answer: string, reference: string | null): number | null {
  if (reference === null) return null;
  const predicted = answerTokens(answer);
  const expected = answerTokens(reference);
  if (predicted.length === 0 || expected.length === 0) return predicted.length === expected.length ? 1 : 0;
  const counts = new Map<string, number>();
  for (const token of expected) counts.set(token, (counts.get(token) ?? 0) + 1);
  let common = 0;
  for (const token of predicted) {
    const left = counts.get(token) ?? 0;
    if (left > 0) {
      common++;
      counts.set(token, left - 1);
    }
  }
  if (common === 0) return 0;
  return harmonicMean(common / predicted.length, common / expected.length);
}

/**
 * ROUGE-L F1: precision and recall of the longest common token subsequence (order kept, gaps allowed)
 * against the reference. Null without a reference.
 *
 * @example rougeL('new staff get 20 days', 'new employees get 20 days of vacation') // 4/5 and 4/7 → 0.667
 */
export function rougeL(answer: string, reference: string | null): number | null {
  if (reference === null) return null;
  const predicted = answerTokens(answer);
  const expected = answerTokens(reference);
  if (predicted.length === 0 || expected.length === 0) return predicted.length === expected.length ? 1 : 0;
  const common = longestCommonSubsequence(predicted, expected);
  if (common === 0) return 0;
  return harmonicMean(common / predicted.length, common / expected.length);
}

function longestCommonSubsequence(left: readonly string[], right: readonly string[]): number {
  let previous = new Array<number>(right.length + 1).fill(0);
  for (const token of left) {
    const current = new Array<number>(right.length + 1).fill(0);
    for (let column = 1; column <= right.length; column++) {
      current[column] =
        right[column - 1] === token
          ? previous[column - 1]! + 1
          : Math.max(previous[column]!, current[column - 1]!);
    }
    previous = current;
  }
  return previous[right.length]!;
}

function harmonicMean(precision: number, recall: number): number {
  return (2 * precision * recall) / (precision + recall);
}
