/**
 * Chooses and builds the model layer: provider adapters (loaded lazily), resilience around each, the
 * registry with its fallback chain, embedders, and the sentence the banner prints about the choice.
 */
import type { LanguageModelV4 } from '@ai-sdk/provider';
import { wrapLanguageModel } from 'ai';
import type { ChatCompletionsForwarder, Embedder, ModelResolver } from '../core/models.ts';
import type { Cache } from '../core/ports.ts';
import type { ProviderInfo } from '../core/services.ts';
import { detectProviders } from '../providers/detect-providers.ts';
import {
  createLexicalEmbedder,
  createModelRegistry,
  LOCAL_MODELS,
  localProvider,
  type ProviderFactory,
  parseModelName,
} from '../providers/index.ts';
import { PROVIDER_DESCRIPTORS } from '../providers/provider-descriptors.ts';
import type { CircuitState } from '../providers/resilience/index.ts';
import { loadProviderAdapters, providersToLoad } from './provider-adapters.ts';
import type { GodwitConfig } from './schema.ts';

type Environment = Record<string, string | undefined>;

function pick(snapshot: { hits: number; misses: number }): { hits: number; misses: number } {
  return { hits: snapshot.hits, misses: snapshot.misses };
}

/** The model used when none is configured, for the first configured provider in this order. */
export const PROVIDER_DEFAULT_MODELS: Array<{ provider: string; model: string }> = PROVIDER_DESCRIPTORS.map(
  (descriptor) => ({ provider: descriptor.name, model: descriptor.defaultModel }),
);

export interface ModelLayer {
  models: ModelResolver;
  embedders: Map<string, Embedder>;
  provider: ProviderInfo;
  /** Hits and misses of the embedding and response caches (for metrics); null when no cache is in use. */
  cacheStats: (() => Array<{ cache: string; hits: number; misses: number }>) | null;
  /** Circuit breaker state by `provider:model` (for metrics); null when circuit breaking is off. */
  circuitStates: (() => Record<string, CircuitState>) | null;
  /** Forwards `/v1/chat/completions` requests unchanged to providers that speak that API. */
  forwarder: ChatCompletionsForwarder;
}

