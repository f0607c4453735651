import type { LanguageModelV4StreamPart } from '@ai-sdk/provider';
import { simulateReadableStream } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { describe, expect, it, vi } from 'vitest';
import { createDocumentParser } from '../../ingest/index.ts';
import { createModelRegistry } from '../../providers/index.ts';
import { createMemoryStorage } from '../../storage/memory/index.ts';
import { DependencyError, ValidationError } from '../errors.ts';
import { KnowledgeService } from '../knowledge/knowledge-service.ts';
import type { ConversationStore, MessagePatch, NewConversation, NewMessage } from '../ports.ts';
import { Retriever } from '../retrieval/retriever.ts';
import { type ChatEvent, ChatService, type ChatServiceOptions } from './chat-service.ts';

const TENANT = 'tenant-a';
const usage = {
  inputTokens: { total: 12, noCache: 12, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: 3, text: 3, reasoning: 0 },
};

function streamOf(pieces: string[], finish = true, reported = usage): LanguageModelV4StreamPart[] {
  return [
    { type: 'stream-start', warnings: [] },
    { type: 'text-start', id: 'text' },
    ...pieces.map((delta): LanguageModelV4StreamPart => ({ type: 'text-delta', id: 'text', delta })),
    ...(finish
      ? ([
          { type: 'text-end', id: 'text' },
          { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage: reported },
        ] as LanguageModelV4StreamPart[])
      : []),
  ];
}

/** Writes `pieces`, then waits until the call is aborted (a model still thinking). */
function hangingModel(pieces: string[]) {
  return new MockLanguageModelV4({
    doStream: async ({ abortSignal }) => ({
      stream: new ReadableStream<LanguageModelV4StreamPart>({
        start(controller) {
          for (const part of streamOf(pieces, false)) controller.enqueue(part);
          abortSignal?.addEventListener('abort', () => controller.error(abortSignal.reason), { once: true });
        },
      }),
    }),
  });
}

/** A model whose text the test writes piece by piece, until the call is aborted. */
function pushedModel() {
  let stream: ReadableStreamDefaultController<LanguageModelV4StreamPart> | undefined;
  const early: LanguageModelV4StreamPart[] = [];
  const model = new MockLanguageModelV4({
    doStream: async ({ abortSignal }) => ({
      stream: new ReadableStream<LanguageModelV4StreamPart>({
        start(controller) {
          stream = controller;
          for (const part of [...streamOf([], false), ...early]) controller.enqueue(part);
          abortSignal?.addEventListener('abort', () => controller.error(abortSignal.reason), { once: true });
        },
      }),
    }),
  });
  return {
    model,
    /** Writes `deltas` together, as one burst. */
    push: (...deltas: string[]) => {
      for (const delta of deltas) {
        const part: LanguageModelV4StreamPart = { type: 'text-delta', id: 'text', delta };
        if (stream) stream.enqueue(part);
        else early.push(part);
      }
    },
  };
}

/** What an OpenAI-compatible proxy that averages or scales counts may report. */
const fractionalUsage = {
  inputTokens: { total: 43.4, noCache: 43.4, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: 2.6, text: 2.6, reasoning: 0 },
};

function answeringModel(pieces: string[], reported: typeof usage = usage) {
  return new MockLanguageModelV4({
    doStream: async () => ({
      stream: simulateReadableStream({
        chunks: streamOf(pieces, true, reported),
        initialDelayInMs: null,
        chunkDelayInMs: null,
      }),
    }),
  });
}

function chatService(overrides: Partial<ChatServiceOptions> = {}) {
  const storage = createMemoryStorage();
  let nextId = 0;
  const generateId = () => `id-${++nextId}`;
  const models = createModelRegistry({
    providers: {
      mock: (id: string) =>
        id === 'hang'
          ? hangingModel(['Employees ', 'get '])
          : id === 'fractional'
            ? answeringModel(['Yes.'], fractionalUsage)
            : answeringModel(['Yes.']),
    },
    defaultModel: 'mock:answer',
  });
  const knowledge = new KnowledgeService({
    knowledge: storage.knowledge,
    index: storage.index,
    parser: createDocumentParser(),
    generateId,
  });
  const chat = new ChatService({
    conversations: storage.conversations,
    knowledge,
    retriever: new Retriever({ index: storage.index, fuse: (lists, k) => lists.flat().slice(0, k) }),
    models,
    usage: storage.usage,
    pricing: () => null,
    generateId,
    ...overrides,
  });
  return { chat, conversations: overrides.conversations ?? storage.conversations, usage: storage.usage };
}

