import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../core/errors.ts';
import { retryDelay, runWithRetries } from './retry-policy.ts';

const transient = (details: Record<string, unknown> = {}) =>
  new ProviderError('busy', { isRetryable: true, details: { reason: 'server_error', ...details } });
const permanent = () => new ProviderError('bad', { isRetryable: false, details: { reason: 'bad_request' } });

describe('retryDelay', () => {
  it('grows exponentially with equal jitter and a cap', () => {
    const options = { initialDelayMs: 100, factor: 2, maxDelayMs: 350 };
    expect(retryDelay(0, transient(), { ...options, random: () => 0 })).toBe(50);
    expect(retryDelay(1, transient(), { ...options, random: () => 0.999 })).toBeCloseTo(199.9, 1);
    expect(retryDelay(2, transient(), { ...options, maxRetries: 5, random: () => 0 })).toBe(175);
  });

  it('honours Retry-After, and gives up when it is longer than allowed', () => {
    expect(retryDelay(0, transient({ retryAfterMs: 4000 }))).toBe(4000);
    expect(retryDelay(0, transient({ retryAfterMs: 90_000 }), { maxRetryAfterMs: 60_000 })).toBeUndefined();
  });

  it('does not retry permanent failures, open circuits or past the limit', () => {
    expect(retryDelay(0, permanent())).toBeUndefined();
    expect(retryDelay(0, transient({ reason: 'circuit_open' }))).toBeUndefined();
    expect(retryDelay(2, transient(), { maxRetries: 2 })).toBeUndefined();
    expect(retryDelay(0, new Error('plain'))).toBeUndefined();
  });
});

describe('runWithRetries', () => {
  it('returns the first success after waiting between attempts', async () => {
    const waits: number[] = [];
    let calls = 0;
    const result = await runWithRetries(
      async () => {
        calls++;
        if (calls < 3) throw transient();
        return 'ok';
      },
      { sleep: async (ms) => void waits.push(ms), random: () => 0 },
    );
    expect(result).toBe('ok');
    expect(waits).toEqual([250, 500]);
  });

  it('stops at once when the caller aborted', async () => {
    const controller = new AbortController();
    let calls = 0;
    const failure = runWithRetries(
      async () => {
        calls++;
        controller.abort();
        throw transient();
      },
      { sleep: async () => {} },
      controller.signal,
    );
    await expect(failure).rejects.toThrow('busy');
    expect(calls).toBe(1);
  });
});
