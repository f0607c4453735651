/**
 * Retries with exponential backoff and jitter for retryable failures only. A provider's Retry-After wins
 * over the computed backoff; a Retry-After longer than `maxRetryAfterMs` ends the retries at once, so a
 * fallback model can answer instead of the user waiting.
 */

import { GodwitError } from '../../core/errors.ts';
import { failureReason, isRetryableFailure } from './classify-error.ts';

export interface RetryOptions {
  /** Retries after the first attempt. Default 2. */
  maxRetries?: number;
  /** Backoff before the first retry. Default 500 ms. */
  initialDelayMs?: number;
  /** Default 2. */
  factor?: number;
  /** Cap on the computed backoff. Default 10 s. */
  maxDelayMs?: number;
  /** Give up instead of waiting longer than this for a Retry-After. Default 30 s. */
  maxRetryAfterMs?: number;
  /** Injected in tests: resolves after `ms`, rejects when `signal` aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Injected in tests: uniform in [0, 1). */
  random?: () => number;
  onRetry?: (event: { attempt: number; delayMs: number; error: unknown }) => void;
}

/** The wait before retry number `attempt + 1`, or undefined when the failure should not be retried. */
export function retryDelay(attempt: number, error: unknown, options: RetryOptions = {}): number | undefined {
  if (!isRetryableFailure(error) || failureReason(error) === 'circuit_open') return undefined;
  if (attempt >= (options.maxRetries ?? 2)) return undefined;
  const retryAfter = GodwitError.isInstance(error) ? error.details?.retryAfterMs : undefined;
  if (typeof retryAfter === 'number') {
    return retryAfter > (options.maxRetryAfterMs ?? 30_000) ? undefined : retryAfter;
  }
  const ceiling = Math.min(
    options.maxDelayMs ?? 10_000,
    (options.initialDelayMs ?? 500) * (options.factor ?? 2) ** attempt,
  );
  const random = options.random ?? Math.random;
  // "Equal jitter": at least half the backoff, so retries never bunch at zero.
  return ceiling / 2 + random() * (ceiling / 2);
}

/** Runs `operation` until it succeeds, fails for good, or `signal` aborts. */
export async function runWithRetries<T>(
  operation: (attempt: number) => PromiseLike<T>,
  options: RetryOptions = {},
  signal?: AbortSignal,
): Promise<T> {
  const sleep = options.sleep ?? abortableSleep;
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      const delayMs = signal?.aborted ? undefined : retryDelay(attempt, error, options);
      if (delayMs === undefined) throw error;
      options.onRetry?.({ attempt: attempt + 1, delayMs, error });
      await sleep(delayMs, signal);
    }
  }
}

export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
