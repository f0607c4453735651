/** Amazon Bedrock as the provider registry sees it (no SDK is loaded until `load`). */
import { ConfigError } from '../../core/errors.ts';
import { embeddingPrice, MID_2025, type ModelPrice, perMillion } from '../price-figures.ts';
import { type ProviderDescriptor, safeEndpoint } from '../provider-descriptor.ts';
import {
  BEDROCK_CREDENTIALS_HINT,
  bedrockEndpoint,
  bedrockRegion,
  detectBedrockCredentials,
} from './bedrock-credentials.ts';

const SOURCE = 'Amazon Bedrock pricing (on-demand, US East N. Virginia)';

const bedrock = (price: ReturnType<typeof perMillion>, asOf = MID_2025): ModelPrice => ({
  ...price,
  source: SOURCE,
  asOf,
});

export const bedrockDescriptor: ProviderDescriptor = {
  name: 'bedrock',
  defaultModel: 'bedrock:anthropic.claude-3-5-haiku-20241022-v1:0',
  load: async (env) => (await import('./index.ts')).createBedrockProvider({ env }),
  detect(env, options = {}) {
    const credentials = detectBedrockCredentials(env, options.fileExists);
    const region = bedrockRegion(env);
    if (credentials.kind === 'missing') {
      return {
        provider: 'bedrock',
        configured: false,
        reason: `${credentials.description}; ${BEDROCK_CREDENTIALS_HINT}`,
        missing: ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', ...(region ? [] : ['AWS_REGION'])],
      };
    }
    if (!region) {
      return {
        provider: 'bedrock',
        configured: false,
        reason: `credentials found (${credentials.description}) but no region: set AWS_REGION`,
        missing: ['AWS_REGION'],
      };
    }
    return {
      provider: 'bedrock',
      configured: true,
      reason: `region ${region}; ${credentials.description}`,
      endpoint: safeEndpoint(bedrockEndpoint(env, region)),
    };
  },
  missingCredentials(model, env) {
    if (!bedrockRegion(env)) {
      return new ConfigError(`${model} needs an AWS region: set AWS_REGION (for example us-east-1).`);
    }
    const source = detectBedrockCredentials(env);
    return source.kind === 'missing'
      ? new ConfigError(
          `${model} needs AWS credentials (${source.description}): ${BEDROCK_CREDENTIALS_HINT}.`,
        )
      : undefined;
  },
  prices: {
    // Anthropic Claude on Bedrock. Cache writes cost 1.25× input, cache reads 0.1× input.
    'bedrock:anthropic.claude-3-haiku-20240307-v1:0': bedrock(perMillion(0.25, 1.25)),
    'bedrock:anthropic.claude-3-5-haiku-20241022-v1:0': bedrock(
      perMillion(0.8, 4, { cachedInput: 0.08, cacheWrite: 1 }),
    ),
    'bedrock:anthropic.claude-3-5-sonnet-20240620-v1:0': bedrock(perMillion(3, 15)),
    'bedrock:anthropic.claude-3-5-sonnet-20241022-v2:0': bedrock(perMillion(3, 15)),
    'bedrock:anthropic.claude-3-7-sonnet-20250219-v1:0': bedrock(
      perMillion(3, 15, { cachedInput: 0.3, cacheWrite: 3.75 }),
    ),
    'bedrock:anthropic.claude-sonnet-4-20250514-v1:0': bedrock(
      perMillion(3, 15, { cachedInput: 0.3, cacheWrite: 3.75 }),
    ),
    'bedrock:anthropic.claude-sonnet-4-5-20250929-v1:0': bedrock(
      perMillion(3, 15, { cachedInput: 0.3, cacheWrite: 3.75 }),
      '2025-10-01',
    ),
    'bedrock:anthropic.claude-haiku-4-5-20251001-v1:0': bedrock(
      perMillion(1, 5, { cachedInput: 0.1, cacheWrite: 1.25 }),
      '2025-10-20',
    ),
    // Amazon Nova: cached reads are billed at a quarter of the input price.
    'bedrock:amazon.nova-micro-v1:0': bedrock(perMillion(0.035, 0.14, { cachedInput: 0.00875 })),
    'bedrock:amazon.nova-lite-v1:0': bedrock(perMillion(0.06, 0.24, { cachedInput: 0.015 })),
    'bedrock:amazon.nova-pro-v1:0': bedrock(perMillion(0.8, 3.2, { cachedInput: 0.2 })),
    // Amazon Titan Text and Embeddings.
    'bedrock:amazon.titan-text-express-v1': bedrock(perMillion(0.2, 0.6)),
    'bedrock:amazon.titan-text-lite-v1': bedrock(perMillion(0.15, 0.2)),
    'bedrock:amazon.titan-text-premier-v1:0': bedrock(perMillion(0.5, 1.5)),
    'bedrock:amazon.titan-embed-text-v1': bedrock(embeddingPrice(0.1)),
    'bedrock:amazon.titan-embed-text-v2:0': bedrock(embeddingPrice(0.02)),
    // Cohere Embed on Bedrock.
    'bedrock:cohere.embed-english-v3': bedrock(embeddingPrice(0.1)),
    'bedrock:cohere.embed-multilingual-v3': bedrock(embeddingPrice(0.1)),
    // Meta Llama on Bedrock (3.2 and 3.3 are served through cross-region inference profiles).
    'bedrock:meta.llama3-8b-instruct-v1:0': bedrock(perMillion(0.3, 0.6)),
    'bedrock:meta.llama3-70b-instruct-v1:0': bedrock(perMillion(2.65, 3.5)),
    'bedrock:meta.llama3-1-8b-instruct-v1:0': bedrock(perMillion(0.22, 0.22)),
    'bedrock:meta.llama3-1-70b-instruct-v1:0': bedrock(perMillion(0.72, 0.72)),
    'bedrock:meta.llama3-1-405b-instruct-v1:0': bedrock(perMillion(2.4, 2.4)),
    'bedrock:meta.llama3-2-1b-instruct-v1:0': bedrock(perMillion(0.1, 0.1)),
    'bedrock:meta.llama3-2-3b-instruct-v1:0': bedrock(perMillion(0.15, 0.15)),
    'bedrock:meta.llama3-2-11b-instruct-v1:0': bedrock(perMillion(0.16, 0.16)),
    'bedrock:meta.llama3-2-90b-instruct-v1:0': bedrock(perMillion(0.72, 0.72)),
    'bedrock:meta.llama3-3-70b-instruct-v1:0': bedrock(perMillion(0.72, 0.72)),
    // Mistral on Bedrock.
    'bedrock:mistral.mistral-7b-instruct-v0:2': bedrock(perMillion(0.15, 0.2)),
    'bedrock:mistral.mixtral-8x7b-instruct-v0:1': bedrock(perMillion(0.45, 0.7)),
    'bedrock:mistral.mistral-large-2402-v1:0': bedrock(perMillion(4, 12)),
  },
};
