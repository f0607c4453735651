/**
 * The `provider` and `model` labels of model metrics (Prometheus series, CloudWatch dimensions). A request
 * names its model, and `provider:*` offers every model of a configured provider, so labelling the name
 * as sent would let any caller create series without limit. Only names the server knows keep their own
 * label: the configured default, fallback and embedding models, the exact names it offers, its embedders
 * and the models in the price table. Any other name of a known provider is counted as `<provider>:other`,
 * anything else as `other`.
 */
import type { GodwitServices } from '../../core/services.ts';
import { PRICES } from '../../providers/pricing.ts';

export type ModelLabels = { provider: string; model: string };

export type ModelLabeler = (model: string) => ModelLabels;

export const OTHER = 'other';

/** Bedrock cross-region inference profiles (`us.anthropic…`) name a model of the price table. */
const BEDROCK_PROFILE_PREFIX = /^(?:us|us-gov|eu|apac|jp|au|ca|global)\./;

function split(name: string): { provider: string; modelId: string } {
  const separator = name.indexOf(':');
  if (separator <= 0) return { provider: name, modelId: '' };
  // AI SDK providers report sub-APIs (`openai.chat`, `openai.responses`); the provider is the first part.
  return { provider: name.slice(0, separator).split('.')[0]!, modelId: name.slice(separator + 1) };
}

/**
 * @example
 * const label = createModelLabeler({ models: ['openai:gpt-4.1-mini'], providers: ['openai'] });
 * label('openai:gpt-4.1-mini'); // { provider: 'openai', model: 'openai:gpt-4.1-mini' }
 * label('openai:made-up-7');    // { provider: 'openai', model: 'openai:other' }
 */
export function createModelLabeler(known: {
  models: Iterable<string>;
  providers: Iterable<string>;
}): ModelLabeler {
  const models = new Set([...known.models].filter((name) => !name.endsWith(':*')));
  for (const name of Object.keys(PRICES)) if (!name.endsWith(':*')) models.add(name);
  const providers = new Set(['local', ...known.providers]);
  for (const name of models) providers.add(split(name).provider);
  const isKnown = (provider: string, modelId: string) =>
    models.has(`${provider}:${modelId}`) ||
    (provider === 'bedrock' && models.has(`bedrock:${modelId.replace(BEDROCK_PROFILE_PREFIX, '')}`));
  return (name) => {
    const { provider, modelId } = split(name);
    if (!providers.has(provider)) return { provider: OTHER, model: OTHER };
    return { provider, model: isKnown(provider, modelId) ? name : `${provider}:${OTHER}` };
  };
}

/** The labeler for a running server: what its services are configured with, plus the price table. */
export function modelLabelerFor(services: Pick<GodwitServices, 'provider' | 'embedders'>): ModelLabeler {
  const { model, fallbackModels, embeddingModel, availableModels, providers } = services.provider;
  return createModelLabeler({
    models: [
      model,
      ...fallbackModels,
      ...(embeddingModel ? [embeddingModel] : []),
      ...availableModels,
      ...services.embedders.keys(),
    ],
    providers: providers.filter((entry) => entry.configured).map((entry) => entry.provider),
  });
}
