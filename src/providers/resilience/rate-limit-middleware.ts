/**
 * Rate limit middleware: every attempt (retries included) takes a slot from the provider's limiter; a
 * stream holds its slot until it ends, fails or is cancelled.
 */
import type { LanguageModelV4Middleware } from '@ai-sdk/provider';
import type { RateLimiter } from './rate-limiter.ts';
import { pipeParts } from './stream-parts.ts';

export function createRateLimitMiddleware(limiter: RateLimiter): LanguageModelV4Middleware {
  return {
    specificationVersion: 'v4',
    wrapGenerate({ doGenerate, params }) {
      return limiter.run(doGenerate, params.abortSignal);
    },
    async wrapStream({ doStream, params }) {
      const release = await limiter.acquire(params.abortSignal);
      try {
        const result = await doStream();
        return { ...result, stream: pipeParts(result.stream, { onDone: release }) };
      } catch (error) {
        release();
        throw error;
      }
    },
  };
}
