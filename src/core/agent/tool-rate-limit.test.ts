import { describe, expect, it } from 'vitest';
import { ToolRateLimiter } from './tool-rate-limit.ts';

describe('ToolRateLimiter', () => {
  it('allows the limit per minute per tool and tenant, then refuses until the window ends', () => {
    let now = 1_000_000;
    const limiter = new ToolRateLimiter({ perMinute: 2, tools: { book: 1 } }, () => now);
    limiter.take('t1', 'search');
    limiter.take('t1', 'search');
    expect(() => limiter.take('t1', 'search')).toThrow(
      'Tool "search" reached its limit of 2 calls per minute; it did not run. Try again in 60 s.',
    );
    limiter.take('t2', 'search');
    limiter.take('t1', 'book');
    expect(() => limiter.take('t1', 'book')).toThrow(/limit of 1 calls per minute/);
    now += 60_000;
    limiter.take('t1', 'search');
    limiter.take('t1', 'book');
  });

  it('does not limit without a configured limit', () => {
    const limiter = new ToolRateLimiter({ perMinute: null, tools: {} });
    for (let call = 0; call < 1000; call++) limiter.take('t', 'calculator');
  });
});
