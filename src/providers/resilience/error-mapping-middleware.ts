/**
 * Middleware that turns provider failures into GodwitErrors at the adapter boundary, for thrown errors,
 * error parts inside a stream, and a stream that breaks while being read. Cancellations pass through.
 */
import type {
  EmbeddingModelV4Middleware,
  LanguageModelV4,
  LanguageModelV4Middleware,
} from '@ai-sdk/provider';
import { wrapLanguageModel } from 'ai';
import { type ErrorContext, isCancellation, toProviderError } from './classify-error.ts';
import { pipeParts } from './stream-parts.ts';

export function createErrorMappingMiddleware(context: ErrorContext): LanguageModelV4Middleware {
  const map = (error: unknown) => toProviderError(error, context);
  return {
    specificationVersion: 'v4',
    async wrapGenerate({ doGenerate }) {
      try {
        return await doGenerate();
      } catch (error) {
        throw map(error);
      }
    },
    async wrapStream({ doStream }) {
      let result: Awaited<ReturnType<typeof doStream>>;
      try {
        result = await doStream();
      } catch (error) {
        throw map(error);
      }
      const stream = pipeParts(result.stream, {
        onPart(part, emit) {
          emit(part.type === 'error' ? { type: 'error', error: map(part.error) } : part);
        },
        onError(error, emit) {
          if (isCancellation(error)) throw error;
          emit({ type: 'error', error: map(error) });
        },
      });
      return { ...result, stream };
    },
  };
}

export function createEmbeddingErrorMappingMiddleware(context: ErrorContext): EmbeddingModelV4Middleware {
  return {
    specificationVersion: 'v4',
    async wrapEmbed({ doEmbed }) {
      try {
        return await doEmbed();
      } catch (error) {
        throw toProviderError(error, context);
      }
    },
  };
}

/** The adapter's model as the rest of Godwit sees it: errors mapped, `provider` set to our provider name. */
export function withErrorMapping(model: LanguageModelV4, context: ErrorContext): LanguageModelV4 {
  return wrapLanguageModel({
    model,
    middleware: createErrorMappingMiddleware(context),
    providerId: context.provider,
  });
}
