/**
 * The cache as an optimisation: a failing backend (Redis down) counts as an error and a miss, never as a
 * failed model call.
 */
import type { Cache } from '../../core/ports.ts';
import type { CacheCounters } from './cache-counters.ts';

export interface TolerantCacheOptions {
  cache: Cache;
  counters: CacheCounters;
  /** Told about every backend failure (for logs); the call goes on without the cache. */
  onError?: (error: unknown, operation: 'get' | 'set') => void;
}

export class TolerantCache {
  constructor(private readonly options: TolerantCacheOptions) {}

  async get(key: string): Promise<string | undefined> {
    try {
      return await this.options.cache.get(key);
    } catch (error) {
      this.options.counters.errors++;
      this.options.onError?.(error, 'get');
      return undefined;
    }
  }

  /** True when stored. */
  async set(key: string, value: string, ttlSeconds?: number): Promise<boolean> {
    try {
      await this.options.cache.set(key, value, ttlSeconds);
      this.options.counters.stores++;
      return true;
    } catch (error) {
      this.options.counters.errors++;
      this.options.onError?.(error, 'set');
      return false;
    }
  }

  /** Counts an entry that was found but could not be read back as a miss. */
  unreadable(error: unknown): void {
    this.options.counters.errors++;
    this.options.onError?.(error, 'get');
  }
}
