import { describe, expect, it } from 'vitest';
import { MemoryCounterStore } from '../../storage/memory/memory-counter-store.ts';
import { ToolRateLimiter } from './tool-rate-limit.ts';

describe('ToolRateLimiter', () => {
  it('allows the limit per minute per tool and tenant, then refuses until the window ends', async () => {
    let now = 1_800_000;
    const counters = new MemoryCounterStore({ now: () => now });
    const limiter = new ToolRateLimiter({ perMinute: 2, tools: { book: 1 } }, counters, () => now);
    await limiter.take('t1', 'search');
    await limiter.take('t1', 'search');
    await expect(limiter.take('t1', 'search')).rejects.toThrow(
      'Tool "search" reached its limit of 2 calls per minute; it did not run. Try again in 60 s.',
    );
    await limiter.take('t2', 'search');
    await limiter.take('t1', 'book');
    await expect(limiter.take('t1', 'book')).rejects.toThrow(/limit of 1 calls per minute/);
    now += 60_000;
    await limiter.take('t1', 'search');
    await limiter.take('t1', 'book');
  });

  it('counts in the shared store: two limiters on one store share the limit', async () => {
    const counters = new MemoryCounterStore();
    const first = new ToolRateLimiter({ perMinute: 3, tools: {} }, counters);
    const second = new ToolRateLimiter({ perMinute: 3, tools: {} }, counters);
    const outcomes = await Promise.allSettled(
      [first, second, first, second, first].map((limiter) => limiter.take('t', 'lookup')),
    );
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(3);
  });

  it('does not limit (nor count) without a configured limit', async () => {
    const counters = new MemoryCounterStore();
    const limiter = new ToolRateLimiter({ perMinute: null, tools: {} }, counters);
    for (let call = 0; call < 1000; call++) await limiter.take('t', 'calculator');
  });
});
