/**
 * Pieces of the Prometheus text exposition format: label sets and sample values.
 * Format reference: https://prometheus.io/docs/instrumenting/exposition_formats/
 */

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Label values may hold any text; backslash, double quote and line feed must be escaped. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** `{a="1",b="2"}`, or nothing for no labels; `extra` is appended last (the histogram's `le`). */
export function formatLabels(labels: Readonly<Record<string, string>>, extra?: [string, string]): string {
  const pairs = Object.entries(labels).map(([name, value]) => `${name}="${escapeLabelValue(value)}"`);
  if (extra) pairs.push(`${extra[0]}="${escapeLabelValue(extra[1])}"`);
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
}

/** Go-style float text: `+Inf`, `-Inf`, `NaN`, otherwise the shortest round-tripping decimal. */
export function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

export function formatSample(name: string, labels: Readonly<Record<string, string>>, value: number): string {
  return `${name}${formatLabels(labels)} ${formatNumber(value)}`;
}
