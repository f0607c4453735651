/**
 * One error base for the whole product. Adapters translate vendor errors into these at their boundary;
 * the HTTP layer maps `code` to a status and a JSON body, the CLI maps it to an exit code.
 */

const marker = Symbol.for('godwit.error');

export type ErrorCode =
  | 'bad_request'
  | 'validation_failed'
  | 'config_invalid'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'unauthorized'
  | 'forbidden'
  | 'rate_limited'
  | 'ingest_failed'
  | 'provider_error'
  | 'provider_unavailable'
  | 'dependency_unavailable'
  /** The server began to stop while the request was answered; retry (on another instance). */
  | 'server_stopping'
  /** A guardrail blocked the question or the answer; the stored message names the guardrail and policy. */
  | 'guardrail_intervened'
  /** Another request decided this tool call first (a second click, a second instance): nothing ran twice. */
  | 'approval_already_decided'
  | 'internal';

export interface GodwitErrorOptions {
  cause?: unknown;
  isRetryable?: boolean;
  /** Extra, safe-to-show facts (a field name, a limit). Never secrets or provider bodies. */
  details?: Record<string, unknown>;
}

export class GodwitError extends Error {
  readonly [marker] = true;
  readonly code: ErrorCode;
  readonly isRetryable: boolean;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: GodwitErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.isRetryable = options.isRetryable ?? false;
    this.details = options.details;
  }

  static isInstance(value: unknown): value is GodwitError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[marker] === true;
  }
}

export class ValidationError extends GodwitError {
  constructor(message: string, options: GodwitErrorOptions = {}) {
    super('validation_failed', message, options);
  }
}

export class ConfigError extends GodwitError {
  constructor(message: string, options: GodwitErrorOptions = {}) {
    super('config_invalid', message, options);
  }
}

export class NotFoundError extends GodwitError {
  constructor(message: string, options: GodwitErrorOptions = {}) {
    super('not_found', message, options);
  }
}

export class ConflictError extends GodwitError {
  constructor(message: string, options: GodwitErrorOptions = {}) {
    super('conflict', message, options);
  }
}

/** A tool call's approval was decided by another request first; this decision changed nothing. */
export class ApprovalAlreadyDecidedError extends GodwitError {
  constructor(message: string, options: GodwitErrorOptions = {}) {
    super('approval_already_decided', message, options);
  }
}

export class PayloadTooLargeError extends GodwitError {
  constructor(message: string, options: GodwitErrorOptions = {}) {
    super('payload_too_large', message, options);
  }
}

export class IngestError extends GodwitError {
  constructor(message: string, options: GodwitErrorOptions = {}) {
    super('ingest_failed', message, options);
  }
}

export class UnsupportedMediaError extends GodwitError {
  constructor(message: string, options: GodwitErrorOptions = {}) {
    super('unsupported_media_type', message, options);
  }
}

export class AuthError extends GodwitError {
  constructor(message: string, options: GodwitErrorOptions & { forbidden?: boolean } = {}) {
    super(options.forbidden ? 'forbidden' : 'unauthorized', message, options);
  }
}

export class ProviderError extends GodwitError {
  constructor(message: string, options: GodwitErrorOptions & { unavailable?: boolean } = {}) {
    super(options.unavailable ? 'provider_unavailable' : 'provider_error', message, options);
  }
}

export class DependencyError extends GodwitError {
  constructor(message: string, options: GodwitErrorOptions = {}) {
    super('dependency_unavailable', message, { isRetryable: true, ...options });
  }
}

/**
 * A guardrail (Bedrock Guardrails) blocked the question or the answer. The message says which guardrail,
 * on which side and under which policies; `details` carries the same as data.
 */
export class GuardrailInterventionError extends GodwitError {
  constructor(
    readonly intervention: {
      guardrail: string;
      source: 'input' | 'output';
      policies: string[];
      /** The text the guardrail returns in place of the blocked one, when it gives one. */
      replacement?: string;
    },
  ) {
    const what = intervention.source === 'input' ? 'the question' : 'the answer';
    const policies = intervention.policies.length > 0 ? ` (${intervention.policies.join('; ')})` : '';
    super('guardrail_intervened', `Guardrail ${intervention.guardrail} blocked ${what}${policies}.`, {
      details: {
        guardrail: intervention.guardrail,
        source: intervention.source,
        policies: intervention.policies,
      },
    });
  }
}

/** A short description of any thrown value, for operator logs (may hold vendor detail). */
export function describeError(error: unknown): string {
  if (GodwitError.isInstance(error)) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * A description safe to show a user and to store: our own errors speak for themselves; anything else is
 * summarised (an HTTP status at most) so provider bodies and internals never leak.
 */
export function publicErrorMessage(error: unknown): string {
  if (GodwitError.isInstance(error)) return error.message;
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === 'number') return `The model provider answered with HTTP ${status}.`;
  return 'The model call failed unexpectedly.';
}
