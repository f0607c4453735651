/**
 * Feeds the metrics from the services: usage-ledger rows become model-call metrics, and breaker states
 * and cache counts are read at scrape time when the services expose them.
 */
import type { GodwitServices } from '../../core/services.ts';
import type { UsageEntry } from '../../core/types.ts';
import type { GodwitMetrics } from './godwit-metrics.ts';
import { modelLabelerFor } from './model-labels.ts';

const connected = new WeakMap<GodwitMetrics, WeakSet<GodwitServices>>();

/** Safe to call more than once for the same pair: each usage row is still counted once. */
export function connectServiceMetrics(metrics: GodwitMetrics, services: GodwitServices): void {
  let seen = connected.get(metrics);
  if (!seen) {
    seen = new WeakSet();
    connected.set(metrics, seen);
  }
  if (seen.has(services)) return;
  seen.add(services);
  metrics.labelModelsWith(modelLabelerFor(services));
  services.onUsage((entry) => metrics.recordModelCall(entry));
  if (services.circuitStates) metrics.watchCircuits(services.circuitStates);
  if (services.cacheStats) metrics.watchCaches(services.cacheStats);
}

/**
 * Records a usage row for a call the HTTP layer made itself. Metrics see the row through
 * `services.onUsage` (see `connectServiceMetrics`), so it is never counted twice.
 */
export function createUsageRecorder(services: GodwitServices): (entry: UsageEntry) => Promise<void> {
  return (entry) => services.usage.record(entry);
}
