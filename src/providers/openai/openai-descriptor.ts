/** OpenAI (and OpenAI-compatible endpoints) as the provider registry sees it (no SDK until `load`). */
import { ConfigError } from '../../core/errors.ts';
import { embeddingPrice, MID_2025, type ModelPrice, perMillion } from '../price-figures.ts';
import { type ProviderDescriptor, safeEndpoint } from '../provider-descriptor.ts';
import { readVariable } from '../resilience/model-provider.ts';
import { openaiBaseURL } from './openai-endpoint.ts';

const openai = (price: ReturnType<typeof perMillion>): ModelPrice => ({
  ...price,
  source: 'OpenAI API pricing (standard tier)',
  asOf: MID_2025,
});

export const openaiDescriptor: ProviderDescriptor = {
  name: 'openai',
  defaultModel: 'openai:gpt-4.1-mini',
  forwardsChatCompletions: true,
  load: async (env) => (await import('./index.ts')).createOpenAIProvider({ env }),
  detect(env) {
    const endpoint = safeEndpoint(openaiBaseURL(env));
    if (!readVariable(env, 'OPENAI_API_KEY')) {
      return {
        provider: 'openai',
        configured: false,
        reason: 'OPENAI_API_KEY is not set',
        missing: ['OPENAI_API_KEY'],
        endpoint,
      };
    }
    const where = readVariable(env, 'OPENAI_BASE_URL') ? 'OPENAI_BASE_URL' : 'the default endpoint';
    return {
      provider: 'openai',
      configured: true,
      reason: `OPENAI_API_KEY is set; calls go to ${where}`,
      endpoint,
    };
  },
  missingCredentials: (model, env) =>
    readVariable(env, 'OPENAI_API_KEY')
      ? undefined
      : new ConfigError(`${model} needs an OpenAI API key: set OPENAI_API_KEY.`),
  prices: {
    // OpenAI: cached input is the price of prompt-cache hits, applied automatically by OpenAI.
    'openai:gpt-4.1': openai(perMillion(2, 8, { cachedInput: 0.5 })),
    'openai:gpt-4.1-mini': openai(perMillion(0.4, 1.6, { cachedInput: 0.1 })),
    'openai:gpt-4.1-nano': openai(perMillion(0.1, 0.4, { cachedInput: 0.025 })),
    'openai:gpt-4o': openai(perMillion(2.5, 10, { cachedInput: 1.25 })),
    'openai:gpt-4o-mini': openai(perMillion(0.15, 0.6, { cachedInput: 0.075 })),
    'openai:text-embedding-3-small': openai(embeddingPrice(0.02)),
    'openai:text-embedding-3-large': openai(embeddingPrice(0.13)),
    'openai:text-embedding-ada-002': openai(embeddingPrice(0.1)),
  },
};
