/** `GET /metrics`: every metric in the Prometheus text exposition format. */
import { createRoute, z } from '@hono/zod-openapi';
import type { GodwitApp } from '../app-env.ts';
import { PROMETHEUS_CONTENT_TYPE } from './exposition.ts';
import type { GodwitMetrics } from './godwit-metrics.ts';

const metricsRoute = createRoute({
  method: 'get',
  path: '/metrics',
  tags: ['operations'],
  summary: 'Metrics for Prometheus: request durations, model latency, tokens, cost, errors, circuit states',
  responses: {
    200: {
      description: 'Prometheus text exposition format 0.0.4',
      content: { 'text/plain': { schema: z.string() } },
    },
  },
});

export function registerMetricsRoute(app: GodwitApp, metrics: GodwitMetrics): void {
  app.openapi(metricsRoute, (c) =>
    c.text(metrics.render(), 200, { 'content-type': PROMETHEUS_CONTENT_TYPE, 'cache-control': 'no-store' }),
  );
}
