/**
 * `godwit migrate <source> <target>`, and `export` / `import`, which are migrations to and from a dump.
 * Progress goes to stderr; the report goes to stdout (Markdown, or one JSON document with --json) and to
 * files beside the checkpoint.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createModels } from '../../config/create-models.ts';
import { acquireDataDirLock, type DataDirLock } from '../../config/data-dir-lock.ts';
import { createGodwit, type GodwitConfig } from '../../config/index.ts';
import { ConfigError, ConflictError, ValidationError } from '../../core/errors.ts';
import type { Embedder } from '../../core/models.ts';
import type { GodwitServices } from '../../core/services.ts';
import {
  buildReport,
  type EndpointContext,
  type GodwitStorage,
  type Location,
  type MigrationProgress,
  type MigrationReport,
  openSink,
  openSource,
  parseLocation,
  planMigration,
  readConversationMap,
  renderMarkdown,
  runMigration,
  verifyMigration,
} from '../../migrate/index.ts';
import { createPricing } from '../../providers/pricing.ts';
import { type GlobalOptions, readConfig } from '../context.ts';
import type { Output } from '../output.ts';

export interface MigrateCommandOptions extends GlobalOptions {
  reembed?: string;
  resume?: boolean;
  verify?: boolean;
  dryRun?: boolean;
  map?: string;
  template?: string;
  idColumn?: string;
  sourcePrefix?: string;
  embeddingModel?: string;
  batchSize?: string;
  concurrency?: string;
  report?: string;
  golden?: string;
  tenant?: string;
  json?: boolean;
  /** Environment for provider credentials (entry points pass process.env). */
  env?: Record<string, string | undefined>;
  /** Test hook: called after each checkpoint with the records done. */
  onCheckpoint?: (done: number) => void;
}

/** Exit 0 when the migration (and verification, if asked) succeeded, 1 when verification found differences. */
export async function migrateCommand(
  sourceText: string,
  targetText: string,
  options: MigrateCommandOptions,
  output: Output,
): Promise<number> {
  const sourceLocation = parseLocation(sourceText);
  const targetLocation = parseLocation(targetText);
  if (JSON.stringify(sourceLocation) === JSON.stringify(targetLocation)) {
    throw new ValidationError(
      `The source and the target are the same (${sourceText}): name a different target.`,
    );
  }
  const batchSize = positiveInteger(options.batchSize, '--batch-size', 500);
  const concurrency = positiveInteger(options.concurrency, '--concurrency', 4);
  const map = options.map ? readConversationMap(options.map) : undefined;
  const config = readConfig(options);
  const resources = new Resources(config, options.reembed, options.env ?? {});
  try {
    const context: EndpointContext = {
      godwit: () => resources.godwit(),
      postgresConversations: async (url) => {
        const { openPostgresStorage, redactDatabaseUrl } = await import('../../storage/postgres/index.ts');
        const schema = url.searchParams.get('schema') ?? undefined;
        const connection = new URL(url.href);
        connection.searchParams.delete('schema');
        const storage = await openPostgresStorage({ url: connection.href, ...(schema ? { schema } : {}) });
        return {
          store: storage.conversations,
          location: redactDatabaseUrl(connection.href),
          close: () => storage.close(),
        };
      },
      dynamoDbConversations: (table, url) => openDynamoDbConversations(table, url),
      openSearch: async (url) => ({
        ...(await resources.godwit(openSearchOverrides(url))),
        location: `OpenSearch ${url.host} (catalogue in PostgreSQL)`,
      }),
      chroma: async (location) => ({
        ...(await resources.godwit(chromaOverrides(location))),
        location: `Chroma ${new URL(location.baseUrl).host} (catalogue in ${config.database.url ? 'PostgreSQL' : `godwit data dir ${config.dataDir}`})`,
      }),
      tenantId: map?.tenant ?? options.tenant,
      ...(map ? { map } : {}),
      ...(options.template ? { template: readTemplate(options.template) } : {}),
      ...(options.idColumn ? { idColumn: options.idColumn } : {}),
      ...(options.sourcePrefix ? { sourcePrefix: options.sourcePrefix } : {}),
      ...(options.embeddingModel ? { embeddingModel: options.embeddingModel } : {}),
      parser: await folderParser(config, sourceLocation),
    };
    const source = resources.track(await openSource(sourceLocation, context));
    const kind = (await source.describe()).kind;
    const sink = await openSink(targetLocation, kind, context);
    resources.onClose(async () => {
      await sink.close();
      await sink.release?.();
    });
    const embedder = options.reembed ? await resources.embedder(options.reembed) : undefined;
    const plan = await planMigration(source, sink, {
      ...(embedder ? { reembedModel: embedder } : {}),
      pricing: createPricing(),
      estimateTexts: options.dryRun === true && embedder !== undefined,
    });
    if (options.dryRun) {
      // --dry-run --verify compares what the target holds now, writing nothing.
      const verification = options.verify
        ? await verifyMigration({
            source,
            target: resources.track(sink.reader()),
            vectors: plan.vectors,
            batchSize,
          })
        : null;
      const report = buildReport({ plan, result: null, verification, dryRun: true });
      emit(report, options, output);
      return report.ok ? 0 : 1;
    }
    const progress = createRateProgress(output, options.json === true);
    const result = await runMigration(plan, {
      source,
      sink,
      checkpointPath: checkpointPath(config, sourceLocation, targetLocation, sourceText, targetText),
      resume: options.resume === true,
      batchSize,
      ...(embedder ? { reembed: { embedder, concurrency } } : {}),
      onProgress: progress.update,
      ...(options.onCheckpoint ? { onCheckpoint: options.onCheckpoint } : {}),
    });
    progress.stop(result.written);
    const verification = options.verify
      ? await verifyMigration({
          source,
          target: resources.track(sink.reader()),
          vectors: plan.vectors,
          batchSize,
          ...(options.golden && embedder
            ? { golden: { queries: readGolden(options.golden), embedder } }
            : {}),
        })
      : null;
    const report = buildReport({ plan, result, verification, dryRun: false });
    writeReportFiles(report, reportPrefix(options.report, config, targetLocation));
    emit(report, options, output);
    return report.ok ? 0 : 1;
  } finally {
    await resources.close();
  }
}

