/**
 * Ranking metrics with trec_eval's definitions (the ones BEIR reports through pytrec_eval): graded
 * relevance, linear gain, log2 discount, and a judgement counts as relevant when its grade is above 0.
 */
import { ValidationError } from '../core/errors.ts';

/** Relevance grades of one query's judged documents, by document id. */
export type Judgements = ReadonlyMap<string, number>;

/** Scores one ranked list of document ids (best first) against a query's judgements. */
export type RankingMetric = (ranking: readonly string[], judgements: Judgements) => number;

/**
 * nDCG@k: DCG of the top `k` over the DCG of the ideal top `k` built from every judged document.
 * 0 when the query has no relevant document.
 *
 * @example ndcgAt(10)(['d3', 'd1'], new Map([['d1', 1]])) // 1 / log2(3) ≈ 0.631
 */
export function ndcgAt(k: number): RankingMetric {
  assertCutoff(k);
  return (ranking, judgements) => {
    const ideal = [...judgements.values()].filter((grade) => grade > 0).sort((left, right) => right - left);
    const idealGain = discountedGain(ideal.slice(0, k));
    if (idealGain === 0) return 0;
    const grades = ranking.slice(0, k).map((id) => Math.max(judgements.get(id) ?? 0, 0));
    return discountedGain(grades) / idealGain;
  };
}

/**
 * Recall@k: the share of the query's relevant documents found in the top `k`. 0 when none is relevant.
 *
 * @example recallAt(100)(['d1', 'd9'], new Map([['d1', 1], ['d2', 1]])) // 0.5
 */
export function recallAt(k: number): RankingMetric {
  assertCutoff(k);
  return (ranking, judgements) => {
    let relevant = 0;
    for (const grade of judgements.values()) if (grade > 0) relevant++;
    if (relevant === 0) return 0;
    let found = 0;
    for (const id of ranking.slice(0, k)) if ((judgements.get(id) ?? 0) > 0) found++;
    return found / relevant;
  };
}

/**
 * MRR@k: 1 / rank of the first relevant document within the top `k`, else 0.
 *
 * @example mrrAt(10)(['d4', 'd1'], new Map([['d1', 2]])) // 0.5
 */
export function mrrAt(k: number): RankingMetric {
  assertCutoff(k);
  return (ranking, judgements) => {
    const limit = Math.min(k, ranking.length);
    for (let index = 0; index < limit; index++) {
      if ((judgements.get(ranking[index]!) ?? 0) > 0) return 1 / (index + 1);
    }
    return 0;
  };
}

function discountedGain(grades: readonly number[]): number {
  let total = 0;
  for (let index = 0; index < grades.length; index++) total += grades[index]! / Math.log2(index + 2);
  return total;
}

function assertCutoff(k: number): void {
  if (!Number.isInteger(k) || k < 1) {
    throw new ValidationError(`metric cutoff k must be a positive integer, got ${k}`);
  }
}
