/**
 * Model names are `provider:model-id`. The registry turns a name into an AI SDK LanguageModel, or fails
 * with an error that names the model and what is available.
 */
import type { LanguageModel } from 'ai';
import { ValidationError } from '../core/errors.ts';
import type { ModelResolver } from '../core/models.ts';

/** Builds a model of one provider from its model id; throws ValidationError for an unknown id. */
export type ProviderFactory = (modelId: string) => LanguageModel;

export interface ModelRegistryOptions {
  providers: Record<string, ProviderFactory>;
  defaultModel: string;
  /** Tried in order after any requested model fails before answering (see `chain`). */
  fallbackModels?: string[];
  /** Combines a model and its fallbacks into one model; required when fallbackModels is not empty. */
  chain?: (models: LanguageModel[]) => LanguageModel;
}

export function parseModelName(name: string): { provider: string; modelId: string } {
  const separator = name.indexOf(':');
  if (separator <= 0 || separator === name.length - 1) {
    throw new ValidationError(
      `Model "${name}" is not of the form provider:model-id (for example local:extractive or openai:gpt-4.1-mini).`,
      { details: { field: 'model' } },
    );
  }
  return { provider: name.slice(0, separator), modelId: name.slice(separator + 1) };
}

export function createModelRegistry(options: ModelRegistryOptions): ModelResolver {
  const cache = new Map<string, LanguageModel>();
  const single = (name: string): LanguageModel => {
    const cached = cache.get(name);
    if (cached) return cached;
    const { provider, modelId } = parseModelName(name);
    const factory = options.providers[provider];
    if (!factory) {
      throw new ValidationError(
        `Unknown model provider "${provider}" in "${name}". Configured providers: ${Object.keys(options.providers).join(', ')}.`,
        { details: { field: 'model' } },
      );
    }
    const model = factory(modelId);
    cache.set(name, model);
    return model;
  };
  const fallbackModels = options.fallbackModels ?? [];
  const languageModel = (name: string): LanguageModel => {
    const fallbacks = fallbackModels.filter((fallback) => fallback !== name);
    if (fallbacks.length === 0 || !options.chain) return single(name);
    return options.chain([single(name), ...fallbacks.map(single)]);
  };
  return {
    languageModel,
    defaultModel: options.defaultModel,
    fallbackModels,
  };
}
