/**
 * `google:` models through `@ai-sdk/google` (the Gemini API): Gemini chat and text embeddings. Reads
 * GOOGLE_GENERATIVE_AI_API_KEY (or GEMINI_API_KEY / GOOGLE_API_KEY) from the given env.
 */
import { createGoogleGenerativeAI, type GoogleGenerativeAIProvider } from '@ai-sdk/google';
import { ConfigError } from '../../core/errors.ts';
import { withErrorMapping } from '../resilience/error-mapping-middleware.ts';
import {
  type EmbedderOptions,
  type ModelProvider,
  type ProviderSettings,
  readVariable,
  requireModelId,
  resolveDimension,
} from '../resilience/model-provider.ts';
import { createSdkEmbedder } from '../resilience/sdk-embedder.ts';
import { GOOGLE_API_KEY_VARIABLES } from './google-api-key.ts';

export const GOOGLE_EMBEDDING_DIMENSIONS: Record<string, number> = {
  'gemini-embedding-001': 3072,
  'text-embedding-004': 768,
  'embedding-001': 768,
};

/**
 * @example createGoogleProvider({ env: process.env }).languageModel('gemini-2.0-flash')
 */
export function createGoogleProvider(settings: ProviderSettings): ModelProvider {
  let sdk: GoogleGenerativeAIProvider | undefined;
  const client = (name: string): GoogleGenerativeAIProvider => {
    const apiKey = readVariable(settings.env, ...GOOGLE_API_KEY_VARIABLES);
    if (!apiKey) throw new ConfigError(`${name} needs a Gemini API key: set GOOGLE_GENERATIVE_AI_API_KEY.`);
    sdk ??= createGoogleGenerativeAI({
      apiKey,
      baseURL: settings.baseURL,
      fetch: settings.fetch,
      name: 'google',
    });
    return sdk;
  };
  const context = (modelId: string) => ({
    provider: 'google',
    modelId,
    credentialHint: 'GOOGLE_GENERATIVE_AI_API_KEY',
  });
  return {
    name: 'google',
    languageModel(modelId) {
      const id = requireModelId('google', modelId);
      return withErrorMapping(client(`google:${id}`).languageModel(id), context(id));
    },
    embedder(modelId, options: EmbedderOptions = {}) {
      const id = requireModelId('google', modelId);
      const google = client(`google:${id}`);
      const dimension = resolveDimension(`google:${id}`, options.dimensions, GOOGLE_EMBEDDING_DIMENSIONS, id);
      return createSdkEmbedder({
        ...context(id),
        version: `1;dimensions=${dimension}`,
        dimension,
        model: google.embeddingModel(id),
        providerOptions:
          options.dimensions === undefined ? undefined : { google: { outputDimensionality: dimension } },
        middleware: options.middleware,
        maxParallelCalls: options.maxParallelCalls,
      });
    },
  };
}
