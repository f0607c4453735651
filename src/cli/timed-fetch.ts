/**
 * `fetch` with the waits of a client bounded: the connection and the response headers must come within the
 * timeout, and after that every gap between bytes (of the upload while it is sent, of the answer while it is
 * read) must be shorter than it. Nothing caps the total: a large upload or a long answer that keeps moving
 * is never cut, and a server that accepts the connection and then says nothing fails within the timeout.
 */
import { ConfigError, GodwitError } from '../core/errors.ts';

/** The variable that sets the CLI's wait for a running server (milliseconds). */
export const CLIENT_TIMEOUT_VARIABLE = 'GODWIT_CLIENT_TIMEOUT_MS';
export const DEFAULT_CLIENT_TIMEOUT_MS = 120_000;
/** The upload is handed over in slices this size, so each slice the connection takes shows progress. */
const UPLOAD_SLICE_BYTES = 64 * 1024;

/** GODWIT_CLIENT_TIMEOUT_MS, or the default; anything but a positive whole number is a usage error. */
export function clientTimeoutMs(env: Record<string, string | undefined> = process.env): number {
  const raw = env[CLIENT_TIMEOUT_VARIABLE]?.trim();
  if (!raw) return DEFAULT_CLIENT_TIMEOUT_MS;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value <= 0) {
    throw new ConfigError(
      `${CLIENT_TIMEOUT_VARIABLE}="${raw}" is not a positive whole number of milliseconds; set it to e.g. ${DEFAULT_CLIENT_TIMEOUT_MS} (the default) or unset it.`,
    );
  }
  return value;
}

export interface TimedFetchOptions {
  timeoutMs: number;
  /** Who is waited for, in the error: "the Godwit server at http://127.0.0.1:8787". */
  peer: string;
  /** What to check when the wait runs out, in the error. */
  advice: string;
}

type Phase = 'response' | 'upload' | 'body';

/** Bytes to send: all at hand, or read from a stream of a known length (a file read as it is sent). */
export type UploadBody = Uint8Array | { source: ReadableStream<Uint8Array>; length: number };

function uploadOf(
  body: UploadBody | null | undefined,
): { source: ReadableStream<Uint8Array>; length: number } | null {
  if (!body) return null;
  if (!(body instanceof Uint8Array)) return body.length > 0 ? body : null;
  if (body.byteLength === 0) return null;
  let offset = 0;
  const source = new ReadableStream<Uint8Array>({
    pull(stream) {
      if (offset >= body.byteLength) {
        stream.close();
        return;
      }
      stream.enqueue(body.subarray(offset, offset + UPLOAD_SLICE_BYTES));
      offset += UPLOAD_SLICE_BYTES;
    },
  });
  return { source, length: body.byteLength };
}

/** The wait ran out; the message names the peer, what it did not do, and what to do. */
export class ClientTimeoutError extends GodwitError {
  constructor(message: string) {
    super('dependency_unavailable', message, { isRetryable: true });
  }
}

export function timeoutMessage(
  options: TimedFetchOptions,
  request: string,
  phase: Phase,
  sentBytes: number,
  totalBytes: number,
): string {
  const seconds = formatSeconds(options.timeoutMs);
  const what =
    phase === 'response'
      ? `did not answer ${request} within ${seconds}`
      : phase === 'upload'
        ? `stopped taking the upload of ${request} for ${seconds} (${sentBytes} of ${totalBytes} bytes sent)`
        : `stopped sending its answer to ${request} for ${seconds} in the middle of it`;
  return `${capitalize(options.peer)} ${what}. ${options.advice} Or, for a slow server, raise ${CLIENT_TIMEOUT_VARIABLE} (now ${options.timeoutMs}).`;
}

/**
 * Sends one request with the waits bounded. The body (sent with its length, slice by slice) may be absent;
 * the response body, read through the returned Response, fails with a ClientTimeoutError when it stalls.
 * A connection refused or reset rejects with fetch's own error (the caller says what could not be reached).
 */
export async function timedFetch(
  url: URL,
  init: { method?: string; headers?: Headers; body?: UploadBody | null },
  options: TimedFetchOptions,
): Promise<Response> {
  const method = init.method ?? 'GET';
  const request = `${method} ${url.pathname}`;
  const controller = new AbortController();
  const body = uploadOf(init.body);
  let phase: Phase = body ? 'upload' : 'response';
  let sent = 0;
  let timedOut: ClientTimeoutError | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = new ClientTimeoutError(timeoutMessage(options, request, phase, sent, body?.length ?? 0));
      controller.abort(timedOut);
    }, options.timeoutMs);
    // An open connection keeps the process alive by itself; the timer alone must not.
    timer.unref?.();
  };
  const disarm = () => clearTimeout(timer);

  const headers = new Headers(init.headers);
  let upload: ReadableStream<Uint8Array> | null = null;
  if (body) {
    headers.set('content-length', String(body.length));
    const source = body.source.getReader();
    upload = new ReadableStream<Uint8Array>({
      async pull(stream) {
        const { done, value } = await source.read();
        if (done) {
          stream.close();
          return;
        }
        sent += value.byteLength;
        // The connection took another slice: the upload moves. After the last one, wait for the answer.
        if (sent >= body.length) phase = 'response';
        arm();
        stream.enqueue(value);
      },
      cancel(reason) {
        return source.cancel(reason);
      },
    });
  }

  arm();
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers,
      signal: controller.signal,
      ...(upload ? { body: upload, duplex: 'half' } : {}),
    } as RequestInit);
  } catch (error) {
    disarm();
    throw timedOut ?? error;
  }
  if (!response.body) {
    disarm();
    return response;
  }
  phase = 'body';
  arm();
  const reader = response.body.getReader();
  const watched = new ReadableStream<Uint8Array>({
    async pull(stream) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          disarm();
          stream.close();
          return;
        }
        arm();
        stream.enqueue(value);
      } catch (error) {
        disarm();
        stream.error(timedOut ?? error);
      }
    },
    cancel(reason) {
      disarm();
      return reader.cancel(reason);
    },
  });
  return new Response(watched, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
