/**
 * Ollama as the provider registry sees it (no SDK until `load`). It needs no credentials, so it has no
 * `missingCredentials`: when not configured, its adapter loads when a request first names an Ollama model.
 */
import { MID_2025 } from '../price-figures.ts';
import { type ProviderDescriptor, safeEndpoint } from '../provider-descriptor.ts';
import { readVariable } from '../resilience/model-provider.ts';
import { ollamaHostURL } from './ollama-host.ts';

export const ollamaDescriptor: ProviderDescriptor = {
  name: 'ollama',
  defaultModel: 'ollama:llama3.1:8b',
  load: async (env) => (await import('./index.ts')).createOllamaProvider({ env }),
  detect(env) {
    const host = readVariable(env, 'OLLAMA_HOST');
    if (!host) {
      return {
        provider: 'ollama',
        configured: false,
        reason: 'OLLAMA_HOST is not set (a server on the default 127.0.0.1:11434 is not probed)',
        missing: ['OLLAMA_HOST'],
      };
    }
    try {
      const endpoint = safeEndpoint(ollamaHostURL(host));
      return {
        provider: 'ollama',
        configured: true,
        reason: 'OLLAMA_HOST is set (the server is not contacted here)',
        endpoint,
      };
    } catch (error) {
      return {
        provider: 'ollama',
        configured: false,
        reason: (error as Error).message,
        missing: ['OLLAMA_HOST'],
      };
    }
  },
  prices: {
    // Models that run on your own hardware: no per-token charge.
    'ollama:*': {
      inputPer1k: 0,
      outputPer1k: 0,
      source: 'runs on your own Ollama server; no per-token charge',
      asOf: MID_2025,
    },
  },
};
