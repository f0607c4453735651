/**
 * The document `godwit eval answers --json` prints and `--report` saves as report.json: every variant's
 * summary and scored answers, the paired comparisons with the baseline, and the threshold outcomes.
 */
import type { ComparedMetric, VariantComparison } from './compare-variants.ts';
import type { VariantResult } from './evaluate-answers.ts';
import type { JudgeVerdict } from './judge.ts';
import type { AnswerMetrics, VariantSummary } from './score-answer.ts';
import type { ThresholdOutcome } from './thresholds.ts';

export interface AnswerReportAnswer {
  id: string;
  question: string;
  tags: string[];
  unanswerable: boolean;
  answer: string;
  citations: Array<{ index: number; source: string }>;
  model: string;
  latency_ms: number;
  cost_usd: number | null;
  error: string | null;
  metrics: AnswerMetrics;
  missing_facts: string[];
  citation_problems: string[];
  /** The judge's prompt, raw reply and ratings; null without --judge. */
  judge: JudgeVerdict | null;
  /** An assistant's tool calls, in order: name and final state. */
  tool_calls: Array<{ name: string; state: string }>;
  /** The item's `expected_tools`, when it states them. */
  expected_tools: string[] | null;
}

export interface AnswerReportComparison {
  baseline: string;
  candidate: string;
  metrics: Record<
    ComparedMetric,
    { pairs: number; mean_difference: number; low: number; high: number; p_value: number }
  >;
  changed: Array<{
    id: string;
    question: string;
    deltas: Partial<Record<ComparedMetric, number>>;
    baseline_answer: string;
    candidate_answer: string;
  }>;
}

export interface AnswerReport {
  set: string;
  questions: number;
  seed: number;
  variants: Array<{ name: string; summary: VariantSummary; answers: AnswerReportAnswer[] }>;
  comparisons: AnswerReportComparison[];
  thresholds: Array<{
    metric: string;
    minimum: number;
    variant: string;
    value: number | null;
    passed: boolean;
  }>;
  /** False when any threshold failed. */
  passed: boolean;
}

export function buildAnswerReport(input: {
  set: string;
  seed: number;
  results: readonly VariantResult[];
  comparisons: readonly VariantComparison[];
  thresholds: readonly ThresholdOutcome[];
}): AnswerReport {
  return {
    set: input.set,
    questions: input.results[0]?.answers.length ?? 0,
    seed: input.seed,
    variants: input.results.map((result) => ({
      name: result.name,
      summary: result.summary,
      answers: result.answers.map((answer) => ({
        id: answer.id,
        question: answer.question,
        tags: answer.tags,
        unanswerable: answer.unanswerable,
        answer: answer.answer,
        citations: answer.citations.map(({ index, source }) => ({ index, source })),
        model: answer.model,
        latency_ms: round(answer.latencyMs, 1),
        cost_usd: answer.costUsd,
        error: answer.error,
        metrics: answer.metrics,
        missing_facts: answer.missingFacts,
        citation_problems: answer.citationProblems,
        judge: answer.judge,
        tool_calls: answer.toolCalls.map(({ name, state }) => ({ name, state })),
        expected_tools: answer.expectedTools,
      })),
    })),
    comparisons: input.comparisons.map((comparison) => ({
      baseline: comparison.baseline,
      candidate: comparison.candidate,
      metrics: Object.fromEntries(
        Object.entries(comparison.metrics).map(([metric, result]) => [
          metric,
          {
            pairs: result.pairs,
            mean_difference: round(result.meanDifference, 4),
            low: round(result.low, 4),
            high: round(result.high, 4),
            p_value: round(result.pValue, 4),
          },
        ]),
      ) as AnswerReportComparison['metrics'],
      changed: comparison.changed.map((change) => ({
        id: change.id,
        question: change.question,
        deltas: change.deltas,
        baseline_answer: change.baselineAnswer,
        candidate_answer: change.candidateAnswer,
      })),
    })),
    thresholds: input.thresholds.map(({ metric, minimum, variant, value, passed }) => ({
      metric,
      minimum,
      variant,
      value,
      passed,
    })),
    passed: input.thresholds.every((outcome) => outcome.passed),
  };
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
