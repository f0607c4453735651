import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../../test/support/emulators/index.ts';
import type { GodwitError } from '../../core/errors.ts';
import type { UsageEntry } from '../../core/types.ts';
import { createChatCompletionsForwarder } from '../../providers/forwarding/index.ts';
import { createOpenAIProvider } from '../../providers/openai/index.ts';
import type { ChatCall } from './chat-call.ts';
import { newCompletionIdentity } from './completion-format.ts';
import { completeForwarded, streamForwarded } from './forwarded-chat.ts';

let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator();
});

afterAll(async () => {
  await emulator?.close();
});

const MODEL = 'openai:gpt-4.1-mini';

/** A call whose ledger write stays pending until `release()`. */
function gatedCall(awaitUsageWrites: boolean) {
  let release = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const recorded: UsageEntry[] = [];
  let recordStarted = false;
  const messages = [{ role: 'user' as const, content: 'Hi' }];
  const call: ChatCall = {
    tenantId: 'default',
    recordUsage: async (entry) => {
      recordStarted = true;
      await gate;
      recorded.push(entry);
    },
    pricing: undefined,
    generateId: () => 'usage-1',
    onLedgerFailure: () => {},
    awaitUsageWrites,
    identity: newCompletionIdentity(MODEL),
    request: { model: MODEL, messages } as ChatCall['request'],
    userId: 'local',
    abort: new AbortController(),
    onStreamError: () => {},
  };
  return { call, release, recorded, started: () => recordStarted, body: { model: MODEL, messages } };
}

function forwarder() {
  const openai = createOpenAIProvider({
    env: { OPENAI_API_KEY: 'sk-emulated', OPENAI_BASE_URL: emulator.baseURLs.openai },
  });
  return createChatCompletionsForwarder({
    endpoint: (name) => openai.chatCompletionsEndpoint?.(name.slice('openai:'.length)),
    retry: false,
  });
}

const turns = async (count: number) => {
  for (let index = 0; index < count; index++) await new Promise((resolve) => setImmediate(resolve));
};

describe('completeForwarded and the usage row', () => {
  it('answers before its usage row is written by default', async () => {
    emulator.script({ text: 'Hello.' });
    const { call, release, recorded, body } = gatedCall(false);
    const completion = await completeForwarded(call, { forwarder: forwarder(), body });
    expect(completion.model).toBe(MODEL);
    expect(recorded).toEqual([]);
    release();
    await turns(3);
    expect(recorded).toHaveLength(1);
  });

  it('waits for the usage row when the runtime asks (Lambda)', async () => {
    emulator.script({ text: 'Hello.' });
    const { call, release, recorded, started, body } = gatedCall(true);
    let answered = false;
    const pending = completeForwarded(call, { forwarder: forwarder(), body }).then((completion) => {
      answered = true;
      return completion;
    });
    await expect.poll(started).toBe(true);
    await turns(5);
    expect(answered).toBe(false);
    release();
    await pending;
    expect(recorded).toHaveLength(1);
  });
});

/** A provider that answers every chat request with these pieces of a JSON body, then ends, cuts the connection or waits. */
async function rawCompletionProvider(
  pieces: Buffer[],
  then: 'end' | 'cut' | 'wait',
): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', async () => {
      response.writeHead(200, { 'content-type': 'application/json' });
      for (const piece of pieces)
        await new Promise<void>((resolve) => response.write(piece, () => resolve()));
      if (then === 'cut') response.socket?.destroy();
      else if (then === 'end') response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, server };
}

function forwarderTo(baseURL: string) {
  const openai = createOpenAIProvider({ env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: baseURL } });
  return createChatCompletionsForwarder({
    endpoint: (name) => openai.chatCompletionsEndpoint?.(name.slice('openai:'.length)),
    retry: false,
  });
}

/** What completeForwarded fails with against a provider that sends `pieces` then ends or cuts, and the ledger rows. */
async function failedAnswer(pieces: Buffer[], then: 'end' | 'cut') {
  const { url, server } = await rawCompletionProvider(pieces, then);
  try {
    const { call, release, recorded, body } = gatedCall(false);
    release();
    const failure = await completeForwarded(call, { forwarder: forwarderTo(url), body }).then(
      () => undefined,
      (error: unknown) => error as GodwitError,
    );
    await turns(3);
    return { failure, recorded };
  } finally {
    server.close();
  }
}

