/**
 * Caching for model calls, on any Cache port (memory or Redis): an embedding cache around an Embedder,
 * and an exact response cache as language model middleware. Both count hits and misses.
 */
export { type CacheCounterSnapshot, CacheCounters } from './cache-counters.ts';
export { canonicalJson, sha256Hex } from './cache-keys.ts';
export { type CachedEmbedder, createCachedEmbedder, type EmbeddingCacheOptions } from './embedding-cache.ts';
export {
  createResponseCacheMiddleware,
  type ResponseCacheMiddleware,
  type ResponseCacheOptions,
} from './response-cache-middleware.ts';
