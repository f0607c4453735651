/**
 * The same policies for embedding models, as one middleware: retries around (circuit breaker → rate
 * limiter → timeout → call). Each batch the AI SDK sends is retried on its own.
 */
import type { EmbeddingModelV4Middleware } from '@ai-sdk/provider';
import type { CircuitBreakerRegistry } from './circuit-breaker.ts';
import { breakerKey } from './circuit-breaker-middleware.ts';
import type { Timers } from './deadline.ts';
import type { RateLimiter } from './rate-limiter.ts';
import { type RetryOptions, runWithRetries } from './retry-policy.ts';
import { runWithTimeout } from './timeout-middleware.ts';

export interface EmbeddingResilienceOptions {
  retry?: RetryOptions | false;
  timeoutMs?: number | false;
  timers?: Timers;
  breakers?: CircuitBreakerRegistry;
  limiter?: RateLimiter;
}

export function createEmbeddingResilienceMiddleware(
  options: EmbeddingResilienceOptions,
): EmbeddingModelV4Middleware {
  return {
    specificationVersion: 'v4',
    wrapEmbed({ params, model }) {
      const name = breakerKey(model);
      const call = (signal: AbortSignal | undefined) => model.doEmbed({ ...params, abortSignal: signal });
      const timed = () =>
        options.timeoutMs
          ? runWithTimeout(call, {
              timeoutMs: options.timeoutMs,
              timers: options.timers,
              name,
              signal: params.abortSignal,
            })
          : Promise.resolve(call(params.abortSignal));
      const limited = () => (options.limiter ? options.limiter.run(timed, params.abortSignal) : timed());
      const guarded = () => (options.breakers ? options.breakers.get(name).run(limited) : limited());
      if (options.retry === false) return guarded();
      return runWithRetries(guarded, options.retry ?? {}, params.abortSignal);
    },
  };
}
