/**
 * `GET /metrics` on a listener of its own (`metrics.port`), for a Prometheus scraper on a private network:
 * no authentication there, so the main listener stops serving it. On a loopback address the listener
 * answers only its own host names, like the main server with auth off.
 */
import { Hono } from 'hono';
import { isLoopback } from '../is-loopback.ts';
import { loopbackGuard } from '../middleware/loopback-guard.ts';
import { PROMETHEUS_CONTENT_TYPE } from './exposition.ts';
import type { GodwitMetrics } from './godwit-metrics.ts';

/**
 * @example
 *   await startNodeServer({ fetch: createMetricsApp(metrics, '127.0.0.1').fetch, host: '127.0.0.1', port: 9464 });
 */
export function createMetricsApp(metrics: GodwitMetrics, bindHost: string): Hono {
  const app = new Hono();
  // The guard only reads the Host header and the method; its context type is the main app's.
  if (isLoopback(bindHost)) app.use('*', loopbackGuard({ bindHost }) as never);
  app.get('/metrics', (c) =>
    c.text(metrics.render(), 200, { 'content-type': PROMETHEUS_CONTENT_TYPE, 'cache-control': 'no-store' }),
  );
  app.notFound((c) =>
    c.json({ error: { code: 'not_found', message: 'This listener serves GET /metrics only.' } }, 404),
  );
  return app;
}
