/**
 * `openai:` models through `@ai-sdk/openai`: chat through the Responses API on api.openai.com and through
 * Chat Completions on any other OPENAI_BASE_URL (vLLM, LiteLLM, Azure-style gateways, another Godwit),
 * which is what OpenAI-compatible servers implement; embeddings with text-embedding-3-* and ada-002.
 * Reads OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_ORG_ID and OPENAI_PROJECT_ID from the given env.
 */
import { createOpenAI, type OpenAIProvider } from '@ai-sdk/openai';
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
import { OPENAI_DEFAULT_BASE_URL, openaiBaseURL } from './openai-endpoint.ts';

export const OPENAI_EMBEDDING_DIMENSIONS: Record<string, number> = {
  'text-embedding-3-small': 1536,
  'text-embedding-3-large': 3072,
  'text-embedding-ada-002': 1536,
};

export interface OpenAIProviderSettings extends ProviderSettings {
  /** Which chat API to call. Default: `responses` on api.openai.com, `chat` (Chat Completions) elsewhere. */
  api?: 'responses' | 'chat';
}

/**
 * @example createOpenAIProvider({ env: process.env }).languageModel('gpt-4.1-mini')
 */
export function createOpenAIProvider(settings: OpenAIProviderSettings): ModelProvider {
  const baseURL = openaiBaseURL(settings.env, settings.baseURL);
  const api = settings.api ?? (baseURL === OPENAI_DEFAULT_BASE_URL ? 'responses' : 'chat');
  let sdk: OpenAIProvider | undefined;
  const client = (name: string): OpenAIProvider => {
    const apiKey = requireKey(name);
    sdk ??= createOpenAI({
      apiKey,
      baseURL,
      organization: readVariable(settings.env, 'OPENAI_ORG_ID'),
      project: readVariable(settings.env, 'OPENAI_PROJECT_ID'),
      fetch: settings.fetch,
      name: 'openai',
    });
    return sdk;
  };
  const context = (modelId: string) => ({ provider: 'openai', modelId, credentialHint: 'OPENAI_API_KEY' });
  const requireKey = (name: string): string => {
    const apiKey = readVariable(settings.env, 'OPENAI_API_KEY');
    if (!apiKey) throw new ConfigError(`${name} needs an OpenAI API key: set OPENAI_API_KEY.`);
    return apiKey;
  };
  return {
    name: 'openai',
    languageModel(modelId) {
      const id = requireModelId('openai', modelId);
      const openai = client(`openai:${id}`);
      const model = api === 'chat' ? openai.chat(id) : openai.responses(id);
      return withErrorMapping(model, context(id));
    },
    embedder(modelId, options: EmbedderOptions = {}) {
      const id = requireModelId('openai', modelId);
      const openai = client(`openai:${id}`);
      const dimension = resolveDimension(`openai:${id}`, options.dimensions, OPENAI_EMBEDDING_DIMENSIONS, id);
      // Only the text-embedding-3 family can shorten its vectors; sending `dimensions` to others is a 400.
      const shorten = options.dimensions !== undefined && id.startsWith('text-embedding-3');
      return createSdkEmbedder({
        ...context(id),
        version: `1;dimensions=${dimension}`,
        dimension,
        model: openai.embedding(id),
        providerOptions: shorten ? { openai: { dimensions: dimension } } : undefined,
        middleware: options.middleware,
        maxParallelCalls: options.maxParallelCalls,
      });
    },
    chatCompletionsEndpoint(modelId) {
      // A custom fetch (a proxy, a test double) must see every call: no direct forwarding then.
      if (settings.fetch) return undefined;
      const id = requireModelId('openai', modelId);
      const organization = readVariable(settings.env, 'OPENAI_ORG_ID');
      const project = readVariable(settings.env, 'OPENAI_PROJECT_ID');
      return {
        ...context(id),
        url: `${baseURL}/chat/completions`,
        headers: {
          authorization: `Bearer ${requireKey(`openai:${id}`)}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...(organization ? { 'openai-organization': organization } : {}),
          ...(project ? { 'openai-project': project } : {}),
        },
      };
    },
  };
}