/**
 * `opensearch://HOST/KB?service=aoss|es&region=R&indexPrefix=P`: Godwit's own storage with its vector
 * store on that endpoint (HTTPS; `opensearch+http://` for plain HTTP). The catalogue stays in PostgreSQL,
 * as with `storage.vectors: opensearch`, so GODWIT_DATABASE_URL must be set.
 */
function openSearchOverrides(url: URL): Partial<GodwitConfig['storage']> {
  const service = url.searchParams.get('service') ?? 'aoss';
  if (service !== 'aoss' && service !== 'es') {
    throw new ValidationError(
      `opensearch:// ?service= must be aoss (Serverless) or es (managed domain), not "${service}".`,
    );
  }
  const indexPrefix = url.searchParams.get('indexPrefix');
  return {
    vectors: 'opensearch',
    opensearch: {
      endpoint: `${url.protocol === 'opensearch+http:' ? 'http' : 'https'}://${url.host}`,
      region: url.searchParams.get('region'),
      service,
      indexPrefix: indexPrefix ?? 'godwit-chunks',
    },
  };
}

/**
 * `chroma://HOST:PORT/KB?tenant=T&database=D&collectionPrefix=P`: Godwit's own storage with its vector
 * store on that Chroma server (`chromas://` for HTTPS), as with `storage.vectors: chroma`. The catalogue
 * stays in the configured relational database (PGlite in the data dir, or PostgreSQL).
 */
function chromaOverrides(location: Extract<Location, { type: 'chroma' }>): Partial<GodwitConfig['storage']> {
  const collectionPrefix = location.collectionPrefix ?? 'godwit';
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_-]{0,62}$/.test(collectionPrefix)) {
    throw new ValidationError(
      `chroma:// ?collectionPrefix= "${collectionPrefix}" is not usable in a collection name; use up to 63 letters, digits, "-" and "_".`,
    );
  }
  return {
    vectors: 'chroma',
    chroma: {
      url: location.baseUrl,
      tenant: location.tenant ?? null,
      database: location.database ?? null,
      collectionPrefix,
      token: null,
      tokenHeader: 'Authorization',
      headers: {},
    },
  };
}

