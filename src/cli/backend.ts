/**
 * The CLI's view of Godwit. Normally it opens the data directory itself; when a `godwit serve` already owns
 * the embedded database, the CLI becomes a client of that server instead (PGlite is single-process).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { acquireDataDirLock, type DataDirLock, readLockOwner } from '../config/data-dir-lock.ts';
import { createGodwit, type GodwitConfig } from '../config/index.ts';
import { loadSampleKnowledgeBase, SAMPLE_KNOWLEDGE_BASE } from '../config/sample-knowledge-base.ts';
import { formatLocation } from '../core/chat/prompt.ts';
import { ValidationError } from '../core/errors.ts';
import type { IngestOutcome } from '../core/knowledge/knowledge-service.ts';
import type { SearchMode } from '../core/retrieval/retriever.ts';
import type { GodwitServices } from '../core/services.ts';
import {
  type ChunkLocation,
  DEFAULT_TENANT,
  DEFAULT_USER,
  type Usage,
  type UsageSummaryRow,
} from '../core/types.ts';
import type { Output } from './output.ts';
import { RemoteBackend } from './remote-backend.ts';

export interface SearchResultView {
  source: string;
  location: string;
  score: number;
  text: string;
}

export interface AskView {
  answer: string;
  citations: Array<{ index: number; source: string; location: string; text: string }>;
  model: string;
  usage: Usage | null;
  conversationId: string;
  status: string;
}

export interface KnowledgeBaseSummary {
  name: string;
  description: string;
  embeddingModel: string | null;
  documents: number;
  chunks: number;
  failed: number;
}

export interface CliBackend {
  readonly mode: 'local' | 'remote';
  listKnowledgeBases(): Promise<KnowledgeBaseSummary[]>;
  deleteKnowledgeBase(name: string): Promise<void>;
  usage(query: { from?: string; to?: string }): Promise<UsageSummaryRow[]>;
  resolveKnowledgeBase(name: string | undefined): Promise<string>;
  search(input: {
    knowledgeBase: string;
    query: string;
    k: number;
    mode?: SearchMode;
  }): Promise<SearchResultView[]>;
  ask(input: {
    knowledgeBase: string | null;
    question: string;
    model?: string;
    conversationId?: string;
  }): Promise<AskView>;
  ingest(
    knowledgeBase: string,
    file: { source: string; bytes: Uint8Array; mimeType?: string },
  ): Promise<IngestOutcome>;
  close(): Promise<void>;
}

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

export function locationText(location: ChunkLocation | string): string {
  return typeof location === 'string' ? location : formatLocation(location);
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

  usage(query: { from?: string; to?: string }): Promise<UsageSummaryRow[]> {
    return this.services.usage.summarize(DEFAULT_TENANT, {
      ...(query.from ? { from: parseDay(query.from, '--from') } : {}),
      ...(query.to ? { to: endOfDay(parseDay(query.to, '--to')) } : {}),
    });
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
    conversationId?: string;
  }) {
    const turn = await this.services.chat.start({
      tenantId: DEFAULT_TENANT,
      userId: DEFAULT_USER,
      message: input.question,
      knowledgeBase: input.knowledgeBase,
      ...(input.model ? { model: input.model } : {}),
      ...(input.conversationId ? { conversationId: input.conversationId } : {}),
    });
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
    };
  }

  ingest(knowledgeBase: string, file: { source: string; bytes: Uint8Array; mimeType?: string }) {
    return this.services.knowledge
      .ensureKnowledgeBase(DEFAULT_TENANT, knowledgeBase)
      .then((kb) => this.services.knowledge.ingest(DEFAULT_TENANT, kb, file));
  }

  async close() {
    try {
      await this.services.close();
    } finally {
      this.lock?.release();
    }
  }
}

export class AskFailedError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Parses YYYY-MM-DD (UTC) or a full ISO timestamp. */
export function parseDay(value: string, flag: string): Date {
  const date = new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(date.getTime()))
    throw new ValidationError(`${flag} must be a date like 2026-11-01; got "${value}".`);
  return date;
}

function endOfDay(date: Date): Date {
  return new Date(date.getTime() + 86_400_000 - 1);
}

/** With no --kb: the only knowledge base, else the sample one, else ask the user to choose. */
export function pickDefault(names: string[]): string {
  if (names.length === 1) return names[0]!;
  if (names.includes(SAMPLE_KNOWLEDGE_BASE)) return SAMPLE_KNOWLEDGE_BASE;
  if (names.length === 0) {
    throw new ValidationError(
      'There are no knowledge bases yet. Ingest documents first: godwit ingest ./docs --kb NAME',
    );
  }
  throw new ValidationError(
    `Several knowledge bases exist (${names.join(', ')}): choose one with --kb NAME.`,
  );
}
