import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limiter.ts';

/** A clock that only moves when the limiter sleeps; time passes after already-granted calls have started. */
function fakeClock() {
  let now = 0;
  return {
    now: () => now,
    sleep: (ms: number) =>
      new Promise<void>((resolve) =>
        setImmediate(() => {
          now += ms;
          resolve();
        }),
      ),
  };
}

describe('RateLimiter', () => {
  it('spaces starts 1.25 s apart at 0.8 requests per second', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ requestsPerSecond: 0.8, ...clock });
    const starts: number[] = [];
    await Promise.all(
      [1, 2, 3, 4].map(() =>
        limiter.run(async () => {
          starts.push(clock.now());
        }),
      ),
    );
    expect(starts).toEqual([0, 1250, 2500, 3750]);
  });

  it('allows a burst after an idle period, then the steady rate', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ requestsPerSecond: 2, burst: 3, ...clock });
    const starts: number[] = [];
    await Promise.all([1, 2, 3, 4, 5].map(() => limiter.run(async () => void starts.push(clock.now()))));
    expect(starts).toEqual([0, 0, 0, 500, 1000]);
  });

  it('never has more calls in flight than the concurrency limit', async () => {
    const limiter = new RateLimiter({ maxConcurrency: 2 });
    let active = 0;
    let peak = 0;
    const gates: (() => void)[] = [];
    const calls = [1, 2, 3, 4, 5].map(() =>
      limiter.run(async () => {
        active++;
        peak = Math.max(peak, active);
        await new Promise<void>((resolve) => gates.push(resolve));
        active--;
      }),
    );
    while (gates.length > 0 || limiter.waiting > 0 || limiter.inFlight > 0) {
      await Promise.resolve();
      gates.shift()?.();
    }
    await Promise.all(calls);
    expect(peak).toBe(2);
  });

  it('drops a waiter whose signal aborts', async () => {
    const limiter = new RateLimiter({ maxConcurrency: 1 });
    const release = await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    controller.abort(new Error('client left'));
    await expect(waiting).rejects.toThrow('client left');
    expect(limiter.waiting).toBe(0);
    release();
    expect(limiter.inFlight).toBe(0);
  });
});
