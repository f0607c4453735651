/**
 * Retrieval evaluation (BEIR-format datasets, trec_eval-style metrics, `godwit eval retrieval`) and answer
 * evaluation (golden sets, model-free answer metrics, `godwit eval answers`).
 */
export { type BeirDataset, type BeirDocument, type BeirQuery, loadBeirDataset } from './beir-dataset.ts';
export {
  type EvaluateRetrievalOptions,
  evaluateRetrieval,
  type RetrievalReport,
  type RetrievedDocument,
} from './evaluate-retrieval.ts';
export { type GoldenItem, loadGoldenSet, parseGoldenSet } from './golden-set.ts';
export { type Judgements, mrrAt, ndcgAt, type RankingMetric, recallAt } from './metrics.ts';
