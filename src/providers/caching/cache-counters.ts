/** Hit, miss and failure counts of one cache user, for /metrics and tests. */

export interface CacheCounterSnapshot {
  hits: number;
  misses: number;
  /** Values written after a miss. */
  stores: number;
  /** Calls that could not be cached (non-deterministic settings, a failed or cut-off answer). */
  bypasses: number;
  /** Cache backend failures and unreadable entries; each was treated as a miss. */
  errors: number;
  /** hits / (hits + misses); 0 before any lookup. */
  hitRatio: number;
}

export class CacheCounters {
  hits = 0;
  misses = 0;
  stores = 0;
  bypasses = 0;
  errors = 0;

  snapshot(): CacheCounterSnapshot {
    const lookups = this.hits + this.misses;
    return {
      hits: this.hits,
      misses: this.misses,
      stores: this.stores,
      bypasses: this.bypasses,
      errors: this.errors,
      hitRatio: lookups === 0 ? 0 : this.hits / lookups,
    };
  }
}
