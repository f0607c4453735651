/**
 * The one mapping from errors to HTTP: a status per error code and the `{ error: { code, message,
 * details? } }` body. Unexpected errors become a bare 500 that names the request id; their message and
 * stack go to the log only.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { type ErrorCode, GodwitError } from '../core/errors.ts';
import type { AppEnv, Logger } from './app-env.ts';

const STATUS_BY_CODE: Record<ErrorCode, ContentfulStatusCode> = {
  bad_request: 400,
  validation_failed: 400,
  config_invalid: 500,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unauthorized: 401,
  forbidden: 403,
  rate_limited: 429,
  ingest_failed: 422,
  provider_error: 502,
  provider_unavailable: 503,
  dependency_unavailable: 503,
  server_stopping: 503,
  guardrail_intervened: 422,
  approval_already_decided: 409,
  internal: 500,
};

const CODE_BY_STATUS: Partial<Record<number, ErrorCode>> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'validation_failed',
  429: 'rate_limited',
  503: 'dependency_unavailable',
};

export interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

export interface PublicError {
  status: ContentfulStatusCode;
  body: ErrorBody;
  /** `Retry-After` for a 503 (and a 429 that says how long to wait). */
  headers: Record<string, string>;
}

/** What a 503 asks clients to wait when the error does not say: dependencies usually return in seconds. */
export const DEFAULT_RETRY_AFTER_SECONDS = 2;

/** Status for an error code; codes outside the known set (a model's own) count as a provider fault. */
export function statusForCode(code: string): ContentfulStatusCode {
  return STATUS_BY_CODE[code as ErrorCode] ?? 502;
}

export function errorBody(code: string, message: string, details?: Record<string, unknown>): ErrorBody {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

/** What the client may see of an error; undefined when the error is unexpected and must stay private. */
export function toPublicError(error: unknown): PublicError | undefined {
  if (GodwitError.isInstance(error)) {
    const status = statusForCode(error.code);
    return {
      status,
      body: errorBody(error.code, error.message, error.details),
      headers: retryAfterHeaders(status, error.details?.retryAfterMs),
    };
  }
  if (error instanceof HTTPException) {
    const code = CODE_BY_STATUS[error.status] ?? (error.status >= 500 ? 'internal' : 'bad_request');
    const message = error.message || `The request failed with status ${error.status}.`;
    const status = error.status as ContentfulStatusCode;
    return { status, body: errorBody(code, message), headers: retryAfterHeaders(status, undefined) };
  }
  return undefined;
}

/**
 * `Retry-After` in whole seconds: on every 503 (the error's own `retryAfterMs`, else the default), and on
 * a 429 that knows how long to wait.
 */
export function retryAfterHeaders(status: number, retryAfterMs: unknown): Record<string, string> {
  const known = typeof retryAfterMs === 'number' && Number.isFinite(retryAfterMs) && retryAfterMs >= 0;
  if (status === 503) {
    const seconds = known ? Math.max(1, Math.ceil(retryAfterMs / 1000)) : DEFAULT_RETRY_AFTER_SECONDS;
    return { 'retry-after': String(seconds) };
  }
  if (status === 429 && known) return { 'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) };
  return {};
}

/**
 * Middleware: a 503 that a route built itself (a chat refused before its stream started) still tells the
 * client when to come back.
 */
export function retryAfterOnUnavailable(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    if (c.res.status === 503 && !c.res.headers.has('retry-after')) {
      c.res.headers.set('retry-after', String(DEFAULT_RETRY_AFTER_SECONDS));
    }
  };
}

/** An error as a log field: name, message, stack and cause. For logs only, never for responses. */
export function describeForLog(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { value: String(error) };
  const cause = error.cause instanceof Error ? error.cause.message : undefined;
  return { name: error.name, message: error.message, stack: error.stack, cause };
}

/** Builds the `app.onError` handler: map known errors, hide unexpected ones, log server-side faults. */
export function createErrorHandler(logger: Logger) {
  return (error: Error, c: Context<AppEnv>): Response => {
    const requestId = c.get('requestId');
    const known = toPublicError(error);
    const where = { requestId, method: c.req.method, path: c.req.path };
    if (known) {
      if (known.status >= 500) {
        logger({
          level: 'warn',
          message: 'request failed',
          ...where,
          code: known.body.error.code,
          error: describeForLog(error),
        });
      }
      return c.json(known.body, known.status, known.headers);
    }
    logger({ level: 'error', message: 'unexpected error', ...where, error: describeForLog(error) });
    const message = `Internal error. Quote request id ${requestId ?? '(none)'} when reporting it.`;
    return c.json(errorBody('internal', message, { requestId }), 500);
  };
}

export function notFoundHandler(c: Context<AppEnv>): Response {
  const message = `No route for ${c.req.method} ${c.req.path}. See GET /openapi.json for the API.`;
  return c.json(errorBody('not_found', message), 404);
}
