/**
 * Chooses and opens the stores from the `storage` and `database` sections (part of the composition root).
 * Vendor adapters are imported lazily: a process loads only the backends its configuration names.
 *
 * - relational (PGlite in `dataDir`, PostgreSQL at `database.url`, or Aurora through `database.dataApi`):
 *   the knowledge catalogue and, by default, chunks, conversations, usage, audit and API keys;
 * - `storage.vectors` opensearch | s3vectors | chroma: chunks and embeddings move to that store;
 * - `storage.conversations` dynamodb: conversations, usage, audit and API keys move to DynamoDB. With an
 *   outside vector store and no database configured, the catalogue moves to DynamoDB too, and no
 *   relational database is opened at all (the serverless profile that idles at about $0).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../core/errors.ts';
import type {
  ApiKeyStore,
  AuditLog,
  BlobStore,
  ConversationStore,
  CounterStore,
  HealthReport,
  KnowledgeStore,
  UsageLedger,
  VectorIndex,
} from '../core/ports.ts';
import type { GodwitConfig } from './schema.ts';

export interface ComposedStorage {
  knowledge: KnowledgeStore;
  index: VectorIndex;
  conversations: ConversationStore;
  usage: UsageLedger;
  audit: AuditLog;
  /** Shared counters (rate limits, budgets) in the store that holds the records. */
  counters: CounterStore;
  apiKeys: ApiKeyStore;
  /** False when the index searches vectors only (S3 Vectors). */
  keywordSearch: boolean;
  /**
   * On the embedded database, a table for the originals of small documents (rows instead of one new file
   * each); the blob store puts small blobs there. Absent on every other database.
   */
  smallBlobs?: BlobStore;
  /**
   * On the embedded database, which of the given blob keys no document names: the file blob store collects
   * the larger originals a killed ingest left with it (FileBlobStore's `unnamedKeys`).
   */
  unnamedBlobKeys?: (keys: readonly string[]) => Promise<readonly string[]>;
  /** One check per dependency, with the name `/readyz` reports it under when the check itself fails. */
  health: Array<{ name: string; check: () => Promise<HealthReport> }>;
  close(): Promise<void>;
}

type Environment = Record<string, string | undefined>;
type Records = Pick<ComposedStorage, 'conversations' | 'usage' | 'audit' | 'counters' | 'apiKeys'>;

/**
 * @example
 *   const storage = await openComposedStorage(config, process.env);
 */
export async function openComposedStorage(config: GodwitConfig, env: Environment): Promise<ComposedStorage> {
  const { storage, database } = config;
  const serverless =
    storage.conversations === 'dynamodb' &&
    storage.vectors !== 'postgres' &&
    !database.url &&
    !database.dataApi;
  return serverless ? openServerless(config, env) : openWithDatabase(config, env);
}

/** Everything in DynamoDB except chunks, which live in the outside vector store. */
async function openServerless(config: GodwitConfig, env: Environment): Promise<ComposedStorage> {
  const records = await openDynamoDb(config);
  try {
    const { CataloguedKnowledgeStore } = await import('../storage/catalogue/index.ts');
    const vectors = await openVectorIndex(config, env, records.catalogue);
    return {
      ...pickRecords(records),
      knowledge: new CataloguedKnowledgeStore(records.knowledge, records.catalogue, vectors.index),
      index: vectors.index,
      keywordSearch: vectors.keywordSearch,
      health: [
        { name: 'dynamodb', check: () => records.health() },
        { name: config.storage.vectors, check: vectors.health },
      ],
      close: () => records.close(),
    };
  } catch (error) {
    await records.close();
    throw error;
  }
}

