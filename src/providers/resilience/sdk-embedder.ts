/**
 * An Embedder over an AI SDK embedding model: batches through `embedMany`, maps failures to
 * GodwitErrors, and checks that every vector has the dimension the knowledge base recorded.
 */
import type { EmbeddingModelV4, EmbeddingModelV4Middleware, SharedV4ProviderOptions } from '@ai-sdk/provider';
import { embedMany, wrapEmbeddingModel } from 'ai';
import { ProviderError } from '../../core/errors.ts';
import type { Embedder } from '../../core/models.ts';
import { createEmbeddingErrorMappingMiddleware } from './error-mapping-middleware.ts';

export interface SdkEmbedderSpec {
  /** Provider part of the model name. */
  provider: string;
  modelId: string;
  /** Stable description of everything that changes the vectors (dimension, normalization, …). */
  version: string;
  dimension: number;
  model: EmbeddingModelV4;
  providerOptions?: SharedV4ProviderOptions;
  middleware?: EmbeddingModelV4Middleware | EmbeddingModelV4Middleware[];
  maxParallelCalls?: number;
  credentialHint?: string;
}

export function createSdkEmbedder(spec: SdkEmbedderSpec): Embedder {
  const name = `${spec.provider}:${spec.modelId}`;
  const outer =
    spec.middleware === undefined ? [] : Array.isArray(spec.middleware) ? spec.middleware : [spec.middleware];
  const model = wrapEmbeddingModel({
    model: spec.model,
    // Errors are mapped innermost, so the outer policies see GodwitErrors with isRetryable set.
    middleware: [
      ...outer,
      createEmbeddingErrorMappingMiddleware({ ...spec, credentialHint: spec.credentialHint }),
    ],
    providerId: spec.provider,
  });
  return {
    model: name,
    version: spec.version,
    dimension: spec.dimension,
    async embed(texts, options = {}) {
      if (texts.length === 0) return [];
      const { embeddings } = await embedMany({
        model,
        values: texts,
        providerOptions: spec.providerOptions,
        maxRetries: 0,
        maxParallelCalls: spec.maxParallelCalls ?? 4,
        abortSignal: options.abortSignal,
      });
      for (const vector of embeddings) {
        if (vector.length !== spec.dimension) {
          throw new ProviderError(
            `${name} returned ${vector.length}-dimensional vectors, but this embedder is set to ${spec.dimension}. Set the embedding dimensions to match the model.`,
            { details: { reason: 'malformed_response' } },
          );
        }
      }
      return embeddings;
    },
  };
}
