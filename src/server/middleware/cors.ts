/**
 * Cross-origin access for a front end hosted apart from the API (`server.cors.allowedOrigins`). Only the
 * listed origins get `Access-Control-Allow-Origin`; preflights (`OPTIONS`) are answered before
 * authentication, on every route. No cookies are involved: callers send an API key or a bearer token.
 */
import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import type { AppEnv } from '../app-env.ts';

export interface CorsSettings {
  /** Origins (`https://app.example.com`) whose pages may call the API. Empty = none. */
  allowedOrigins: readonly string[];
  /** How long a browser may cache a preflight answer. Default 600. */
  maxAgeSeconds?: number;
}

/** Headers a page may read from an answer, besides the CORS-safelisted ones. */
const EXPOSED_HEADERS = [
  'x-request-id',
  'retry-after',
  'x-vercel-ai-ui-message-stream',
  'content-disposition',
];

/**
 * The CORS middleware, or null when no origin is allowed (then no CORS header is ever sent).
 *
 * @example
 * const middleware = corsMiddleware({ allowedOrigins: ['https://app.example.com'] });
 * if (middleware) app.use('*', middleware);
 */
export function corsMiddleware(settings: CorsSettings): MiddlewareHandler<AppEnv> | null {
  const allowed = new Set(settings.allowedOrigins.map((origin) => origin.replace(/\/+$/, '').toLowerCase()));
  if (allowed.size === 0) return null;
  return cors({
    origin: (origin) => (allowed.has(origin.toLowerCase()) ? origin : null),
    allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowHeaders: ['authorization', 'content-type', 'x-api-key', 'x-request-id', 'last-event-id'],
    exposeHeaders: EXPOSED_HEADERS,
    maxAge: settings.maxAgeSeconds ?? 600,
  });
}