/** A chat service on a store that records its writes to the assistant row, with a clock the test moves. */
function countingSaves(overrides: Partial<ChatServiceOptions> = {}) {
  const updates: string[] = [];
  const endings: string[] = [];
  const storage = createMemoryStorage();
  const counting: ConversationStore = Object.assign(Object.create(storage.conversations), {
    updateMessage: (tenantId: string, id: string, patch: MessagePatch) => {
      if (patch.status === undefined) updates.push(patch.content ?? '');
      else endings.push(patch.status);
      return storage.conversations.updateMessage(tenantId, id, patch);
    },
  });
  const clock = { now: Date.parse('2026-12-06T12:00:00Z'), step: 0 };
  const writer = pushedModel();
  const { chat } = chatService({
    conversations: counting,
    now: () => {
      clock.now += clock.step;
      return new Date(clock.now);
    },
    partialSaveIntervalMs: 1000,
    models: createModelRegistry({ providers: { mock: () => writer.model }, defaultModel: 'mock:push' }),
    ...overrides,
  });
  return { chat, updates, endings, clock, writer };
}

/** A store that writes a turn's opening in order (as DynamoDB does) and fails after creating the conversation. */
function createdThenFailing(store: ConversationStore, fail: () => Promise<never>): ConversationStore {
  return Object.assign(Object.create(store), {
    appendMessages: async (_messages: NewMessage[], options: { create?: NewConversation }) => {
      if (options.create) await store.createConversation(options.create);
      return fail();
    },
  });
}

async function assistantOf(conversations: ConversationStore, conversationId: string) {
  const messages = await conversations.listMessages(TENANT, conversationId);
  return messages.find((message) => message.role === 'assistant');
}

