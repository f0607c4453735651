/**
 * Translates whatever a provider call threw (AI SDK errors, network errors, stream error payloads) into a
 * GodwitError with a message that names the model and the fix, `isRetryable` set for transient failures,
 * and safe details (`reason`, `status`, `retryAfterMs`). Provider bodies stay in `cause`, never in the message.
 */
import { APICallError } from '@ai-sdk/provider';
import { isAbortError, isProviderStreamError } from '@ai-sdk/provider-utils';
import { ConfigError, GodwitError, ProviderError } from '../../core/errors.ts';
import { retryAfterMs } from './retry-after.ts';

export type FailureReason =
  | 'bad_request'
  | 'unauthorized'
  | 'model_not_found'
  | 'rate_limited'
  | 'server_error'
  | 'timeout'
  | 'connection'
  | 'stream_cut'
  | 'malformed_response'
  | 'circuit_open'
  | 'unknown';

export interface ErrorContext {
  /** Our provider name: bedrock, openai, google, ollama. */
  provider: string;
  modelId: string;
  /** What to check when credentials are rejected, for example `OPENAI_API_KEY`. */
  credentialHint?: string;
  now?: () => number;
}

const MALFORMED = new Set([
  'AI_JSONParseError',
  'AI_TypeValidationError',
  'AI_InvalidResponseDataError',
  'AI_EmptyResponseBodyError',
]);
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
]);

/** True for cancellations the caller asked for; those pass through untouched. */
export function isCancellation(error: unknown): boolean {
  return isAbortError(error);
}

/** Maps any thrown value to a GodwitError; cancellations are returned unchanged. */
export function toProviderError(error: unknown, context: ErrorContext): unknown {
  if (GodwitError.isInstance(error) || isCancellation(error)) return error;
  const name = `${context.provider}:${context.modelId}`;
  if (APICallError.isInstance(error)) return fromApiCall(error, context, name);
  if (isProviderStreamError(error)) {
    const status = error.statusCode;
    return status === undefined
      ? failure(
          `${name} reported an error in its response stream.`,
          'server_error',
          error,
          error.isRetryable ?? true,
        )
      : fromStatus(status, undefined, error, context, name);
  }
  const errorName = (error as { name?: string } | undefined)?.name ?? '';
  if (errorName === 'AI_LoadAPIKeyError' || errorName === 'AI_LoadSettingError') {
    return new ConfigError(`${name} is not configured: ${(error as Error).message}`, { cause: error });
  }
  if (MALFORMED.has(errorName)) {
    return failure(`${name} returned a response that could not be read.`, 'malformed_response', error, true);
  }
  const message = error instanceof Error ? error.message : String(error);
  if (message.startsWith('AWS credential provider failed')) {
    return new ConfigError(
      `${name}: no AWS credentials were found. Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or run with an IAM role.`,
      { cause: error },
    );
  }
  if (isConnectionFailure(error)) {
    return failure(
      `${name}: the connection to the provider failed before the answer was complete.`,
      'stream_cut',
      error,
      true,
    );
  }
  return failure(`${name} failed unexpectedly.`, 'unknown', error, false);
}

function fromApiCall(error: APICallError, context: ErrorContext, name: string): GodwitError {
  if (error.statusCode === undefined) {
    const origin = safeOrigin(error.url);
    return failure(
      `${name}: could not connect to ${origin}. Check that the endpoint is reachable.`,
      'connection',
      error,
      true,
    );
  }
  if (error.statusCode >= 200 && error.statusCode < 300) {
    // The provider said yes, then the body broke: cut off mid-way, or not what the API promises.
    return isConnectionFailure(error.cause)
      ? failure(
          `${name}: the connection to the provider failed before the answer was complete.`,
          'stream_cut',
          error,
          true,
        )
      : failure(`${name} returned a response that could not be read.`, 'malformed_response', error, true);
  }
  const wait = retryAfterMs(error.responseHeaders, context.now);
  return fromStatus(error.statusCode, wait, error, context, name);
}

function fromStatus(
  status: number,
  wait: number | undefined,
  cause: unknown,
  context: ErrorContext,
  name: string,
) {
  const details = { status, ...(wait === undefined ? {} : { retryAfterMs: wait }) };
  if (status === 401 || status === 403) {
    const hint = context.credentialHint ? ` Check ${context.credentialHint}.` : '';
    return failure(
      `${name}: the provider rejected the credentials (HTTP ${status}).${hint}`,
      'unauthorized',
      cause,
      false,
      details,
    );
  }
  if (status === 404 || isInvalidBedrockModel(status, cause)) {
    return failure(
      `${name}: the provider does not know this model (HTTP ${status}). Check the model id and that your account has access to it.`,
      'model_not_found',
      cause,
      false,
      details,
    );
  }
  if (status === 429) {
    return failure(
      `${name}: the provider is rate limiting requests (HTTP 429).`,
      'rate_limited',
      cause,
      true,
      details,
    );
  }
  if (status === 408 || status === 504) {
    return failure(`${name}: the provider timed out (HTTP ${status}).`, 'timeout', cause, true, details);
  }
  if (status >= 500 || status === 424 || status === 409) {
    return failure(`${name}: the provider failed (HTTP ${status}).`, 'server_error', cause, true, details);
  }
  return failure(
    `${name}: the provider rejected the request (HTTP ${status}).`,
    'bad_request',
    cause,
    false,
    details,
  );
}

function failure(
  message: string,
  reason: FailureReason,
  cause: unknown,
  isRetryable: boolean,
  details: Record<string, unknown> = {},
): ProviderError {
  return new ProviderError(message, {
    cause,
    isRetryable,
    unavailable: isRetryable,
    details: { reason, ...details },
  });
}

/** Bedrock answers an unknown model id with a 400 ValidationException, not a 404. */
function isInvalidBedrockModel(status: number, cause: unknown): boolean {
  if (status !== 400) return false;
  const text = cause instanceof Error ? cause.message : '';
  return /model identifier is invalid/i.test(text);
}

function isConnectionFailure(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: string }).code;
    if (code && CONNECTION_CODES.has(code)) return true;
    const message = current instanceof Error ? current.message.toLowerCase() : '';
    if (message === 'terminated' || message === 'fetch failed' || message.includes('other side closed'))
      return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'the provider endpoint';
  }
}

/** The failure reason recorded on a mapped error, if any. */
export function failureReason(error: unknown): FailureReason | undefined {
  if (!GodwitError.isInstance(error)) return undefined;
  return error.details?.reason as FailureReason | undefined;
}

/** Whether a failure is worth another attempt (here or on a fallback model). */
export function isRetryableFailure(error: unknown): boolean {
  if (isCancellation(error)) return false;
  if (GodwitError.isInstance(error)) return error.isRetryable;
  if (APICallError.isInstance(error)) return error.isRetryable;
  return false;
}
