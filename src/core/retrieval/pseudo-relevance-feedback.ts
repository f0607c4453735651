/**
 * Pseudo-relevance feedback for keyword search, written over a search callback so it runs unchanged on
 * every VectorIndex adapter: search once, take the words that dominate the best hits (an RM3-style
 * relevance model), search again with those words alone, and add a small share of the second score.
 * Because BM25 sums per-term scores, that sum equals one query whose expansion terms carry a low weight.
 */
import { ValidationError } from '../errors.ts';
import { analyze, stem, tokenize } from './analyzer.ts';

export interface FeedbackHit {
  score: number;
  text: string;
}

export interface FeedbackOptions<Hit extends FeedbackHit> {
  /** The identity of a hit across the two searches (a chunk id). */
  key: (hit: Hit) => string;
  /** How many hits to return; both searches ask for this many. */
  k: number;
  /** Best hits of the first search read for expansion words. Default 5. */
  feedbackHits?: number;
  /** Expansion words added. Default 10. */
  expansionTerms?: number;
  /** Share of the expansion search's score added to a hit's score. Default 0.05. */
  expansionWeight?: number;
}

export const FEEDBACK_DEFAULTS = { feedbackHits: 5, expansionTerms: 10, expansionWeight: 0.05 } as const;

/**
 * Keyword search with pseudo-relevance feedback. `search(text, k)` is the adapter's plain keyword
 * search; it is called twice. Hits come back best first with `score` = first score + expansionWeight ×
 * expansion score. When the first search finds nothing, or no expansion word is found, its hits are
 * returned as they are.
 *
 * @example
 * const hits = await searchWithFeedback((text, k) => index.keywordSearch(tenantId, { knowledgeBaseId, text, k }),
 *   'statins lower LDL cholesterol', { key: (hit) => hit.chunkId, k: 100 });
 */
export async function searchWithFeedback<Hit extends FeedbackHit>(
  search: (text: string, k: number) => Promise<Hit[]>,
  query: string,
  options: FeedbackOptions<Hit>,
): Promise<Hit[]> {
  const settings = {
    k: options.k,
    feedbackHits: options.feedbackHits ?? FEEDBACK_DEFAULTS.feedbackHits,
    expansionTerms: options.expansionTerms ?? FEEDBACK_DEFAULTS.expansionTerms,
    expansionWeight: options.expansionWeight ?? FEEDBACK_DEFAULTS.expansionWeight,
  };
  checkSettings(settings);
  const first = await search(query, options.k);
  const expansion = expansionText(query, first.slice(0, settings.feedbackHits), settings.expansionTerms);
  if (expansion === '') return first;
  const second = await search(expansion, options.k);
  return combine(first, second, options.key, settings.expansionWeight).slice(0, options.k);
}

/**
 * The expansion words for `query`: the terms with the most weight in the feedback hits, where a hit's
 * weight is the softmax of its score and a term's weight within a hit is its share of the hit's terms.
 * Query terms are left out. Each term is written as the first word that produced it, so analyzing the
 * text again yields exactly these terms.
 */
export function expansionText(query: string, feedback: readonly FeedbackHit[], count: number): string {
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
  return topTerms(termWeights, count)
    .map((term) => surfaces.get(term)!)
    .join(' ');
}

/**
 * The `count` terms of most weight, ties by term, best first: what sorting them all and keeping the first
 * `count` gives (terms are unique, so the order is total), without sorting the hundreds of terms the
 * feedback hits hold.
 */
function topTerms(weights: ReadonlyMap<string, number>, count: number): string[] {
  const best: [string, number][] = [];
  const before = (term: string, weight: number, other: [string, number]) =>
    weight > other[1] || (weight === other[1] && term < other[0]);
  for (const [term, weight] of weights) {
    if (best.length === count && !before(term, weight, best[count - 1]!)) continue;
    let position = best.length === count ? count - 1 : best.length;
    while (position > 0 && before(term, weight, best[position - 1]!)) {
      best[position] = best[position - 1]!;
      position--;
    }
    best[position] = [term, weight];
  }
  return best.map(([term]) => term);
}

function combine<Hit extends FeedbackHit>(
  first: readonly Hit[],
  second: readonly Hit[],
  key: (hit: Hit) => string,
  weight: number,
): Hit[] {
  const merged = new Map<string, Hit>();
  for (const hit of first) if (!merged.has(key(hit))) merged.set(key(hit), { ...hit });
  for (const hit of second) {
    const id = key(hit);
    const seen = merged.get(id);
    if (seen) seen.score += weight * hit.score;
    else merged.set(id, { ...hit, score: weight * hit.score });
  }
  return [...merged]
    .sort(
      ([leftKey, left], [rightKey, right]) =>
        right.score - left.score || (leftKey < rightKey ? -1 : leftKey > rightKey ? 1 : 0),
    )
    .map(([, hit]) => hit);
}

function checkSettings(settings: {
  feedbackHits: number;
  expansionTerms: number;
  expansionWeight: number;
  k: number;
}) {
  for (const name of ['feedbackHits', 'expansionTerms', 'k'] as const) {
    if (!Number.isInteger(settings[name]) || settings[name] < 0) {
      throw new ValidationError(
        `feedback option ${name} must be a whole number, 0 or more; got ${settings[name]}`,
      );
    }
  }
  if (!Number.isFinite(settings.expansionWeight) || settings.expansionWeight < 0) {
    throw new ValidationError(
      `feedback option expansionWeight must be 0 or more; got ${settings.expansionWeight}`,
    );
  }
}
