/**
 * Real core services for route tests, assembled by the production wiring (`assembleServices`): in-memory
 * storage (or PGlite, on request), the real parser, retriever and usage ledger, and scripted language
 * models (`mock:*`) beside the offline `local:extractive` one.
 */
import type { LanguageModelV4StreamPart } from '@ai-sdk/provider';
import { simulateReadableStream } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { assembleServices, type LogLine } from '../../src/config/index.ts';
import { ProviderError } from '../../src/core/errors.ts';
import type { ConversationStore, MessagePatch, UsageLedger, VectorIndex } from '../../src/core/ports.ts';
import type { GodwitServices } from '../../src/core/services.ts';
import type { Message } from '../../src/core/types.ts';
import { createChatCompletionsForwarder } from '../../src/providers/forwarding/index.ts';
import { createLexicalEmbedder, createModelRegistry, localProvider } from '../../src/providers/index.ts';
import { createMemoryStorage } from '../../src/storage/memory/index.ts';
import { openPostgresStorage } from '../../src/storage/postgres/index.ts';
import { testParts } from './test-parts.ts';

export const ANSWER_PIECES = ['Employees get ', '25 vacation days', ' a year [1].'];
export const PROVIDER_FAILURE = 'The model service failed (HTTP 500). Try again, or pick another model.';

const usage = {
  inputTokens: { total: 40, noCache: 40, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: 9, text: 9, reasoning: 0 },
};

function textParts(pieces: string[]): LanguageModelV4StreamPart[] {
  return [
    { type: 'stream-start', warnings: [] },
    { type: 'text-start', id: 'text' },
    ...pieces.map((delta): LanguageModelV4StreamPart => ({ type: 'text-delta', id: 'text', delta })),
    { type: 'text-end', id: 'text' },
    { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage },
  ];
}

/** Streams ANSWER_PIECES, citing source [1]. */
function answeringModel() {
  return new MockLanguageModelV4({
    doStream: async () => ({
      stream: simulateReadableStream({
        chunks: textParts(ANSWER_PIECES),
        initialDelayInMs: null,
        chunkDelayInMs: null,
      }),
    }),
  });
}

/** Fails before its first token, as a provider adapter reports an upstream 500. */
function failingModel() {
  return new MockLanguageModelV4({
    doStream: async () => {
      throw new ProviderError(PROVIDER_FAILURE, { isRetryable: true });
    },
  });
}

/** Writes one piece, then waits until the call is aborted. */
function hangingModel() {
  return new MockLanguageModelV4({
    doStream: async ({ abortSignal }) => ({
      stream: new ReadableStream<LanguageModelV4StreamPart>({
        start(controller) {
          for (const part of textParts(['Partial answer']).slice(0, 3)) controller.enqueue(part);
          abortSignal?.addEventListener('abort', () => controller.error(abortSignal.reason), { once: true });
        },
      }),
    }),
  });
}

const MOCK_MODELS: Record<string, () => MockLanguageModelV4> = {
  answer: answeringModel,
  fail: failingModel,
  hang: hangingModel,
};

/**
 * The real store, plus a way to wait for an assistant message to leave `pending` (the end of a turn that
 * runs on after its response, such as one whose client disconnected).
 */
class ObservedConversationStore implements ConversationStore {
  private readonly waiters = new Map<string, (message: Message) => void>();

  constructor(private readonly inner: ConversationStore) {}

  settled(messageId: string): Promise<Message> {
    return new Promise((resolve) => this.waiters.set(messageId, resolve));
  }

  createConversation: ConversationStore['createConversation'] = (input) =>
    this.inner.createConversation(input);
  getConversation: ConversationStore['getConversation'] = (tenantId, id) =>
    this.inner.getConversation(tenantId, id);
  listConversations: ConversationStore['listConversations'] = (tenantId, options) =>
    this.inner.listConversations(tenantId, options);
  renameConversation: ConversationStore['renameConversation'] = (tenantId, id, title) =>
    this.inner.renameConversation(tenantId, id, title);
  deleteConversation: ConversationStore['deleteConversation'] = (tenantId, id) =>
    this.inner.deleteConversation(tenantId, id);
  appendMessage: ConversationStore['appendMessage'] = (message) => this.inner.appendMessage(message);
  appendMessages: ConversationStore['appendMessages'] = (messages, options) =>
    this.inner.appendMessages(messages, options);
  listMessages: ConversationStore['listMessages'] = (tenantId, id) => this.inner.listMessages(tenantId, id);
  interruptPendingTurns: ConversationStore['interruptPendingTurns'] = (before, reason) =>
    this.inner.interruptPendingTurns(before, reason);
  updateMessageIf: ConversationStore['updateMessageIf'] = (tenantId, id, expected, patch) =>
    this.inner.updateMessageIf(tenantId, id, expected, patch);

  async updateMessage(tenantId: string, messageId: string, patch: MessagePatch): Promise<Message> {
    const message = await this.inner.updateMessage(tenantId, messageId, patch);
    if (message.status !== 'pending') this.waiters.get(messageId)?.(message);
    return message;
  }
}

export interface TestServices extends GodwitServices {
  conversations: ObservedConversationStore;
  /** Lines the services logged (a failed turn's report), in order. */
  logs: LogLine[];
}

export async function createTestServices(
  options: {
    storage?: 'memory' | 'pglite';
    /** Wraps the usage ledger the chat service writes to (to observe rows as they are written). */
    wrapUsage?: (ledger: UsageLedger) => UsageLedger;
    /** Wraps the vector index the knowledge service writes to (to observe when a write starts and ends). */
    wrapIndex?: (index: VectorIndex) => VectorIndex;
  } = {},
): Promise<TestServices> {
  const stores =
    options.storage === 'pglite' ? await openPostgresStorage({ pglite: {} }) : createMemoryStorage();
  const conversations = new ObservedConversationStore(stores.conversations);
  const mockProvider = (modelId: string) => {
    const build = MOCK_MODELS[modelId];
    if (!build) throw new Error(`no mock model "${modelId}"`);
    return build();
  };
  const models = createModelRegistry({
    providers: { mock: mockProvider, local: localProvider },
    defaultModel: 'mock:answer',
  });
  const lexical = createLexicalEmbedder();
  const parts = testParts({
    stores,
    storesName: options.storage === 'pglite' ? 'database' : 'memory',
    conversations,
    pricing: (_model, used) => used.totalTokens * 0.000001,
    models: {
      models,
      embedders: new Map([[lexical.model, lexical]]),
      // The scripted models speak no wire format, so nothing is forwarded.
      forwarder: createChatCompletionsForwarder({ endpoint: () => undefined }),
      cacheStats: null,
      circuitStates: null,
      provider: {
        model: 'mock:answer',
        fallbackModels: [],
        embeddingModel: null,
        reason: 'test models',
        availableModels: ['mock:answer', 'mock:fail', 'mock:hang', 'local:extractive'],
        providers: [{ provider: 'mock', configured: true, reason: 'test models' }],
      },
    },
  });
  if (options.wrapUsage) parts.storage = { ...parts.storage, usage: options.wrapUsage(parts.storage.usage) };
  if (options.wrapIndex) parts.storage = { ...parts.storage, index: options.wrapIndex(parts.storage.index) };
  const services = await assembleServices(parts);
  return { ...services, conversations, logs: parts.logs, version: '0.0.0-test' };
}
