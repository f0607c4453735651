/** CounterStore in process memory: one process's limits (the embedded default). Expired windows are swept. */
import { checkIncrements } from '../../core/limits/check-increments.ts';
import type { CounterIncrement, CounterStore } from '../../core/ports.ts';

export interface MemoryCounterStoreOptions {
  now?: () => number;
}

export class MemoryCounterStore implements CounterStore {
  private readonly counters = new Map<string, { value: number; expiresAt: number }>();
  private readonly now: () => number;
  private nextSweep = 0;

  constructor(options: MemoryCounterStoreOptions = {}) {
    this.now = options.now ?? Date.now;
  }

  async increment(increments: readonly CounterIncrement[]): Promise<number[]> {
    checkIncrements(increments);
    const now = this.now();
    if (now >= this.nextSweep) this.sweep(now);
    return increments.map(({ key, by, expiresAt }) => {
      const current = this.counters.get(key);
      const live = current && current.expiresAt > now ? current : undefined;
      const value = (live?.value ?? 0) + by;
      this.counters.set(key, { value, expiresAt: Math.max(live?.expiresAt ?? 0, expiresAt.getTime()) });
      return value;
    });
  }

  private sweep(now: number): void {
    for (const [key, counter] of this.counters) if (counter.expiresAt <= now) this.counters.delete(key);
    this.nextSweep = now + 10_000;
  }
}