export async function createModels(
  config: GodwitConfig,
  env: Environment,
  extraEmbedders?: Map<string, Embedder>,
  cache?: Cache,
): Promise<ModelLayer> {
  const detections = detectProviders(env);
  const usesCaching =
    cache !== undefined && (config.cache.responses.enabled || config.cache.embeddings.enabled);
  const [resilienceModule, caching, routing, forwarding, adapters] = await Promise.all([
    import('../providers/resilience/index.ts'),
    usesCaching ? import('../providers/caching/index.ts') : undefined,
    config.routing.rules.length > 0 ? import('../providers/routing/index.ts') : undefined,
    import('../providers/forwarding/index.ts'),
    // Only configured or named providers load their SDK; the others fail as their adapter would.
    loadProviderAdapters(providersToLoad(config, detections), env),
  ]);
  const resilience = resilienceModule.createResilience({
    timeoutMs: config.resilience.timeoutMs,
    retry: { maxRetries: config.resilience.retries },
    limits: config.resilience.limits,
  });
  const counters: Array<{ cache: string; counters: { snapshot(): { hits: number; misses: number } } }> = [];
  const responseCache =
    cache && caching && config.cache.responses.enabled
      ? caching.createResponseCacheMiddleware({ cache, ttlSeconds: config.cache.responses.ttlSeconds })
      : undefined;
  if (responseCache) counters.push({ cache: 'response', counters: responseCache.counters });
  const withCache = (factory: ProviderFactory): ProviderFactory =>
    responseCache
      ? (modelId) =>
          wrapLanguageModel({ model: factory(modelId) as LanguageModelV4, middleware: responseCache })
      : factory;
  const providers: Record<string, ProviderFactory> = { local: localProvider };
  for (const [name, adapter] of Object.entries(adapters)) {
    providers[name] = withCache(resilience.wrapFactory(adapter.languageModel));
  }

  const configured = detections.filter((detection) => detection.configured && detection.provider !== 'local');
  const automatic = PROVIDER_DEFAULT_MODELS.find((entry) =>
    configured.some((detection) => detection.provider === entry.provider),
  );
  const defaultModel = config.models.default ?? automatic?.model ?? 'local:extractive';
  const registry = createModelRegistry({
    providers,
    defaultModel,
    fallbackModels: config.models.fallback,
    chain: (chain) => resilienceModule.createFallbackModel(chain),
  });
  // Fail at startup, not on the first request, when a configured model is unknown or lacks credentials.
  for (const name of [defaultModel, ...config.models.fallback]) registry.languageModel(name);
  const rules = config.routing.rules;
  // Routing rules apply to requests for the default model; a request naming a model gets that model.
  const routed =
    routing && rules.length > 0
      ? routing.createRoutingModel({ defaultModel, rules, resolve: (name) => registry.languageModel(name) })
      : undefined;
  const models: ModelResolver = {
    ...registry,
    languageModel: (name) => (routed && name === defaultModel ? routed : registry.languageModel(name)),
  };

  const forwarder = forwarding.createChatCompletionsForwarder({
    // Forwarding skips the AI SDK layers, so it is used only where they would change nothing: no response
    // cache, and not the default model when routing rules may send its requests elsewhere.
    endpoint: (name) => {
      if (responseCache || (routed && name === defaultModel)) return undefined;
      const { provider, modelId } = parseModelName(name);
      return adapters[provider]?.chatCompletionsEndpoint?.(modelId);
    },
    breakers: resilience.breakers,
    limiter: (provider) => resilience.limiter(provider),
    retry: { maxRetries: config.resilience.retries },
    timeoutMs: config.resilience.timeoutMs,
  });

  const lexical = createLexicalEmbedder();
  const embedders = new Map<string, Embedder>([[lexical.model, lexical], ...(extraEmbedders ?? [])]);
  const embeddingModel = config.models.embedding;
  if (embeddingModel && !embedders.has(embeddingModel)) {
    const separator = embeddingModel.indexOf(':');
    const providerName = embeddingModel.slice(0, separator);
    const adapter = adapters[providerName];
    if (adapter) {
      const embedder = adapter.embedder(embeddingModel.slice(separator + 1), {
        middleware: resilience.embeddingMiddleware(providerName),
      });
      if (cache && caching && config.cache.embeddings.enabled) {
        const cached = caching.createCachedEmbedder(embedder, {
          cache,
          ...(config.cache.embeddings.ttlSeconds ? { ttlSeconds: config.cache.embeddings.ttlSeconds } : {}),
        });
        counters.push({ cache: 'embedding', counters: cached.counters });
        embedders.set(embeddingModel, cached);
      } else {
        embedders.set(embeddingModel, embedder);
      }
    }
  }
  const reason =
    config.models.default !== null
      ? 'chosen by models.default / GODWIT_MODEL'
      : automatic
        ? `found ${configured.find((detection) => detection.provider === automatic.provider)?.reason}`
        : 'no provider credentials found (AWS, OPENAI_API_KEY, GOOGLE_GENERATIVE_AI_API_KEY or OLLAMA_HOST): using the offline extractive model, which quotes your documents';
  const breakers = resilience.breakers;
  return {
    models,
    embedders,
    cacheStats:
      counters.length > 0
        ? () => counters.map((entry) => ({ cache: entry.cache, ...pick(entry.counters.snapshot()) }))
        : null,
    circuitStates: breakers ? () => breakers.states() : null,
    forwarder,
    provider: {
      model: defaultModel,
      fallbackModels: config.models.fallback,
      embeddingModel,
      reason,
      availableModels: [...LOCAL_MODELS, ...configured.map((detection) => `${detection.provider}:*`)],
      providers: detections.map(({ provider, configured: isConfigured, reason: why }) => ({
        provider,
        configured: isConfigured,
        reason: why,
      })),
    },
  };
}
