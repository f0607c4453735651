/**
 * Opens the storage a migration reads or writes (part of the composition root): Godwit's own storage (with
 * the data-dir lock), that storage with an opensearch:// or chroma:// vector store, and the conversation
 * stores of postgres:// and dynamodb:// locations. Adapters load only when a location names them.
 */

import { ConfigError, ConflictError, ValidationError } from '../core/errors.ts';
import type { Embedder } from '../core/models.ts';
import type { GodwitServices } from '../core/services.ts';
import type { GodwitStorage, Location, OpenedConversationStore } from '../migrate/index.ts';
import { createGodwit } from './create-godwit.ts';
import { createModels } from './create-models.ts';
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.ts';
import type { GodwitConfig } from './schema.ts';

/**
 * `postgres://…?schema=S`: Godwit's PostgreSQL conversation store at that URL (the `schema` parameter is
 * not sent to the server).
 */
export async function openPostgresConversations(url: URL): Promise<OpenedConversationStore> {
  const { openPostgresStorage, redactDatabaseUrl } = await import('../storage/postgres/index.ts');
  const schema = url.searchParams.get('schema') ?? undefined;
  const connection = new URL(url.href);
  connection.searchParams.delete('schema');
  const storage = await openPostgresStorage({ url: connection.href, ...(schema ? { schema } : {}) });
  return {
    store: storage.conversations,
    location: redactDatabaseUrl(connection.href),
    close: () => storage.close(),
  };
}

/**
 * `opensearch://HOST/KB?service=aoss|es&region=R&indexPrefix=P`: Godwit's own storage with its vector
 * store on that endpoint (HTTPS; `opensearch+http://` for plain HTTP). The catalogue stays in PostgreSQL,
 * as with `storage.vectors: opensearch`, so GODWIT_DATABASE_URL must be set.
 */
export function openSearchStorageOverrides(url: URL): Partial<GodwitConfig['storage']> {
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
export function chromaStorageOverrides(
  location: Extract<Location, { type: 'chroma' }>,
): Partial<GodwitConfig['storage']> {
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
export async function openDynamoDbConversations(table: string, url: URL) {
  if (!table.endsWith('data')) {
    throw new ValidationError(
      `dynamodb://${table}: Godwit's DynamoDB table is named <prefix>data (default godwit-data). Name that table, e.g. dynamodb://godwit-data.`,
    );
  }
  const { openDynamoDbStorage } = await import('../storage/dynamodb/index.ts');
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
export class MigrationResources {
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
