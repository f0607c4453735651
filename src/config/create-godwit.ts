/**
 * The composition root: the only place that chooses adapters. Vendor-backed adapters are imported lazily,
 * so a process loads only the backends its configuration names.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ChatService } from '../core/chat/chat-service.ts';
import { describeError } from '../core/errors.ts';
import { KnowledgeService } from '../core/knowledge/knowledge-service.ts';
import type { Embedder } from '../core/models.ts';
import type { HealthReport, UsageLedger } from '../core/ports.ts';
import { fuseResults } from '../core/retrieval/fusion.ts';
import { Retriever } from '../core/retrieval/retriever.ts';
import type { GodwitServices } from '../core/services.ts';
import type { UsageEntry } from '../core/types.ts';
import { createPricing } from '../providers/pricing.ts';
import { createModels } from './create-models.ts';
import type { GodwitConfig } from './schema.ts';
import { VERSION } from './version.ts';

export interface CreateGodwitOptions {
  /** Extra embedders by model name (tests, custom providers). */
  embedders?: Map<string, Embedder>;
  /** Environment the provider adapters read (AWS_*, OPENAI_*, …). Default: process.env. */
  env?: Record<string, string | undefined>;
  generateId?: () => string;
}

export async function createGodwit(
  config: GodwitConfig,
  options: CreateGodwitOptions = {},
): Promise<GodwitServices> {
  const { models, embedders, provider, circuitStates } = await createModels(
    config,
    options.env ?? process.env,
    options.embedders,
  );
  const storage = await openStorage(config);
  const usage = observableUsageLedger(storage.usage);
  const pricing = createPricing();
  const generateId = options.generateId ?? randomUUID;
  const { createDocumentParser } = await import('../ingest/index.ts');
  const { FileBlobStore } = await import('../storage/fs/index.ts');
  const blobs = new FileBlobStore({ root: join(config.dataDir, 'blobs') });
  const parser = createDocumentParser({
    maxFileBytes: config.ingest.maxFileBytes,
    maxChunkTokens: config.ingest.chunkTokens,
    chunkOverlapTokens: config.ingest.chunkOverlapTokens,
  });
  const retriever = new Retriever({
    index: storage.index,
    embedders,
    fuse: (lists, k, knowledgeBase) =>
      fuseResults(lists, {
        key: (hit) => hit.chunkId,
        k,
        weights: hybridWeights(knowledgeBase.embeddingModel),
      }),
  });
  const knowledge = new KnowledgeService({
    knowledge: storage.knowledge,
    index: storage.index,
    parser,
    blobs,
    embedders,
    defaultEmbeddingModel: config.models.embedding,
    generateId,
  });
  const chat = new ChatService({
    conversations: storage.conversations,
    knowledge,
    retriever,
    models,
    usage: usage.ledger,
    pricing,
    generateId,
    defaultK: config.retrieval.k,
    reportError: (error, context) =>
      process.stderr.write(
        `${JSON.stringify({ level: 'error', message: 'chat turn failed', ...context, error: describeError(error) })}\n`,
      ),
  });
  return {
    knowledge,
    knowledgeStore: storage.knowledge,
    index: storage.index,
    retriever,
    chat,
    conversations: storage.conversations,
    usage: usage.ledger,
    provider,
    version: VERSION,
    models,
    embedders,
    pricing,
    onUsage: usage.subscribe,
    circuitStates,
    health: async (): Promise<HealthReport[]> => [await safeHealth(storage.health)],
    close: () => storage.close(),
  };
}

/**
 * Keyword vs vector weight in hybrid search. The lexical embedding was tuned on SciFact train (0.8/0.2);
 * semantic embeddings are given an equal share until a measurement says otherwise.
 */
function hybridWeights(embeddingModel: string | null): [number, number] {
  return embeddingModel === 'local:lexical' ? [0.8, 0.2] : [0.5, 0.5];
}

async function openStorage(config: GodwitConfig) {
  const { openPostgresStorage } = await import('../storage/postgres/index.ts');
  if (config.database.url) {
    return openPostgresStorage({ url: config.database.url, schema: config.database.schema ?? undefined });
  }
  mkdirSync(config.dataDir, { recursive: true });
  return openPostgresStorage({ pglite: { dataDir: join(config.dataDir, 'db') } });
}

async function safeHealth(check: () => Promise<HealthReport>): Promise<HealthReport> {
  try {
    return await check();
  } catch (error) {
    return { name: 'database', ok: false, detail: describeError(error) };
  }
}

/** The ledger, telling subscribers (metrics) about each row once it is stored. */
function observableUsageLedger(inner: UsageLedger) {
  const listeners = new Set<(entry: UsageEntry) => void>();
  const ledger: UsageLedger = {
    async record(entry) {
      await inner.record(entry);
      for (const listener of listeners) listener(entry);
    },
    summarize: (tenantId, query) => inner.summarize(tenantId, query),
  };
  const subscribe = (listener: (entry: UsageEntry) => void) => {
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  };
  return { ledger, subscribe };
}
