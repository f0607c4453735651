/**
 * Paired bootstrap for A/B answer evaluation: the same questions answered by two variants, the per-question
 * differences resampled with replacement to estimate how sure we can be that the mean difference is real.
 * Seeded, so the same inputs always give the same interval and p-value.
 */

export interface PairedBootstrapOptions {
  /** Resamples drawn. Default 10 000. */
  resamples?: number;
  /** Seed of the pseudo-random generator. Default 1. */
  seed?: number;
  /** Confidence level of the interval. Default 0.95. */
  confidence?: number;
}

export interface PairedComparison {
  /** Questions scored by both variants. */
  pairs: number;
  /** Mean of candidate − baseline. */
  meanDifference: number;
  /** Percentile interval of the resampled mean differences. */
  low: number;
  high: number;
  /**
   * Two-sided p-value: the share of resampled means at least as far from the observed mean as the observed
   * mean is from zero (the bootstrap distribution shifted to the null of no difference). 1 with no pairs.
   */
  pValue: number;
}

/**
 * Compares paired scores (`baseline[i]` and `candidate[i]` belong to the same question).
 *
 * @example pairedBootstrap([1, 1, 0, 1], [0, 0, 0, 1], { seed: 7 }) // meanDifference -0.5, pValue ≈ 0.25
 */
export function pairedBootstrap(
  baseline: readonly number[],
  candidate: readonly number[],
  options: PairedBootstrapOptions = {},
): PairedComparison {
  if (baseline.length !== candidate.length) {
    throw new RangeError(`paired scores differ in length: ${baseline.length} and ${candidate.length}`);
  }
  const differences = candidate.map((value, index) => value - baseline[index]!);
  const count = differences.length;
  if (count === 0) return { pairs: 0, meanDifference: 0, low: 0, high: 0, pValue: 1 };
  const observed = mean(differences);
  const resamples = options.resamples ?? 10_000;
  const random = seededRandom(options.seed ?? 1);
  const means = new Float64Array(resamples);
  let extreme = 0;
  for (let draw = 0; draw < resamples; draw++) {
    let total = 0;
    for (let pick = 0; pick < count; pick++) total += differences[Math.floor(random() * count)]!;
    means[draw] = total / count;
    if (Math.abs(means[draw]! - observed) >= Math.abs(observed) - 1e-12) extreme++;
  }
  means.sort();
  const tail = (1 - (options.confidence ?? 0.95)) / 2;
  return {
    pairs: count,
    meanDifference: observed,
    low: quantile(means, tail),
    high: quantile(means, 1 - tail),
    pValue: observed === 0 ? 1 : extreme / resamples,
  };
}

function mean(values: readonly number[]): number {
  let total = 0;
  for (const value of values) total += value;
  return total / values.length;
}

function quantile(sorted: Float64Array, fraction: number): number {
  const position = Math.min(sorted.length - 1, Math.max(0, Math.floor(fraction * sorted.length)));
  return sorted[position]!;
}

/** mulberry32: a small, fast, seedable generator of floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
}
