/**
 * Metrics for `GET /metrics`: a small in-process registry rendered in the Prometheus text format, the
 * metric set Godwit records, the HTTP middleware that times requests, and the wiring to the services.
 */
export { connectServiceMetrics, createUsageRecorder } from './connect-services.ts';
export { PROMETHEUS_CONTENT_TYPE } from './exposition.ts';
export {
  type CacheStats,
  type CircuitState,
  createGodwitMetrics,
  GodwitMetrics,
  type RequestObservation,
} from './godwit-metrics.ts';
export { errorKind, httpMetrics } from './http-metrics-middleware.ts';
export { createMetricsApp } from './metrics-app.ts';
export { Counter, Gauge, Histogram, type Labels, MetricsRegistry } from './metrics-registry.ts';
export { registerMetricsRoute } from './metrics-route.ts';
export { createModelLabeler, type ModelLabeler, modelLabelerFor } from './model-labels.ts';
