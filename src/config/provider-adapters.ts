/**
 * Loads the cloud provider adapters a process can use (part of the composition root). Each adapter's
 * module pulls in its AI SDK package, so only the providers the environment configures or the
 * configuration names are imported; the others are stand-ins that fail exactly as their adapter does
 * without credentials (a ConfigError naming the variable to set), with no SDK loaded.
 *
 * Ollama needs no credentials and, with no OLLAMA_HOST, still answers on its default host, so it cannot
 * be replaced by a failing stand-in: when it is neither configured nor named, its adapter loads when a
 * request first names an Ollama model.
 */
import type { LanguageModelV4 } from '@ai-sdk/provider';
import { ConfigError } from '../core/errors.ts';
import type { ProviderDetection } from '../providers/detect-providers.ts';
import { ollamaDescriptor } from '../providers/ollama/ollama-descriptor.ts';
import { ollamaHostURL } from '../providers/ollama/ollama-host.ts';
import { findProviderDescriptor, PROVIDER_DESCRIPTORS } from '../providers/provider-descriptors.ts';
import { type ModelProvider, requireModelId } from '../providers/resilience/model-provider.ts';
import type { GodwitConfig } from './schema.ts';

type Environment = Record<string, string | undefined>;

/** The cloud providers, in the order the registry lists them. */
export const CLOUD_PROVIDERS: readonly string[] = PROVIDER_DESCRIPTORS.map((descriptor) => descriptor.name);

/**
 * The providers whose adapter module must load: those configured in the environment, those named by
 * models.default, models.fallback, models.embedding, retrieval.expansion.model or a routing rule (so a
 * named model fails or works at startup exactly as before).
 *
 * @example providersToLoad(config, detectProviders(env)) // → Set { 'openai' } with OPENAI_API_KEY set
 */
export function providersToLoad(config: GodwitConfig, detections: ProviderDetection[]): Set<string> {
  const named = [
    config.models.default,
    ...config.models.fallback,
    config.models.embedding,
    config.retrieval.expansion.model,
    ...config.routing.rules.map((rule) => rule.model),
  ].flatMap((name) => (name ? [name.slice(0, name.indexOf(':'))] : []));
  const configured = detections.filter((detection) => detection.configured).map((entry) => entry.provider);
  const wanted = new Set<string>([...named, ...configured]);
  return new Set(CLOUD_PROVIDERS.filter((provider) => wanted.has(provider)));
}

/**
 * One adapter per cloud provider: the real one for each provider in `load`; for the rest, a stand-in
 * that fails without credentials (bedrock, openai, google) or one that defers loading (ollama).
 *
 * @example const adapters = await loadProviderAdapters(new Set(['openai']), process.env);
 */
export async function loadProviderAdapters(
  load: ReadonlySet<string>,
  env: Environment,
): Promise<Record<string, ModelProvider>> {
  const entries = await Promise.all(
    PROVIDER_DESCRIPTORS.map(
      async (descriptor) =>
        [
          descriptor.name,
          load.has(descriptor.name)
            ? await descriptor.load(env)
            : descriptor.missingCredentials
              ? unconfiguredProvider(descriptor.name, env)
              : deferredOllama(env),
        ] as const,
    ),
  );
  return Object.fromEntries(entries);
}

/**
 * A stand-in for a provider without credentials: every call fails with the error its adapter throws
 * (an empty model id is a ValidationError; otherwise a ConfigError naming what to set).
 */
export function unconfiguredProvider(provider: string, env: Environment): ModelProvider {
  const descriptor = findProviderDescriptor(provider);
  const fail = (modelId: string): never => {
    const id = requireModelId(provider, modelId);
    const model = `${provider}:${id}`;
    throw descriptor?.missingCredentials?.(model, env) ?? configuredAfterStart(provider, model);
  };
  return {
    name: provider,
    languageModel: fail,
    embedder: fail,
    // Only an adapter that forwards Chat Completions has the endpoint; it checks the key before answering.
    ...(descriptor?.forwardsChatCompletions ? { chatCompletionsEndpoint: fail } : {}),
  };
}

/**
 * Ollama models whose adapter loads when one is first used (the AI SDK reads `supportedUrls` as soon as
 * a model is wrapped, which is when the registry builds it). Everything the adapter checks when a model is
 * built (the model id, OLLAMA_HOST) is checked here too, so the same errors come at the same time.
 * Embedders are not deferred: an Ollama embedding model is named by models.embedding, which loads the
 * adapter at startup.
 */
export function deferredOllama(env: Environment): ModelProvider {
  let adapter: Promise<ModelProvider> | undefined;
  const load = () => {
    adapter ??= ollamaDescriptor.load(env);
    return adapter;
  };
  return {
    name: 'ollama',
    languageModel(modelId) {
      const id = requireModelId('ollama', modelId);
      ollamaHostURL(env.OLLAMA_HOST);
      let model: Promise<LanguageModelV4> | undefined;
      const real = () => {
        if (!model) {
          model = load().then((loaded) => loaded.languageModel(id) as LanguageModelV4);
          // Callers of doGenerate/doStream see a failed load; an unread supportedUrls must not crash.
          model.catch(() => {});
        }
        return model;
      };
      const deferred: LanguageModelV4 = {
        specificationVersion: 'v4',
        provider: 'ollama',
        modelId: id,
        get supportedUrls() {
          const urls = real().then((loaded) => loaded.supportedUrls);
          urls.catch(() => {});
          return urls;
        },
        doGenerate: async (options) => (await real()).doGenerate(options),
        doStream: async (options) => (await real()).doStream(options),
      };
      return deferred;
    },
    embedder(modelId) {
      const id = requireModelId('ollama', modelId);
      throw new ConfigError(
        `ollama:${id} is not loaded as an embedding model: name it in models.embedding (GODWIT_EMBEDDING_MODEL).`,
      );
    },
  };
}

/** Credentials that appeared after start (a shared AWS file written later, a mutated env). */
function configuredAfterStart(provider: string, model: string): ConfigError {
  return new ConfigError(
    `${model}: the ${provider} provider was not configured when Godwit started; restart Godwit to use it.`,
  );
}
