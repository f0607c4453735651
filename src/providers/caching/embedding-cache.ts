/**
 * An Embedder that remembers vectors by (model, version, sha256 of the text). In a batch only the texts
 * not yet cached go to the model, each distinct text once, and the vectors come back in input order.
 * Vectors are stored as base64 float64, so a cached vector is bit-for-bit the one the model returned.
 */
import { ProviderError } from '../../core/errors.ts';
import type { Embedder } from '../../core/models.ts';
import type { Cache } from '../../core/ports.ts';
import { CacheCounters } from './cache-counters.ts';
import { keySegment, sha256Hex } from './cache-keys.ts';
import { TolerantCache } from './tolerant-cache.ts';

export interface EmbeddingCacheOptions {
  cache: Cache;
  /** Seconds a vector is kept. Default: until the backend evicts it. */
  ttlSeconds?: number;
  /** Default `embedding:`. */
  keyPrefix?: string;
  /** Shared counters (for example one set for every embedder); default a new set. */
  counters?: CacheCounters;
  onError?: (error: unknown, operation: 'get' | 'set') => void;
}

export interface CachedEmbedder extends Embedder {
  /** One hit or miss per distinct text looked up. */
  readonly counters: CacheCounters;
}

/**
 * @example
 *   const embedder = createCachedEmbedder(titanEmbedder, { cache: new RedisCache({ url }), ttlSeconds: 30 * 86_400 });
 *   await embedder.embed(['refund policy', 'opening hours']); // the model sees only uncached texts
 */
export function createCachedEmbedder(embedder: Embedder, options: EmbeddingCacheOptions): CachedEmbedder {
  const counters = options.counters ?? new CacheCounters();
  const cache = new TolerantCache({ cache: options.cache, counters, onError: options.onError });
  const prefix = `${options.keyPrefix ?? 'embedding:'}${keySegment(embedder.model)}|${keySegment(embedder.version)}|`;
  const keyOf = (text: string) => prefix + sha256Hex(text);

  const lookup = async (text: string): Promise<number[] | undefined> => {
    const stored = await cache.get(keyOf(text));
    if (stored === undefined) return undefined;
    const vector = decodeVector(stored);
    if (vector?.length === embedder.dimension) return vector;
    cache.unreadable(
      new Error(`cached vector for ${embedder.model} is unreadable or of the wrong dimension`),
    );
    return undefined;
  };

  return {
    model: embedder.model,
    version: embedder.version,
    dimension: embedder.dimension,
    counters,
    async embed(texts, embedOptions) {
      const distinct = [...new Set(texts)];
      const found = await Promise.all(distinct.map(lookup));
      const vectors = new Map<string, number[]>();
      const missing: string[] = [];
      for (const [index, text] of distinct.entries()) {
        const vector = found[index];
        if (vector) vectors.set(text, vector);
        else missing.push(text);
      }
      counters.hits += vectors.size;
      counters.misses += missing.length;
      if (missing.length > 0) {
        const computed = await embedder.embed(missing, embedOptions);
        if (computed.length !== missing.length) {
          throw new ProviderError(
            `${embedder.model} returned ${computed.length} vectors for ${missing.length} texts.`,
            { details: { reason: 'malformed_response' } },
          );
        }
        for (const [index, text] of missing.entries()) vectors.set(text, computed[index]!);
        await Promise.all(
          missing.map((text, index) =>
            cache.set(keyOf(text), encodeVector(computed[index]!), options.ttlSeconds),
          ),
        );
      }
      return texts.map((text) => vectors.get(text)!);
    },
  };
}

function encodeVector(vector: number[]): string {
  return Buffer.from(Float64Array.from(vector).buffer).toString('base64');
}

function decodeVector(encoded: string): number[] | undefined {
  const bytes = Buffer.from(encoded, 'base64');
  if (bytes.length === 0 || bytes.length % 8 !== 0) return undefined;
  // Copy into an aligned buffer: a Buffer may start at any byte offset of its pool.
  const aligned = new Uint8Array(bytes.length);
  aligned.set(bytes);
  return Array.from(new Float64Array(aligned.buffer));
}
