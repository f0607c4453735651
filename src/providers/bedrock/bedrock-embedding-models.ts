/**
 * Bedrock embedding models Godwit knows how to size and configure: Titan Text Embeddings v1 and v2
 * (v2: 256/512/1024 dimensions, optional normalization) and Cohere Embed v3/v4.
 */
import type { SharedV4ProviderOptions } from '@ai-sdk/provider';
import { ConfigError } from '../../core/errors.ts';
import type { EmbedderOptions } from '../resilience/model-provider.ts';

export interface BedrockEmbedderOptions extends EmbedderOptions {
  /** Titan v2 only. Default true. */
  normalize?: boolean;
  /** Cohere only: how the texts will be used. Default `search_document`. */
  inputType?: 'search_document' | 'search_query' | 'classification' | 'clustering';
}

interface EmbeddingModelSpec {
  defaultDimension: number;
  allowedDimensions: number[];
  family: 'titan-v1' | 'titan-v2' | 'cohere' | 'cohere-v4';
}

const MODELS: Record<string, EmbeddingModelSpec> = {
  'amazon.titan-embed-text-v1': { defaultDimension: 1536, allowedDimensions: [1536], family: 'titan-v1' },
  'amazon.titan-embed-text-v2:0': {
    defaultDimension: 1024,
    allowedDimensions: [256, 512, 1024],
    family: 'titan-v2',
  },
  'cohere.embed-english-v3': { defaultDimension: 1024, allowedDimensions: [1024], family: 'cohere' },
  'cohere.embed-multilingual-v3': { defaultDimension: 1024, allowedDimensions: [1024], family: 'cohere' },
  'cohere.embed-v4:0': {
    defaultDimension: 1536,
    allowedDimensions: [256, 512, 1024, 1536],
    family: 'cohere-v4',
  },
};

export const BEDROCK_EMBEDDING_MODELS = Object.keys(MODELS);

export interface BedrockEmbeddingPlan {
  dimension: number;
  version: string;
  providerOptions: SharedV4ProviderOptions;
}

/** Validates the options against the model and builds the request options and version string. */
export function planBedrockEmbedding(modelId: string, options: BedrockEmbedderOptions): BedrockEmbeddingPlan {
  const spec = MODELS[modelId.replace(/^(us|eu|apac|global)\./, '')];
  if (!spec) {
    throw new ConfigError(
      `bedrock:${modelId} is not a supported embedding model. Supported: ${BEDROCK_EMBEDDING_MODELS.map((id) => `bedrock:${id}`).join(', ')}.`,
    );
  }
  const dimension = options.dimensions ?? spec.defaultDimension;
  if (!spec.allowedDimensions.includes(dimension)) {
    throw new ConfigError(
      `bedrock:${modelId} produces ${spec.allowedDimensions.join(', ')}-dimensional vectors; ${dimension} was requested. Set the embedding dimensions to one of those.`,
    );
  }
  switch (spec.family) {
    case 'titan-v2': {
      const normalize = options.normalize ?? true;
      return {
        dimension,
        version: `1;dimensions=${dimension};normalize=${normalize}`,
        providerOptions: { bedrock: { dimensions: dimension, normalize } },
      };
    }
    case 'cohere':
    case 'cohere-v4':
      return {
        dimension,
        version: `1;dimensions=${dimension}`,
        providerOptions: {
          bedrock: {
            inputType: options.inputType ?? 'search_document',
            ...(spec.family === 'cohere-v4' ? { outputDimension: dimension } : {}),
          },
        },
      };
    default:
      return { dimension, version: `1;dimensions=${dimension}`, providerOptions: {} };
  }
}
