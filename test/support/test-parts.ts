/**
 * Parts for `assembleServices` built from stores a test opened itself (in memory, PGlite): the blob store in
 * a temporary directory, an in-process parser with the configured limits, an in-memory cache. Handing them
 * to `assembleServices` gives a test the production wiring over test-sized adapters.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ComposedStorage,
  configSchema,
  type GodwitParts,
  type LogLine,
  type ModelLayer,
} from '../../src/config/index.ts';
import type { Pricing } from '../../src/core/models.ts';
import type {
  ApiKeyStore,
  AuditLog,
  ConversationStore,
  CounterStore,
  HealthReport,
  KnowledgeStore,
  UsageLedger,
  VectorIndex,
} from '../../src/core/ports.ts';
import { createParserPool } from '../../src/ingest/index.ts';
import { FileBlobStore } from '../../src/storage/fs/index.ts';
import { MemoryCache } from '../../src/storage/memory/index.ts';

/** What `createMemoryStorage()` and `openPostgresStorage()` both return. */
export interface OpenedStores {
  knowledge: KnowledgeStore;
  index: VectorIndex;
  conversations: ConversationStore;
  usage: UsageLedger;
  audit: AuditLog;
  counters: CounterStore;
  apiKeys: ApiKeyStore;
  health(): Promise<HealthReport>;
  close(): Promise<void>;
}

export interface TestPartsOptions {
  stores: OpenedStores;
  /** The name `/readyz` reports the stores under (default `database`, as production names PostgreSQL). */
  storesName?: string;
  /** Replaces the stores' conversation store (a wrapper that observes it). */
  conversations?: ConversationStore;
  models: ModelLayer;
  pricing: Pricing;
  /** Configuration as in godwit.config.yaml; defaults for the rest. */
  config?: Record<string, unknown>;
  /** Receives the services' log lines (failed turns). Default: kept in `logs`. */
  log?: (line: LogLine) => void;
}

export function testParts(options: TestPartsOptions): GodwitParts & { logs: LogLine[] } {
  const config = configSchema.parse(options.config ?? {});
  const { stores } = options;
  const storage: ComposedStorage = {
    knowledge: stores.knowledge,
    index: stores.index,
    conversations: options.conversations ?? stores.conversations,
    usage: stores.usage,
    audit: stores.audit,
    counters: stores.counters,
    apiKeys: stores.apiKeys,
    keywordSearch: true,
    health: [{ name: options.storesName ?? 'database', check: () => stores.health() }],
    close: () => stores.close(),
  };
  const blobRoot = mkdtempSync(join(tmpdir(), 'godwit-test-blobs-'));
  const parser = createParserPool({
    workers: 0,
    maxFileBytes: config.ingest.maxFileBytes,
    maxChunkTokens: config.ingest.chunkTokens,
    chunkOverlapTokens: config.ingest.chunkOverlapTokens,
  });
  const logs: LogLine[] = [];
  return {
    config,
    env: {},
    storage,
    blobs: {
      store: new FileBlobStore({ root: blobRoot }),
      close: () => rmSync(blobRoot, { recursive: true, force: true }),
    },
    cache: { cache: new MemoryCache(), close: async () => {} },
    counters: {
      store: stores.counters,
      name: options.storesName === 'database' ? 'database' : 'memory',
      close: async () => {},
    },
    models: options.models,
    parser: { parser, close: () => parser.close() },
    pricing: options.pricing,
    generateId: () => crypto.randomUUID(),
    log: options.log ?? ((line) => logs.push(line)),
    logs,
  };
}
