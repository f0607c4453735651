/**
 * Faults and bad input, end to end: real providers, the resilience policies and the emulator. Retries
 * never wait for real (sleep is injected and recorded); timeouts are short real timers against replies the
 * emulator holds back for far longer.
 */
import { createServer } from 'node:net';
import type { LanguageModelV4 } from '@ai-sdk/provider';
import { generateText, streamText } from 'ai';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { ConfigError, GodwitError } from '../../src/core/errors.ts';
import { createBedrockProvider } from '../../src/providers/bedrock/index.ts';
import { createGoogleProvider } from '../../src/providers/google/index.ts';
import { createOllamaProvider } from '../../src/providers/ollama/index.ts';
import { createOpenAIProvider } from '../../src/providers/openai/index.ts';
import {
  createFallbackModel,
  createResilience,
  type ResilienceOptions,
} from '../../src/providers/resilience/index.ts';
import { type Emulator, startEmulator } from '../support/emulators/index.ts';
import { emulatorEnv, type ProviderCase, providerCases, requestsSince } from './provider-cases.ts';

let emulator: Emulator;
let cases: ProviderCase[];

beforeAll(async () => {
  emulator = await startEmulator();
  cases = providerCases(emulator);
});
afterAll(() => emulator.close());

const HAIKU = 'anthropic.claude-3-5-haiku-20241022-v1:0';

function resilient(options: ResilienceOptions = {}) {
  const sleeps: number[] = [];
  const resilience = createResilience({
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    ...options,
  });
  return { resilience, sleeps };
}

function bedrockModel(modelId = HAIKU): LanguageModelV4 {
  return createBedrockProvider({ env: emulatorEnv(emulator) }).languageModel(modelId) as LanguageModelV4;
}

function openaiModel(): LanguageModelV4 {
  return createOpenAIProvider({ env: emulatorEnv(emulator) }).languageModel(
    'gpt-4.1-mini',
  ) as LanguageModelV4;
}

async function failureOf(promise: Promise<unknown>): Promise<GodwitError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!GodwitError.isInstance(error)) throw new Error(`expected a GodwitError, got ${String(error)}`);
  return error;
}

async function collect(stream: AsyncIterable<{ type: string; error?: unknown }>) {
  const types: string[] = [];
  const errors: unknown[] = [];
  for await (const part of stream) {
    types.push(part.type);
    if (part.type === 'error') errors.push(part.error);
  }
  return { types, errors };
}

describe('unknown models', () => {
  it.each(['bedrock', 'openai', 'gemini', 'ollama'] as const)(
    '%s: fails once, not retried, naming the model',
    async (dialect) => {
      const env = emulatorEnv(emulator);
      const models: Record<typeof dialect, () => unknown> = {
        bedrock: () => createBedrockProvider({ env }).languageModel('no-such-model'),
        openai: () => createOpenAIProvider({ env }).languageModel('no-such-model'),
        gemini: () =>
          createGoogleProvider({ env, baseURL: emulator.baseURLs.gemini }).languageModel('no-such-model'),
        ollama: () => createOllamaProvider({ env }).languageModel('no-such-model'),
      };
      const { resilience, sleeps } = resilient();
      const start = emulator.requests.length;
      const model = resilience.languageModel(models[dialect]() as LanguageModelV4);
      const error = await failureOf(generateText({ model, prompt: 'hi', maxRetries: 0 }));
      expect(error.message).toContain('no-such-model');
      expect(error.details?.reason).toBe('model_not_found');
      expect(error.isRetryable).toBe(false);
      expect(requestsSince(emulator, start)).toHaveLength(1);
      expect(sleeps).toEqual([]);
    },
  );

  it('rejects an empty model id before any request', () => {
    expect(() => createOpenAIProvider({ env: emulatorEnv(emulator) }).languageModel(' ')).toThrow(
      /openai:<model-id>/,
    );
  });
});

