/**
 * The composition root: the only place that chooses adapters. Vendor-backed adapters are imported lazily,
 * so a process loads only the backends its configuration names.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { AgentRunSettings } from '../core/agent/agent-run.ts';
import type { AssistantCatalog } from '../core/agent/assistant-catalog.ts';
import { ChatService } from '../core/chat/chat-service.ts';
import { ConfigError, describeError } from '../core/errors.ts';
import { KnowledgeService } from '../core/knowledge/knowledge-service.ts';
import type { Embedder, ModelResolver, Pricing } from '../core/models.ts';
import type { BlobStore, Cache, HealthReport, UsageLedger } from '../core/ports.ts';
import { fuseResults } from '../core/retrieval/fusion.ts';
import { Retriever } from '../core/retrieval/retriever.ts';
import type { GodwitServices } from '../core/services.ts';
import type { UsageEntry } from '../core/types.ts';
import { GroupCommitUsageLedger } from '../core/usage/group-commit-usage-ledger.ts';
import { createPricing } from '../providers/pricing.ts';
import { boundedHealthCheck } from './bounded-health-check.ts';
import { createAuditTrail, createGovernance, openCounterStore } from './create-governance.ts';
import { createModels } from './create-models.ts';
import { openComposedStorage } from './open-storage.ts';
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
  const cache = await openCache(config);
  const { models, embedders, provider, circuitStates, cacheStats, forwarder } = await createModels(
    config,
    options.env ?? process.env,
    options.embedders,
    cache.cache,
  );
  const storage = await openComposedStorage(config, options.env ?? process.env);
  // Group commit: under load, the ledger rows of many model calls share one write.
  const ledger = new GroupCommitUsageLedger(storage.usage, { windowMs: 20 });
  const usage = observableUsageLedger(ledger);
  const pricing = createPricing();
  const generateId = options.generateId ?? randomUUID;
  const audit = createAuditTrail(storage.audit);
  const counters = await openCounterStore(config, storage.counters);
  const governance = createGovernance(config, {
    counters: counters.store,
    storeName: counters.name,
    audit,
    usage: storage.usage,
  });
  // Every usage row counts against token limits and budgets, in the request it was written for.
  usage.subscribe((entry) => void governance.recordUsage(entry));
  const { createParserPool } = await import('../ingest/index.ts');
  const blobs = await openBlobStore(config);
  // Parsing and chunking run on worker threads, off the event loop that serves requests.
  const parser = createParserPool({
    maxFileBytes: config.ingest.maxFileBytes,
    maxChunkTokens: config.ingest.chunkTokens,
    chunkOverlapTokens: config.ingest.chunkOverlapTokens,
  });
  const retriever = new Retriever({
    index: storage.index,
    embedders,
    ...(storage.keywordSearch ? {} : { keywordSearch: false }),
    ...(config.retrieval.expansion.model
      ? { expandQuery: await createExpansion(config, models, cache.cache, usage.ledger, pricing, generateId) }
      : {}),
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
    blobs: blobs.store,
    embedders,
    defaultEmbeddingModel: config.models.embedding,
    generateId,
  });
  const assistants = await createAssistants(config, {
    models,
    knowledge,
    retriever,
    env: options.env ?? process.env,
    defaultModel: provider.model,
    onToolCall: (call) =>
      void audit.record({
        tenantId: call.tenantId,
        actor: call.userId,
        action: 'tool.call',
        target: call.toolName,
        details: {
          assistant: call.assistant,
          conversationId: call.conversationId,
          toolCallId: call.toolCallId,
          outcome: call.outcome,
          durationMs: call.durationMs,
          ...(call.error ? { error: call.error } : {}),
        },
      }),
  });
  const chat = new ChatService({
    conversations: storage.conversations,
    knowledge,
    retriever,
    models,
    ...(assistants ? { assistants } : {}),
    usage: usage.ledger,
    pricing,
    generateId,
    defaultK: config.retrieval.k,
    reportError: (error, context) =>
      process.stderr.write(
        `${JSON.stringify({ level: 'error', message: 'chat turn failed', ...context, error: describeError(error) })}\n`,
      ),
  });
  await interruptDeadTurns(chat, config);
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
    apiKeys: storage.apiKeys,
    audit,
    governance,
    ...(assistants ? { assistants } : {}),
    models,
    chatForwarder: forwarder,
    embedders,
    pricing,
    onUsage: usage.subscribe,
    circuitStates,
    cacheStats,
    health: async (): Promise<HealthReport[]> => {
      const timeoutMs = config.server.readinessTimeoutMs;
      const checks = [
        ...storage.health,
        ...(blobs.health ? [{ name: 's3', check: blobs.health }] : []),
        ...(cache.health ? [{ name: 'redis', check: cache.health }] : []),
      ];
      return Promise.all(checks.map(({ name, check }) => boundedHealthCheck(name, check, timeoutMs)));
    },
    close: async () => {
      await ledger.flush();
      await storage.close();
      await counters.close();
      blobs.close();
      await cache.close();
      await parser.close();
    },
  };
}

/**
 * A store shared by several processes may hold turns another live instance is still answering, so there only
 * turns older than this are taken for dead. A live turn marked by mistake is set right by its final write.
 */
const SHARED_STORE_DEAD_TURN_MS = 10 * 60_000;

/**
 * Turns left `pending` by a process that died mid-answer become `interrupted`, keeping their saved text.
 * The embedded database belongs to this process alone (the data-dir lock), so every pending turn is dead.
 */
