/**
 * Real core services for route tests: in-memory storage (or PGlite, on request), the real document parser
 * and retriever, and scripted language models (`mock:*`) beside the offline `local:extractive` one.
 */
import { randomUUID } from 'node:crypto';
import type { LanguageModelV4StreamPart } from '@ai-sdk/provider';
import { simulateReadableStream } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { ChatService } from '../../src/core/chat/chat-service.ts';
import { ProviderError } from '../../src/core/errors.ts';
import { KnowledgeService } from '../../src/core/knowledge/knowledge-service.ts';
import type { ConversationStore, MessagePatch, UsageLedger } from '../../src/core/ports.ts';
import { Retriever } from '../../src/core/retrieval/retriever.ts';
import type { GodwitServices } from '../../src/core/services.ts';
import type { Message } from '../../src/core/types.ts';
import { createDocumentParser } from '../../src/ingest/index.ts';
import { createModelRegistry, localProvider } from '../../src/providers/index.ts';
import { createMemoryStorage } from '../../src/storage/memory/index.ts';
import { openPostgresStorage } from '../../src/storage/postgres/index.ts';

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
  listMessages: ConversationStore['listMessages'] = (tenantId, id) => this.inner.listMessages(tenantId, id);
  interruptPendingTurns: ConversationStore['interruptPendingTurns'] = (before, reason) =>
    this.inner.interruptPendingTurns(before, reason);

  async updateMessage(tenantId: string, messageId: string, patch: MessagePatch): Promise<Message> {
    const message = await this.inner.updateMessage(tenantId, messageId, patch);
    if (message.status !== 'pending') this.waiters.get(messageId)?.(message);
    return message;
  }
}

export interface TestServices extends GodwitServices {
  conversations: ObservedConversationStore;
}

export async function createTestServices(
  options: {
    storage?: 'memory' | 'pglite';
    /** Wraps the usage ledger the chat service writes to (to observe rows as they are written). */
    wrapUsage?: (ledger: UsageLedger) => UsageLedger;
  } = {},
): Promise<TestServices> {
  const storage =
    options.storage === 'pglite' ? await openPostgresStorage({ pglite: {} }) : createMemoryStorage();
  const generateId = randomUUID;
  const conversations = new ObservedConversationStore(storage.conversations);
  const mockProvider = (modelId: string) => {
    const build = MOCK_MODELS[modelId];
    if (!build) throw new Error(`no mock model "${modelId}"`);
    return build();
  };
  const models = createModelRegistry({
    providers: { mock: mockProvider, local: localProvider },
    defaultModel: 'mock:answer',
  });
  // Keyword-only knowledge bases never fuse; the concatenation only satisfies the option.
  const retriever = new Retriever({ index: storage.index, fuse: (lists, k) => lists.flat().slice(0, k) });
  const knowledge = new KnowledgeService({
    knowledge: storage.knowledge,
    index: storage.index,
    parser: createDocumentParser(),
    generateId,
  });
  const chat = new ChatService({
    conversations,
    knowledge,
    retriever,
    models,
    usage: options.wrapUsage ? options.wrapUsage(storage.usage) : storage.usage,
    pricing: (_model, used) => used.totalTokens * 0.000001,
    generateId,
  });
  return {
    knowledge,
    knowledgeStore: storage.knowledge,
    index: storage.index,
    retriever,
    chat,
    conversations,
    usage: storage.usage,
    provider: {
      model: 'mock:answer',
      fallbackModels: [],
      embeddingModel: null,
      reason: 'test models',
      availableModels: ['mock:answer', 'mock:fail', 'mock:hang', 'local:extractive'],
      providers: [{ provider: 'mock', configured: true, reason: 'test models' }],
    },
    version: '0.0.0-test',
    health: async () => [await storage.health()],
    close: () => storage.close(),
  };
}
