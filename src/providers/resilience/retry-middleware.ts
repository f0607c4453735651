/**
 * Retry middleware. Streams are retried only while nothing has been committed to the caller: a failure
 * after the first text or tool part reaches the caller as an error part, never as a silent restart.
 */
import type { LanguageModelV4Middleware } from '@ai-sdk/provider';
import { type RetryOptions, runWithRetries } from './retry-policy.ts';
import { awaitCommit } from './stream-parts.ts';

export function createRetryMiddleware(options: RetryOptions = {}): LanguageModelV4Middleware {
  return {
    specificationVersion: 'v4',
    wrapGenerate({ doGenerate, params }) {
      return runWithRetries(() => doGenerate(), options, params.abortSignal);
    },
    wrapStream({ doStream, params }) {
      return runWithRetries(
        async () => {
          const result = await doStream();
          const outcome = await awaitCommit(result.stream);
          if (!outcome.ok) throw outcome.error;
          return { ...result, stream: outcome.stream };
        },
        options,
        params.abortSignal,
      );
    },
  };
}
