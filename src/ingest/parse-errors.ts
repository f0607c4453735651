/**
 * Errors cross the thread boundary as plain data and are rebuilt as the same GodwitError subclass, so a
 * caller sees exactly what the in-process parser would have thrown (class, code, message, details).
 */
import {
  ConfigError,
  GodwitError,
  type GodwitErrorOptions,
  IngestError,
  PayloadTooLargeError,
  UnsupportedMediaError,
  ValidationError,
} from '../core/errors.ts';

export interface SerializedParseError {
  name: string;
  message: string;
  godwit: boolean;
  isRetryable: boolean;
  details: Record<string, unknown> | undefined;
}

type ErrorClass = new (message: string, options?: GodwitErrorOptions) => GodwitError;

const CLASSES: Record<string, ErrorClass> = {
  IngestError,
  UnsupportedMediaError,
  ConfigError,
  ValidationError,
  PayloadTooLargeError,
};

export function serializeParseError(error: unknown): SerializedParseError {
  if (GodwitError.isInstance(error)) {
    return {
      name: error.name,
      message: error.message,
      godwit: true,
      isRetryable: error.isRetryable,
      details: error.details,
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { name: 'Error', message, godwit: false, isRetryable: false, details: undefined };
}

export function deserializeParseError(serialized: SerializedParseError): Error {
  if (!serialized.godwit) return new Error(serialized.message);
  const ErrorType = CLASSES[serialized.name] ?? IngestError;
  return new ErrorType(serialized.message, {
    isRetryable: serialized.isRetryable,
    ...(serialized.details ? { details: serialized.details } : {}),
  });
}
