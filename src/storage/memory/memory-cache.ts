/** Cache in memory with per-entry TTL and a bounded size (least recently used entries go first). */
import { ValidationError } from '../../core/errors.ts';
import type { Cache } from '../../core/ports.ts';

export interface MemoryCacheOptions {
  /** Milliseconds since the epoch; tests inject a clock. Default `Date.now`. */
  now?: () => number;
  /** Entries kept before the least recently used is evicted. Default 10,000. */
  maxEntries?: number;
}

interface Entry {
  value: string;
  /** Epoch milliseconds after which the entry is gone; undefined = no expiry. */
  expiresAt: number | undefined;
}

/**
 * @example
 *   const cache = new MemoryCache({ maxEntries: 1000 });
 *   await cache.set('answer:42', json, 300); // five minutes
 */
export class MemoryCache implements Cache {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;
  private readonly maxEntries: number;

  constructor(options: MemoryCacheOptions = {}) {
    this.now = options.now ?? Date.now;
    this.maxEntries = options.maxEntries ?? 10_000;
    if (!Number.isInteger(this.maxEntries) || this.maxEntries < 1) {
      throw new ValidationError(`maxEntries must be a positive integer; got ${options.maxEntries}.`);
    }
  }

  async get(key: string): Promise<string | undefined> {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt !== undefined && this.now() >= entry.expiresAt) {
      this.entries.delete(key);
      return undefined;
    }
    // Re-inserting moves the key to the end of the Map's order: most recently used.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /** `ttlSeconds` undefined keeps the value until evicted; it must otherwise be a positive number. */
  async set(key: string, value: string, ttlSeconds?: number): Promise<void> {
    if (ttlSeconds !== undefined && !(Number.isFinite(ttlSeconds) && ttlSeconds > 0)) {
      throw new ValidationError(`ttlSeconds must be a positive number of seconds; got ${ttlSeconds}.`, {
        details: { field: 'ttlSeconds' },
      });
    }
    this.entries.delete(key);
    this.entries.set(key, {
      value,
      expiresAt: ttlSeconds === undefined ? undefined : this.now() + ttlSeconds * 1000,
    });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }
}
