/** Google Gemini (Developer API) as the provider registry sees it (no SDK until `load`). */
import { ConfigError } from '../../core/errors.ts';
import { embeddingPrice, MID_2025, type ModelPrice, perMillion } from '../price-figures.ts';
import type { ProviderDescriptor } from '../provider-descriptor.ts';
import { readVariable } from '../resilience/model-provider.ts';
import { GOOGLE_API_KEY_VARIABLES } from './google-api-key.ts';

const gemini = (price: ReturnType<typeof perMillion>, more: Partial<ModelPrice> = {}): ModelPrice => ({
  ...price,
  source: 'Gemini Developer API pricing (paid tier)',
  asOf: MID_2025,
  ...more,
});

export const googleDescriptor: ProviderDescriptor = {
  name: 'google',
  defaultModel: 'google:gemini-2.0-flash',
  load: async (env) => (await import('./index.ts')).createGoogleProvider({ env }),
  detect(env) {
    const variable = GOOGLE_API_KEY_VARIABLES.find((name) => readVariable(env, name));
    if (!variable) {
      return {
        provider: 'google',
        configured: false,
        reason: 'GOOGLE_GENERATIVE_AI_API_KEY is not set',
        missing: ['GOOGLE_GENERATIVE_AI_API_KEY'],
      };
    }
    return { provider: 'google', configured: true, reason: `${variable} is set` };
  },
  missingCredentials: (model, env) =>
    readVariable(env, ...GOOGLE_API_KEY_VARIABLES)
      ? undefined
      : new ConfigError(`${model} needs a Gemini API key: set GOOGLE_GENERATIVE_AI_API_KEY.`),
  prices: {
    // Google Gemini (text input prices; audio input is billed higher and is not priced here).
    'google:gemini-2.0-flash': gemini(perMillion(0.1, 0.4, { cachedInput: 0.025 })),
    'google:gemini-2.0-flash-lite': gemini(perMillion(0.075, 0.3)),
    'google:gemini-2.5-flash': gemini(perMillion(0.3, 2.5)),
    'google:gemini-2.5-flash-lite': gemini(perMillion(0.1, 0.4)),
    'google:gemini-2.5-pro': gemini(perMillion(1.25, 10), {
      longContext: { aboveInputTokens: 200_000, inputPer1k: 2.5 / 1000, outputPer1k: 15 / 1000 },
    }),
    'google:text-embedding-004': gemini(embeddingPrice(0), {
      note: 'listed as free of charge on the Gemini Developer API',
    }),
    'google:gemini-embedding-001': gemini(embeddingPrice(0.15)),
  },
};
