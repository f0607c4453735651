/**
 * What every cloud provider adapter (bedrock, openai, google, ollama) offers the composition root: a
 * language model factory for the registry and embedders that record their model and version.
 */
import type { EmbeddingModelV4Middleware } from '@ai-sdk/provider';
import { ConfigError, ValidationError } from '../../core/errors.ts';
import type { Embedder } from '../../core/models.ts';
import type { ChatCompletionsEndpoint } from '../forwarding/chat-completions-forwarder.ts';
import type { ProviderFactory } from '../registry.ts';

export interface ProviderSettings {
  /** The process environment (or a test's). Adapters read their ecosystem's variables from it, never from process.env. */
  env: Record<string, string | undefined>;
  /** Replaces the global fetch (tests, proxies). */
  fetch?: typeof fetch;
  /** Overrides the endpoint from the environment. */
  baseURL?: string;
}

export interface EmbedderOptions {
  /** Output dimension; required for models the adapter does not know. */
  dimensions?: number;
  /** Wrapped around the embedding model, for example `resilience.embeddingMiddleware('openai')`. */
  middleware?: EmbeddingModelV4Middleware | EmbeddingModelV4Middleware[];
  /** Concurrent requests when a batch is split. Default 4. */
  maxParallelCalls?: number;
}

export interface ModelProvider<Options extends EmbedderOptions = EmbedderOptions> {
  /** The provider part of `provider:model-id`. */
  readonly name: string;
  /** Throws ConfigError naming the variable to set when credentials are missing. */
  languageModel: ProviderFactory;
  /** Throws ConfigError when credentials are missing or the dimension is unknown. */
  embedder(modelId: string, options?: Options): Embedder;
  /**
   * For providers that speak OpenAI Chat Completions: where to forward such a request for `modelId`
   * unchanged (the gateway's fast path); undefined when it cannot be forwarded to directly. Throws
   * ConfigError when credentials are missing.
   */
  chatCompletionsEndpoint?(modelId: string): ChatCompletionsEndpoint | undefined;
}

/** Rejects an empty model id with the full name in the message. */
export function requireModelId(provider: string, modelId: string): string {
  const trimmed = modelId.trim();
  if (trimmed === '') {
    throw new ValidationError(
      `Model "${provider}:${modelId}" has no model id. Write it as ${provider}:<model-id>.`,
      {
        details: { field: 'model' },
      },
    );
  }
  return trimmed;
}

/** The dimension for an embedding model: the caller's, else the known default, else a ConfigError. */
export function resolveDimension(
  name: string,
  requested: number | undefined,
  known: Record<string, number>,
  modelId: string,
): number {
  if (requested !== undefined) {
    if (!Number.isInteger(requested) || requested <= 0) {
      throw new ConfigError(`Embedding dimensions for ${name} must be a positive integer; got ${requested}.`);
    }
    return requested;
  }
  const dimension = known[modelId];
  if (dimension === undefined) {
    throw new ConfigError(
      `The output dimension of ${name} is not known to Godwit. Set the embedding dimensions for it explicitly.`,
    );
  }
  return dimension;
}

/** The first of `names` set to a non-blank value in `env`, trimmed. */
export function readVariable(
  env: Record<string, string | undefined>,
  ...names: string[]
): string | undefined {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return value;
  }
  return undefined;
}
