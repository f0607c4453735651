/**
 * One place that composes the policies around a model, outermost first: retries → circuit breaker (per
 * provider+model) → rate limiter (per provider) → timeout (per attempt) → the provider call. Breakers and
 * limiters are shared by every model and embedder built from the same Resilience.
 */
import type {
  EmbeddingModelV4Middleware,
  LanguageModelV4,
  LanguageModelV4Middleware,
} from '@ai-sdk/provider';
import { wrapLanguageModel } from 'ai';
import type { ProviderFactory } from '../registry.ts';
import { type CircuitBreakerOptions, CircuitBreakerRegistry } from './circuit-breaker.ts';
import { createCircuitBreakerMiddleware } from './circuit-breaker-middleware.ts';
import type { Timers } from './deadline.ts';
import { createEmbeddingResilienceMiddleware } from './embedding-resilience-middleware.ts';
import { createRateLimitMiddleware } from './rate-limit-middleware.ts';
import { RateLimiter, type RateLimiterOptions } from './rate-limiter.ts';
import { createRetryMiddleware } from './retry-middleware.ts';
import type { RetryOptions } from './retry-policy.ts';
import { createTimeoutMiddleware } from './timeout-middleware.ts';

export interface ResilienceOptions {
  /** Per attempt: whole generate call, or first part and every gap in a stream. Default 60 s; false disables. */
  timeoutMs?: number | false;
  /** Default: 2 retries, 500 ms initial backoff; false disables. */
  retry?: RetryOptions | false;
  /** Default: open after 5 consecutive failures for 30 s; false disables. */
  circuitBreaker?: CircuitBreakerOptions | false;
  /** Limits by provider name (`bedrock`, `openai`, …); providers without an entry are not limited. */
  limits?: Record<string, Pick<RateLimiterOptions, 'maxConcurrency' | 'requestsPerSecond' | 'burst'>>;
  /** Injection points shared by all policies (tests). */
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  timers?: Timers;
}

export interface Resilience {
  /** Wraps one model; its `provider` selects the rate limiter. */
  languageModel(model: LanguageModelV4): LanguageModelV4;
  /** Wraps every model a provider factory builds. */
  wrapFactory(factory: ProviderFactory): ProviderFactory;
  /** For `embedder(modelId, { middleware })` of a provider. */
  embeddingMiddleware(provider: string): EmbeddingModelV4Middleware;
  /** Undefined when circuit breaking is disabled. */
  readonly breakers: CircuitBreakerRegistry | undefined;
  limiter(provider: string): RateLimiter | undefined;
}

/**
 * @example
 * const resilience = createResilience({ limits: { bedrock: { requestsPerSecond: 0.8 } } });
 * const factory = resilience.wrapFactory(createBedrockProvider({ env: process.env }).languageModel);
 */
export function createResilience(options: ResilienceOptions = {}): Resilience {
  const timeoutMs = options.timeoutMs === undefined ? 60_000 : options.timeoutMs;
  const retry =
    options.retry === false ? false : { sleep: options.sleep, random: options.random, ...options.retry };
  const breakers =
    options.circuitBreaker === false
      ? undefined
      : new CircuitBreakerRegistry({ now: options.now, ...options.circuitBreaker });
  const limiters = new Map<string, RateLimiter>();
  const limiter = (provider: string) => {
    const limits = options.limits?.[provider];
    if (!limits) return undefined;
    let existing = limiters.get(provider);
    if (!existing) {
      existing = new RateLimiter({ ...limits, now: options.now, sleep: options.sleep });
      limiters.set(provider, existing);
    }
    return existing;
  };
  const languageModel = (model: LanguageModelV4): LanguageModelV4 => {
    const middleware: LanguageModelV4Middleware[] = [];
    if (retry) middleware.push(createRetryMiddleware(retry));
    if (breakers) middleware.push(createCircuitBreakerMiddleware(breakers));
    const providerLimiter = limiter(model.provider);
    if (providerLimiter) middleware.push(createRateLimitMiddleware(providerLimiter));
    if (timeoutMs) middleware.push(createTimeoutMiddleware({ timeoutMs, timers: options.timers }));
    return middleware.length === 0 ? model : wrapLanguageModel({ model, middleware });
  };
  return {
    languageModel,
    wrapFactory: (factory) => (modelId) => languageModel(factory(modelId) as LanguageModelV4),
    embeddingMiddleware: (provider) =>
      createEmbeddingResilienceMiddleware({
        retry,
        timeoutMs,
        timers: options.timers,
        breakers,
        limiter: limiter(provider),
      }),
    breakers,
    limiter,
  };
}
