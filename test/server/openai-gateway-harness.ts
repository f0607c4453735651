/**
 * A running Godwit for OpenAI-client tests: the real app behind `@hono/node-server` on a loopback port,
 * wired like the composition root (registry with resilience, embedders, pricing, an observable usage
 * ledger, breaker states) with `openai:` models and embeddings served by the OpenAI wire-format emulator.
 * Storage is in memory so that the suite starts in well under a second.
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import { ChatService } from '../../src/core/chat/chat-service.ts';
import { KnowledgeService } from '../../src/core/knowledge/knowledge-service.ts';
import type { Embedder, Pricing } from '../../src/core/models.ts';
import type { UsageLedger } from '../../src/core/ports.ts';
import { Retriever } from '../../src/core/retrieval/retriever.ts';
import type { GodwitServices } from '../../src/core/services.ts';
import { DEFAULT_TENANT, type UsageEntry } from '../../src/core/types.ts';
import { createDocumentParser } from '../../src/ingest/index.ts';
import { createChatCompletionsForwarder } from '../../src/providers/forwarding/index.ts';
import { createModelRegistry, localProvider, parseModelName } from '../../src/providers/index.ts';
import { createOpenAIProvider } from '../../src/providers/openai/index.ts';
import { createFallbackModel, createResilience } from '../../src/providers/resilience/index.ts';
import type { AppOptions } from '../../src/server/app-env.ts';
import { createApp } from '../../src/server/index.ts';
import { createGodwitMetrics, type GodwitMetrics } from '../../src/server/metrics/index.ts';
import { createMemoryStorage } from '../../src/storage/memory/index.ts';
import { type Emulator, startEmulator } from '../support/emulators/index.ts';

export const CHAT_MODEL = 'openai:gpt-4.1-mini';
/** Priced differently from CHAT_MODEL, so a test can tell which model a usage row was priced as. */
export const FALLBACK_CHAT_MODEL = 'openai:gpt-4o-mini';
export const EMBEDDING_MODEL = 'openai:text-embedding-3-small';
export const KNOWLEDGE_BASE = 'handbook';
export const POLICY_SOURCE = 'leave-policy.md';

const POLICY = `# Leave policy

## Vacation
New employees get 20 days of paid vacation in their first year. After five years it rises to 25 days.

## Sick leave
Sick leave is unlimited with a doctor's note after three days.
`;

/** Dollars per 1,000 tokens for the two chat models only; the embedding model stays unpriced. */
export const testPricing: Pricing = (model, usage) =>
  model === CHAT_MODEL
    ? (usage.inputTokens * 0.4 + usage.outputTokens * 1.6) / 1000
    : model === FALLBACK_CHAT_MODEL
      ? (usage.inputTokens * 0.1 + usage.outputTokens * 0.4) / 1000
      : null;

export interface Gateway {
  /** `http://127.0.0.1:PORT`; OpenAI clients use `${url}/v1`. */
  url: string;
  emulator: Emulator;
  services: GodwitServices;
  metrics: GodwitMetrics;
  /** Every usage-ledger row, in order. */
  usageRows: UsageEntry[];
  /** Resolves with the next usage row that matches. */
  nextUsage(match: (entry: UsageEntry) => boolean): Promise<UsageEntry>;
  /** Hit and miss counts reported to the metrics as the `embedding` cache. */
  cacheCounts: { hits: number; misses: number };
  close(): Promise<void>;
}

function observedLedger(inner: UsageLedger, rows: UsageEntry[]) {
  const listeners = new Set<(entry: UsageEntry) => void>();
  const ledger: UsageLedger = {
    async record(entry) {
      await inner.record(entry);
      rows.push(entry);
      for (const listener of listeners) listener(entry);
    },
    summarize: (tenantId, query) => inner.summarize(tenantId, query),
  };
  const subscribe = (listener: (entry: UsageEntry) => void) => {
    listeners.add(listener);
    return () => void listeners.delete(listener);
  };
  return { ledger, subscribe };
}

export interface GatewayOptions {
  /**
   * Forward `/v1/chat/completions` for `openai:` models unchanged, as the composition root does
   * (default true); false sends them through the AI SDK, the path every other provider takes.
   */
  forwarding?: boolean;
  /** Models tried in order when the requested one fails before answering (default none). */
  fallbackModels?: string[];
  /** App options beyond the defaults (a URL guard with an allow-list). */
  app?: AppOptions;
}

