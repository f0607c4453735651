/**
 * The second half of the composition root: builds the services every entry point receives from opened
 * adapters (`GodwitParts`). Production passes what `openAdapters` opened; test harnesses pass in-memory
 * stores and scripted models, and so run the same wiring: the group-commit ledger, the usage observers,
 * error reporting, hybrid fusion, query expansion, assistants and the readiness checks.
 */
import type { AssistantCatalog } from '../core/agent/assistant-catalog.ts';
import type { ToolCallListener } from '../core/agent/tool-call-event.ts';
import { ChatService } from '../core/chat/chat-service.ts';
import { describeError } from '../core/errors.ts';
import {
  type ExternalKnowledgeBase,
  externalAnswerers,
  externalSearch,
  withExternalKnowledgeBases,
} from '../core/knowledge/external-knowledge-store.ts';
import { KnowledgeService } from '../core/knowledge/knowledge-service.ts';
import type { ModelResolver, Pricing } from '../core/models.ts';
import type { Cache, CounterStore, HealthReport, UsageLedger } from '../core/ports.ts';
import { fuseResults } from '../core/retrieval/fusion.ts';
import { Retriever, type RetrieverOptions } from '../core/retrieval/retriever.ts';
import type { GodwitServices } from '../core/services.ts';
import type { UsageEntry } from '../core/types.ts';
import { GroupCommitUsageLedger } from '../core/usage/group-commit-usage-ledger.ts';
import { boundedHealthCheck } from './bounded-health-check.ts';
import { createConfiguredUrlGuard } from './configured-url-guard.ts';
import { createAuditTrail, createGovernance } from './create-governance.ts';
import { openGuardrails } from './guardrails.ts';
import type { GodwitParts, LogLine } from './open-adapters.ts';
import type { GodwitConfig } from './schema.ts';
import { VERSION } from './version.ts';

/** Under load, the ledger rows of many model calls share one write (unless the parts say otherwise). */
const LEDGER_WINDOW_MS = 20;

/**
 * Builds the services from opened parts, then marks chat turns a dead process left pending as interrupted.
 * `close()` of the result flushes the ledger and closes every part.
 *
 * @example
 *   const services = await assembleServices({ ...parts, models: scriptedModels });
 */
