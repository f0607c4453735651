/** The `google:` provider: Gemini chat and embeddings over the Gemini API. */
export { GOOGLE_API_KEY_VARIABLES } from './google-api-key.ts';
export { createGoogleProvider, GOOGLE_EMBEDDING_DIMENSIONS } from './google-provider.ts';