async function openWithDatabase(config: GodwitConfig, env: Environment): Promise<ComposedStorage> {
  const relational = await openRelational(config);
  const closers: Array<() => Promise<void>> = [() => relational.close()];
  const close = async () => {
    for (const closer of closers.reverse()) await closer();
  };
  try {
    const health: ComposedStorage['health'] = [{ name: 'database', check: () => relational.health() }];
    let knowledge: KnowledgeStore = relational.knowledge;
    let index: VectorIndex = relational.index;
    let keywordSearch = true;
    if (config.storage.vectors !== 'postgres') {
      const { CataloguedKnowledgeStore } = await import('../storage/catalogue/index.ts');
      const { SqlDocumentCatalogue } = await import('../storage/postgres/index.ts');
      // The catalogue stays in the relational database, on the same client as everything else.
      const catalogue = new SqlDocumentCatalogue(relational.client);
      const vectors = await openVectorIndex(config, env, catalogue);
      knowledge = new CataloguedKnowledgeStore(relational.knowledge, catalogue, vectors.index);
      index = vectors.index;
      keywordSearch = vectors.keywordSearch;
      health.push({ name: config.storage.vectors, check: vectors.health });
    }
    let records: Records = relational;
    if (config.storage.conversations === 'dynamodb') {
      const dynamo = await openDynamoDb(config);
      closers.push(() => dynamo.close());
      records = pickRecords(dynamo);
      health.push({ name: 'dynamodb', check: () => dynamo.health() });
    }
    const smallBlobs =
      relational.engine === 'pglite'
        ? new (await import('../storage/postgres/index.ts')).PostgresBlobTable(relational.client, {
            // Only this process opens an embedded data dir.
            collectUnnamed: true,
          })
        : undefined;
    return {
      ...pickRecords(records),
      knowledge,
      index,
      keywordSearch,
      ...(smallBlobs
        ? { smallBlobs, unnamedBlobKeys: (keys: readonly string[]) => smallBlobs.unnamedKeys(keys) }
        : {}),
      health,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

function pickRecords(records: Records): Records {
  return {
    conversations: records.conversations,
    usage: records.usage,
    audit: records.audit,
    counters: records.counters,
    apiKeys: records.apiKeys,
  };
}

/** PGlite in `dataDir`, PostgreSQL at `database.url`, or Aurora through the RDS Data API. */
async function openRelational(config: GodwitConfig) {
  const { openPostgresStorage } = await import('../storage/postgres/index.ts');
  const dataApi = config.database.dataApi;
  if (dataApi) {
    // Aurora through the RDS Data API: HTTPS calls with IAM, so a Lambda needs no VPC or connection pool.
    const { openDataApiClient } = await import('../storage/postgres/data-api-client.ts');
    const client = openDataApiClient({
      resourceArn: dataApi.resourceArn,
      secretArn: dataApi.secretArn,
      database: dataApi.database,
      ...(dataApi.region ? { region: dataApi.region } : {}),
    });
    return openPostgresStorage({
      client,
      target: `Aurora Data API (${dataApi.resourceArn}, database ${dataApi.database})`,
    });
  }
  if (config.database.url) {
    const { schema, poolSize, connectTimeoutMs, statementTimeoutMs, idleInTransactionTimeoutMs } =
      config.database;
    return openPostgresStorage({
      url: config.database.url,
      schema: schema ?? undefined,
      poolSize,
      timeouts: {
        connectMs: connectTimeoutMs,
        statementMs: statementTimeoutMs,
        idleInTransactionMs: idleInTransactionTimeoutMs,
      },
    });
  }
  mkdirSync(config.dataDir, { recursive: true });
  return openPostgresStorage({ pglite: { dataDir: join(config.dataDir, 'db') } });
}

async function openDynamoDb(config: GodwitConfig) {
  const settings = config.storage.dynamodb;
  const { openDynamoDbStorage } = await import('../storage/dynamodb/index.ts');
  return openDynamoDbStorage({
    tablePrefix: settings.tablePrefix,
    ...(settings.region ? { region: settings.region } : {}),
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    createTables: settings.createTables,
    ...(settings.retentionDays ? { retentionDays: settings.retentionDays } : {}),
  });
}

type DocumentCatalogue = import('../storage/catalogue/index.ts').DocumentCatalogue;
type OutsideIndex = VectorIndex & import('../storage/catalogue/index.ts').ChunkRemover;

/** The outside vector store named by `storage.vectors`, reading and reporting to `catalogue`. */
async function openVectorIndex(
  config: GodwitConfig,
  env: Environment,
  catalogue: DocumentCatalogue,
): Promise<{
  index: OutsideIndex;
  keywordSearch: boolean;
  health: () => Promise<HealthReport>;
}> {
  if (config.storage.vectors === 'opensearch') {
    const settings = config.storage.opensearch;
    const region = settings.region ?? env.AWS_REGION;
    if (!region) {
      throw new ConfigError(
        'storage.opensearch.region is not set and AWS_REGION is empty: set the region of the collection or domain.',
      );
    }
    const { OpenSearchVectorIndex } = await import('../storage/opensearch/index.ts');
    const index = new OpenSearchVectorIndex(catalogue, {
      endpoint: settings.endpoint!,
      region,
      service: settings.service,
      indexPrefix: settings.indexPrefix,
    });
    return { index, keywordSearch: true, health: () => index.health() };
  }
  if (config.storage.vectors === 'chroma') {
    const settings = config.storage.chroma;
    const { ChromaVectorIndex } = await import('../storage/chroma/index.ts');
    const index = new ChromaVectorIndex(catalogue, {
      url: settings.url,
      collectionPrefix: settings.collectionPrefix,
      ...(settings.tenant ? { tenant: settings.tenant } : {}),
      ...(settings.database ? { database: settings.database } : {}),
      ...(settings.token ? { token: settings.token, tokenHeader: settings.tokenHeader } : {}),
      headers: settings.headers,
    });
    return { index, keywordSearch: false, health: () => index.health() };
  }
  const settings = config.storage.s3vectors;
  const { S3VectorsVectorIndex } = await import('../storage/s3vectors/index.ts');
  const index = new S3VectorsVectorIndex(catalogue, {
    bucket: settings.bucket!,
    indexPrefix: settings.indexPrefix,
    ...(settings.region ? { region: settings.region } : {}),
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
  });
  return { index, keywordSearch: false, health: () => index.health() };
}
