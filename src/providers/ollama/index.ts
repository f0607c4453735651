/** The `ollama:` provider: chat and embeddings on a local or remote Ollama server. */
export { OLLAMA_DEFAULT_HOST, ollamaHostURL } from './ollama-host.ts';
export { createOllamaProvider, OLLAMA_EMBEDDING_DIMENSIONS } from './ollama-provider.ts';
