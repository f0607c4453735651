/**
 * Combines ranked lists (keyword and vector hits, or any others) into one ranking for hybrid search.
 * Two methods: reciprocal rank fusion, which uses ranks only, and a weighted sum of min-max normalised
 * scores, which keeps how far apart the hits are within each list.
 */
import { ValidationError } from '../errors.ts';

export type FusionMethod = 'weighted' | 'rrf';

export interface FusionOptions<Hit> {
  /** The identity of a hit across lists (a chunk id, a document id). */
  key: (hit: Hit) => string;
  /** Default `weighted`. */
  method?: FusionMethod;
  /** One weight per list, default 1 each; a list with weight 0 contributes nothing. */
  weights?: readonly number[];
  /** Keep the best `k` fused hits; default all. */
  k?: number;
  /** The constant c in 1 / (c + rank) for `rrf`; default 60. */
  rrfConstant?: number;
}

interface Candidate<Hit> {
  hit: Hit;
  key: string;
  score: number;
  bestRank: number;
}

/**
 * Fuses ranked lists (each best first) into one list of hits, best first, with `score` replaced by the
 * fused score. A hit found in several lists keeps the fields of its first occurrence in list order.
 * `weighted`: sum over lists of weight × (score − min) / (max − min) within that list (1 when all scores
 * of a list are equal); a list missing the hit adds 0. `rrf`: sum of weight / (rrfConstant + rank).
 * Ties break by the best rank the hit had in any list, then by key, so the output is deterministic.
 *
 * @example
 * fuseResults([keywordHits, vectorHits], { key: (hit) => hit.chunkId, weights: [0.8, 0.2], k: 10 })
 */
export function fuseResults<Hit extends { score: number }>(
  lists: readonly (readonly Hit[])[],
  options: FusionOptions<Hit>,
): Hit[] {
  const method = options.method ?? 'weighted';
  const weights = resolveWeights(lists.length, options.weights);
  const rrfConstant = options.rrfConstant ?? 60;
  if (!(rrfConstant >= 0)) throw new ValidationError(`rrfConstant must be 0 or more, got ${rrfConstant}`);
  const candidates = new Map<string, Candidate<Hit>>();
  lists.forEach((list, listIndex) => {
    const contributions =
      method === 'rrf'
        ? list.map((_, rank) => weights[listIndex]! / (rrfConstant + rank + 1))
        : normalizedScores(list).map((score) => weights[listIndex]! * score);
    const seen = new Set<string>();
    list.forEach((hit, rank) => {
      const key = options.key(hit);
      // A list naming the same hit twice counts it once, at its better rank.
      if (seen.has(key)) return;
      seen.add(key);
      const candidate = candidates.get(key);
      if (!candidate) candidates.set(key, { hit, key, score: contributions[rank]!, bestRank: rank });
      else {
        candidate.score += contributions[rank]!;
        candidate.bestRank = Math.min(candidate.bestRank, rank);
      }
    });
  });
  const ranked = [...candidates.values()].sort(compareCandidates);
  const limit = options.k === undefined ? ranked.length : Math.max(0, options.k);
  return ranked.slice(0, limit).map((candidate) => ({ ...candidate.hit, score: candidate.score }));
}

function resolveWeights(listCount: number, weights: readonly number[] | undefined): number[] {
  if (weights === undefined) return new Array<number>(listCount).fill(1);
  if (weights.length !== listCount) {
    throw new ValidationError(
      `fusion got ${listCount} lists but ${weights.length} weights: give one weight per list`,
    );
  }
  for (const weight of weights) {
    if (!Number.isFinite(weight) || weight < 0) {
      throw new ValidationError(`fusion weights must be finite and 0 or more, got ${weight}`);
    }
  }
  return [...weights];
}

/** Scores mapped to [0, 1] within the list; all 1 when the list's scores are all equal. */
function normalizedScores(list: readonly { score: number }[]): number[] {
  let minimum = Number.POSITIVE_INFINITY;
  let maximum = Number.NEGATIVE_INFINITY;
  for (const { score } of list) {
    minimum = Math.min(minimum, score);
    maximum = Math.max(maximum, score);
  }
  const range = maximum - minimum;
  return list.map(({ score }) => (range > 0 ? (score - minimum) / range : 1));
}

function compareCandidates<Hit>(left: Candidate<Hit>, right: Candidate<Hit>): number {
  return (
    right.score - left.score ||
    left.bestRank - right.bestRank ||
    (left.key < right.key ? -1 : left.key > right.key ? 1 : 0)
  );
}
