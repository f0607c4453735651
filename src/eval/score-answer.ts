/**
 * Scores one answer against its golden item with every model-free metric, and sums a variant's scores
 * into the figures `godwit eval answers` reports.
 */
import { factRecall, missingFacts, rougeL, tokenF1 } from './answer-metrics.ts';
import { type CitedPassage, citationHit, citationValidity } from './citation-metrics.ts';
import { percentile } from './evaluate-retrieval.ts';
import type { GoldenItem } from './golden-set.ts';
import { type JudgeVerdict, judgeAgreement } from './judge.ts';
import { isRefusal } from './refusal.ts';

/** One answer as the chat turn produced it (or the reason it failed). */
export interface AnswerRecord {
  answer: string;
  citations: CitedPassage[];
  model: string;
  latencyMs: number;
  /** Null when the model is unpriced or the turn reported no usage. */
  costUsd: number | null;
  /** Set when the turn failed; the answer is then empty or partial. */
  error: string | null;
  /** An assistant's tool calls during the turn, in order (empty for a plain model). */
  toolCalls: ToolCallRecord[];
}

/** One tool call of a turn: the tool's name and where it ended (`output-available`, `output-error`, …). */
export interface ToolCallRecord {
  name: string;
  state: string;
}

/** The per-question metrics; null where the golden item gives nothing to compare with. */
export interface AnswerMetrics {
  citation_hit: number | null;
  citation_validity: number | null;
  fact_recall: number | null;
  token_f1: number | null;
  rouge_l: number | null;
  /** 1 when the answer declines to answer. */
  refused: number;
  /** Judge-model ratings; null without a judge or a usable verdict. */
  judge_faithfulness: number | null;
  judge_relevance: number | null;
  /** Share of the item's `expected_tools` the turn called (1 or 0 when none is expected); null without them. */
  tool_recall: number | null;
}

export type AnswerMetricName = keyof AnswerMetrics;

export interface ScoredAnswer extends AnswerRecord {
  id: string;
  question: string;
  unanswerable: boolean;
  tags: string[];
  metrics: AnswerMetrics;
  missingFacts: string[];
  citationProblems: string[];
  /** The judge's prompt and verdict, when a judge was asked. */
  judge: JudgeVerdict | null;
  expectedTools: string[] | null;
}

/**
 * Scores `record` against `item`. Unanswerable items are scored on refusal only (their other metrics
 * are null); a failed turn is scored as the (empty or partial) text it produced.
 *
 * @example scoreAnswer(item, { answer: '20 days [1].', citations, model, latencyMs: 40, costUsd: null, error: null })
 */
export function scoreAnswer(item: GoldenItem, record: AnswerRecord): ScoredAnswer {
  const answerable = !item.unanswerable;
  const validity = citationValidity(record.answer, record.citations);
  const citedSources = record.citations.map((citation) => citation.source);
  return {
    ...record,
    id: item.id,
    question: item.question,
    unanswerable: item.unanswerable,
    tags: item.tags,
    metrics: {
      citation_hit: answerable ? citationHit(citedSources, item.sources) : null,
      citation_validity: validity.score,
      fact_recall: answerable ? factRecall(record.answer, item.facts) : null,
      token_f1: answerable ? tokenF1(record.answer, item.reference) : null,
      rouge_l: answerable ? rougeL(record.answer, item.reference) : null,
      refused: record.error === null && isRefusal(record.answer) ? 1 : 0,
      judge_faithfulness: null,
      judge_relevance: null,
      tool_recall: toolRecall(item.expectedTools, record.toolCalls),
    },
    missingFacts: answerable ? missingFacts(record.answer, item.facts) : [],
    citationProblems: validity.problems,
    judge: null,
    expectedTools: item.expectedTools,
  };
}

/**
 * Share of the expected tools that were called at least once. With an empty expectation (no tool should be
 * called), 1 when none was and 0 otherwise; null when the item states no expectation.
 *
 * @example toolRecall(['calculator', 'search_knowledge_base'], [{ name: 'calculator', state: 'output-available' }]) // 0.5
 */
