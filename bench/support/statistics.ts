/** Summaries for benchmark samples. Percentiles use the nearest-rank method. */

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  mean: number;
  min: number;
  max: number;
}

/** The p-th percentile (0–100) of `values` by nearest rank; NaN for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((left, right) => left - right);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function summarize(values: readonly number[]): LatencySummary {
  const total = values.reduce((sum, value) => sum + value, 0);
  return {
    count: values.length,
    p50: round(percentile(values, 50)),
    p95: round(percentile(values, 95)),
    mean: round(values.length === 0 ? Number.NaN : total / values.length),
    min: round(Math.min(...values)),
    max: round(Math.max(...values)),
  };
}

/** `summarize` with the 99th percentile, for tail latency. */
export function summarizeWithTail(values: readonly number[]): LatencySummary & { p99: number } {
  return { ...summarize(values), p99: round(percentile(values, 99)) };
}

/** `numerator / denominator`, rounded for a report; null when the denominator is zero. */
export function ratio(numerator: number, denominator: number, digits = 2): number | null {
  if (denominator === 0 || !Number.isFinite(numerator / denominator)) return null;
  return round(numerator / denominator, digits);
}

export function round(value: number, digits = 2): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
