/**
 * An exact response cache as AI SDK middleware. A deterministic request (temperature 0, or unset when
 * `cacheUnsetTemperature` is on) that was answered before is answered again from the cache, for
 * generate and stream calls alike (a cached stream is replayed part by part). Only complete answers
 * are stored: never errors, never a stream that failed, was cut off or was cancelled.
 *
 * A replayed answer reports zero usage, since the provider did no work (set `replayUsage: 'original'` to
 * report the first call's usage), and says so in `providerMetadata.godwit.cache`. A call can opt out
 * with `providerOptions: { godwit: { cache: false } }`, or opt in despite its temperature with `true`.
 */
import type {
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4Middleware,
  LanguageModelV4StreamPart,
  LanguageModelV4StreamResult,
} from '@ai-sdk/provider';
import { ValidationError } from '../../core/errors.ts';
import type { Cache } from '../../core/ports.ts';
import { CacheCounters } from './cache-counters.ts';
import { canonicalJson, sha256Hex } from './cache-keys.ts';
import {
  generateEntry,
  hasBinaryData,
  hitMetadata,
  isCompleteFinish,
  NO_USAGE,
  readEntry,
  replayGenerate,
  revivePart,
  type StreamEntry,
  streamEntry,
} from './response-cache-entry.ts';
import { TolerantCache } from './tolerant-cache.ts';

export interface ResponseCacheOptions {
  cache: Cache;
  /** Seconds an answer is kept. Required: cached answers must not outlive changes to the documents. */
  ttlSeconds: number;
  /** Also cache calls that leave temperature unset (the provider's default may not be 0). Default false. */
  cacheUnsetTemperature?: boolean;
  /** What a replayed answer reports as usage. Default `zero`. */
  replayUsage?: 'zero' | 'original';
  /** Default `response:`; add a tenant or deployment to keep caches apart. */
  keyPrefix?: string;
  counters?: CacheCounters;
  now?: () => Date;
  onError?: (error: unknown, operation: 'get' | 'set') => void;
}

export type ResponseCacheMiddleware = LanguageModelV4Middleware & { readonly counters: CacheCounters };

/**
 * @example
 *   const cached = wrapLanguageModel({ model, middleware: createResponseCacheMiddleware({ cache, ttlSeconds: 3600 }) });
 */
export function createResponseCacheMiddleware(options: ResponseCacheOptions): ResponseCacheMiddleware {
  if (!(Number.isFinite(options.ttlSeconds) && options.ttlSeconds > 0)) {
    throw new ValidationError(
      `The response cache needs ttlSeconds, a positive number of seconds; got ${options.ttlSeconds}.`,
      { details: { field: 'ttlSeconds' } },
    );
  }
  const counters = options.counters ?? new CacheCounters();
  const cache = new TolerantCache({ cache: options.cache, counters, onError: options.onError });
  const now = options.now ?? (() => new Date());
  const keyOf = (mode: 'generate' | 'stream', model: LanguageModelV4, params: LanguageModelV4CallOptions) =>
    `${options.keyPrefix ?? 'response:'}${sha256Hex(canonicalJson(requestIdentity(mode, model, params)))}`;

  return {
    specificationVersion: 'v4',
    counters,
    async wrapGenerate({ doGenerate, params, model }) {
      if (!isCacheable(params, options)) {
        counters.bypasses++;
        return doGenerate();
      }
      const key = keyOf('generate', model, params);
      const stored = await cache.get(key);
      if (stored !== undefined) {
        try {
          const entry = readEntry(stored, 'generate');
          counters.hits++;
          const usage = options.replayUsage === 'original' ? entry.result.usage : NO_USAGE;
          const metadata = hitMetadata(entry.result.providerMetadata, entry.cachedAt, entry.result.usage);
          return replayGenerate(entry, usage, metadata);
        } catch (error) {
          cache.unreadable(error);
        }
      }
      counters.misses++;
      const result = await doGenerate();
      const entry = generateEntry(result, now());
      if (entry === undefined) counters.bypasses++;
      else await cache.set(key, entry, options.ttlSeconds);
      return result;
    },
    async wrapStream({ doStream, params, model }) {
      if (!isCacheable(params, options)) {
        counters.bypasses++;
        return doStream();
      }
      const key = keyOf('stream', model, params);
      const stored = await cache.get(key);
      if (stored !== undefined) {
        try {
          const entry = readEntry(stored, 'stream');
          counters.hits++;
          return { stream: replayStream(entry, options.replayUsage ?? 'zero') };
        } catch (error) {
          cache.unreadable(error);
        }
      }
      counters.misses++;
      const result = await doStream();
      const store = async (parts: LanguageModelV4StreamPart[]) => {
        await cache.set(key, streamEntry(parts, now()), options.ttlSeconds);
      };
      return { ...result, stream: recordStream(result.stream, store, counters) };
    },
  };
}