describe('ChatService', () => {
  it('answers and stores the turn as complete', async () => {
    const { chat, conversations } = chatService();
    const turn = await chat.start({ tenantId: TENANT, userId: 'u', message: 'Hello?' });
    const outcome = await turn.outcome();
    expect(outcome.type).toBe('finish');
    expect(await assistantOf(conversations, turn.conversationId)).toMatchObject({
      status: 'complete',
      content: 'Yes.',
    });
  });

  it('stores whole token counts when the provider reports fractions', async () => {
    const { chat, conversations, usage: ledger } = chatService();
    const turn = await chat.start({
      tenantId: TENANT,
      userId: 'u',
      message: 'Hello?',
      model: 'mock:fractional',
    });
    expect((await turn.outcome()).type).toBe('finish');
    expect((await assistantOf(conversations, turn.conversationId))?.usage).toEqual({
      inputTokens: 43,
      outputTokens: 3,
      totalTokens: 46,
    });
    const rows = await ledger.summarize(TENANT);
    expect(rows.map((row) => [row.inputTokens, row.outputTokens])).toEqual([[43, 3]]);
  });

  it.each([
    ['a lone surrogate', 'What about \ud800 this?', /lone UTF-16 surrogate at character 11/],
    ['a NUL character', 'nul\u0000here', /NUL character at position 3/],
    ['only spaces', '   ', /message is empty/],
  ])('refuses a message with %s before storing anything', async (_label, message, reason) => {
    const { chat, conversations } = chatService();
    const refused = chat.start({ tenantId: TENANT, userId: 'u', message });
    await expect(refused).rejects.toBeInstanceOf(ValidationError);
    await expect(refused).rejects.toThrow(reason);
    expect((await conversations.listConversations(TENANT)).conversations).toEqual([]);
  });

  it('accepts a complete surrogate pair (an emoji)', async () => {
    const { chat } = chatService();
    const turn = await chat.start({ tenantId: TENANT, userId: 'u', message: 'Thanks 🙂' });
    expect((await turn.outcome()).type).toBe('finish');
  });

  it('removes the new conversation when its first message cannot be stored', async () => {
    const storage = createMemoryStorage();
    const failing = createdThenFailing(storage.conversations, () => Promise.reject(new Error('disk full')));
    const { chat } = chatService({ conversations: failing });
    await expect(chat.start({ tenantId: TENANT, userId: 'u', message: 'Hello?' })).rejects.toThrow(
      'disk full',
    );
    expect((await storage.conversations.listConversations(TENANT)).conversations).toEqual([]);
  });

  it('stores a new conversation with its first messages in one write, and leaves nothing when it fails', async () => {
    const storage = createMemoryStorage();
    const calls: string[] = [];
    const reported: unknown[] = [];
    let fail = false;
    const recording: ConversationStore = Object.assign(Object.create(storage.conversations), {
      createConversation: () =>
        Promise.reject(new Error('the turn creates its conversation with its messages')),
      appendMessage: () => Promise.reject(new Error('the turn appends its messages together')),
      appendMessages: (messages: NewMessage[], options: { create?: NewConversation }) => {
        calls.push(
          `appendMessages ${messages.map((message) => message.role).join(',')} ${options.create ? 'create' : ''}`,
        );
        return fail
          ? Promise.reject(new Error('disk full'))
          : storage.conversations.appendMessages(messages, options);
      },
      deleteConversation: (tenantId: string, conversationId: string) => {
        calls.push('deleteConversation');
        return storage.conversations.deleteConversation(tenantId, conversationId);
      },
    });
    const { chat } = chatService({
      conversations: recording,
      endingRetryDelaysMs: [0],
      reportError: (error) => reported.push(error),
    });
    const first = await chat.start({ tenantId: TENANT, userId: 'u', message: 'Hello?' });
    expect((await first.outcome()).type).toBe('finish');
    const next = await chat.start({
      tenantId: TENANT,
      userId: 'u',
      message: 'And?',
      conversationId: first.conversationId,
    });
    expect((await next.outcome()).type).toBe('finish');
    expect(calls).toEqual(['appendMessages user,assistant create', 'appendMessages user,assistant ']);
    const [conversation] = (await storage.conversations.listConversations(TENANT)).conversations;
    expect(conversation).toMatchObject({ id: first.conversationId, title: 'Hello?' });
    calls.length = 0;
    fail = true;
    await expect(chat.start({ tenantId: TENANT, userId: 'u', message: 'Lost?' })).rejects.toThrow(
      'disk full',
    );
    // The atomic write kept nothing, so the clean-up finds nothing to remove and is not retried.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(calls).toEqual(['appendMessages user,assistant create', 'deleteConversation']);
    expect(reported).toEqual([]);
    expect((await storage.conversations.listConversations(TENANT)).conversations).toHaveLength(1);
  });

  it('writes the ending once the store is back, so an outage as the turn ends leaves nothing pending', async () => {
    const storage = createMemoryStorage();
    let databaseDown = false;
    const flaky: ConversationStore = Object.assign(Object.create(storage.conversations), {
      updateMessage: (tenantId: string, messageId: string, patch: MessagePatch) => {
        if (databaseDown) return Promise.reject(new DependencyError('PostgreSQL is unreachable.'));
        return storage.conversations.updateMessage(tenantId, messageId, patch);
      },
    });
    const { chat } = chatService({ conversations: flaky, endingRetryDelaysMs: [0] });
    const turn = await chat.start({ tenantId: TENANT, userId: 'u', message: 'Hello?' });
    databaseDown = true;
    await expect(turn.outcome()).rejects.toThrow('PostgreSQL is unreachable.');
    expect(await assistantOf(storage.conversations, turn.conversationId)).toMatchObject({
      status: 'pending',
    });
    databaseDown = false;
    // The model did answer: what is stored once the database is back is that answer, not a failure.
    await vi.waitFor(async () => {
      expect(await assistantOf(storage.conversations, turn.conversationId)).toMatchObject({
        status: 'complete',
        content: 'Yes.',
      });
    });
  });

  it('does not retry an ending the store refuses outright (an error that is not an outage)', async () => {
    const storage = createMemoryStorage();
    let refused = 0;
    const refusing: ConversationStore = Object.assign(Object.create(storage.conversations), {
      updateMessage: () => {
        refused += 1;
        return Promise.reject(new Error('constraint violated'));
      },
    });
    const { chat } = chatService({ conversations: refusing, endingRetryDelaysMs: [0] });
    const turn = await chat.start({ tenantId: TENANT, userId: 'u', message: 'Hello?' });
    await expect(turn.outcome()).rejects.toThrow('constraint violated');
    const attempts = refused;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(refused).toBe(attempts);
  });

  it('removes the new conversation once the store is back when the outage also refused the clean-up', async () => {
    const storage = createMemoryStorage();
    let databaseDown = true;
    const down = () => Promise.reject(new DependencyError('PostgreSQL is unreachable.'));
    const flaky: ConversationStore = Object.assign(createdThenFailing(storage.conversations, down), {
      deleteConversation: (tenantId: string, conversationId: string) =>
        databaseDown ? down() : storage.conversations.deleteConversation(tenantId, conversationId),
    });
    const { chat } = chatService({ conversations: flaky, endingRetryDelaysMs: [0] });
    await expect(chat.start({ tenantId: TENANT, userId: 'u', message: 'Hello?' })).rejects.toThrow(
      'PostgreSQL is unreachable.',
    );
    expect((await storage.conversations.listConversations(TENANT)).conversations).toHaveLength(1);
    databaseDown = false;
    await vi.waitFor(async () => {
      expect((await storage.conversations.listConversations(TENANT)).conversations).toEqual([]);
    });
  });

  it('stores the answer so far as incomplete when the reader cancels, without reading on', async () => {
    const { chat, conversations } = chatService();
    const turn = await chat.start({ tenantId: TENANT, userId: 'u', message: 'Leave?', model: 'mock:hang' });
    const seen: ChatEvent[] = [];
    for await (const event of turn) {
      seen.push(event);
      if (event.type === 'text' && event.delta === 'get ') break;
    }
    expect(await assistantOf(conversations, turn.conversationId)).toMatchObject({
      status: 'incomplete',
      content: 'Employees get ',
      error: 'The request was cancelled before the answer finished.',
    });
  });

  it('stops reading a model that ignores the abort signal once the caller leaves, and releases its stream', async () => {
    let released = false;
    const deaf = new MockLanguageModelV4({
      doStream: async () => ({
        stream: new ReadableStream<LanguageModelV4StreamPart>({
          start(controller) {
            for (const part of streamOf(['Employees ', 'get '], false)) controller.enqueue(part);
          },
          cancel() {
            released = true;
          },
        }),
      }),
    });
    const { chat, conversations } = chatService({
      models: createModelRegistry({ providers: { mock: () => deaf }, defaultModel: 'mock:deaf' }),
    });
    const caller = new AbortController();
    const turn = await chat.start({
      tenantId: TENANT,
      userId: 'u',
      message: 'Leave?',
      abortSignal: caller.signal,
    });
    await turn.peekUntil((event) => event.type === 'text' && event.delta === 'get ');
    caller.abort();
    expect(await turn.outcome()).toMatchObject({ type: 'error', code: 'cancelled' });
    expect(released).toBe(true);
    expect(await assistantOf(conversations, turn.conversationId)).toMatchObject({
      status: 'incomplete',
      content: 'Employees get ',
    });
  });

  it('stores a failure the model reports mid-answer, and releases its stream', async () => {
    let released = false;
    const failing = new MockLanguageModelV4({
      doStream: async () => ({
        stream: new ReadableStream<LanguageModelV4StreamPart>({
          start(controller) {
            for (const part of streamOf(['Employees '], false)) controller.enqueue(part);
            controller.enqueue({ type: 'error', error: new Error('upstream reset the connection') });
          },
          cancel() {
            released = true;
          },
        }),
      }),
    });
    const { chat, conversations } = chatService({
      models: createModelRegistry({ providers: { mock: () => failing }, defaultModel: 'mock:failing' }),
    });
    const turn = await chat.start({ tenantId: TENANT, userId: 'u', message: 'Leave?' });
    expect(await turn.outcome()).toMatchObject({ type: 'error' });
    expect(released).toBe(true);
    expect(await assistantOf(conversations, turn.conversationId)).toMatchObject({
      status: 'incomplete',
      content: 'Employees ',
    });
  });

  it('ends with server_stopping and stores the turn as interrupted when the server stops', async () => {
    const { chat, conversations } = chatService();
    const shutdown = new AbortController();
    const turn = await chat.start({
      tenantId: TENANT,
      userId: 'u',
      message: 'Leave?',
      model: 'mock:hang',
      shutdownSignal: shutdown.signal,
    });
    await turn.peekUntil((event) => event.type === 'text' && event.delta === 'get ');
    shutdown.abort();
    const outcome = await turn.outcome();
    expect(outcome).toMatchObject({ type: 'error', code: 'server_stopping' });
    expect(await assistantOf(conversations, turn.conversationId)).toMatchObject({
      status: 'interrupted',
      content: 'Employees get ',
    });
  });

  it('saves the answer as it streams, so a process that dies leaves what was said', async () => {
    const { chat, conversations } = chatService({ partialSaveIntervalMs: 0 });
    const turn = await chat.start({ tenantId: TENANT, userId: 'u', message: 'Leave?', model: 'mock:hang' });
    await turn.peekUntil((event) => event.type === 'text' && event.delta === 'get ');
    expect(await assistantOf(conversations, turn.conversationId)).toMatchObject({
      status: 'pending',
      content: 'Employees get ',
    });
    expect(await chat.interruptPendingTurns(new Date(Date.now() + 1000))).toBe(1);
    expect(await assistantOf(conversations, turn.conversationId)).toMatchObject({
      status: 'interrupted',
      content: 'Employees get ',
      error: expect.stringMatching(/server stopped before the answer finished/),
    });
    await turn.cancel();
  });

  it('saves at most once per interval while the answer streams, a piece before it is passed on', async () => {
    const { chat, updates, clock, writer } = countingSaves();
    const turn = await chat.start({ tenantId: TENANT, userId: 'u', message: 'Leave?' });
    writer.push('Employees ');
    await turn.peekUntil((event) => event.type === 'text' && event.delta === 'Employees ');
    expect(updates).toEqual(['Employees ']);
    clock.now += 999;
    writer.push('get ');
    await turn.peekUntil((event) => event.type === 'text' && event.delta === 'get ');
    expect(updates).toEqual(['Employees ']);
    clock.now += 1;
    writer.push('sixteen weeks.');
    await turn.peekUntil((event) => event.type === 'text' && event.delta === 'sixteen weeks.');
    expect(updates).toEqual(['Employees ', 'Employees get sixteen weeks.']);
    await turn.cancel();
  });

  it('saves pieces that arrive together with the last of them', async () => {
    const { chat, updates, writer } = countingSaves();
    const turn = await chat.start({ tenantId: TENANT, userId: 'u', message: 'Leave?' });
    writer.push('Employees ', 'get ', 'sixteen ');
    await turn.peekUntil((event) => event.type === 'text' && event.delta === 'sixteen ');
    expect(updates).toEqual(['Employees get sixteen ']);
    await turn.cancel();
  });

  it('passes on no empty piece of text (some providers open their stream with one)', async () => {
    const { chat } = chatService({
      models: createModelRegistry({
        providers: { mock: () => answeringModel(['', 'Yes.', '']) },
        defaultModel: 'mock:answer',
      }),
    });
    const turn = await chat.start({ tenantId: TENANT, userId: 'u', message: 'Hello?' });
    const texts: string[] = [];
    for await (const event of turn) if (event.type === 'text') texts.push(event.delta);
    expect(texts).toEqual(['Yes.']);
  });

  it('saves a long burst once an interval into it, as any other text', async () => {
    const { chat, updates, clock, writer } = countingSaves();
    const turn = await chat.start({ tenantId: TENANT, userId: 'u', message: 'Leave?' });
    // From here each reading of the clock moves it 400 ms: the burst's pieces come 400 ms apart.
    clock.step = 400;
    writer.push('1', '2', '3', '4', '5', '6');
    await turn.peekUntil((event) => event.type === 'text' && event.delta === '6');
    expect(updates).toEqual(['123', '123456']);
    await turn.cancel();
  });

  it('writes an answer the model delivers at once only by its ending', async () => {
    const { chat, updates, endings } = countingSaves({
      models: createModelRegistry({
        providers: { mock: () => answeringModel(['Employees ', 'get ', 'sixteen weeks.']) },
        defaultModel: 'mock:answer',
      }),
    });
    const turn = await chat.start({ tenantId: TENANT, userId: 'u', message: 'Leave?' });
    expect(await turn.outcome()).toMatchObject({
      type: 'finish',
      message: { status: 'complete', content: 'Employees get sixteen weeks.' },
    });
    expect(updates).toEqual([]);
    expect(endings).toEqual(['complete']);
  });
});
