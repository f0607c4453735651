/**
 * CloudWatch embedded metric format (EMF): one JSON log line carries both the log fields and the metrics,
 * so a Lambda function publishes metrics without an API call. Format:
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */
import type { UsageEntry } from '../../core/types.ts';

export const METRIC_NAMESPACE = 'Godwit';

export type MetricUnit = 'Count' | 'None' | 'Milliseconds';

export interface EmfMetric {
  name: string;
  value: number;
  unit: MetricUnit;
}

/**
 * One EMF document; `dimensions` become top-level fields, and each of `dimensionSets` (default: all the
 * dimensions together) a metric series.
 */
export function emfLine(
  metrics: EmfMetric[],
  dimensions: Record<string, string>,
  fields: Record<string, unknown> = {},
  dimensionSets: string[][] = [Object.keys(dimensions)],
  now: () => number = Date.now,
): string {
  const document: Record<string, unknown> = {
    ...fields,
    ...dimensions,
    _aws: {
      Timestamp: now(),
      CloudWatchMetrics: [
        {
          Namespace: METRIC_NAMESPACE,
          Dimensions: dimensionSets,
          Metrics: metrics.map((metric) => ({ Name: metric.name, Unit: metric.unit })),
        },
      ],
    },
  };
  for (const metric of metrics) document[metric.name] = metric.value;
  return JSON.stringify(document);
}

/**
 * Tokens and cost of one model call, per service and per model. `CostUsd` is omitted for unpriced
 * models rather than published as zero; the daily-cost alarm sums it over the service series.
 * `modelLabel` turns the requested name into the `Model` dimension (each value is a metric CloudWatch
 * bills): pass the server's labeler so names it does not know are grouped.
 */
export function usageEmfLine(
  entry: UsageEntry,
  service: string,
  modelLabel: (model: string) => { model: string } = (model) => ({ model }),
): string {
  const metrics: EmfMetric[] = [
    { name: 'ModelCalls', value: 1, unit: 'Count' },
    { name: 'InputTokens', value: entry.inputTokens, unit: 'Count' },
    { name: 'OutputTokens', value: entry.outputTokens, unit: 'Count' },
    { name: 'ModelLatency', value: entry.latencyMs, unit: 'Milliseconds' },
  ];
  if (entry.costUsd !== null) metrics.push({ name: 'CostUsd', value: entry.costUsd, unit: 'None' });
  if (entry.outcome === 'error') metrics.push({ name: 'ModelErrors', value: 1, unit: 'Count' });
  return emfLine(
    metrics,
    { Service: service, Model: modelLabel(entry.model).model },
    {
      level: 'info',
      message: 'model usage',
      requestedModel: entry.model,
      operation: entry.operation,
      outcome: entry.outcome,
    },
    [['Service'], ['Service', 'Model']],
  );
}
