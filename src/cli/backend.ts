/**
 * The CLI's view of Godwit. Normally it opens the data directory itself; when a `godwit serve` already owns
 * the embedded database, the CLI becomes a client of that server instead (PGlite is single-process).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { acquireDataDirLock, type DataDirLock, readLockOwner } from '../config/data-dir-lock.ts';
import { createGodwit, type GodwitConfig } from '../config/index.ts';
import { loadSampleKnowledgeBase, SAMPLE_KNOWLEDGE_BASE } from '../config/sample-knowledge-base.ts';
import { toolCallViews } from '../core/agent/tool-call-view.ts';
import type { ChatTurn } from '../core/chat/chat-turn.ts';
import { formatLocation } from '../core/chat/prompt.ts';
import type { IngestOutcome } from '../core/knowledge/knowledge-service.ts';
import type { SearchMode } from '../core/retrieval/retriever.ts';
import type { GodwitServices } from '../core/services.ts';
import { DEFAULT_TENANT, DEFAULT_USER } from '../core/types.ts';
import { rollUpUsage } from '../core/usage/roll-up-usage.ts';
import {
  AskFailedError,
  type AskView,
  type AuditEventView,
  type AuditListQuery,
  type CliBackend,
  type KnowledgeBaseSummary,
  parseDay,
  pickDefault,
  summarizeToolCall,
  type UsageReport,
  type UsageReportQuery,
} from './cli-backend.ts';
import type { Output } from './output.ts';
import { RemoteBackend } from './remote-backend.ts';

export interface OpenBackendOptions {
  config: GodwitConfig;
  command: string;
  output: Output;
  /** Offer the sample knowledge base on a new data dir. */
  sample: boolean;
}

export async function openBackend(options: OpenBackendOptions): Promise<CliBackend> {
  const { config } = options;
  if (!config.database.url) {
    const serverUrl = await runningServerUrl(config.dataDir, options.output);
    if (serverUrl) return new RemoteBackend(serverUrl);
  }
  const lock = config.database.url ? null : acquireDataDirLock(config.dataDir, options.command);
  try {
    const services = await createGodwit(config);
    if (options.sample && config.sample) await offerSample(services, config, options.output);
    return new LocalBackend(services, lock);
  } catch (error) {
    lock?.release();
    throw error;
  }
}

/**
 * The URL of a `godwit serve` that owns the data dir. A server still starting up (loading the sample,
 * say) has not published its URL yet: wait for it rather than fail.
 */
async function runningServerUrl(dataDir: string, output: Output, waitMs = 120_000): Promise<string | null> {
  const deadline = Date.now() + waitMs;
  let announced = false;
  for (;;) {
    const owner = readLockOwner(dataDir);
    if (owner?.command !== 'serve') return null;
    if (owner.serverUrl) return owner.serverUrl;
    if (Date.now() > deadline) return null;
    if (!announced) output.info(`Waiting for the Godwit server (pid ${owner.pid}) to finish starting…`);
    announced = true;
    await new Promise((resolveWait) => setTimeout(resolveWait, 250));
  }
}

/**
 * Loads the sample once per data dir: deleting `handbook` later does not bring it back. A load stopped by
 * `signal` (or a crash) is finished at the next start, as long as `handbook` is still the only base.
 * Resolves false when stopped before the end.
 */
export async function offerSample(
  services: GodwitServices,
  config: GodwitConfig,
  output: Output,
  signal?: AbortSignal,
): Promise<boolean> {
  const marker = join(config.dataDir, 'sample-offered');
  if (existsSync(marker)) return true;
  const existing = await services.knowledgeStore.listKnowledgeBases(DEFAULT_TENANT);
  if (existing.every((base) => base.name === SAMPLE_KNOWLEDGE_BASE)) {
    const outcomes = await loadSampleKnowledgeBase(services, signal);
    if (signal?.aborted) return false;
    const loaded = outcomes.filter((outcome) => outcome.status !== 'failed').length;
    output.info(
      `Loaded the sample knowledge base "${SAMPLE_KNOWLEDGE_BASE}" (${loaded} documents from examples/handbook/). Skip it with --no-sample.`,
    );
  }
  writeFileSync(marker, new Date().toISOString());
  return true;
}

/** Whether a new data dir still has the sample to load (so `serve` can say it loads in the background). */
export function sampleOffered(config: GodwitConfig): boolean {
  return existsSync(join(config.dataDir, 'sample-offered'));
}

class LocalBackend implements CliBackend {
  readonly mode = 'local';

  constructor(
    private readonly services: GodwitServices,
    private readonly lock: DataDirLock | null,
  ) {}

  async listKnowledgeBases(): Promise<KnowledgeBaseSummary[]> {
    const bases = await this.services.knowledgeStore.listKnowledgeBases(DEFAULT_TENANT);
    return Promise.all(
      bases.map(async (kb) => ({
        name: kb.name,
        description: kb.description,
        embeddingModel: kb.embeddingModel,
        ...(await this.services.knowledgeStore.knowledgeBaseStats(DEFAULT_TENANT, kb.id)),
      })),
    );
  }

  deleteKnowledgeBase(name: string): Promise<void> {
    return this.services.knowledge.deleteKnowledgeBase(DEFAULT_TENANT, name);
  }

