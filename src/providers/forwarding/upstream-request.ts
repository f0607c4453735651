/**
 * One HTTP request to an upstream model API through undici, with a pool of keep-alive connections per
 * origin. The gateway's hot path uses this instead of fetch or node:http: undici's dispatcher costs about
 * half the CPU per call of node:http's client, and the response body comes back as a Node stream, so
 * nothing is buffered or re-framed on the way through. Only undici's `Pool` is loaded (its package entry
 * also loads fetch, WebSocket and caches: about 65 ms and twice the code, against about 22 ms), and only
 * with the first call, not when the server starts.
 */
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import type { Dispatcher, Pool } from 'undici';

/** Connections per upstream origin: as many calls to one provider as this can be in flight at once. */
const CONNECTIONS_PER_ORIGIN = 256;
const pools = new Map<string, Pool>();
let PoolClass: typeof Pool | undefined;
let loading: Promise<void> | undefined;

function loadUndici(): Promise<void> {
  loading ??= loadPoolClass().then((loaded) => {
    PoolClass = loaded;
  });
  return loading;
}

/**
 * undici's `Pool` from its own module, or from the package entry when that module is not where the installed
 * undici keeps it (the path is not part of undici's exports, and a release could move it): the calls then
 * work as before, at the entry's load cost, once. The entry is required at run time, so a Lambda bundle,
 * which resolved the module when it was built, does not carry the whole package for this case.
 */
export async function loadPoolClass(
  importModule: () => Promise<{ default: typeof Pool }> = () => import('undici/lib/dispatcher/pool.js'),
  importEntry: () => Promise<{ Pool: typeof Pool }> = async () =>
    createRequire(import.meta.url)('undici') as typeof import('undici'),
): Promise<typeof Pool> {
  try {
    const loaded = (await importModule()).default;
    if (typeof loaded === 'function') return loaded;
  } catch {
    // Moved or renamed: the entry below has it.
  }
  return (await importEntry()).Pool;
}

function poolFor(origin: string, Loaded: typeof Pool): Pool {
  let pool = pools.get(origin);
  if (!pool) {
    pool = new Loaded(origin, { connections: CONNECTIONS_PER_ORIGIN });
    pools.set(origin, pool);
  }
  return pool;
}

/**
 * What a request to one upstream URL needs, worked out once: a caller that keeps its URL object (the
 * forwarder keeps one per endpoint) does not pay for reading the URL apart again on every call.
 */
interface Target {
  origin: string;
  path: string;
  /** `Basic …` from the URL's user and password, as node:http sends them; null without credentials. */
  basicAuth: string | null;
}

const targets = new WeakMap<URL, Target>();

function targetOf(url: URL): Target {
  const known = targets.get(url);
  if (known) return known;
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`${url.protocol} is not an HTTP address; use http:// or https://`);
  }
  const user = decodeURIComponent(url.username);
  const target: Target = {
    origin: url.origin,
    path: `${url.pathname}${url.search}`,
    basicAuth:
      url.username || url.password
        ? `Basic ${Buffer.from(`${user}:${decodeURIComponent(url.password)}`).toString('base64')}`
        : null,
  };
  targets.set(url, target);
  return target;
}

export interface UpstreamRequest {
  /** Read once per URL object (and not again if changed after): keep one per endpoint. */
  url: URL;
  headers: Record<string, string>;
  body: string;
  /**
   * Idle limit: no response headers, or no body bytes, for this long ends the call with `onTimeout()`;
   * 0 = none. Body gaps are checked on undici's coarse timer, to within about a second.
   */
  timeoutMs: number;
  onTimeout: () => Error;
  signal: AbortSignal;
}

export interface UpstreamResponse {
  statusCode: number;
  /** Names in lower case; a repeated header is an array. */
  headers: Record<string, string | string[] | undefined>;
  /** The body as it arrives. Destroying it closes the call's connection. */
  body: Readable;
}

const isTimeout = (error: Error) => {
  const code = (error as { code?: unknown }).code;
  return code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT';
};

/**
 * Sends `body` as a POST and resolves once the response headers arrive. Rejects on connection failures,
 * on timeout (with `onTimeout()`) and when `signal` aborts (with the signal's reason). After it resolves,
 * the same timeout and abort keep applying to the body: the body stream fails with that error.
 */
export function postUpstream(options: UpstreamRequest): Promise<UpstreamResponse> {
  const { signal } = options;
  if (signal.aborted) return Promise.reject(signal.reason);
  const Loaded = PoolClass;
  if (!Loaded) return loadUndici().then(() => postUpstream(options));
  let target: Target;
  try {
    target = targetOf(options.url);
  } catch (error) {
    return Promise.reject(error);
  }
  const headers =
    target.basicAuth && !hasHeader(options.headers, 'authorization')
      ? { ...options.headers, authorization: target.basicAuth }
      : options.headers;
  return new Promise((resolve, reject) => {
    let controller: Dispatcher.DispatchController | undefined;
    let body: Readable | undefined;
    let finished = false;
    const abortReason = () => (signal.reason instanceof Error ? signal.reason : abortError());
    const done = () => {
      finished = true;
      signal.removeEventListener('abort', onAbort);
    };
    const onAbort = () => {
      if (controller) return controller.abort(abortReason());
      // Still waiting for a connection (all in use, or connecting): the caller hears now, and the request
      // is stopped the moment it would start.
      done();
      reject(abortReason());
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(started) {
        controller = started;
        if (finished || signal.aborted) started.abort(abortReason());
      },
      onResponseStart(_controller, statusCode, responseHeaders) {
        if (statusCode < 200) return;
        body = new Readable({
          read: () => controller?.resume(),
          destroy: (error, callback) => {
            // The reader stopped early: close the connection rather than read the rest.
            if (!finished) {
              done();
              controller?.abort(error ?? abortError());
            }
            callback(error);
          },
        });
        resolve({ statusCode, headers: responseHeaders as UpstreamResponse['headers'], body });
      },
      onResponseData(current, chunk) {
        if (body && !body.push(chunk)) current.pause();
      },
      onResponseEnd() {
        done();
        body?.push(null);
      },
      onResponseError(_controller, error) {
        if (finished) return;
        done();
        const reported = signal.aborted ? abortReason() : isTimeout(error) ? options.onTimeout() : error;
        if (body) body.destroy(reported);
        else reject(reported);
      },
    };
    try {
      poolFor(target.origin, Loaded).dispatch(
        {
          path: target.path,
          method: 'POST',
          headers,
          body: options.body,
          headersTimeout: options.timeoutMs,
          bodyTimeout: options.timeoutMs,
        },
        handler,
      );
    } catch (error) {
      done();
      reject(error);
    }
  });
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  for (const key in headers) if (key.toLowerCase() === name) return true;
  return false;
}

/** Reads a whole (small) body; bounded so a runaway upstream cannot fill memory. */
export async function readBody(body: Readable, maxBytes = 16 * 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).byteLength;
    if (size > maxBytes) {
      body.destroy();
      throw new Error(`upstream response larger than ${maxBytes} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
}

function abortError(): Error {
  const error = new Error('The operation was aborted.');
  error.name = 'AbortError';
  return error;
}
