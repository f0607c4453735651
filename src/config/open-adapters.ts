/**
 * The first half of the composition root: opens every adapter the configuration names (stores, blob store,
 * cache, model layer, parser pool) and hands them over as `GodwitParts`. The second half,
 * `assembleServices`, builds the services from those parts. Vendor adapters are imported lazily, so a
 * process loads only the backends its configuration names.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { ToolCallListener } from '../core/agent/tool-call-event.ts';
import { ConfigError } from '../core/errors.ts';
import type { Embedder, Pricing } from '../core/models.ts';
import type { BlobStore, Cache, CounterStore, DocumentParser, HealthReport } from '../core/ports.ts';
import { createPricing } from '../providers/pricing.ts';
import type { SharedRedisConnection } from '../storage/redis/shared-redis-connection.ts';
import { type CounterStoreName, openCounterStore } from './create-governance.ts';
import { createModels, type ModelLayer } from './create-models.ts';
import { type ComposedStorage, openComposedStorage } from './open-storage.ts';
import type { GodwitConfig } from './schema.ts';

type Environment = Record<string, string | undefined>;

/** An opened dependency beside its readiness check (none when it has nothing to reach) and its release. */
export interface OpenedBlobStore {
  store: BlobStore;
  health?: () => Promise<HealthReport>;
  close(): void | Promise<void>;
}

export interface OpenedCache {
  cache: Cache;
  health?: () => Promise<HealthReport>;
  close(): Promise<void>;
}

/** Where rate-limit and budget counters are kept (`limits.store`). */
export interface OpenedCounters {
  store: CounterStore;
  name: CounterStoreName;
  close(): Promise<void>;
}

export interface OpenedParser {
  parser: DocumentParser;
  close(): Promise<void>;
}

/** One structured log line (`level`, `message`, and whatever names the case). */
export type LogLine = { level: 'error' | 'warn' | 'info'; message: string } & Record<string, unknown>;

/** Everything `assembleServices` builds the services from. Production gets them from `openAdapters`. */
export interface GodwitParts {
  /** The validated configuration (retrieval, assistants, tools, readiness timeout, …). */
  config: GodwitConfig;
  /** Environment the assistants' tool sources resolve secrets from. */
  env: Environment;
  storage: ComposedStorage;
  blobs: OpenedBlobStore;
  cache: OpenedCache;
  counters: OpenedCounters;
  models: ModelLayer;
  parser: OpenedParser;
  /** Prices a model call (the price table). */
  pricing: Pricing;
  generateId: () => string;
  /** Where failed chat turns and start-up warnings are reported. */
  log: (line: LogLine) => void;
  /**
   * Told once per assistant tool call when it ends (complete, failed or denied), with tenant, user,
   * conversation, tool, input, outcome and approval: the hook an audit log or metrics use.
   */
  onToolCall?: ToolCallListener;
  /** See `OpenAdaptersOptions.ledgerWindowMs`. */
  ledgerWindowMs?: number;
}

export interface OpenAdaptersOptions {
  /** Extra embedders by model name (tests, custom providers). */
  embedders?: Map<string, Embedder>;
  /** Environment the provider adapters read (AWS_*, OPENAI_*, …). Default: process.env. */
  env?: Environment;
  generateId?: () => string;
  /** See `GodwitParts.onToolCall`. */
  onToolCall?: ToolCallListener;
  /**
   * Under load, how long the usage ledger lets rows gather before a write, in milliseconds (default 20):
   * many model calls then share one write. A process that serves one request at a time and waits for that
   * request's row (a Lambda function) passes 0, since no row there can share a write and the window would
   * only delay the answer.
   */
  ledgerWindowMs?: number;
}

/** Writes one JSON line on stderr: the production log of the composition root. */
export function logToStderr(line: LogLine): void {
  process.stderr.write(`${JSON.stringify(line)}\n`);
}

/**
 * Opens the adapters `config` names. When one fails to open, those already open are closed again.
 *
 * @example
 *   const services = await assembleServices(await openAdapters(config, { env: process.env }));
 */
