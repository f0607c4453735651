/**
 * The four cloud providers (five chat APIs) wired to one emulator through their ecosystem variables, as a
 * user would configure them.
 */
import type { LanguageModelV4 } from '@ai-sdk/provider';
import type { Embedder } from '../../src/core/models.ts';
import { createBedrockProvider } from '../../src/providers/bedrock/index.ts';
import { createGoogleProvider } from '../../src/providers/google/index.ts';
import { createOllamaProvider } from '../../src/providers/ollama/index.ts';
import { createOpenAIProvider } from '../../src/providers/openai/index.ts';
import type { Dialect, Emulator } from '../support/emulators/index.ts';

export function emulatorEnv(emulator: Emulator): Record<string, string> {
  return {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
    AWS_ENDPOINT_URL_BEDROCK_RUNTIME: emulator.url,
    OPENAI_API_KEY: 'sk-test-key',
    OPENAI_BASE_URL: emulator.baseURLs.openai,
    GOOGLE_GENERATIVE_AI_API_KEY: 'gemini-test-key',
    OLLAMA_HOST: emulator.url,
  };
}

export interface ProviderCase {
  label: string;
  dialect: Dialect;
  /** The path the chat call must reach (non-streaming). */
  chatPath: RegExp;
  model(): LanguageModelV4;
  embedder(): Embedder;
  /** Dimension the embedder above is configured for. */
  dimension: number;
}

export function providerCases(emulator: Emulator): ProviderCase[] {
  const env = emulatorEnv(emulator);
  const bedrock = createBedrockProvider({ env });
  const openai = createOpenAIProvider({ env });
  const openaiResponses = createOpenAIProvider({ env, api: 'responses' });
  const google = createGoogleProvider({ env, baseURL: emulator.baseURLs.gemini });
  const ollama = createOllamaProvider({ env });
  const asV4 = (model: unknown) => model as LanguageModelV4;
  return [
    {
      label: 'bedrock (Converse)',
      dialect: 'bedrock',
      chatPath: /^\/model\/anthropic\.claude-3-5-haiku-20241022-v1%3A0\/converse$/,
      model: () => asV4(bedrock.languageModel('anthropic.claude-3-5-haiku-20241022-v1:0')),
      embedder: () => bedrock.embedder('amazon.titan-embed-text-v2:0', { dimensions: 256 }),
      dimension: 256,
    },
    {
      label: 'openai (Chat Completions)',
      dialect: 'openai',
      chatPath: /^\/v1\/chat\/completions$/,
      model: () => asV4(openai.languageModel('gpt-4.1-mini')),
      embedder: () => openai.embedder('text-embedding-3-small', { dimensions: 512 }),
      dimension: 512,
    },
    {
      label: 'openai (Responses)',
      dialect: 'openai',
      chatPath: /^\/v1\/responses$/,
      model: () => asV4(openaiResponses.languageModel('gpt-4.1-mini')),
      embedder: () => openaiResponses.embedder('text-embedding-3-large'),
      dimension: 3072,
    },
    {
      label: 'google (Gemini)',
      dialect: 'gemini',
      chatPath: /^\/v1beta\/models\/gemini-2\.0-flash:generateContent$/,
      model: () => asV4(google.languageModel('gemini-2.0-flash')),
      embedder: () => google.embedder('text-embedding-004'),
      dimension: 768,
    },
    {
      label: 'ollama',
      dialect: 'ollama',
      chatPath: /^\/api\/chat$/,
      model: () => asV4(ollama.languageModel('llama3.1:8b')),
      embedder: () => ollama.embedder('nomic-embed-text'),
      dimension: 768,
    },
  ];
}

/** Requests the emulator received since `start`, for one dialect. */
export function requestsSince(emulator: Emulator, start: number, dialect?: Dialect) {
  return emulator.requests.slice(start).filter((request) => !dialect || request.dialect === dialect);
}