export function toolRecall(
  expected: readonly string[] | null,
  calls: readonly ToolCallRecord[],
): number | null {
  if (expected === null) return null;
  if (expected.length === 0) return calls.length === 0 ? 1 : 0;
  const called = new Set(calls.map((call) => call.name));
  const wanted = new Set(expected);
  return [...wanted].filter((name) => called.has(name)).length / wanted.size;
}

/** A variant's figures: means over the questions each metric applies to (null when none does). */
export interface VariantSummary {
  questions: number;
  failed: number;
  citation_hit: number | null;
  citation_validity: number | null;
  fact_recall: number | null;
  token_f1: number | null;
  rouge_l: number | null;
  /** Share of unanswerable questions the answer declined. */
  refusal_rate: number | null;
  /** Share of answerable questions the answer declined. */
  false_refusal_rate: number | null;
  latency_ms_p50: number;
  latency_ms_p95: number;
  judge_faithfulness: number | null;
  judge_relevance: number | null;
  /** Share of answers where the judge's faithfulness and fact recall agree (both ≥ 0.5 or both below). */
  judge_agreement: number | null;
  /** Mean cost of the priced answers, in US dollars. */
  cost_usd_per_answer: number | null;
  /** Answers whose cost is unknown (unpriced model or no usage reported). */
  unpriced: number;
  /** Mean share of the expected tools called, over the items that state `expected_tools`. */
  tool_recall: number | null;
  /** Mean number of tool calls per answer. */
  tool_calls_per_answer: number;
}

export type SummaryMetricName = Exclude<
  keyof VariantSummary,
  'questions' | 'failed' | 'unpriced' | 'tool_calls_per_answer'
>;

export function summarizeAnswers(scored: readonly ScoredAnswer[]): VariantSummary {
  const answerable = scored.filter((entry) => !entry.unanswerable);
  const unanswerable = scored.filter((entry) => entry.unanswerable);
  const costs = scored.map((entry) => entry.costUsd).filter((cost) => cost !== null);
  const latencies = scored.map((entry) => entry.latencyMs);
  return {
    questions: scored.length,
    failed: scored.filter((entry) => entry.error !== null).length,
    citation_hit: meanOf(scored.map((entry) => entry.metrics.citation_hit)),
    citation_validity: meanOf(scored.map((entry) => entry.metrics.citation_validity)),
    fact_recall: meanOf(scored.map((entry) => entry.metrics.fact_recall)),
    token_f1: meanOf(scored.map((entry) => entry.metrics.token_f1)),
    rouge_l: meanOf(scored.map((entry) => entry.metrics.rouge_l)),
    refusal_rate: meanOf(unanswerable.map((entry) => entry.metrics.refused)),
    false_refusal_rate: meanOf(answerable.map((entry) => entry.metrics.refused)),
    judge_faithfulness: meanOf(scored.map((entry) => entry.metrics.judge_faithfulness)),
    judge_relevance: meanOf(scored.map((entry) => entry.metrics.judge_relevance)),
    judge_agreement: agreementWithFactRecall(scored),
    latency_ms_p50: round(percentile(latencies, 0.5), 1),
    latency_ms_p95: round(percentile(latencies, 0.95), 1),
    cost_usd_per_answer:
      costs.length === 0 ? null : round(costs.reduce((total, cost) => total + cost, 0) / costs.length, 8),
    unpriced: scored.length - costs.length,
    tool_recall: meanOf(scored.map((entry) => entry.metrics.tool_recall)),
    tool_calls_per_answer: meanOf(scored.map((entry) => entry.toolCalls.length)) ?? 0,
  };
}

function agreementWithFactRecall(scored: readonly ScoredAnswer[]): number | null {
  const pairs: Array<[number, number]> = [];
  for (const entry of scored) {
    const { judge_faithfulness: judge, fact_recall: facts } = entry.metrics;
    if (judge !== null && facts !== null) pairs.push([judge, facts]);
  }
  const agreement = judgeAgreement(pairs);
  return agreement === null ? null : round(agreement, 4);
}

/** Mean of the non-null values, rounded to 4 digits; null when there are none. */
export function meanOf(values: ReadonlyArray<number | null>): number | null {
  const present = values.filter((value) => value !== null);
  if (present.length === 0) return null;
  return round(present.reduce((total, value) => total + value, 0) / present.length, 4);
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
