/**
 * Request body gates that run before validation: content type (415), size (413) and, for JSON, syntax
 * (400). The size check trusts Content-Length when present and otherwise counts bytes as they arrive,
 * so an oversized body is refused without being read whole.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { GodwitError, PayloadTooLargeError, UnsupportedMediaError } from '../../core/errors.ts';
import type { AppEnv } from '../app-env.ts';

const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/;

function mediaTypeOf(c: Context): string {
  return (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
}

function describeBytes(bytes: number): string {
  if (bytes >= 1024 * 1024)
    return `${(bytes / (1024 * 1024)).toFixed(bytes % (1024 * 1024) === 0 ? 0 : 1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(bytes % 1024 === 0 ? 0 : 1)} KiB`;
  return `${bytes} bytes`;
}

/** Refuses (413) a body over `maxBytes`; one without a declared length is counted as it is read. */
export function limitBody(maxBytes: number, what: string): MiddlewareHandler<AppEnv> {
  const tooLarge = () => {
    throw new PayloadTooLargeError(
      `${what} is larger than the ${describeBytes(maxBytes)} limit; send less per request.`,
      { details: { limitBytes: maxBytes } },
    );
  };
  const counting = bodyLimit({ maxSize: maxBytes, onError: tooLarge });
  return (c, next) => {
    // A declared length is checked from the header alone: the body is then read once, by whoever needs
    // it, without materialising the runtime's Request object on the hot path. Bodies without a length
    // (chunked) are counted as they arrive.
    const declared = c.req.header('content-length');
    if (declared !== undefined && c.req.header('transfer-encoding') === undefined) {
      const length = Number(declared);
      if (Number.isSafeInteger(length) && length >= 0) return length > maxBytes ? tooLarge() : next();
    }
    return counting(c, next);
  };
}

/** Accepts only a JSON body of at most `maxBytes`, parsed once here (the validator reuses the parse). */
export function jsonBody(maxBytes: number): MiddlewareHandler<AppEnv> {
  const limit = limitBody(maxBytes, 'The request body');
  return async (c, next) => {
    const mediaType = mediaTypeOf(c);
    if (!JSON_MEDIA_TYPE.test(mediaType)) {
      throw new UnsupportedMediaError(
        `Content-Type must be application/json for ${c.req.method} ${c.req.path}; got ${mediaType ? `"${mediaType}"` : 'none'}.`,
      );
    }
    return limit(c, async () => {
      try {
        await c.req.json();
      } catch (error) {
        if (GodwitError.isInstance(error)) throw error;
        const reason = error instanceof Error ? error.message : String(error);
        throw new GodwitError('bad_request', `Request body is not valid JSON: ${reason}`);
      }
      await next();
    });
  };
}

/** Accepts only multipart/form-data of at most `maxBytes` in total. */
export function multipartBody(maxBytes: number): MiddlewareHandler<AppEnv> {
  const limit = limitBody(maxBytes, 'The upload');
  return async (c, next) => {
    const mediaType = mediaTypeOf(c);
    if (mediaType !== 'multipart/form-data') {
      throw new UnsupportedMediaError(
        `Content-Type must be multipart/form-data with one or more "file" fields; got ${mediaType ? `"${mediaType}"` : 'none'}.`,
      );
    }
    return limit(c, next);
  };
}

/** The parsed multipart form; a body that is not valid multipart is a 400 that says so. */
export async function readForm(c: Context): Promise<FormData> {
  try {
    return await c.req.formData();
  } catch (error) {
    if (GodwitError.isInstance(error)) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new GodwitError('bad_request', `Request body is not valid multipart/form-data: ${reason}`);
  }
}