async function interruptDeadTurns(chat: ChatService, config: GodwitConfig): Promise<void> {
  const embedded =
    config.storage.conversations !== 'dynamodb' && !config.database.url && !config.database.dataApi;
  const startedBefore = new Date(Date.now() - (embedded ? 0 : SHARED_STORE_DEAD_TURN_MS));
  try {
    await chat.interruptPendingTurns(startedBefore);
  } catch (error) {
    process.stderr.write(
      `${JSON.stringify({ level: 'warn', message: 'could not mark interrupted chat turns', error: describeError(error) })}\n`,
    );
  }
}

/**
 * Assistants and their tool sources (assistants, tools): loaded only when some are configured. Tool
 * documents are read and secrets resolved here, so a bad one stops startup with the key that names it.
 */
async function createAssistants(
  config: GodwitConfig,
  parts: {
    models: ModelResolver;
    knowledge: KnowledgeService;
    retriever: Retriever;
    env: Record<string, string | undefined>;
    defaultModel: string;
    onToolCall: NonNullable<AgentRunSettings['onToolCall']>;
  },
): Promise<AssistantCatalog | undefined> {
  if (Object.keys(config.assistants).length === 0) return undefined;
  const { createAssistantCatalog } = await import('../tools/index.ts');
  const { createFallbackModel } = await import('../providers/resilience/index.ts');
  return createAssistantCatalog({
    assistants: config.assistants,
    tools: config.tools,
    defaultModel: parts.defaultModel,
    languageModel: (name, fallbacks) =>
      fallbacks.length === 0
        ? parts.models.languageModel(name)
        : createFallbackModel([name, ...fallbacks].map((model) => parts.models.languageModel(model))),
    knowledge: parts.knowledge,
    retriever: parts.retriever,
    k: config.retrieval.k,
    env: parts.env,
    onToolCall: parts.onToolCall,
  });
}

/** The shared cache: Redis when configured (cache.backend, or redis.url), else in process memory. */
async function openCache(config: GodwitConfig): Promise<{
  cache: Cache;
  health?: () => Promise<HealthReport>;
  close: () => Promise<void>;
}> {
  const backend = config.cache.backend ?? (config.redis.url ? 'redis' : 'memory');
  if (backend === 'memory') {
    const { MemoryCache } = await import('../storage/memory/index.ts');
    return { cache: new MemoryCache(), close: async () => {} };
  }
  if (!config.redis.url) {
    throw new ConfigError(
      'cache.backend is "redis" but redis.url is not set: set GODWIT_REDIS_URL=redis://host:6379.',
    );
  }
  const { RedisCache } = await import('../storage/redis/index.ts');
  const redis = new RedisCache({ url: config.redis.url, keyPrefix: 'godwit:cache:' });
  return { cache: redis, health: () => redis.health(), close: () => redis.close() };
}

/** Query expansion (retrieval.expansion.model): paraphrases widen keyword recall; each call is metered. */
async function createExpansion(
  config: GodwitConfig,
  models: ModelResolver,
  cache: Cache,
  usage: UsageLedger,
  pricing: Pricing,
  generateId: () => string,
): Promise<(query: string, context: { tenantId: string; abortSignal?: AbortSignal }) => Promise<string[]>> {
  const modelName = config.retrieval.expansion.model!;
  const { createQueryExpander } = await import('../providers/routing/index.ts');
  const expander = createQueryExpander({
    model: models.languageModel(modelName),
    modelName,
    cache,
    maxVariants: config.retrieval.expansion.maxVariants,
  });
  return async (query, { tenantId, abortSignal }) => {
    const startedAt = Date.now();
    const expansion = await expander.expand(query, abortSignal ? { abortSignal } : {});
    if (expansion.usage) {
      const tokens = {
        inputTokens: expansion.usage.inputTokens ?? 0,
        outputTokens: expansion.usage.outputTokens ?? 0,
      };
      await usage.record({
        id: generateId(),
        tenantId,
        apiKeyId: null,
        model: modelName,
        operation: 'expansion',
        ...tokens,
        cachedTokens: 0,
        costUsd: pricing(modelName, { ...tokens, totalTokens: tokens.inputTokens + tokens.outputTokens }),
        latencyMs: Date.now() - startedAt,
        outcome: expansion.source === 'fallback' ? 'error' : 'ok',
        createdAt: new Date(),
      });
    }
    return expansion.queries;
  };
}

/**
 * Keyword vs vector weight in hybrid search. The lexical embedding was tuned on SciFact train (0.8/0.2);
 * semantic embeddings are given an equal share until a measurement says otherwise.
 */
function hybridWeights(embeddingModel: string | null): [number, number] {
  return embeddingModel === 'local:lexical' ? [0.8, 0.2] : [0.5, 0.5];
}

/** Original documents: files under dataDir (default) or an S3 bucket (storage.blobs = s3). */
async function openBlobStore(
  config: GodwitConfig,
): Promise<{ store: BlobStore; health?: () => Promise<HealthReport>; close: () => void }> {
  if (config.storage.blobs === 's3') {
    const settings = config.storage.s3;
    const { S3BlobStore } = await import('../storage/s3/index.ts');
    const store = new S3BlobStore({
      bucket: settings.bucket ?? '',
      ...(settings.prefix ? { prefix: settings.prefix } : {}),
      ...(settings.region ? { region: settings.region } : {}),
      ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
      forcePathStyle: settings.forcePathStyle,
      ...(settings.serverSideEncryption ? { serverSideEncryption: settings.serverSideEncryption } : {}),
      ...(settings.kmsKeyId ? { kmsKeyId: settings.kmsKeyId } : {}),
    });
    return { store, health: () => store.health(), close: () => store.close() };
  }
  const { FileBlobStore } = await import('../storage/fs/index.ts');
  return { store: new FileBlobStore({ root: join(config.dataDir, 'blobs') }), close: () => {} };
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