  async usage(query: UsageReportQuery): Promise<UsageReport> {
    const rows = await this.services.usage.summarize(DEFAULT_TENANT, {
      ...(query.from ? { from: parseDay(query.from, '--from') } : {}),
      ...(query.to ? { to: endOfDay(parseDay(query.to, '--to')) } : {}),
      ...(query.user ? { userId: query.user } : {}),
    });
    const report = rollUpUsage(rows, query.groupBy ?? 'key');
    const governance = this.services.governance;
    if (!governance?.hasBudgets) return { rows: report, budgets: [] };
    const keys = (await this.services.apiKeys?.listApiKeys(DEFAULT_TENANT)) ?? [];
    const keyIds = keys.filter((key) => !key.revokedAt).map((key) => key.id);
    const userIds = rows.flatMap((row) => (row.apiKeyId === null && row.userId !== null ? [row.userId] : []));
    const scopes = governance.tenantBudgetScopes(DEFAULT_TENANT, keyIds, userIds);
    return { rows: report, budgets: await governance.budget.status(scopes) };
  }

  async audit(query: AuditListQuery): Promise<AuditEventView[]> {
    if (!this.services.audit) return [];
    const events = await this.services.audit.list(DEFAULT_TENANT, {
      ...(query.limit !== undefined ? { limit: query.limit } : {}),
      ...(query.from ? { from: parseDay(query.from, '--from') } : {}),
      ...(query.to
        ? {
            to: /^\d{4}-\d{2}-\d{2}$/.test(query.to)
              ? endOfDay(parseDay(query.to, '--to'))
              : parseDay(query.to, '--to'),
          }
        : {}),
      ...(query.action ? { action: query.action } : {}),
      ...(query.actor ? { actor: query.actor } : {}),
    });
    return events.map((event) => ({ ...event, createdAt: event.createdAt.toISOString() }));
  }

  async resolveKnowledgeBase(name: string | undefined): Promise<string> {
    if (name) return (await this.services.knowledge.requireKnowledgeBase(DEFAULT_TENANT, name)).name;
    return pickDefault(
      (await this.services.knowledgeStore.listKnowledgeBases(DEFAULT_TENANT)).map((kb) => kb.name),
    );
  }

  async search(input: { knowledgeBase: string; query: string; k: number; mode?: SearchMode }) {
    const knowledgeBase = await this.services.knowledge.requireKnowledgeBase(
      DEFAULT_TENANT,
      input.knowledgeBase,
    );
    const hits = await this.services.retriever.search(DEFAULT_TENANT, { ...input, knowledgeBase });
    return hits.map((hit) => ({
      source: hit.source,
      location: formatLocation(hit.location),
      score: hit.score,
      text: hit.text,
    }));
  }

  async ask(input: {
    knowledgeBase: string | null;
    question: string;
    model?: string;
    assistant?: string;
    conversationId?: string;
  }) {
    const turn = await this.services.chat.start({
      tenantId: DEFAULT_TENANT,
      userId: DEFAULT_USER,
      message: input.question,
      knowledgeBase: input.knowledgeBase,
      ...(input.model ? { model: input.model } : {}),
      ...(input.assistant ? { assistant: input.assistant } : {}),
      ...(input.conversationId ? { conversationId: input.conversationId } : {}),
    });
    return this.answerOf(turn);
  }

  async decide(
    conversationId: string,
    decisions: Array<{ approvalId: string; approved: boolean; reason?: string }>,
  ) {
    const turn = await this.services.chat.resume({
      tenantId: DEFAULT_TENANT,
      userId: DEFAULT_USER,
      conversationId,
      decisions,
    });
    return this.answerOf(turn);
  }

  private async answerOf(turn: ChatTurn): Promise<AskView> {
    const outcome = await turn.outcome();
    if (outcome.type === 'error') throw new AskFailedError(outcome.code, outcome.message);
    const message = outcome.message;
    return {
      answer: message.content,
      citations: message.citations.map((citation) => ({
        index: citation.index,
        source: citation.source,
        location: formatLocation(citation.location),
        text: citation.text,
      })),
      model: message.model ?? '',
      usage: message.usage,
      conversationId: turn.conversationId,
      status: message.status,
      toolCalls: toolCallViews(message.parts).map(summarizeToolCall),
      degraded: message.degraded?.reason ?? null,
    };
  }

  ingest(knowledgeBase: string, file: { source: string; bytes: Uint8Array; mimeType?: string }) {
    return this.services.knowledge
      .ensureKnowledgeBase(DEFAULT_TENANT, knowledgeBase)
      .then((kb) => this.services.knowledge.ingest(DEFAULT_TENANT, kb, file));
  }

  async ingestMany(
    knowledgeBase: string,
    files: AsyncIterable<{ source: string; bytes: Uint8Array; mimeType?: string }>,
    onOutcome: (outcome: IngestOutcome) => void,
  ) {
    const kb = await this.services.knowledge.ensureKnowledgeBase(DEFAULT_TENANT, knowledgeBase);
    return this.services.knowledge.ingestMany(DEFAULT_TENANT, kb, files, { onOutcome });
  }

  async close() {
    try {
      await this.services.close();
    } finally {
      this.lock?.release();
    }
  }
}

function endOfDay(date: Date): Date {
  return new Date(date.getTime() + 86_400_000 - 1);
}