/**
 * `dynamodb://PREFIXdata?region=R&endpoint=URL&create=true`: Godwit's DynamoDB conversation store on that
 * table (Godwit's table is named `<tablePrefix>data`; `create=true` creates it when missing).
 */
async function openDynamoDbConversations(table: string, url: URL) {
  if (!table.endsWith('data')) {
    throw new ValidationError(
      `dynamodb://${table}: Godwit's DynamoDB table is named <prefix>data (default godwit-data). Name that table, e.g. dynamodb://godwit-data.`,
    );
  }
  const { openDynamoDbStorage } = await import('../../storage/dynamodb/index.ts');
  const region = url.searchParams.get('region');
  const endpoint = url.searchParams.get('endpoint');
  const storage = await openDynamoDbStorage({
    tablePrefix: table.slice(0, -'data'.length),
    ...(region ? { region } : {}),
    ...(endpoint ? { endpoint } : {}),
    createTables: url.searchParams.get('create') === 'true',
  });
  return {
    store: storage.conversations,
    location: `dynamodb://${table}${endpoint ? ` at ${endpoint}` : ''}`,
    close: () => storage.close(),
  };
}

/** Opened lazily and closed in reverse order: Godwit storage (with its data-dir lock), sources, sinks. */
class Resources {
  private services: GodwitServices | undefined;
  private lock: DataDirLock | null = null;
  private closers: Array<() => Promise<void>> = [];

  constructor(
    private readonly config: GodwitConfig,
    private readonly reembedModel: string | undefined,
    private readonly env: Record<string, string | undefined>,
  ) {}

  private withEmbedding(): GodwitConfig {
    return this.reembedModel
      ? { ...this.config, models: { ...this.config.models, embedding: this.reembedModel } }
      : this.config;
  }

  /** Godwit's storage as configured, or with `overrides` (an opensearch:// or chroma:// target's vector store). */
  async godwit(overrides?: Partial<GodwitConfig['storage']>): Promise<GodwitStorage> {
    if (this.services && overrides) {
      throw new ValidationError(
        `An ${overrides.vectors}:// target cannot be combined with a godwit:// source: migrate through a dump.`,
      );
    }
    if (overrides?.vectors === 'opensearch' && !this.config.database.url) {
      throw new ConfigError(
        'An opensearch:// target keeps the knowledge catalogue in PostgreSQL, as storage.vectors: opensearch does: set GODWIT_DATABASE_URL (or database.url).',
      );
    }
    if (!this.services) {
      if (!this.config.database.url) {
        try {
          this.lock = acquireDataDirLock(this.config.dataDir, 'migrate');
        } catch (error) {
          if (error instanceof ConflictError) {
            throw new ConflictError(
              `${error.message} The embedded database serves one process at a time: stop \`godwit serve\` while migrating, or point GODWIT_DATABASE_URL at a PostgreSQL server both can share.`,
            );
          }
          throw error;
        }
      }
      const config = this.withEmbedding();
      this.services = await createGodwit(
        overrides ? { ...config, storage: { ...config.storage, ...overrides } } : config,
        { env: this.env },
      );
    }
    const where = this.config.database.url
      ? 'PostgreSQL (GODWIT_DATABASE_URL)'
      : `godwit data dir ${this.config.dataDir}`;
    return {
      knowledge: this.services.knowledgeStore,
      index: this.services.index,
      conversations: this.services.conversations,
      location: where,
    };
  }

  async embedder(model: string): Promise<Embedder> {
    const embedders =
      this.services?.embedders ?? (await createModels(this.withEmbedding(), this.env)).embedders;
    const embedder = embedders.get(model);
    if (!embedder) {
      throw new ConfigError(
        `Cannot re-embed with "${model}": no such embedding model is configured. Use provider:model-id (e.g. bedrock:amazon.titan-embed-text-v2:0, openai:text-embedding-3-small, local:lexical) with that provider's credentials set.`,
      );
    }
    return embedder;
  }

  track<T extends { close(): Promise<void> }>(resource: T): T {
    this.closers.push(() => resource.close());
    return resource;
  }

