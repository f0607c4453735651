/**
 * A/B comparison of answer variants on the same golden set: per metric, the paired bootstrap of
 * candidate − baseline over the questions both were scored on; per question, what changed.
 */
import type { VariantResult } from './evaluate-answers.ts';
import { type PairedComparison, pairedBootstrap } from './paired-bootstrap.ts';
import type { AnswerMetricName, ScoredAnswer } from './score-answer.ts';

/** Metrics compared pairwise; `refused` is compared on unanswerable questions only (the refusal rate). */
export const COMPARED_METRICS = [
  'fact_recall',
  'citation_hit',
  'citation_validity',
  'token_f1',
  'rouge_l',
  'refusal_rate',
  'judge_faithfulness',
  'judge_relevance',
  'tool_recall',
] as const;
export type ComparedMetric = (typeof COMPARED_METRICS)[number];

export interface QuestionChange {
  id: string;
  question: string;
  /** candidate − baseline, for each metric that moved. */
  deltas: Partial<Record<ComparedMetric, number>>;
  baselineAnswer: string;
  candidateAnswer: string;
}

export interface VariantComparison {
  baseline: string;
  candidate: string;
  metrics: Record<ComparedMetric, PairedComparison>;
  /** Questions where any compared metric moved, the largest losses first. */
  changed: QuestionChange[];
}

/**
 * Compares every variant after the first with the first (the baseline).
 *
 * @example compareVariants(results, { seed: 1 })[0].metrics.fact_recall.pValue
 */
export function compareVariants(
  results: readonly VariantResult[],
  options: { seed?: number; resamples?: number } = {},
): VariantComparison[] {
  const [baseline, ...candidates] = results;
  if (!baseline) return [];
  return candidates.map((candidate) => compareTwo(baseline, candidate, options));
}

function compareTwo(
  baseline: VariantResult,
  candidate: VariantResult,
  options: { seed?: number; resamples?: number },
): VariantComparison {
  const metrics = {} as Record<ComparedMetric, PairedComparison>;
  for (const metric of COMPARED_METRICS) {
    const left: number[] = [];
    const right: number[] = [];
    baseline.answers.forEach((answer, index) => {
      const before = metricValue(answer, metric);
      const after = metricValue(candidate.answers[index]!, metric);
      if (before !== null && after !== null) {
        left.push(before);
        right.push(after);
      }
    });
    metrics[metric] = pairedBootstrap(left, right, options);
  }
  const changed = baseline.answers
    .map((answer, index) => questionChange(answer, candidate.answers[index]!))
    .filter((change) => change !== null)
    .sort((left, right) => sumOf(left.deltas) - sumOf(right.deltas));
  return { baseline: baseline.name, candidate: candidate.name, metrics, changed };
}

/** A metric of one answer as compared: refusal only counts on unanswerable questions. */
export function metricValue(answer: ScoredAnswer, metric: ComparedMetric): number | null {
  if (metric === 'refusal_rate') return answer.unanswerable ? answer.metrics.refused : null;
  return answer.metrics[metric satisfies Exclude<ComparedMetric, 'refusal_rate'> as AnswerMetricName];
}

function questionChange(before: ScoredAnswer, after: ScoredAnswer): QuestionChange | null {
  const deltas: Partial<Record<ComparedMetric, number>> = {};
  for (const metric of COMPARED_METRICS) {
    const left = metricValue(before, metric);
    const right = metricValue(after, metric);
    if (left === null || right === null) continue;
    if (Math.abs(right - left) >= 0.005) deltas[metric] = Math.round((right - left) * 10_000) / 10_000;
  }
  if (Object.keys(deltas).length === 0) return null;
  return {
    id: before.id,
    question: before.question,
    deltas,
    baselineAnswer: before.answer,
    candidateAnswer: after.answer,
  };
}

function sumOf(deltas: Partial<Record<ComparedMetric, number>>): number {
  return Object.values(deltas).reduce((total, delta) => total + delta, 0);
}
