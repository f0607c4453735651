import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LanguageModelV4 } from '@ai-sdk/provider';
import { generateText, streamText } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../test/support/emulators/index.ts';
import { ConfigError, ProviderError, ValidationError } from '../core/errors.ts';
import { createBedrockProvider } from '../providers/bedrock/index.ts';
import { detectProviders } from '../providers/detect-providers.ts';
import { createGoogleProvider } from '../providers/google/index.ts';
import { createOllamaProvider } from '../providers/ollama/index.ts';
import { createOpenAIProvider } from '../providers/openai/index.ts';
import { createModels } from './create-models.ts';
import {
  deferredOllama,
  loadProviderAdapters,
  providersToLoad,
  unconfiguredProvider,
} from './provider-adapters.ts';
import { configSchema } from './schema.ts';

// A home without ~/.aws, so Bedrock finds no shared credentials files.
const home = mkdtempSync(join(tmpdir(), 'godwit-provider-adapters-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

function thrown(call: () => unknown): Error {
  try {
    call();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to throw');
}

function providerOf(model: unknown): string {
  return (model as { provider: string }).provider;
}

function expectSameError(standIn: () => unknown, adapter: () => unknown): void {
  const expected = thrown(adapter);
  const actual = thrown(standIn);
  expect(actual.constructor).toBe(expected.constructor);
  expect(actual.message).toBe(expected.message);
}

describe('providersToLoad', () => {
  it('loads no cloud provider when nothing is configured or named', () => {
    const config = configSchema.parse({});
    expect([...providersToLoad(config, detectProviders({ HOME: home }))]).toEqual([]);
  });

  it('loads the providers the environment configures', () => {
    const env = { HOME: home, OPENAI_API_KEY: 'sk-test', AWS_REGION: 'eu-west-1', AWS_PROFILE: 'dev' };
    const config = configSchema.parse({});
    expect([...providersToLoad(config, detectProviders(env))]).toEqual(['bedrock', 'openai']);
    const ollama = detectProviders({ HOME: home, OLLAMA_HOST: '127.0.0.1:9' });
    expect([...providersToLoad(config, ollama)]).toEqual(['ollama']);
  });

  it('loads every provider the configuration names, configured or not', () => {
    const config = configSchema.parse({
      models: { default: 'google:gemini-2.0-flash', fallback: ['openai:gpt-4.1-mini'] },
      routing: { rules: [{ when: { noTools: true }, model: 'bedrock:amazon.nova-micro-v1:0' }] },
    });
    expect([...providersToLoad(config, detectProviders({ HOME: home }))]).toEqual([
      'bedrock',
      'openai',
      'google',
    ]);
    const embedding = configSchema.parse({ models: { embedding: 'openai:text-embedding-3-small' } });
    expect(providersToLoad(embedding, detectProviders({ HOME: home })).has('openai')).toBe(true);
    const expansion = configSchema.parse({ retrieval: { expansion: { model: 'google:gemini-2.0-flash' } } });
    expect(providersToLoad(expansion, detectProviders({ HOME: home })).has('google')).toBe(true);
  });
});

describe('unconfiguredProvider', () => {
  it('fails like the OpenAI adapter without a key, for chat and for forwarding', () => {
    const env = { HOME: home };
    const standIn = unconfiguredProvider('openai', env);
    const adapter = createOpenAIProvider({ env });
    expectSameError(
      () => standIn.languageModel('gpt-4.1-mini'),
      () => adapter.languageModel('gpt-4.1-mini'),
    );
    expectSameError(
      () => standIn.chatCompletionsEndpoint?.('gpt-4.1-mini'),
      () => adapter.chatCompletionsEndpoint?.('gpt-4.1-mini'),
    );
    expect(thrown(() => standIn.languageModel('gpt-4.1-mini'))).toBeInstanceOf(ConfigError);
    expect(thrown(() => standIn.languageModel('gpt-4.1-mini')).message).toMatch(/OPENAI_API_KEY/);
  });

  it('fails like the Google adapter without a key', () => {
    const env = { HOME: home };
    expectSameError(
      () => unconfiguredProvider('google', env).languageModel('gemini-2.0-flash'),
      () => createGoogleProvider({ env }).languageModel('gemini-2.0-flash'),
    );
  });

  it('fails like the Bedrock adapter without a region, and without credentials', () => {
    const model = 'anthropic.claude-3-5-haiku-20241022-v1:0';
    for (const env of [{ HOME: home }, { HOME: home, AWS_REGION: 'eu-west-1' }]) {
      expectSameError(
        () => unconfiguredProvider('bedrock', env).languageModel(model),
        () => createBedrockProvider({ env }).languageModel(model),
      );
    }
    expect(
      thrown(() => unconfiguredProvider('bedrock', { HOME: home }).languageModel(model)).message,
    ).toMatch(/AWS_REGION/);
  });

  it('rejects an empty model id as the adapters do', () => {
    const env = { HOME: home };
    expectSameError(
      () => unconfiguredProvider('openai', env).languageModel(' '),
      () => createOpenAIProvider({ env }).languageModel(' '),
    );
    expect(thrown(() => unconfiguredProvider('google', env).embedder(''))).toBeInstanceOf(ValidationError);
  });

  it('asks for a restart when credentials appear after start', () => {
    const error = thrown(() =>
      unconfiguredProvider('google', { GOOGLE_GENERATIVE_AI_API_KEY: 'key' }).languageModel(
        'gemini-2.0-flash',
      ),
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(/restart Godwit/);
  });
});

describe('loadProviderAdapters', () => {
  it('loads the real adapters asked for and stand-ins for the rest', async () => {
    const env = { HOME: home, OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' };
    const adapters = await loadProviderAdapters(new Set(['openai']), env);
    expect(Object.keys(adapters)).toEqual(['bedrock', 'openai', 'google', 'ollama']);
    expect(providerOf(adapters.openai!.languageModel('gpt-4.1-mini'))).toBe('openai');
    expect(() => adapters.google!.languageModel('gemini-2.0-flash')).toThrowError(ConfigError);
  });
});

describe('deferredOllama', () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(() => emulator.close());

  it('loads the adapter when a model is used and answers as the adapter does', async () => {
    const env = { HOME: home, OLLAMA_HOST: emulator.url };
    const deferred = deferredOllama(env).languageModel('llama3.1:8b') as LanguageModelV4;
    const real = createOllamaProvider({ env }).languageModel('llama3.1:8b') as LanguageModelV4;
    expect([deferred.provider, deferred.modelId]).toEqual([real.provider, real.modelId]);
    expect(await deferred.supportedUrls).toEqual(await real.supportedUrls);
    emulator.script({ match: { dialect: 'ollama' }, text: 'Godwits fly far.' });
    const generated = await generateText({
      model: deferred,
      prompt: 'Tell me about godwits.',
      maxRetries: 0,
    });
    expect(generated.text).toBe('Godwits fly far.');
    emulator.script({ match: { dialect: 'ollama' }, chunks: ['Bar-', 'tailed'] });
    const streamed = streamText({ model: deferred, prompt: 'Name a bird.', maxRetries: 0 });
    expect(await streamed.text).toBe('Bar-tailed');
  });

  it('maps a server error as the adapter does', async () => {
    const env = { HOME: home, OLLAMA_HOST: emulator.url };
    const deferred = deferredOllama(env).languageModel('no-such-model') as LanguageModelV4;
    await expect(generateText({ model: deferred, prompt: 'Hello', maxRetries: 0 })).rejects.toThrowError(
      ProviderError,
    );
  });

  it('rejects a bad OLLAMA_HOST or an empty model id when the model is built, as the adapter does', () => {
    for (const [host, modelId] of [
      ['ftp://127.0.0.1', 'llama3.1:8b'],
      ['127.0.0.1:11434', ''],
    ] as const) {
      const env = { HOME: home, OLLAMA_HOST: host };
      expectSameError(
        () => deferredOllama(env).languageModel(modelId),
        () => createOllamaProvider({ env }).languageModel(modelId),
      );
    }
  });

  it('asks for models.embedding instead of building an embedder', () => {
    const error = thrown(() => deferredOllama({ HOME: home }).embedder('nomic-embed-text'));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(/models\.embedding/);
  });
});

describe('createModels with providers left unloaded', () => {
  it('fails a request for an unconfigured provider with the variable to set', async () => {
    const layer = await createModels(configSchema.parse({}), { HOME: home });
    expect(() => layer.models.languageModel('openai:gpt-4.1-mini')).toThrowError(ConfigError);
    expect(() => layer.models.languageModel('google:gemini-2.0-flash')).toThrowError(
      /GOOGLE_GENERATIVE_AI_API_KEY/,
    );
    expect(() => layer.models.languageModel('bedrock:amazon.nova-micro-v1:0')).toThrowError(/AWS_REGION/);
    expect(layer.provider.providers.map((entry) => entry.provider)).toEqual([
      'local',
      'bedrock',
      'openai',
      'google',
      'ollama',
    ]);
  });

  it('serves Ollama on its default host without OLLAMA_HOST, as before', async () => {
    const layer = await createModels(configSchema.parse({}), { HOME: home });
    expect(providerOf(layer.models.languageModel('ollama:llama3.1:8b'))).toBe('ollama');
  });
});
