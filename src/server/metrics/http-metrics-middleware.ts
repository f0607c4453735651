import type { Context, MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { matchedRoutes } from 'hono/route';
import { GodwitError } from '../../core/errors.ts';
import type { GodwitMetrics } from './godwit-metrics.ts';

/**
 * Times every request and counts error responses by kind. The route label is the pattern that answered
 * (`/api/conversations/:id`); requests no route matched share the label `unmatched`, so a scan of random
 * paths cannot create unbounded series.
 */
export function httpMetrics(metrics: GodwitMetrics): MiddlewareHandler {
  return async (c, next) => {
    const startedAt = performance.now();
    await next();
    const status = c.res.status;
    metrics.observeRequest({
      method: c.req.method,
      route: routeLabel(c),
      status,
      seconds: (performance.now() - startedAt) / 1000,
    });
    if (c.error) metrics.recordError(errorKind(c.error));
    else if (status >= 400) metrics.recordError(status === 404 ? 'not_found' : `http_${status}`);
  };
}

/**
 * The route the request was for, even when middleware before it answered (an auth failure). Wildcard
 * routes (middleware, the web app's catch-all) match many paths: a specific route wins over them, and a
 * request only the web app's catch-all matched is labelled `web`.
 */
function routeLabel(c: Context): string {
  const matches = matchedRoutes(c);
  const specific = matches.findLast((match) => !match.path.endsWith('*'));
  if (specific) return specific.path;
  return matches.some((match) => match.method !== 'ALL' && match.path === '*') ? 'web' : 'unmatched';
}

/** The error code a client saw: our own codes, HTTP statuses for framework errors, else `internal`. */
export function errorKind(error: unknown): string {
  if (GodwitError.isInstance(error)) return error.code;
  if (error instanceof HTTPException) return `http_${error.status}`;
  return 'internal';
}
