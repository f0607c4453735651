/**
 * Errors in OpenAI's shape, `{ error: { message, type, param, code } }`, for everything under `/v1`, so
 * OpenAI clients raise their usual exception types (NotFoundError, BadRequestError, RateLimitError…).
 * The same rules as the rest of the API apply: known errors show their message, anything unexpected is
 * a 500 naming the request id, and provider bodies or stacks never reach the client.
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import { GodwitError, NotFoundError, ValidationError } from '../../core/errors.ts';
import type { AppEnv, Logger } from '../app-env.ts';
import { describeForLog, statusForCode } from '../http-errors.ts';
import { formatPath, toValidationError } from '../validation.ts';

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export interface OpenAIErrorReply {
  status: ContentfulStatusCode;
  body: OpenAIErrorBody;
  headers: Record<string, string>;
}

/** An unknown model: 404 with code `model_not_found`, as OpenAI answers it. */
export function modelNotFound(message: string): NotFoundError {
  return new NotFoundError(message, { details: { field: 'model', reason: 'model_not_found' } });
}

function typeForStatus(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

/** Provider failures the client caused or can act on keep a client status instead of 502. */
function statusFor(error: GodwitError): ContentfulStatusCode {
  const reason = error.details?.reason;
  if (reason === 'model_not_found') return 404;
  if (error.code === 'provider_error' && reason === 'bad_request') return 400;
  if (reason === 'rate_limited') return 429;
  return statusForCode(error.code);
}

function stringDetail(error: GodwitError, key: string): string | null {
  const value = error.details?.[key];
  return typeof value === 'string' ? value : null;
}

/** The OpenAI-shaped reply for an error; undefined when it is unexpected and must stay private. */
export function toOpenAIError(error: unknown): OpenAIErrorReply | undefined {
  if (GodwitError.isInstance(error)) {
    const status = statusFor(error);
    const headers: Record<string, string> = {};
    const retryAfterMs = error.details?.retryAfterMs;
    if ((status === 429 || status === 503) && typeof retryAfterMs === 'number') {
      headers['retry-after'] = String(Math.max(1, Math.ceil(retryAfterMs / 1000)));
    }
    const code = stringDetail(error, 'reason') ?? error.code;
    const param = stringDetail(error, 'field');
    return {
      status,
      headers,
      body: { error: { message: error.message, type: typeForStatus(status), param, code } },
    };
  }
  if (error instanceof HTTPException) {
    const status = error.status as ContentfulStatusCode;
    const message = error.message || `The request failed with status ${status}.`;
    return {
      status,
      headers: {},
      body: { error: { message, type: typeForStatus(status), param: null, code: null } },
    };
  }
  return undefined;
}

/** The reply for any error: unexpected ones become a 500 that names the request id. */
export function openAIErrorReply(error: unknown, requestId: string | undefined): OpenAIErrorReply {
  return (
    toOpenAIError(error) ?? {
      status: 500,
      headers: {},
      body: {
        error: {
          message: `Internal error. Quote request id ${requestId ?? '(none)'} when reporting it.`,
          type: 'server_error',
          param: null,
          code: 'internal',
        },
      },
    }
  );
}

/** The `onError` of the `/v1` routes. */
export function createOpenAIErrorHandler(logger: Logger) {
  return (error: Error, c: Context<AppEnv>): Response => {
    const requestId = c.get('requestId');
    const reply = openAIErrorReply(error, requestId);
    if (reply.status >= 500) {
      const known = toOpenAIError(error) !== undefined;
      logger({
        level: known ? 'warn' : 'error',
        message: known ? 'request failed' : 'unexpected error',
        requestId,
        method: c.req.method,
        path: c.req.path,
        error: describeForLog(error),
      });
    }
    return c.json(reply.body, reply.status, reply.headers);
  };
}

function reasonFor(issue: z.core.$ZodIssue, input: unknown): string {
  if (issue.code !== 'invalid_type') return 'invalid_value';
  let value = input;
  for (const segment of issue.path) {
    value =
      value !== null && typeof value === 'object'
        ? (value as Record<PropertyKey, unknown>)[segment]
        : undefined;
  }
  return value === undefined ? 'missing_required_parameter' : 'invalid_type';
}

/**
 * The `defaultHook` of the `/v1` routes: a 400 whose `param` names the first bad field
 * (`messages[0].content`) and whose message lists every issue.
 */
export function openAIValidationHook(
  result: { success: boolean; target: string; error?: z.ZodError; data?: unknown },
  _context: Context,
): void {
  if (result.success || !result.error) return;
  const base = toValidationError(result.error, result.data, result.target);
  const first = result.error.issues[0];
  const field = first && first.path.length > 0 ? formatPath(first.path, 'body') : null;
  const reason = first ? reasonFor(first, result.data) : 'invalid_value';
  throw new ValidationError(base.message, { details: { ...base.details, field, reason } });
}
