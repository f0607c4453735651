/**
 * In-memory adapters: every relational port (the reference behaviour the SQL adapters match) and a
 * TTL cache. Nothing here survives the process.
 */
export {
  createMemoryStorage,
  type MemoryStorage,
  type MemoryStorageOptions,
} from './create-memory-storage.ts';
export { MemoryCache, type MemoryCacheOptions } from './memory-cache.ts';
export { cosineSimilarity } from './memory-vector-index.ts';
