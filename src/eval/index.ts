/**
 * Retrieval evaluation (BEIR-format datasets, trec_eval-style metrics, `godwit eval retrieval`) and answer
 * evaluation (golden sets, model-free answer metrics, `godwit eval answers`), and the tool-calling check
 * (`godwit eval tools`).
 */

export { factRecall, missingFacts, rougeL, tokenF1 } from './answer-metrics.ts';
export { type AnswerReport, buildAnswerReport } from './answer-report.ts';
export { escapeHtml, renderHtmlReport } from './answer-report-html.ts';
export { renderMarkdownReport } from './answer-report-markdown.ts';
export { type BeirDataset, type BeirDocument, type BeirQuery, loadBeirDataset } from './beir-dataset.ts';
export { type CitationCheck, type CitedPassage, citationHit, citationValidity } from './citation-metrics.ts';
export {
  COMPARED_METRICS,
  type ComparedMetric,
  compareVariants,
  type QuestionChange,
  type VariantComparison,
} from './compare-variants.ts';
export {
  DRAFT_INSTRUCTIONS,
  type DraftedItem,
  type DraftPassage,
  draftGoldenSet,
  formatDraft,
  samplePassages,
} from './draft-golden-set.ts';
export {
  type AnswerVariant,
  type AskedAnswer,
  type EvaluateAnswersOptions,
  evaluateAnswers,
  isFatalAskError,
  type VariantResult,
} from './evaluate-answers.ts';
export {
  type EvaluateRetrievalOptions,
  evaluateRetrieval,
  type RetrievalReport,
  type RetrievedDocument,
} from './evaluate-retrieval.ts';
export {
  type CategoryScore,
  evaluateToolCalling,
  renderToolCallingMarkdown,
  type ToolCallingComparison,
  type ToolCallingModel,
  type ToolCallingReport,
  type ToolCallingResult,
} from './evaluate-tool-calling.ts';
export { type GoldenItem, loadGoldenSet, parseGoldenSet } from './golden-set.ts';
export {
  buildJudgePrompt,
  JUDGE_INSTRUCTIONS,
  type JudgeVerdict,
  judgeAgreement,
  parseVerdict,
} from './judge.ts';
export { type Judgements, mrrAt, ndcgAt, type RankingMetric, recallAt } from './metrics.ts';
export { answerTokens, containsTokens } from './normalize-answer.ts';
export { type PairedComparison, pairedBootstrap, seededRandom } from './paired-bootstrap.ts';
export { isRefusal } from './refusal.ts';
export {
  type AnswerMetricName,
  type AnswerMetrics,
  type AnswerRecord,
  meanOf,
  type ScoredAnswer,
  type SummaryMetricName,
  scoreAnswer,
  summarizeAnswers,
  type VariantSummary,
} from './score-answer.ts';
export { checkThresholds, parseThresholds, type Threshold, type ThresholdOutcome } from './thresholds.ts';
export {
  type AcceptableCall,
  type CallCheck,
  checkToolCalls,
  type ModelToolCall,
  type ToolFunction,
} from './tool-call-checker.ts';
export {
  BUILTIN_TOOL_CALLING_SET,
  loadToolCallingSet,
  parseToolCallingSet,
  TOOL_CALLING_CATEGORIES,
  type ToolCallingCategory,
  type ToolCallingItem,
} from './tool-calling-set.ts';
