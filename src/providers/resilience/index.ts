/**
 * Resilience for model calls as AI SDK middleware (timeout, retries with backoff, circuit breaker, rate
 * limits, fallback chains), the error mapping every provider adapter uses, and the shared adapter plumbing.
 */
export {
  CircuitBreaker,
  type CircuitBreakerOptions,
  CircuitBreakerRegistry,
  type CircuitPermit,
  type CircuitState,
} from './circuit-breaker.ts';
export { breakerKey, createCircuitBreakerMiddleware } from './circuit-breaker-middleware.ts';
export {
  type ErrorContext,
  type FailureReason,
  failureReason,
  isCancellation,
  isRetryableFailure,
  toProviderError,
} from './classify-error.ts';
export { createResilience, type Resilience, type ResilienceOptions } from './create-resilience.ts';
export { systemTimers, type Timers } from './deadline.ts';
export {
  createEmbeddingResilienceMiddleware,
  type EmbeddingResilienceOptions,
} from './embedding-resilience-middleware.ts';
export {
  createEmbeddingErrorMappingMiddleware,
  createErrorMappingMiddleware,
  withErrorMapping,
} from './error-mapping-middleware.ts';
export { createFallbackModel, type FallbackOptions } from './fallback-model.ts';
export {
  type EmbedderOptions,
  type ModelProvider,
  type ProviderSettings,
  readVariable,
  requireModelId,
  resolveDimension,
} from './model-provider.ts';
export { createRateLimitMiddleware } from './rate-limit-middleware.ts';
export { RateLimiter, type RateLimiterOptions } from './rate-limiter.ts';
export { retryAfterMs } from './retry-after.ts';
export { createRetryMiddleware } from './retry-middleware.ts';
export { abortableSleep, type RetryOptions, retryDelay, runWithRetries } from './retry-policy.ts';
export { createSdkEmbedder, type SdkEmbedderSpec } from './sdk-embedder.ts';
export { awaitCommit, pipeParts } from './stream-parts.ts';
export {
  createTimeoutMiddleware,
  runWithTimeout,
  type TimeoutOptions,
  timeoutError,
} from './timeout-middleware.ts';
