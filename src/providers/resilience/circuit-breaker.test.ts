import { describe, expect, it } from 'vitest';
import { GodwitError, ProviderError } from '../../core/errors.ts';
import { CircuitBreaker, type CircuitState } from './circuit-breaker.ts';

const outage = () => new ProviderError('down', { isRetryable: true, details: { reason: 'server_error' } });
const badRequest = () => new ProviderError('bad', { isRetryable: false, details: { reason: 'bad_request' } });

function setup() {
  let now = 1_000;
  const changes: string[] = [];
  const breaker = new CircuitBreaker('bedrock:haiku', {
    failureThreshold: 3,
    cooldownMs: 5_000,
    now: () => now,
    onStateChange: ({ from, to }) => changes.push(`${from}->${to}`),
  });
  const fail = (error = outage()) =>
    breaker.run(async () => Promise.reject(error)).catch((thrown: unknown) => thrown);
  const succeed = () => breaker.run(async () => 'ok');
  return { breaker, changes, fail, succeed, advance: (ms: number) => (now += ms) };
}

describe('CircuitBreaker', () => {
  it('opens after consecutive provider failures and then fails fast with a retryable error', async () => {
    const { breaker, fail } = setup();
    for (let index = 0; index < 3; index++) await fail();
    expect(breaker.state).toBe<CircuitState>('open');
    const fast = await fail();
    expect(GodwitError.isInstance(fast) && fast.details).toMatchObject({
      reason: 'circuit_open',
      retryAfterMs: 5_000,
    });
    expect(GodwitError.isInstance(fast) && fast.isRetryable).toBe(true);
  });

  it('ignores client errors and resets the count on success', async () => {
    const { breaker, fail, succeed } = setup();
    await fail();
    await fail();
    await succeed();
    await fail();
    for (let index = 0; index < 5; index++) await fail(badRequest());
    expect(breaker.state).toBe('closed');
  });

  it('lets one probe through after the cooldown and closes when it succeeds', async () => {
    const { breaker, fail, succeed, advance, changes } = setup();
    for (let index = 0; index < 3; index++) await fail();
    advance(5_000);
    expect(breaker.state).toBe('half-open');
    const probe = breaker.acquire();
    expect(() => breaker.acquire()).toThrow(/paused/);
    probe.success();
    expect(breaker.state).toBe('closed');
    await succeed();
    expect(changes).toEqual(['closed->open', 'open->half-open', 'half-open->closed']);
  });

  it('reopens for a full cooldown when the probe fails', async () => {
    const { breaker, fail, advance } = setup();
    for (let index = 0; index < 3; index++) await fail();
    advance(6_000);
    await fail();
    expect(breaker.state).toBe('open');
    advance(4_999);
    expect(breaker.state).toBe('open');
    advance(1);
    expect(breaker.state).toBe('half-open');
  });

  it('frees the probe slot when the probe is cancelled', async () => {
    const { breaker, fail, advance } = setup();
    for (let index = 0; index < 3; index++) await fail();
    advance(5_000);
    breaker.acquire().release();
    expect(() => breaker.acquire()).not.toThrow();
  });
});

describe('CircuitBreaker half-open', () => {
  it('stays open when a call admitted before it opened succeeds afterwards', async () => {
    const { breaker, fail, advance, changes } = setup();
    const early = breaker.acquire();
    for (let index = 0; index < 3; index++) await fail();
    early.success();
    expect(breaker.state).toBe('open');
    advance(5_000);
    const probe = breaker.acquire();
    expect(() => breaker.acquire()).toThrow(/paused/);
    probe.success();
    expect(changes).toEqual(['closed->open', 'open->half-open', 'half-open->closed']);
  });

  it('does not count a late failure from before the opening against the next cooldown', async () => {
    const { breaker, fail, advance } = setup();
    const early = breaker.acquire();
    for (let index = 0; index < 3; index++) await fail();
    advance(4_000);
    early.failure(outage());
    advance(1_000);
    expect(breaker.state).toBe('half-open');
  });

  it('lets another probe through when the probe never reports back', async () => {
    const { breaker, fail, advance } = setup();
    for (let index = 0; index < 3; index++) await fail();
    advance(5_000);
    const lost = breaker.acquire();
    const refused = (() => {
      try {
        breaker.acquire();
      } catch (error) {
        return error;
      }
    })();
    expect(GodwitError.isInstance(refused) && refused.message).toMatch(/paused for 5 s/);
    advance(5_000);
    const probe = breaker.acquire();
    lost.success();
    expect(breaker.state).toBe('half-open');
    expect(() => breaker.acquire()).toThrow(/paused/);
    probe.success();
    expect(breaker.state).toBe('closed');
  });
});
