/**
 * Retrieval evaluation: BEIR-format datasets, trec_eval-style metrics, and the runner behind
 * `godwit eval retrieval`.
 */
export { type BeirDataset, type BeirDocument, type BeirQuery, loadBeirDataset } from './beir-dataset.ts';
export {
  type EvaluateRetrievalOptions,
  evaluateRetrieval,
  type RetrievalReport,
  type RetrievedDocument,
} from './evaluate-retrieval.ts';
export { type Judgements, mrrAt, ndcgAt, type RankingMetric, recallAt } from './metrics.ts';
