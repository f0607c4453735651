/**
 * A call is priced and recorded under the model that answered it: when the fallback chain hands a
 * chat turn to its next model, the message and the usage row name that model and carry its price.
 */
import { randomUUID } from 'node:crypto';
import type { LanguageModelV4StreamPart } from '@ai-sdk/provider';
import { MockLanguageModelV4, simulateReadableStream } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { ChatService } from '../../src/core/chat/chat-service.ts';
import { ProviderError } from '../../src/core/errors.ts';
import { KnowledgeService } from '../../src/core/knowledge/knowledge-service.ts';
import type { Pricing } from '../../src/core/models.ts';
import { Retriever } from '../../src/core/retrieval/retriever.ts';
import { DEFAULT_TENANT, DEFAULT_USER } from '../../src/core/types.ts';
import { createDocumentParser } from '../../src/ingest/index.ts';
import { createModelRegistry } from '../../src/providers/index.ts';
import { createFallbackModel } from '../../src/providers/resilience/index.ts';
import { createMemoryStorage } from '../../src/storage/memory/index.ts';

const PRIMARY = 'mock:primary';
const FALLBACK = 'mock:fallback';

/** Dollars per call, so the test can tell which model a row was priced as. */
const pricing: Pricing = (model) => (model === PRIMARY ? 1 : model === FALLBACK ? 0.01 : null);

function answering(modelId: string) {
  const parts: LanguageModelV4StreamPart[] = [
    { type: 'stream-start', warnings: [] },
    { type: 'text-start', id: 't' },
    { type: 'text-delta', id: 't', delta: 'From the fallback.' },
    { type: 'text-end', id: 't' },
    {
      type: 'finish',
      finishReason: { unified: 'stop', raw: 'stop' },
      usage: {
        inputTokens: { total: 5, noCache: 5, cacheRead: 0, cacheWrite: 0 },
        outputTokens: { total: 3, text: 3, reasoning: 0 },
      },
    },
  ];
  return new MockLanguageModelV4({
    provider: 'mock',
    modelId,
    doStream: async () => ({
      stream: simulateReadableStream({ chunks: parts, initialDelayInMs: null, chunkDelayInMs: null }),
    }),
  });
}

function failing(modelId: string) {
  return new MockLanguageModelV4({
    provider: 'mock',
    modelId,
    doStream: async () => {
      throw new ProviderError('mock:primary failed (HTTP 503).', { isRetryable: true, unavailable: true });
    },
  });
}

describe('the answering model on the ledger', () => {
  it('records and prices a chat turn under the fallback model that answered it', async () => {
    const storage = createMemoryStorage();
    const models = createModelRegistry({
      providers: { mock: (modelId) => (modelId === 'primary' ? failing(modelId) : answering(modelId)) },
      defaultModel: PRIMARY,
      fallbackModels: [FALLBACK],
      chain: (chain) => createFallbackModel(chain),
    });
    const knowledge = new KnowledgeService({
      knowledge: storage.knowledge,
      index: storage.index,
      parser: createDocumentParser(),
      generateId: randomUUID,
    });
    const chat = new ChatService({
      conversations: storage.conversations,
      knowledge,
      retriever: new Retriever({ index: storage.index, fuse: (lists, k) => lists.flat().slice(0, k) }),
      models,
      usage: storage.usage,
      pricing,
      generateId: randomUUID,
    });
    let finished: import('../../src/core/types.ts').Message | undefined;
    for await (const event of chat.turn({
      tenantId: DEFAULT_TENANT,
      userId: DEFAULT_USER,
      message: 'Hello?',
      knowledgeBase: null,
    })) {
      if (event.type === 'finish') finished = event.message;
      if (event.type === 'error') throw new Error(event.message);
    }
    expect(finished).toMatchObject({ content: 'From the fallback.', model: FALLBACK, costUsd: 0.01 });
    const rows = await storage.usage.summarize(DEFAULT_TENANT);
    expect(rows).toEqual([expect.objectContaining({ model: FALLBACK, calls: 1, costUsd: 0.01 })]);
  });
});
