/**
 * The Ollama client skips NDJSON lines it cannot parse, so a garbled stream would end as an empty answer
 * with finish reason "other". A real Ollama stream always ends with a `done` line carrying `done_reason`;
 * when that line never came, this middleware ends the stream with a malformed-response error instead.
 */
import type { LanguageModelV4Middleware } from '@ai-sdk/provider';
import { ProviderError } from '../../core/errors.ts';
import { pipeParts } from '../resilience/stream-parts.ts';

export function createOllamaStreamGuard(name: string): LanguageModelV4Middleware {
  return {
    specificationVersion: 'v4',
    async wrapStream({ doStream }) {
      const result = await doStream();
      let failed = false;
      const stream = pipeParts(result.stream, {
        onPart(part, emit) {
          if (part.type === 'error') failed = true;
          if (part.type === 'finish' && part.finishReason.raw === undefined && !failed) {
            emit({
              type: 'error',
              error: new ProviderError(`${name} ended its answer without Ollama's final "done" line.`, {
                isRetryable: true,
                unavailable: true,
                details: { reason: 'malformed_response' },
              }),
            });
            emit({ ...part, finishReason: { unified: 'error', raw: undefined } });
            return;
          }
          emit(part);
        },
      });
      return { ...result, stream };
    },
  };
}
