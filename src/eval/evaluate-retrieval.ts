/**
 * Runs every judged query of a BEIR split through a search function and reports the figures
 * `godwit eval retrieval` prints. Search adapters stay outside: the caller passes `search`.
 */
import type { BeirDataset } from './beir-dataset.ts';
import { type Judgements, mrrAt, ndcgAt, recallAt } from './metrics.ts';

export interface RetrievedDocument {
  documentId: string;
  score: number;
}

export interface EvaluateRetrievalOptions {
  dataset: BeirDataset;
  /** Ranked hits for one query; repeated document ids (one per chunk) are merged by their best score. */
  search: (query: string) => Promise<RetrievedDocument[]>;
  onProgress?: (progress: { done: number; total: number }) => void;
}

export interface RetrievalReport {
  ndcg_at_10: number;
  recall_at_100: number;
  mrr_at_10: number;
  latency_ms_p50: number;
  latency_ms_p95: number;
  queries: number;
}

/**
 * Mean nDCG@10, Recall@100 and MRR@10 over the split's judged queries, plus the p50/p95 latency of the
 * `search` calls (queries run one at a time, so latency is not inflated by contention).
 *
 * @example
 * const report = await evaluateRetrieval({ dataset, search: async (query) => index.search(query) });
 */
export async function evaluateRetrieval(options: EvaluateRetrievalOptions): Promise<RetrievalReport> {
  const { dataset, search, onProgress } = options;
  const ndcg = ndcgAt(10);
  const recall = recallAt(100);
  const mrr = mrrAt(10);
  const totals = { ndcg: 0, recall: 0, mrr: 0 };
  const latencies: number[] = [];
  for (const query of dataset.queries) {
    const judgements: Judgements = dataset.qrels.get(query.id) ?? new Map();
    const started = performance.now();
    const hits = await search(query.text);
    latencies.push(performance.now() - started);
    const ranking = rankDocuments(hits);
    totals.ndcg += ndcg(ranking, judgements);
    totals.recall += recall(ranking, judgements);
    totals.mrr += mrr(ranking, judgements);
    onProgress?.({ done: latencies.length, total: dataset.queries.length });
  }
  const count = dataset.queries.length;
  return {
    ndcg_at_10: round(count === 0 ? 0 : totals.ndcg / count),
    recall_at_100: round(count === 0 ? 0 : totals.recall / count),
    mrr_at_10: round(count === 0 ? 0 : totals.mrr / count),
    latency_ms_p50: round(percentile(latencies, 0.5), 3),
    latency_ms_p95: round(percentile(latencies, 0.95), 3),
    queries: count,
  };
}

/**
 * Document ids best first: one entry per document at its best score; equal scores keep the order the
 * search returned them in, so a ranking that breaks its own ties is scored as ranked.
 */
export function rankDocuments(hits: readonly RetrievedDocument[]): string[] {
  const best = new Map<string, { score: number; position: number }>();
  hits.forEach((hit, position) => {
    const seen = best.get(hit.documentId);
    if (!seen) best.set(hit.documentId, { score: hit.score, position });
    else if (hit.score > seen.score) seen.score = hit.score;
  });
  return [...best]
    .sort(([, left], [, right]) => right.score - left.score || left.position - right.position)
    .map(([documentId]) => documentId);
}

/** Nearest-rank percentile of `values` (0 for none). */
export function percentile(values: readonly number[], fraction: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((left, right) => left - right);
  const rank = Math.max(1, Math.ceil(fraction * sorted.length));
  return sorted[rank - 1]!;
}

function round(value: number, digits = 4): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
