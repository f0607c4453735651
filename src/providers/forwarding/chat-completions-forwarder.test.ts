import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../../test/support/emulators/index.ts';
import { GodwitError } from '../../core/errors.ts';
import type { ChatCompletionsForwarder } from '../../core/models.ts';
import { createOpenAIProvider } from '../openai/index.ts';
import { CircuitBreakerRegistry } from '../resilience/circuit-breaker.ts';
import { RateLimiter } from '../resilience/rate-limiter.ts';
import { createChatCompletionsForwarder } from './chat-completions-forwarder.ts';
import { readBody } from './upstream-request.ts';

let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator();
});

afterAll(async () => {
  await emulator?.close();
});

const MODEL = 'openai:gpt-4.1-mini';
const request = { model: MODEL, messages: [{ role: 'user', content: 'Hi' }], seed: 7, logprobs: true };

function forwarderFor(
  baseURL: string,
  options: Partial<Parameters<typeof createChatCompletionsForwarder>[0]> = {},
): ChatCompletionsForwarder {
  const openai = createOpenAIProvider({ env: { OPENAI_API_KEY: 'sk-emulated', OPENAI_BASE_URL: baseURL } });
  return createChatCompletionsForwarder({
    endpoint: (name) =>
      name.startsWith('openai:') ? openai.chatCompletionsEndpoint?.(name.slice(7)) : undefined,
    retry: { maxRetries: 2, sleep: async () => {} },
    timeoutMs: 5_000,
    ...options,
  });
}

async function failure(promise: Promise<unknown>): Promise<GodwitError> {
  const error = await promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (thrown: unknown) => thrown,
  );
  if (!GodwitError.isInstance(error)) throw error;
  return error;
}

describe('createChatCompletionsForwarder', () => {
  it('sends the request as written, with the provider model id and its credentials', async () => {
    emulator.script({ text: 'Hello there.', usage: { inputTokens: 3, outputTokens: 2 } });
    const forwarder = forwarderFor(emulator.baseURLs.openai);
    const { body, end } = await forwarder.forward(MODEL, request, new AbortController().signal);
    const completion = JSON.parse(await readBody(body as never));
    end({});
    expect(completion.choices[0].message.content).toBe('Hello there.');
    expect(completion.usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 2 });
    const sent = emulator.requests.at(-1)!;
    expect(sent.body).toMatchObject({ model: 'gpt-4.1-mini', seed: 7, logprobs: true });
    expect(sent.headers.authorization).toBe('Bearer sk-emulated');
  });

  it('forwards only models whose provider speaks Chat Completions', () => {
    const forwarder = forwarderFor(emulator.baseURLs.openai);
    expect(forwarder.canForward(MODEL)).toBe(true);
    expect(forwarder.canForward('bedrock:anthropic.claude-3-5-haiku-20241022-v1:0')).toBe(false);
  });

  it('retries a 429 after the provider’s Retry-After and then answers', async () => {
    const delays: number[] = [];
    emulator.script(
      { match: { dialect: 'openai' }, error: { status: 429, retryAfter: 2 } },
      { text: 'After the wait.' },
    );
    const forwarder = forwarderFor(emulator.baseURLs.openai, {
      retry: { maxRetries: 2, sleep: async (ms) => void delays.push(ms) },
    });
    const { body, end } = await forwarder.forward(MODEL, request, new AbortController().signal);
    expect(JSON.parse(await readBody(body as never)).choices[0].message.content).toBe('After the wait.');
    end({});
    expect(delays).toEqual([2_000]);
  });

  it('does not retry a 400 and reports it as a bad request without the provider body', async () => {
    emulator.script({
      match: { dialect: 'openai' },
      error: { status: 400, message: 'secret upstream detail' },
    });
    const before = emulator.requests.length;
    const error = await failure(
      forwarderFor(emulator.baseURLs.openai).forward(MODEL, request, new AbortController().signal),
    );
    expect(emulator.requests.length - before).toBe(1);
    expect(error.isRetryable).toBe(false);
    expect(error.details).toMatchObject({ reason: 'bad_request', status: 400 });
    expect(error.message).not.toContain('secret');
  });

  it('gives up after the retries on 503 with a retryable error a fallback can act on', async () => {
    emulator.script(
      ...Array.from({ length: 3 }, () => ({ match: { dialect: 'openai' as const }, error: { status: 503 } })),
    );
    const before = emulator.requests.length;
    const error = await failure(
      forwarderFor(emulator.baseURLs.openai).forward(MODEL, request, new AbortController().signal),
    );
    expect(emulator.requests.length - before).toBe(3);
    expect(error.isRetryable).toBe(true);
    expect(error.details).toMatchObject({ reason: 'server_error', status: 503 });
  });

  it('names the endpoint when the connection is refused', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const error = await failure(
      forwarderFor(`http://127.0.0.1:${port}/v1`, { retry: false }).forward(
        MODEL,
        request,
        new AbortController().signal,
      ),
    );
    expect(error.details).toMatchObject({ reason: 'connection' });
    expect(error.message).toContain(`http://127.0.0.1:${port}`);
  });

  it('times out a provider that sends no headers', async () => {
    emulator.script({ text: 'Too late.', firstTokenDelayMs: 5_000 });
    const error = await failure(
      forwarderFor(emulator.baseURLs.openai, { retry: false, timeoutMs: 100 }).forward(
        MODEL,
        request,
        new AbortController().signal,
      ),
    );
    expect(error.details).toMatchObject({ reason: 'timeout' });
  });

  it('opens the circuit after repeated failures, then fails at once without calling the provider', async () => {
    const breakers = new CircuitBreakerRegistry({ failureThreshold: 2, cooldownMs: 60_000 });
    const forwarder = forwarderFor(emulator.baseURLs.openai, { breakers, retry: false });
    emulator.script(
      { match: { dialect: 'openai' }, error: { status: 500 } },
      { match: { dialect: 'openai' }, error: { status: 500 } },
    );
    for (let attempt = 0; attempt < 2; attempt++) {
      await failure(forwarder.forward(MODEL, request, new AbortController().signal));
    }
    expect(breakers.states()[MODEL]).toBe('open');
    const before = emulator.requests.length;
    const error = await failure(forwarder.forward(MODEL, request, new AbortController().signal));
    expect(error.details).toMatchObject({ reason: 'circuit_open' });
    expect(emulator.requests.length).toBe(before);
  });

  it('holds calls to the provider’s concurrency limit until a response is ended', async () => {
    const limiter = new RateLimiter({ maxConcurrency: 1 });
    const forwarder = forwarderFor(emulator.baseURLs.openai, { limiter: () => limiter });
    emulator.script({ text: 'One.' }, { text: 'Two.' });
    const first = await forwarder.forward(MODEL, request, new AbortController().signal);
    const second = forwarder.forward(MODEL, request, new AbortController().signal);
    expect(limiter.waiting).toBe(1);
    await readBody(first.body as never);
    first.end({});
    const answered = await second;
    expect(JSON.parse(await readBody(answered.body as never)).choices[0].message.content).toBe('Two.');
    answered.end({});
    expect(limiter.inFlight).toBe(0);
  });

  it('stops at once when the caller aborts', async () => {
    emulator.script({ text: 'Never read.', firstTokenDelayMs: 5_000 });
    const abort = new AbortController();
    const pending = forwarderFor(emulator.baseURLs.openai).forward(MODEL, request, abort.signal);
    setTimeout(() => abort.abort(new Error('client went away')), 20);
    await expect(pending).rejects.toThrow('client went away');
  });
});