  onClose(close: () => Promise<void>): void {
    this.closers.push(close);
  }

  async close(): Promise<void> {
    for (const close of this.closers.reverse()) await close().catch(() => {});
    await this.services?.close();
    this.lock?.release();
  }
}

/** The document parser, loaded only for a folder-of-files source, with the configured chunking. */
async function folderParser(config: GodwitConfig, source: Location) {
  if (source.type !== 'dir' && source.type !== 's3') return undefined;
  const { createDocumentParser } = await import('../../ingest/index.ts');
  return createDocumentParser({
    maxFileBytes: config.ingest.maxFileBytes,
    maxChunkTokens: config.ingest.chunkTokens,
    chunkOverlapTokens: config.ingest.chunkOverlapTokens,
  });
}

function positiveInteger(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1)
    throw new ValidationError(`${flag} must be a positive integer, not "${value}".`);
  return number;
}

/** `--template @file.txt` reads the template from a file. */
function readTemplate(value: string): string {
  return value.startsWith('@') ? readFileSync(value.slice(1), 'utf8') : value;
}

/** A golden set: JSON Lines of `{"query": "…", "relevant": ["record id", …]}`. */
function readGolden(path: string): Array<{ query: string; relevant: string[] }> {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, index) => {
      const value = JSON.parse(line) as { query?: unknown; relevant?: unknown };
      if (typeof value.query !== 'string' || !Array.isArray(value.relevant)) {
        throw new ValidationError(
          `${path} line ${index + 1}: expected {"query": "…", "relevant": ["id", …]}.`,
        );
      }
      return { query: value.query, relevant: value.relevant.map(String) };
    });
}

/** A dump's checkpoint lives in the dump folder; any other target's in <data dir>/migrations/. */
function checkpointPath(
  config: GodwitConfig,
  source: Location,
  target: Location,
  sourceText: string,
  targetText: string,
): string {
  if (target.type === 'dir') return join(target.path, '.godwit-checkpoint.json');
  const id = createHash('sha256')
    .update(`${source.type}|${sourceText}|${targetText}`)
    .digest('hex')
    .slice(0, 16);
  return join(config.dataDir, 'migrations', `${id}.checkpoint.json`);
}

function reportPrefix(explicit: string | undefined, config: GodwitConfig, target: Location): string {
  if (explicit) return explicit;
  if (target.type === 'dir') return join(target.path, 'migration-report');
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return join(config.dataDir, 'migrations', `report-${stamp}`);
}

function writeReportFiles(report: MigrationReport, prefix: string): void {
  mkdirSync(join(prefix, '..'), { recursive: true });
  writeFileSync(`${prefix}.json`, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(`${prefix}.md`, renderMarkdown(report));
}

function emit(report: MigrationReport, options: { json?: boolean }, output: Output): void {
  if (options.json) output.json(report);
  else output.line(renderMarkdown(report).trimEnd());
}

/** Records done, rate and ETA on stderr: a live line on a terminal, a line every few seconds otherwise. */
function createRateProgress(output: Output, quiet: boolean) {
  const started = performance.now();
  let lastPrinted = 0;
  let firstDone: number | undefined;
  const describe = ({ done, total }: MigrationProgress) => {
    const seconds = (performance.now() - started) / 1000;
    firstDone ??= done;
    const rate = seconds > 0 ? (done - firstDone) / seconds : 0;
    const eta = rate > 0 ? Math.max(0, (total - done) / rate) : 0;
    const percent = total > 0 ? Math.floor((done / total) * 100) : 100;
    return `migrated ${done}/${total} records (${percent}%), ${rate.toFixed(0)} records/s, ETA ${eta.toFixed(0)} s`;
  };
  return {
    update: (progress: MigrationProgress) => {
      if (quiet && !output.interactive) return;
      const now = performance.now();
      if (output.interactive) {
        process.stderr.write(`\r${describe(progress)}   `);
      } else if (now - lastPrinted > 2000 || progress.done >= progress.total) {
        lastPrinted = now;
        output.info(describe(progress));
      }
    },
    stop: (written: number) => {
      if (output.interactive) process.stderr.write('\n');
      if (!quiet) output.info(`migration finished: ${written} records written`);
    },
  };
}
