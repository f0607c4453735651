/**
 * `ollama:` models through `ollama-ai-provider-v2`: chat over `/api/chat` and embeddings over `/api/embed`
 * (for example ollama:llama3.1:8b and nomic-embed-text). Ollama needs no credentials; OLLAMA_HOST picks
 * the server (default 127.0.0.1:11434).
 */
import { wrapLanguageModel } from 'ai';
import { createOllama, type OllamaProvider } from 'ollama-ai-provider-v2';
import { withErrorMapping } from '../resilience/error-mapping-middleware.ts';
import {
  type EmbedderOptions,
  type ModelProvider,
  type ProviderSettings,
  requireModelId,
  resolveDimension,
} from '../resilience/model-provider.ts';
import { createSdkEmbedder } from '../resilience/sdk-embedder.ts';
import { ollamaHostURL } from './ollama-host.ts';
import { createOllamaStreamGuard } from './ollama-stream-guard.ts';

export const OLLAMA_EMBEDDING_DIMENSIONS: Record<string, number> = {
  'nomic-embed-text': 768,
  'mxbai-embed-large': 1024,
  'all-minilm': 384,
  'snowflake-arctic-embed': 1024,
  'bge-m3': 1024,
};

/**
 * @example createOllamaProvider({ env: process.env }).languageModel('llama3.1:8b')
 */
export function createOllamaProvider(settings: ProviderSettings): ModelProvider {
  let sdk: OllamaProvider | undefined;
  // Resolved on first use, so a malformed OLLAMA_HOST only matters to those who use Ollama.
  const client = (): OllamaProvider => {
    sdk ??= createOllama({
      baseURL: settings.baseURL ?? `${ollamaHostURL(settings.env.OLLAMA_HOST)}/api`,
      fetch: settings.fetch,
    });
    return sdk;
  };
  const context = (modelId: string) => ({ provider: 'ollama', modelId, credentialHint: 'OLLAMA_HOST' });
  return {
    name: 'ollama',
    languageModel(modelId) {
      const id = requireModelId('ollama', modelId);
      const model = wrapLanguageModel({
        model: client().languageModel(id),
        middleware: createOllamaStreamGuard(`ollama:${id}`),
      });
      return withErrorMapping(model, context(id));
    },
    embedder(modelId, options: EmbedderOptions = {}) {
      const id = requireModelId('ollama', modelId);
      const known = id.replace(/:latest$/, '');
      const dimension = resolveDimension(
        `ollama:${id}`,
        options.dimensions,
        OLLAMA_EMBEDDING_DIMENSIONS,
        known,
      );
      return createSdkEmbedder({
        ...context(id),
        version: `1;dimensions=${dimension}`,
        dimension,
        model: client().embeddingModel(id),
        providerOptions: options.dimensions === undefined ? undefined : { ollama: { dimensions: dimension } },
        middleware: options.middleware,
        maxParallelCalls: options.maxParallelCalls,
      });
    },
  };
}
