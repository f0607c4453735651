/** The `openai:` provider: chat (Responses or Chat Completions) and embeddings over the OpenAI API. */
export { OPENAI_DEFAULT_BASE_URL, openaiBaseURL } from './openai-endpoint.ts';
export {
  createOpenAIProvider,
  OPENAI_EMBEDDING_DIMENSIONS,
  type OpenAIProviderSettings,
} from './openai-provider.ts';