describe('missing credentials name the variable to set', () => {
  it.each([
    [
      'bedrock without a region',
      () =>
        createBedrockProvider({ env: { AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' } }).languageModel(
          HAIKU,
        ),
      'AWS_REGION',
    ],
    [
      'bedrock without credentials',
      () =>
        createBedrockProvider({ env: { AWS_REGION: 'us-east-1' }, fileExists: () => false }).languageModel(
          HAIKU,
        ),
      'AWS_ACCESS_KEY_ID',
    ],
    [
      'bedrock with half a key pair',
      () =>
        createBedrockProvider({ env: { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'a' } }).embedder(
          'amazon.titan-embed-text-v2:0',
        ),
      'AWS_SECRET_ACCESS_KEY',
    ],
    ['openai', () => createOpenAIProvider({ env: {} }).languageModel('gpt-4.1-mini'), 'OPENAI_API_KEY'],
    [
      'openai embeddings',
      () => createOpenAIProvider({ env: { OPENAI_API_KEY: '  ' } }).embedder('text-embedding-3-small'),
      'OPENAI_API_KEY',
    ],
    [
      'google',
      () => createGoogleProvider({ env: {} }).languageModel('gemini-2.0-flash'),
      'GOOGLE_GENERATIVE_AI_API_KEY',
    ],
    [
      'ollama with a bad host',
      () => createOllamaProvider({ env: { OLLAMA_HOST: 'ftp://example' } }).languageModel('llama3.1:8b'),
      'OLLAMA_HOST',
    ],
  ])('%s', (_label, build, variable) => {
    expect(build).toThrow(ConfigError);
    expect(build).toThrow(variable);
  });

  it('reports credentials the provider rejects without echoing them', async () => {
    const env = { ...emulatorEnv(emulator), OPENAI_API_KEY: 'sk-secret-value' };
    emulator.script({
      match: { dialect: 'openai' },
      error: { status: 401, message: 'Incorrect API key provided: sk-secr***' },
    });
    const model = createOpenAIProvider({ env }).languageModel('gpt-4.1-mini');
    const error = await failureOf(generateText({ model, prompt: 'hi', maxRetries: 0 }));
    expect(error.details?.reason).toBe('unauthorized');
    expect(error.isRetryable).toBe(false);
    expect(error.message).toContain('OPENAI_API_KEY');
    expect(error.message).not.toContain('sk-secr');
  });
});

describe('retries', () => {
  it('does not retry a 400', async () => {
    const { resilience, sleeps } = resilient();
    const start = emulator.requests.length;
    emulator.script({
      match: { dialect: 'bedrock' },
      error: { status: 400, message: 'messages: field required' },
    });
    const error = await failureOf(
      generateText({ model: resilience.languageModel(bedrockModel()), prompt: 'x', maxRetries: 0 }),
    );
    expect(error.details).toMatchObject({ reason: 'bad_request', status: 400 });
    expect(error.message).not.toContain('field required');
    expect(requestsSince(emulator, start)).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('retries a 429 after the Retry-After the provider sent', async () => {
    const { resilience, sleeps } = resilient();
    emulator.script(
      { match: { dialect: 'openai' }, error: { status: 429, retryAfter: 2 } },
      { match: { dialect: 'openai' }, text: 'Recovered.' },
    );
    const result = await generateText({
      model: resilience.languageModel(openaiModel()),
      prompt: 'x',
      maxRetries: 0,
    });
    expect(result.text).toBe('Recovered.');
    expect(sleeps).toEqual([2000]);
  });

  it('retries 503 and 500 with backoff, then falls back to the next provider', async () => {
    const { resilience, sleeps } = resilient();
    const fallbacks: string[] = [];
    const start = emulator.requests.length;
    emulator.script(
      { match: { dialect: 'bedrock' }, error: { status: 503 } },
      { match: { dialect: 'bedrock' }, error: { status: 500 } },
      { match: { dialect: 'bedrock' }, error: { status: 503 } },
      { match: { dialect: 'openai' }, text: 'Answered by the fallback.' },
    );
    const model = createFallbackModel(
      [resilience.languageModel(bedrockModel()), resilience.languageModel(openaiModel())],
      {
        onFallback: (event) => fallbacks.push(`${event.from} -> ${event.to}`),
      },
    );
    const result = await generateText({ model, prompt: 'x', maxRetries: 0 });
    expect(result.text).toBe('Answered by the fallback.');
    expect(result.providerMetadata?.godwit?.answeredBy).toBe('openai:gpt-4.1-mini');
    expect(fallbacks).toEqual([`bedrock:${HAIKU} -> openai:gpt-4.1-mini`]);
    // Equal jitter with random() = 0.5: three quarters of 500 ms, then of 1000 ms.
    expect(sleeps).toEqual([375, 750]);
    expect(requestsSince(emulator, start).map((request) => request.dialect)).toEqual([
      'bedrock',
      'bedrock',
      'bedrock',
      'openai',
    ]);
  });

  it('falls back in a stream that fails before its first token', async () => {
    const { resilience } = resilient({ retry: false });
    emulator.script(
      { match: { dialect: 'bedrock' }, text: 'never shown', cutAfterChunks: 0 },
      { match: { dialect: 'openai' }, chunks: ['From ', 'OpenAI.'] },
    );
    const model = createFallbackModel([
      resilience.languageModel(bedrockModel()),
      resilience.languageModel(openaiModel()),
    ]);
    const result = streamText({ model, prompt: 'x', maxRetries: 0 });
    expect(await result.text).toBe('From OpenAI.');
    expect(await result.finishReason).toBe('stop');
  });
});

describe('broken connections and bodies', () => {
  it('times out a call that does not answer, and aborts the request', async () => {
    const { resilience } = resilient({ retry: false, timeoutMs: 150 });
    const start = emulator.requests.length;
    emulator.script({ match: { dialect: 'ollama' }, firstTokenDelayMs: 60_000 });
    const model = resilience.languageModel(cases[4]!.model());
    const error = await failureOf(generateText({ model, prompt: 'x', maxRetries: 0 }));
    expect(error.details?.reason).toBe('timeout');
    expect(error.isRetryable).toBe(true);
    await vi.waitFor(() => expect(requestsSince(emulator, start)[0]?.outcome).toBe('closed-early'));
  });

  it('ends a stream that stalls before its first token with a timeout error part', async () => {
    const { resilience } = resilient({ retry: false, timeoutMs: 150 });
    emulator.script({ match: { dialect: 'gemini' }, text: 'late', firstTokenDelayMs: 60_000 });
    const result = streamText({
      model: resilience.languageModel(cases[3]!.model()),
      prompt: 'x',
      maxRetries: 0,
      onError: () => {},
    });
    const { errors } = await collect(result.fullStream);
    expect((errors[0] as GodwitError).details?.reason).toBe('timeout');
    expect(await result.finishReason).toBe('error');
  });

  it('reports a refused connection as retryable, and falls back', async () => {
    const port = await closedPort();
    const unreachable = createOpenAIProvider({
      env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1` },
    }).languageModel('gpt-4.1-mini') as LanguageModelV4;
    const { resilience, sleeps } = resilient({ retry: { maxRetries: 1 } });
    const error = await failureOf(
      generateText({ model: resilience.languageModel(unreachable), prompt: 'x', maxRetries: 0 }),
    );
    expect(error.details?.reason).toBe('connection');
    expect(error.message).toContain(`127.0.0.1:${port}`);
    expect(sleeps).toHaveLength(1);
    emulator.script({ match: { dialect: 'bedrock' }, text: 'Still here.' });
    const chain = createFallbackModel([
      resilience.languageModel(unreachable),
      resilience.languageModel(bedrockModel()),
    ]);
    expect((await generateText({ model: chain, prompt: 'x', maxRetries: 0 })).text).toBe('Still here.');
  });

  it.each([0, 1, 2, 3, 4])(
    'provider case %i: a malformed body is a retryable malformed_response',
    async (index) => {
      const { dialect, model } = cases[index]!;
      // The Ollama client prints every line it skips; keep that out of the test output.
      const quiet = vi.spyOn(console, 'warn').mockImplementation(() => {});
      onTestFinished(() => quiet.mockRestore());
      emulator.script({ match: { dialect }, malformed: true }, { match: { dialect }, malformed: true });
      const error = await failureOf(generateText({ model: model(), prompt: 'x', maxRetries: 0 }));
      expect(error.details?.reason).toBe('malformed_response');
      expect(error.isRetryable).toBe(true);
      const result = streamText({ model: model(), prompt: 'x', maxRetries: 0, onError: () => {} });
      const { errors } = await collect(result.fullStream);
      expect((errors[0] as GodwitError).details?.reason).toBe('malformed_response');
      expect(await result.finishReason).toBe('error');
    },
  );

  it('ends a stream cut mid-way with an error part and keeps the partial text, without restarting elsewhere', async () => {
    const { resilience } = resilient();
    const start = emulator.requests.length;
    emulator.script({
      match: { dialect: 'bedrock' },
      chunks: ['one ', 'two ', 'three ', 'four'],
      cutAfterChunks: 2,
    });
    const model = createFallbackModel([
      resilience.languageModel(bedrockModel()),
      resilience.languageModel(openaiModel()),
    ]);
    const result = streamText({ model, prompt: 'x', maxRetries: 0, onError: () => {} });
    const { types, errors } = await collect(result.fullStream);
    expect(await result.text).toBe('one two ');
    expect(types.filter((type) => type === 'text-delta')).toHaveLength(2);
    expect((errors[0] as GodwitError).details?.reason).toBe('stream_cut');
    expect(await result.finishReason).toBe('error');
    expect(requestsSince(emulator, start).map((request) => request.dialect)).toEqual(['bedrock']);
  });

  it('aborts the provider call when the caller aborts mid-stream', async () => {
    const { resilience } = resilient();
    const start = emulator.requests.length;
    // The second chunk is held back far longer than the test runs; the caller leaves after the first.
    emulator.script({ match: { dialect: 'openai' }, chunks: ['first ', 'second'], chunkDelayMs: 60_000 });
    const controller = new AbortController();
    const model = resilience.languageModel(cases[2]!.model());
    const result = streamText({ model, prompt: 'x', maxRetries: 0, abortSignal: controller.signal });
    const types: string[] = [];
    for await (const part of result.fullStream) {
      types.push(part.type);
      if (part.type === 'text-delta') controller.abort();
    }
    expect(types).toContain('abort');
    expect(types).not.toContain('error');
    await vi.waitFor(() => expect(requestsSince(emulator, start)[0]?.outcome).toBe('closed-early'));
  });
});

describe('circuit breaker across calls', () => {
  it('opens after repeated failures, fails fast without calling the provider, then probes after the cooldown', async () => {
    let now = 0;
    const { resilience } = resilient({
      retry: false,
      now: () => now,
      circuitBreaker: { failureThreshold: 2, cooldownMs: 10_000 },
    });
    const model = resilience.languageModel(bedrockModel('amazon.nova-lite-v1:0'));
    emulator.script(
      { match: { model: 'amazon.nova-lite-v1:0' }, error: { status: 503 } },
      { match: { model: 'amazon.nova-lite-v1:0' }, error: { status: 503 } },
    );
    for (let attempt = 0; attempt < 2; attempt++)
      await failureOf(generateText({ model, prompt: 'x', maxRetries: 0 }));
    const start = emulator.requests.length;
    const fast = await failureOf(generateText({ model, prompt: 'x', maxRetries: 0 }));
    expect(fast.details?.reason).toBe('circuit_open');
    expect(requestsSince(emulator, start)).toHaveLength(0);
    expect(resilience.breakers?.states()).toEqual({ 'bedrock:amazon.nova-lite-v1:0': 'open' });
    now = 10_000;
    expect((await generateText({ model, prompt: 'x', maxRetries: 0 })).text).toBe('Hello from the emulator.');
    expect(resilience.breakers?.states()).toEqual({ 'bedrock:amazon.nova-lite-v1:0': 'closed' });
  });
});

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