async function buildServices(
  emulator: Emulator,
  rows: UsageEntry[],
  cacheCounts: Gateway['cacheCounts'],
  options: GatewayOptions,
) {
  const storage = createMemoryStorage();
  const usage = observedLedger(storage.usage, rows);
  const resilience = createResilience({ timeoutMs: 10_000, retry: false });
  const openai = createOpenAIProvider({
    env: { OPENAI_API_KEY: 'sk-emulated', OPENAI_BASE_URL: emulator.baseURLs.openai },
  });
  const chatForwarder = createChatCompletionsForwarder({
    endpoint: (name) => {
      if (options.forwarding === false) return undefined;
      const { provider, modelId } = parseModelName(name);
      return provider === 'openai' ? openai.chatCompletionsEndpoint?.(modelId) : undefined;
    },
    breakers: resilience.breakers,
    retry: false,
    timeoutMs: 10_000,
  });
  const models = createModelRegistry({
    providers: { openai: resilience.wrapFactory(openai.languageModel), local: localProvider },
    defaultModel: CHAT_MODEL,
    fallbackModels: options.fallbackModels ?? [],
    chain: (chain) => createFallbackModel(chain),
  });
  const embedders = new Map<string, Embedder>([
    [
      EMBEDDING_MODEL,
      openai.embedder('text-embedding-3-small', { middleware: resilience.embeddingMiddleware('openai') }),
    ],
  ]);
  const knowledge = new KnowledgeService({
    knowledge: storage.knowledge,
    index: storage.index,
    parser: createDocumentParser(),
    generateId: randomUUID,
  });
  const retriever = new Retriever({ index: storage.index, fuse: (lists, k) => lists.flat().slice(0, k) });
  const chat = new ChatService({
    conversations: storage.conversations,
    knowledge,
    retriever,
    models,
    usage: usage.ledger,
    pricing: testPricing,
    generateId: randomUUID,
  });
  const services: GodwitServices = {
    knowledge,
    knowledgeStore: storage.knowledge,
    index: storage.index,
    retriever,
    chat,
    conversations: storage.conversations,
    usage: usage.ledger,
    provider: {
      model: CHAT_MODEL,
      fallbackModels: options.fallbackModels ?? [],
      embeddingModel: EMBEDDING_MODEL,
      reason: 'test gateway',
      availableModels: ['local:extractive', 'openai:*'],
      providers: [{ provider: 'openai', configured: true, reason: 'emulator' }],
    },
    version: '0.0.0-test',
    models,
    chatForwarder,
    embedders,
    pricing: testPricing,
    onUsage: usage.subscribe,
    circuitStates: () => resilience.breakers?.states() ?? {},
    cacheStats: () => [{ cache: 'embedding', ...cacheCounts }],
    health: async () => [await storage.health()],
    close: () => storage.close(),
  };
  return services;
}

export async function startGateway(options: GatewayOptions = {}): Promise<Gateway> {
  const emulator = await startEmulator();
  const usageRows: UsageEntry[] = [];
  const cacheCounts = { hits: 0, misses: 0 };
  const services = await buildServices(emulator, usageRows, cacheCounts, options);
  const knowledgeBase = await services.knowledge.createKnowledgeBase(DEFAULT_TENANT, {
    name: KNOWLEDGE_BASE,
  });
  await services.knowledge.ingest(DEFAULT_TENANT, knowledgeBase, {
    source: POLICY_SOURCE,
    bytes: new TextEncoder().encode(POLICY),
  });
  const metrics = createGodwitMetrics();
  const app = createApp({ services, metrics, options: { logger: () => {}, ...options.app } });
  let server: ServerType | undefined;
  const url = await new Promise<string>((resolve) => {
    server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info: AddressInfo) =>
      resolve(`http://127.0.0.1:${info.port}`),
    );
  });
  return {
    url,
    emulator,
    services,
    metrics,
    usageRows,
    cacheCounts,
    nextUsage: (match) =>
      new Promise((resolve) => {
        const unsubscribe = services.onUsage!((entry) => {
          if (!match(entry)) return;
          unsubscribe();
          resolve(entry);
        });
      }),
    async close() {
      // Clients keep connections alive; close them so the server stops at once.
      const closing = new Promise((resolve) => server?.close(resolve));
      (server as Server | undefined)?.closeAllConnections();
      await closing;
      await emulator.close();
      await services.close();
    },
  };
}
