/**
 * `bedrock:` models through `@ai-sdk/amazon-bedrock`: chat over Converse / ConverseStream (Claude, Nova,
 * Llama, Mistral, Titan Text) and Titan / Cohere embeddings over InvokeModel, signed with SigV4.
 * Reads AWS_REGION (or AWS_DEFAULT_REGION), AWS_ENDPOINT_URL_BEDROCK_RUNTIME (or AWS_ENDPOINT_URL) and the
 * credentials from the given env; the AWS credential chain (profiles, SSO, web identity, container and
 * instance roles) is loaded only when no keys are in the env.
 */
import { type AmazonBedrockProvider, createAmazonBedrock } from '@ai-sdk/amazon-bedrock';
import { wrapLanguageModel } from 'ai';
import { ConfigError } from '../../core/errors.ts';
import { withErrorMapping } from '../resilience/error-mapping-middleware.ts';
import {
  type ModelProvider,
  type ProviderSettings,
  readVariable,
  requireModelId,
} from '../resilience/model-provider.ts';
import { createSdkEmbedder } from '../resilience/sdk-embedder.ts';
import {
  BEDROCK_CREDENTIALS_HINT,
  bedrockEndpoint,
  bedrockRegion,
  detectBedrockCredentials,
} from './bedrock-credentials.ts';
import { type BedrockEmbedderOptions, planBedrockEmbedding } from './bedrock-embedding-models.ts';
import { converseCapabilityMiddleware } from './converse-capability-middleware.ts';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface BedrockProviderSettings extends ProviderSettings {
  /** Supplies credentials directly (tests, custom chains); wins over the env. */
  credentialProvider?: () => PromiseLike<AwsCredentials>;
  /** Use the AWS default credential chain even when the env shows no source (EC2 instance roles). */
  useCredentialChain?: boolean;
  /** Injected in tests: whether a shared AWS config file exists. */
  fileExists?: (path: string) => boolean;
}

/**
 * @example createBedrockProvider({ env: process.env }).languageModel('anthropic.claude-3-5-haiku-20241022-v1:0')
 */
export function createBedrockProvider(
  settings: BedrockProviderSettings,
): ModelProvider<BedrockEmbedderOptions> {
  let sdk: AmazonBedrockProvider | undefined;
  const client = (name: string): AmazonBedrockProvider => {
    sdk ??= buildClient(settings, name);
    return sdk;
  };
  const context = (modelId: string) => ({
    provider: 'bedrock',
    modelId,
    credentialHint: 'the AWS credentials and IAM permissions for Bedrock',
  });
  return {
    name: 'bedrock',
    languageModel(modelId) {
      const id = requireModelId('bedrock', modelId);
      const model = client(`bedrock:${id}`).languageModel(id);
      // Each request is shaped to what the model accepts in Converse (system block, tools, streaming tool
      // use, documents, images): see converse-capabilities.ts.
      const middleware = converseCapabilityMiddleware(id);
      const accepted = middleware ? wrapLanguageModel({ model, middleware, providerId: 'bedrock' }) : model;
      return withErrorMapping(accepted, context(id));
    },
    embedder(modelId, options: BedrockEmbedderOptions = {}) {
      const id = requireModelId('bedrock', modelId);
      const plan = planBedrockEmbedding(id, options);
      return createSdkEmbedder({
        ...context(id),
        ...plan,
        model: client(`bedrock:${id}`).embeddingModel(id),
        middleware: options.middleware,
        maxParallelCalls: options.maxParallelCalls,
      });
    },
  };
}

function buildClient(settings: BedrockProviderSettings, name: string): AmazonBedrockProvider {
  const region = bedrockRegion(settings.env);
  if (!region) throw new ConfigError(`${name} needs an AWS region: set AWS_REGION (for example us-east-1).`);
  const common = {
    region,
    baseURL: bedrockEndpoint(settings.env, region, settings.baseURL),
    fetch: settings.fetch,
  };
  if (settings.credentialProvider)
    return createAmazonBedrock({ ...common, apiKey: '', credentialProvider: settings.credentialProvider });
  const source = detectBedrockCredentials(settings.env, settings.fileExists);
  switch (source.kind) {
    case 'api-key':
      return createAmazonBedrock({
        ...common,
        apiKey: readVariable(settings.env, 'AWS_BEARER_TOKEN_BEDROCK'),
      });
    case 'keys':
      return createAmazonBedrock({
        ...common,
        // An empty API key keeps the SDK from reading AWS_BEARER_TOKEN_BEDROCK from process.env.
        apiKey: '',
        accessKeyId: readVariable(settings.env, 'AWS_ACCESS_KEY_ID'),
        secretAccessKey: readVariable(settings.env, 'AWS_SECRET_ACCESS_KEY'),
        sessionToken: readVariable(settings.env, 'AWS_SESSION_TOKEN'),
      });
    case 'missing':
      if (!settings.useCredentialChain) {
        throw new ConfigError(
          `${name} needs AWS credentials (${source.description}): ${BEDROCK_CREDENTIALS_HINT}.`,
        );
      }
      return createAmazonBedrock({
        ...common,
        apiKey: '',
        credentialProvider: credentialChain(settings.env),
      });
    case 'chain':
      return createAmazonBedrock({
        ...common,
        apiKey: '',
        credentialProvider: credentialChain(settings.env),
      });
  }
}

/** The AWS SDK's default chain, loaded on first use so processes without Bedrock never import it. */
function credentialChain(env: Record<string, string | undefined>): () => Promise<AwsCredentials> {
  let provider: (() => Promise<AwsCredentials>) | undefined;
  return async () => {
    if (!provider) {
      const { defaultProvider } = await import('@aws-sdk/credential-provider-node');
      provider = defaultProvider({
        profile: readVariable(env, 'AWS_PROFILE'),
        filepath: readVariable(env, 'AWS_SHARED_CREDENTIALS_FILE'),
        configFilepath: readVariable(env, 'AWS_CONFIG_FILE'),
      });
    }
    const credentials = await provider();
    return {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      sessionToken: credentials.sessionToken,
    };
  };
}