export async function openAdapters(
  config: GodwitConfig,
  options: OpenAdaptersOptions = {},
): Promise<GodwitParts> {
  const env = options.env ?? process.env;
  const opened: Array<() => unknown> = [];
  try {
    // One Redis connection per process, leased by the cache and the counters (each lets go on close).
    const redis = await openSharedRedis(config);
    if (redis) opened.push(() => redis.close());
    const cache = await openCache(config, redis);
    opened.push(() => cache.close());
    const models = await createModels(config, env, options.embedders, cache.cache);
    const storage = await openComposedStorage(config, env);
    opened.push(() => storage.close());
    const counters = await openCounterStore(config, storage.counters, redis);
    opened.push(() => counters.close());
    const blobs = await openBlobStore(config, storage);
    opened.push(() => blobs.close());
    const parser = await openParserPool(config);
    return {
      config,
      env,
      storage,
      blobs,
      cache,
      counters,
      models,
      parser,
      pricing: createPricing(),
      generateId: options.generateId ?? randomUUID,
      log: logToStderr,
      ...(options.onToolCall ? { onToolCall: options.onToolCall } : {}),
      ...(options.ledgerWindowMs === undefined ? {} : { ledgerWindowMs: options.ledgerWindowMs }),
    };
  } catch (error) {
    for (const close of opened.reverse()) await Promise.resolve(close()).catch(() => {});
    throw error;
  }
}

/** Parsing and chunking run on worker threads, off the event loop that serves requests. */
async function openParserPool(config: GodwitConfig): Promise<OpenedParser> {
  const { createParserPool } = await import('../ingest/index.ts');
  const pool = createParserPool({
    maxFileBytes: config.ingest.maxFileBytes,
    maxChunkTokens: config.ingest.chunkTokens,
    chunkOverlapTokens: config.ingest.chunkOverlapTokens,
  });
  return { parser: pool, close: () => pool.close() };
}

/** The process's Redis connection when redis.url is set; it connects on first use. */
async function openSharedRedis(config: GodwitConfig): Promise<SharedRedisConnection | undefined> {
  if (!config.redis.url) return undefined;
  const { SharedRedisConnection } = await import('../storage/redis/index.ts');
  // The name tells this process's connection apart in Redis's CLIENT LIST.
  return new SharedRedisConnection({ url: config.redis.url, clientName: `godwit-${process.pid}` });
}

/** The shared cache: Redis when configured (cache.backend, or redis.url), else in process memory. */
async function openCache(
  config: GodwitConfig,
  redis: SharedRedisConnection | undefined,
): Promise<OpenedCache> {
  const backend = config.cache.backend ?? (config.redis.url ? 'redis' : 'memory');
  if (backend === 'memory') {
    const { MemoryCache } = await import('../storage/memory/index.ts');
    return { cache: new MemoryCache(), close: async () => {} };
  }
  if (!redis) {
    throw new ConfigError(
      'cache.backend is "redis" but redis.url is not set: set GODWIT_REDIS_URL=redis://host:6379.',
    );
  }
  const { RedisCache } = await import('../storage/redis/index.ts');
  const cache = new RedisCache({ connection: redis.connection, keyPrefix: 'godwit:cache:' });
  return { cache, health: () => cache.health(), close: redis.lease() };
}

/** Original documents: files under dataDir (default) or an S3 bucket (storage.blobs = s3). */
async function openBlobStore(
  config: GodwitConfig,
  { smallBlobs, unnamedBlobKeys }: Pick<ComposedStorage, 'smallBlobs' | 'unnamedBlobKeys'>,
): Promise<OpenedBlobStore> {
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
  const files = new FileBlobStore({
    root: join(config.dataDir, 'blobs'),
    // Only this process opens an embedded data dir: what a killed ingest left is collected.
    ...(unnamedBlobKeys ? { unnamedKeys: unnamedBlobKeys } : {}),
  });
  if (!smallBlobs) return { store: files, close: () => {} };
  // The embedded database: small originals as its rows, larger ones as files.
  const { TieredBlobStore } = await import('../storage/tiered-blob-store.ts');
  // A process that only keeps small originals collects the files a killed ingest left too.
  const store = new TieredBlobStore({
    small: smallBlobs,
    large: files,
    beforeFirstPut: () => files.collectUnnamed(),
  });
  return { store, close: () => {} };
}