export async function assembleServices(parts: GodwitParts): Promise<GodwitServices> {
  const { config, models: layer, pricing, generateId, log } = parts;
  const guardrails = await openGuardrails(config, parts.env);
  // Chat and /v1 answer under the global guardrail; query expansion uses the models as they are.
  const models = guardrails.models(layer.models);
  const externals = await openBedrockKnowledgeBases(config, parts.env);
  const storage = {
    ...parts.storage,
    knowledge: withExternalKnowledgeBases(parts.storage.knowledge, externals),
  };
  const ledger = new GroupCommitUsageLedger(storage.usage, {
    windowMs: parts.ledgerWindowMs ?? LEDGER_WINDOW_MS,
  });
  const usage = observableUsageLedger(ledger);
  const audit = createAuditTrail(storage.audit);
  const governance = createGovernance(config, {
    counters: parts.counters.store,
    storeName: parts.counters.name,
    audit,
    usage: storage.usage,
  });
  // Every usage row counts against token limits and budgets, in the request it was written for.
  usage.subscribe((entry) => void governance.recordUsage(entry));
  // Every tool call that ends is in the audit trail (never its input or output, which may be private).
  const onToolCall: ToolCallListener = (event) => {
    void audit.record({
      tenantId: event.tenantId,
      actor: event.userId,
      action: 'tool.call',
      target: event.call.toolName,
      details: {
        assistant: event.assistant,
        conversationId: event.conversationId,
        toolCallId: event.call.toolCallId,
        outcome: event.call.state,
        ...(event.call.durationMs === undefined ? {} : { durationMs: event.call.durationMs }),
        ...(event.call.error ? { error: event.call.error } : {}),
      },
    });
    parts.onToolCall?.(event);
  };
  const retriever = new Retriever({
    index: storage.index,
    embedders: layer.embedders,
    ...(storage.keywordSearch ? {} : { keywordSearch: false }),
    ...(externals.length > 0 ? { externalSearch: externalSearch(externals) } : {}),
    ...(config.retrieval.expansion.model
      ? {
          expandQuery: await createExpansion(
            config,
            layer.models,
            parts.cache.cache,
            usage.ledger,
            pricing,
            generateId,
          ),
        }
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
    parser: parts.parser.parser,
    blobs: parts.blobs.store,
    embedders: layer.embedders,
    defaultEmbeddingModel: config.models.embedding,
    generateId,
  });
  const catalog = await createAssistants(config, {
    models: layer.models,
    knowledge,
    retriever,
    env: parts.env,
    defaultModel: layer.provider.model,
    counters: parts.counters.store,
    onToolCall,
  });
  const assistants = catalog ? guardrails.assistants(catalog) : null;
  const chat = new ChatService({
    conversations: storage.conversations,
    knowledge,
    retriever,
    models,
    ...(assistants ? { assistants } : {}),
    externalAnswerers: externalAnswerers(externals),
    usage: usage.ledger,
    pricing,
    generateId,
    defaultK: config.retrieval.k,
    reportError: (error, context) =>
      log({ level: 'error', message: 'chat turn failed', ...context, error: describeError(error) }),
  });
  await interruptDeadTurns(chat, config, log);
  return {
    knowledge,
    knowledgeStore: storage.knowledge,
    index: storage.index,
    retriever,
    chat,
    conversations: storage.conversations,
    usage: usage.ledger,
    provider: layer.provider,
    version: VERSION,
    apiKeys: storage.apiKeys,
    audit,
    governance,
    assistants,
    models,
    chatForwarder: guardrails.forwarder(layer.forwarder),
    embedders: layer.embedders,
    pricing,
    onUsage: usage.subscribe,
    circuitStates: layer.circuitStates,
    cacheStats: layer.cacheStats,
    health: async (): Promise<HealthReport[]> => {
      const timeoutMs = config.server.readinessTimeoutMs;
      const checks = [
        ...storage.health,
        ...(parts.blobs.health ? [{ name: 's3', check: parts.blobs.health }] : []),
        ...(parts.cache.health ? [{ name: 'redis', check: parts.cache.health }] : []),
      ];
      return Promise.all(checks.map(({ name, check }) => boundedHealthCheck(name, check, timeoutMs)));
    },
    close: async () => {
      await ledger.flush();
      await storage.close();
      await parts.blobs.close();
      await parts.cache.close();
      await parts.parser.close();
      await parts.counters.close();
      await catalog?.close?.();
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
async function interruptDeadTurns(
  chat: ChatService,
  config: GodwitConfig,
  log: (line: LogLine) => void,
): Promise<void> {
  const embedded =
    config.storage.conversations !== 'dynamodb' && !config.database.url && !config.database.dataApi;
  const startedBefore = new Date(Date.now() - (embedded ? 0 : SHARED_STORE_DEAD_TURN_MS));
  try {
    await chat.interruptPendingTurns(startedBefore);
  } catch (error) {
    log({ level: 'warn', message: 'could not mark interrupted chat turns', error: describeError(error) });
  }
}

/**
 * Assistants and their tool sources (assistants, tools): loaded only when some are configured (null when
 * none are). Tool documents are read and secrets resolved here, so a bad one stops startup with the key
 * that names it.
 */
async function createAssistants(
  config: GodwitConfig,
  parts: {
    models: ModelResolver;
    knowledge: KnowledgeService;
    retriever: Retriever;
    env: Record<string, string | undefined>;
    defaultModel: string;
    counters: CounterStore;
    onToolCall?: ToolCallListener;
  },
): Promise<AssistantCatalog | null> {
  if (Object.keys(config.assistants).length === 0) return null;
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
    urlGuard: createConfiguredUrlGuard(config),
    databaseUrl: config.database.url,
    counters: parts.counters,
    ...(parts.onToolCall ? { onToolCall: parts.onToolCall } : {}),
    ...(Object.values(config.assistants).some((assistant) => assistant.bedrockAgent)
      ? { bedrockAgent: await bedrockAgentFactory(parts.env) }
      : {}),
  });
}

/** Bedrock Agents answer for assistants with `bedrockAgent`; their AWS SDK client loads only then. */
async function bedrockAgentFactory(
  env: Record<string, string | undefined>,
): Promise<import('../tools/managed-agent-assistants.ts').BedrockAgentFactory> {
  const { createBedrockAgent } = await import('../providers/bedrock/bedrock-agent.ts');
  return (settings) =>
    createBedrockAgent({
      agentId: settings.agentId,
      aliasId: settings.aliasId,
      region: settings.region,
      endpoint: settings.endpoint,
      key: settings.key,
      env,
    });
}

/** Bedrock Knowledge Bases named in config (knowledgeBases.<name>.bedrock); their AWS SDK client loads only then. */
async function openBedrockKnowledgeBases(
  config: GodwitConfig,
  env: Record<string, string | undefined>,
): Promise<ExternalKnowledgeBase[]> {
  const entries = Object.entries(config.knowledgeBases);
  if (entries.length === 0) return [];
  const { createBedrockKnowledgeBase } = await import('../providers/bedrock/bedrock-knowledge-base.ts');
  return entries.map(([name, settings]) =>
    createBedrockKnowledgeBase({
      name,
      description: settings.description,
      knowledgeBaseId: settings.bedrock.knowledgeBaseId,
      region: settings.bedrock.region,
      endpoint: settings.bedrock.endpoint,
      filter: settings.bedrock.filter,
      mode: settings.bedrock.mode,
      modelArn: settings.bedrock.modelArn,
      env,
    }),
  );
}

/** Query expansion (retrieval.expansion.model): paraphrases widen keyword recall; each call is metered. */
async function createExpansion(
  config: GodwitConfig,
  models: ModelResolver,
  cache: Cache,
  usage: UsageLedger,
  pricing: Pricing,
  generateId: () => string,
): Promise<NonNullable<RetrieverOptions['expandQuery']>> {
  const modelName = config.retrieval.expansion.model!;
  const { createQueryExpander } = await import('../providers/routing/index.ts');
  const expander = createQueryExpander({
    model: models.languageModel(modelName),
    modelName,
    cache,
    maxVariants: config.retrieval.expansion.maxVariants,
  });
  return async (query, { tenantId, caller, abortSignal }) => {
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
        apiKeyId: caller?.apiKeyId ?? null,
        userId: caller?.userId ?? null,
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
