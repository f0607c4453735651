/**
 * `--fail-below metric=value,…`: minimum figures every variant must reach, so an evaluation can gate a
 * deploy. Only metrics where higher is better can have a floor.
 */
import { ValidationError } from '../core/errors.ts';
import { COMPARED_METRICS, type ComparedMetric } from './compare-variants.ts';
import type { VariantResult } from './evaluate-answers.ts';
import type { GoldenItem } from './golden-set.ts';

export interface Threshold {
  metric: ComparedMetric;
  minimum: number;
}

export interface ThresholdOutcome extends Threshold {
  variant: string;
  value: number | null;
  passed: boolean;
}

/**
 * Parses `fact_recall=0.9,citation_hit=0.8`. Throws a ValidationError naming the bad part and the valid
 * metrics; also when the set cannot measure a metric (no facts for fact_recall, say), before anything runs.
 *
 * @example parseThresholds('fact_recall=0.9', items) // [{ metric: 'fact_recall', minimum: 0.9 }]
 */
export function parseThresholds(text: string, items: readonly GoldenItem[], hasJudge = false): Threshold[] {
  const thresholds: Threshold[] = [];
  for (const part of text
    .split(',')
    .map((piece) => piece.trim())
    .filter((piece) => piece !== '')) {
    const match = /^([a-z0-9_]+)\s*=\s*(\S+)$/.exec(part);
    if (!match) {
      throw new ValidationError(
        `--fail-below: "${part}" is not metric=value; write e.g. --fail-below fact_recall=0.9.`,
      );
    }
    const [, metric = '', value = ''] = match;
    if (!(COMPARED_METRICS as readonly string[]).includes(metric)) {
      throw new ValidationError(
        `--fail-below: unknown metric "${metric}"; use one of ${COMPARED_METRICS.join(', ')}.`,
      );
    }
    const minimum = Number(value);
    if (!Number.isFinite(minimum) || minimum < 0 || minimum > 1) {
      throw new ValidationError(`--fail-below: ${metric} must be a number from 0 to 1; got "${value}".`);
    }
    const missing = unmeasurable(metric as ComparedMetric, items, hasJudge);
    if (missing) throw new ValidationError(`--fail-below: the set cannot measure ${metric}: ${missing}`);
    thresholds.push({ metric: metric as ComparedMetric, minimum });
  }
  if (thresholds.length === 0)
    throw new ValidationError('--fail-below is empty; write e.g. --fail-below fact_recall=0.9.');
  return thresholds;
}

function unmeasurable(
  metric: ComparedMetric,
  items: readonly GoldenItem[],
  hasJudge: boolean,
): string | null {
  if (metric.startsWith('judge_') && !hasJudge) return 'judge metrics need --judge MODEL.';
  const answerable = items.filter((item) => !item.unanswerable);
  if (metric === 'fact_recall' && !answerable.some((item) => item.facts.length > 0))
    return 'no item has "facts".';
  if ((metric === 'token_f1' || metric === 'rouge_l') && !answerable.some((item) => item.reference !== null))
    return 'no item has a "reference".';
  if (metric === 'citation_hit' && !answerable.some((item) => item.sources.length > 0))
    return 'no item has "sources".';
  if (metric === 'tool_recall' && !items.some((item) => item.expectedTools !== null))
    return 'no item has "expected_tools".';
  if (metric === 'refusal_rate' && answerable.length === items.length) return 'no item is "unanswerable".';
  return null;
}

/** Checks every threshold on every variant. A metric a variant could not be scored on fails. */
export function checkThresholds(
  thresholds: readonly Threshold[],
  results: readonly VariantResult[],
): ThresholdOutcome[] {
  return results.flatMap((result) =>
    thresholds.map((threshold) => {
      const value = result.summary[threshold.metric];
      return {
        ...threshold,
        variant: result.name,
        value,
        passed: value !== null && value >= threshold.minimum,
      };
    }),
  );
}