/** Deterministic by its settings, or opted in or out per call. */
function isCacheable(params: LanguageModelV4CallOptions, options: ResponseCacheOptions): boolean {
  const choice = (params.providerOptions?.godwit as { cache?: unknown } | undefined)?.cache;
  if (choice === false) return false;
  if (choice === true) return true;
  if (params.temperature === 0) return true;
  return params.temperature === undefined && options.cacheUnsetTemperature === true;
}

/** Everything that shapes the answer: the model, the prompt and every setting; not the transport. */
function requestIdentity(mode: string, model: LanguageModelV4, params: LanguageModelV4CallOptions) {
  const {
    abortSignal: _signal,
    headers: _headers,
    includeRawChunks: _raw,
    providerOptions,
    ...settings
  } = params;
  const { godwit: _ours, ...vendorOptions } = providerOptions ?? {};
  return { version: 1, mode, model: `${model.provider}:${model.modelId}`, settings, vendorOptions };
}

function replayStream(
  entry: StreamEntry,
  replayUsage: 'zero' | 'original',
): ReadableStream<LanguageModelV4StreamPart> {
  const parts = entry.parts.map((part): LanguageModelV4StreamPart => {
    const revived = revivePart(part);
    if (revived.type !== 'finish') return revived;
    return {
      ...revived,
      usage: replayUsage === 'original' ? revived.usage : NO_USAGE,
      providerMetadata: hitMetadata(revived.providerMetadata, entry.cachedAt, revived.usage),
    };
  });
  return new ReadableStream<LanguageModelV4StreamPart>({
    pull(controller) {
      const next = parts.shift();
      if (next) controller.enqueue(next);
      else controller.close();
    },
  });
}

/**
 * Passes the stream through while recording it. When the source ends after a complete finish with no
 * error, the parts are stored before the stream closes, so a caller that read to the end finds them cached.
 */
function recordStream(
  source: LanguageModelV4StreamResult['stream'],
  store: (parts: LanguageModelV4StreamPart[]) => Promise<void>,
  counters: CacheCounters,
): ReadableStream<LanguageModelV4StreamPart> {
  const reader = source.getReader();
  const parts: LanguageModelV4StreamPart[] = [];
  let cacheable = true;
  let finished = false;
  return new ReadableStream<LanguageModelV4StreamPart>({
    async pull(controller) {
      let next: ReadableStreamReadResult<LanguageModelV4StreamPart>;
      try {
        next = await reader.read();
      } catch (error) {
        counters.bypasses++;
        controller.error(error);
        return;
      }
      if (next.done) {
        if (cacheable && finished) await store(parts);
        else counters.bypasses++;
        controller.close();
        return;
      }
      const part = next.value;
      if (part.type === 'error' || hasBinaryData(part) || finished) cacheable = false;
      if (part.type === 'finish') {
        finished = true;
        if (!isCompleteFinish(part.finishReason)) cacheable = false;
      }
      if (part.type !== 'raw') parts.push(part);
      controller.enqueue(part);
    },
    cancel(reason) {
      counters.bypasses++;
      return reader.cancel(reason);
    },
  });
}