describe('completeForwarded reads the whole answer', () => {
  const completion = JSON.stringify({
    id: 'chatcmpl-1',
    object: 'chat.completion',
    model: 'gpt-4.1-mini-2025-04-14',
    choices: [{ index: 0, message: { role: 'assistant', content: 'Grüße, 你好 👋' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 5, completion_tokens: 4 },
  });

  it('joins an answer that arrives in several reads, a character split between two of them', async () => {
    const bytes = Buffer.from(completion);
    const split = bytes.indexOf(Buffer.from('你')) + 1;
    const { url, server } = await rawCompletionProvider(
      [bytes.subarray(0, split), bytes.subarray(split)],
      'end',
    );
    try {
      const { call, release, recorded, body } = gatedCall(false);
      const answer = await completeForwarded(call, { forwarder: forwarderTo(url), body });
      expect(answer).toEqual({ ...JSON.parse(completion), model: MODEL });
      release();
      await turns(3);
      expect(recorded[0]).toMatchObject({ outcome: 'ok', inputTokens: 5, outputTokens: 4 });
    } finally {
      server.close();
    }
  });

  it('fails as a retryable provider error, recorded as an error, when the provider closes the connection mid-answer', async () => {
    const { failure, recorded } = await failedAnswer([Buffer.from(completion).subarray(0, 40)], 'cut');
    expect(failure?.details?.reason).toBe('stream_cut');
    expect(failure?.message).toMatch(/the connection to the provider failed before the answer was complete/);
    expect(failure?.isRetryable).toBe(true);
    expect(recorded[0]).toMatchObject({ outcome: 'error' });
  });

  it('fails as a malformed answer, recorded as an error, when the whole answer is not JSON', async () => {
    const { failure, recorded } = await failedAnswer([Buffer.from('<html>Bad gateway</html>')], 'end');
    expect(failure?.details?.reason).toBe('malformed_response');
    expect(failure?.isRetryable).toBe(true);
    expect(recorded[0]).toMatchObject({ outcome: 'error' });
  });

  it('stops reading and records the call as cancelled when the client goes away mid-answer', async () => {
    const bytes = Buffer.from(completion);
    const { url, server } = await rawCompletionProvider([bytes.subarray(0, 40)], 'wait');
    server.on('request', () => setTimeout(() => call.abort.abort(), 20));
    const { call, release, recorded, body } = gatedCall(false);
    release();
    try {
      await expect(completeForwarded(call, { forwarder: forwarderTo(url), body })).rejects.toBeDefined();
      await turns(3);
      expect(recorded[0]).toMatchObject({ outcome: 'cancelled' });
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

/** A provider that answers every chat request with exactly these bytes, written one string at a time. */
async function rawStreamProvider(pieces: () => string[]): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', async () => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const piece of pieces()) {
        await new Promise<void>((resolve) => response.write(piece, () => resolve()));
      }
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, server };
}

const chunk = (content: string) =>
  JSON.stringify({
    id: 'chatcmpl-1',
    object: 'chat.completion.chunk',
    model: 'gpt-4.1-mini-2025-04-14',
    choices: [{ index: 0, delta: { content }, finish_reason: null }],
  });
const usageChunk = JSON.stringify({
  id: 'chatcmpl-1',
  object: 'chat.completion.chunk',
  model: 'gpt-4.1-mini-2025-04-14',
  choices: [],
  usage: { prompt_tokens: 11, completion_tokens: 7 },
});

/** What the client receives, parsed as a browser would. */
async function readEvents(stream: ReadableStream<Uint8Array>): Promise<EventSourceMessage[]> {
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => events.push(event) });
  const decoder = new TextDecoder();
  const reader = stream.getReader();
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    parser.feed(decoder.decode(next.value, { stream: true }));
  }
  parser.feed('\n\n');
  return events;
}

describe('streamForwarded reads every event shape the SSE format allows', () => {
  let provider: { url: string; server: Server };
  let pieces: string[] = [];

  beforeAll(async () => {
    provider = await rawStreamProvider(() => pieces);
  });

  afterAll(async () => {
    await new Promise((resolve) => provider?.server.close(resolve));
  });

  async function stream(clientWantsUsage = false) {
    const recorded: UsageEntry[] = [];
    const errors: unknown[] = [];
    const { call, release, body } = gatedCall(false);
    release();
    call.recordUsage = async (entry) => {
      recorded.push(entry);
    };
    call.awaitUsageWrites = true;
    call.onStreamError = (error) => errors.push(error);
    const openai = createOpenAIProvider({
      env: { OPENAI_API_KEY: 'sk-emulated', OPENAI_BASE_URL: provider.url },
    });
    const forwarder = createChatCompletionsForwarder({
      endpoint: (name) => openai.chatCompletionsEndpoint?.(name.slice('openai:'.length)),
      retry: false,
    });
    const requestBody = clientWantsUsage
      ? { ...body, stream: true, stream_options: { include_usage: true } }
      : { ...body, stream: true };
    const events = await readEvents(await streamForwarded(call, { forwarder, body: requestBody }));
    return { events, recorded, errors };
  }

  /** The client saw the text with its own model name, no error, [DONE] last; the ledger has the usage. */
  function expectComplete(result: Awaited<ReturnType<typeof stream>>) {
    const { events, recorded, errors } = result;
    expect(errors).toEqual([]);
    expect(events.at(-1)?.data).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((event) => JSON.parse(event.data));
    expect(chunks.map((parsed) => parsed.choices[0]?.delta.content).join('')).toBe('Hello world');
    expect(chunks.every((parsed) => parsed.model === MODEL)).toBe(true);
    expect(chunks.some((parsed) => 'usage' in parsed)).toBe(false);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({ outcome: 'ok', inputTokens: 11, outputTokens: 7, userId: 'local' });
  }

  const events = [chunk('Hello'), chunk(' world'), usageChunk, '[DONE]'];
  const joined = (separator: string) => events.map((data) => `data: ${data}${separator}`);

  it.each([
    ['LF', '\n\n'],
    ['CRLF', '\r\n\r\n'],
    ['CR only', '\r\r'],
    ['CRLF then LF', '\r\n\n'],
    ['LF then CRLF', '\n\r\n'],
  ])('rewrites events separated by %s and records their usage', async (_name, separator) => {
    pieces = joined(separator);
    expectComplete(await stream());
  });

  it('reads a separator split between two network reads', async () => {
    pieces = joined('\r\n\r\n').flatMap((piece) => [piece.slice(0, -3), piece.slice(-3)]);
    expectComplete(await stream());
  });

  it('rewrites events that carry id and event lines, and keeps those lines', async () => {
    pieces = events.map((data, index) => `id: ${index}\nevent: message\ndata: ${data}\n\n`);
    const result = await stream();
    expectComplete(result);
    // The usage chunk (id 2) is the ledger's; the client did not ask for it.
    expect(result.events.map((event) => [event.id, event.event])).toEqual([
      ['0', 'message'],
      ['1', 'message'],
      ['3', 'message'],
    ]);
  });

  it('rewrites an event whose JSON spans several data lines', async () => {
    pieces = events.map((data) => {
      if (data === '[DONE]') return 'data: [DONE]\n\n';
      const middle = data.indexOf(',"choices"');
      return `data: ${data.slice(0, middle + 1)}\ndata: ${data.slice(middle + 1)}\n\n`;
    });
    expectComplete(await stream());
  });

  it('reads a last event that has no blank line after it as complete', async () => {
    pieces = [...joined('\n\n').slice(0, -1), 'data: [DONE]'];
    expectComplete(await stream());
  });

  it('passes the usage chunk on when the client asked for it', async () => {
    pieces = joined('\r\n\n');
    const { events: received, recorded } = await stream(true);
    const usage = received.map((event) => event.data).find((data) => data.includes('"usage"'));
    expect(JSON.parse(usage ?? '{}')).toMatchObject({ model: MODEL, usage: { prompt_tokens: 11 } });
    expect(recorded[0]).toMatchObject({ outcome: 'ok', inputTokens: 11, outputTokens: 7 });
  });

  it('still reports a stream cut before [DONE]', async () => {
    pieces = joined('\n\n').slice(0, 2);
    const { events: received, recorded, errors } = await stream();
    expect(errors).toHaveLength(1);
    expect(JSON.parse(received.at(-1)?.data ?? '{}')).toHaveProperty('error');
    expect(recorded[0]).toMatchObject({ outcome: 'error' });
  });
});
