/**
 * Request body gates that run before validation: content type (415), size (413) and, for JSON, syntax
 * (400). The size check trusts Content-Length when present and otherwise counts bytes as they arrive,
 * so an oversized body is refused without being read whole.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { Busboy } from '@fastify/busboy';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { joinInPieces } from '../../core/bytes-in-pieces.ts';
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

/**
 * Accepts only a JSON body of at most `maxBytes`, parsed once here: every later `c.req.json()` of the
 * request (the validator's, the handler's) is given this same value instead of parsing the text again.
 * None of them may change it.
 */
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
        const parsed = c.req.json();
        await parsed;
        c.req.json = (() => parsed) as typeof c.req.json;
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

/** One part of a multipart form: a file with its bytes, or a text value (whose value no route reads). */
export type FormPart =
  | { kind: 'file'; field: string; name: string; type: string; bytes: Uint8Array }
  | { kind: 'text'; field: string };

/**
 * The parts of a multipart form, read as the body streams in (`@fastify/busboy`): each file's bytes are
 * joined a few MiB per turn of the event loop, so a 50 MiB upload never holds the server in one long turn
 * (the runtime's `Request.formData()` joins and copies the whole body in one). A body that is not valid
 * multipart is a 400 that says so.
 */
export async function readForm(c: Context): Promise<FormPart[]> {
  const body = c.req.raw.body;
  if (body === null) throw notMultipart('the body is empty');
  let parser: ReturnType<typeof Busboy>;
  try {
    parser = Busboy({
      headers: { 'content-type': c.req.header('content-type') ?? '' },
      // A part is a file when it names one; the name is kept whole (it becomes the document's source).
      isPartAFile: (_field, _type, fileName) => fileName !== undefined,
      preservePath: true,
    });
  } catch (error) {
    throw notMultipart(reasonOf(error));
  }
  const parts: Array<FormPart | Promise<FormPart>> = [];
  parser.on('file', (encodedField, stream, encodedName, _encoding, type) => {
    const field = decodeQuotedName(encodedField);
    const name = decodeQuotedName(encodedName);
    const part = new Promise<Uint8Array[]>((resolve, reject) => {
      const pieces: Uint8Array[] = [];
      stream.on('data', (piece: Uint8Array) => pieces.push(piece));
      stream.on('end', () => resolve(pieces));
      stream.on('error', reject);
    }).then(
      async (pieces): Promise<FormPart> => ({
        kind: 'file',
        field,
        name,
        type,
        bytes: await joinInPieces(pieces),
      }),
    );
    // A body cut short fails the whole read below; this part's own failure must not go unobserved.
    part.catch(() => {});
    parts.push(part);
  });
  parser.on('field', (field) => parts.push({ kind: 'text', field: decodeQuotedName(field) }));
  try {
    await pipeline(Readable.fromWeb(body as NodeReadableStream<Uint8Array>), parser);
    return await Promise.all(parts);
  } catch (error) {
    if (GodwitError.isInstance(error)) throw error;
    throw notMultipart(reasonOf(error));
  }
}

/**
 * A name as the form's sender meant it: browsers and `FormData` write a newline, a carriage return and a
 * double quote in a part's quoted name as `%0A`, `%0D` and `%22` (the HTML standard's multipart encoding),
 * and read them back the same way.
 */
function decodeQuotedName(name: string): string {
  return name.replace(/%0A/gi, '\n').replace(/%0D/gi, '\r').replace(/%22/g, '"');
}

function notMultipart(reason: string): GodwitError {
  return new GodwitError('bad_request', `Request body is not valid multipart/form-data: ${reason}`);
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
