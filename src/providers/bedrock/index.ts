/** The `bedrock:` provider: Converse chat and Titan/Cohere embeddings on Amazon Bedrock. */
export {
  BEDROCK_CREDENTIALS_HINT,
  type BedrockCredentialSource,
  bedrockEndpoint,
  bedrockRegion,
  detectBedrockCredentials,
} from './bedrock-credentials.ts';
export { BEDROCK_EMBEDDING_MODELS, type BedrockEmbedderOptions } from './bedrock-embedding-models.ts';
export {
  type AwsCredentials,
  type BedrockProviderSettings,
  createBedrockProvider,
} from './bedrock-provider.ts';
export { bedrockAcceptsSystemPrompt, foldSystemIntoUserMessage } from './bedrock-system-prompt.ts';
export {
  bedrockToolUseProblem,
  type ConverseCapabilities,
  converseCapabilities,
  converseCapabilityTable,
} from './converse-capabilities.ts';
export { converseCapabilityMiddleware } from './converse-capability-middleware.ts';
