/**
 * Circuit breaker middleware: one breaker per `provider:model` from the shared registry. A stream counts
 * as a success when it finishes without an error, as a failure when it ends with one.
 */
import type { LanguageModelV4, LanguageModelV4Middleware } from '@ai-sdk/provider';
import type { CircuitBreakerRegistry } from './circuit-breaker.ts';
import { pipeParts } from './stream-parts.ts';

export function breakerKey(model: Pick<LanguageModelV4, 'provider' | 'modelId'>): string {
  return `${model.provider}:${model.modelId}`;
}

export function createCircuitBreakerMiddleware(registry: CircuitBreakerRegistry): LanguageModelV4Middleware {
  return {
    specificationVersion: 'v4',
    wrapGenerate({ doGenerate, model }) {
      return registry.get(breakerKey(model)).run(doGenerate);
    },
    async wrapStream({ doStream, model }) {
      const permit = registry.get(breakerKey(model)).acquire();
      let result: Awaited<ReturnType<typeof doStream>>;
      try {
        result = await doStream();
      } catch (error) {
        permit.failure(error);
        throw error;
      }
      const stream = pipeParts(result.stream, {
        onDone(outcome) {
          if (outcome.cancelled) permit.release();
          else if (outcome.error !== undefined) permit.failure(outcome.error);
          else permit.success();
        },
      });
      return { ...result, stream };
    },
  };
}
