/**
 * Opens the relational store on PGlite (embedded, in memory or on disk) or on a PostgreSQL server, applies
 * pending migrations, and returns every port it implements over one connection (pool).
 */
import type pg from 'pg';
import type {
  ApiKeyStore,
  AuditLog,
  ConversationStore,
  CounterStore,
  HealthReport,
  KnowledgeStore,
  UsageLedger,
  VectorIndex,
} from '../../core/ports.ts';
import { type MigrationOutcome, migrateSchema, type VectorSupport } from './migrate-schema.ts';
import type { PostgresTimeouts } from './node-postgres-client.ts';
import { PostgresApiKeyStore } from './postgres-api-key-store.ts';
import { PostgresAuditLog } from './postgres-audit-log.ts';
import { PostgresConversationStore } from './postgres-conversation-store.ts';
import { PostgresCounterStore } from './postgres-counter-store.ts';
import { PostgresKnowledgeStore } from './postgres-knowledge-store.ts';
import { PostgresUsageLedger } from './postgres-usage-ledger.ts';
import { PostgresVectorIndex } from './postgres-vector-index.ts';
import { openPostingsMaintenance, type PostingsMaintenance } from './postings-maintenance.ts';
import type { SqlClient, SqlEngine } from './sql-client.ts';
import { redactDatabaseUrl } from './translate-postgres-error.ts';

export type PostgresStorageOptions = (
  | {
      pglite: {
        /** undefined = in memory */
        dataDir?: string;
        /** A new data dir's template (see `pglite-template.ts`); false runs `initdb`. Default: the built one. */
        template?: string | false;
      };
    }
  | {
      url: string;
      /** A schema to create (if missing) and use first on the search_path. */
      schema?: string;
      /** Connections kept open at most. Default 10. */
      poolSize?: number;
      /** Connect, statement and idle-in-transaction bounds; see `DEFAULT_POSTGRES_TIMEOUTS`. */
      timeouts?: Partial<PostgresTimeouts>;
      pool?: pg.PoolConfig;
    }
  | {
      /** An already-open client (the RDS Data API); closed with the storage. */
      client: SqlClient;
      /** What to call the database in health reports and errors (never a secret). */
      target: string;
    }
) & {
  /** Clock for stored timestamps; tests inject one. */
  now?: () => Date;
  generateId?: () => string;
};

export interface PostgresStorage {
  readonly engine: SqlEngine;
  /** The SQL client every store here shares (other adapters may keep their own tables on it). */
  readonly client: SqlClient;
  /** Whether embeddings can be stored and searched, and if not, why. */
  readonly vector: VectorSupport;
  /** Migrations this open applied (empty when the schema was current). */
  readonly appliedMigrations: readonly string[];
  readonly knowledge: KnowledgeStore;
  readonly index: VectorIndex;
  readonly conversations: ConversationStore;
  readonly usage: UsageLedger;
  readonly audit: AuditLog;
  /** Rate-limit and budget windows (one upsert per check). */
  readonly counters: CounterStore;
  readonly apiKeys: ApiKeyStore;
  /** Engine, server version and pgvector presence; never throws. */
  health(): Promise<HealthReport>;
  close(): Promise<void>;
}

/**
 * Opens storage and migrates it. Throws DependencyError when the database cannot be reached (the message
 * names the URL without its password) and ConfigError for a malformed URL or schema name.
 *
 * @example
 *   const storage = await openPostgresStorage({ pglite: { dataDir: './.godwit/db' } });
 *   const storage = await openPostgresStorage({ url: 'postgres://postgres@127.0.0.1:5432/godwit' });
 */
export async function openPostgresStorage(options: PostgresStorageOptions): Promise<PostgresStorage> {
  const client =
    // Each driver is loaded only when used: a function that talks to PostgreSQL never loads the
    // embedded engine (and its WebAssembly), and the embedded default never loads `pg`.
    'client' in options
      ? options.client
      : 'pglite' in options
        ? await (await import('./pglite-client.ts')).openPgliteClient(options.pglite.dataDir, {
            template: options.pglite.template,
          })
        : (await import('./node-postgres-client.ts')).openNodePostgresClient(options);
  const schema = 'url' in options ? options.schema : undefined;
  let outcome: MigrationOutcome;
  let maintenance: PostingsMaintenance;
  try {
    outcome = await migrateSchema(client, schema);
    maintenance = await openPostingsMaintenance(client, outcome.autovacuum);
    if (outcome.applied.length > 0) await maintenance.vacuum();
    if (client.engine === 'pglite') await failUnfinishedDocuments(client, options.now?.() ?? new Date());
  } catch (error) {
    await client.close().catch(() => {});
    throw error;
  }
  const target =
    'client' in options
      ? options.target
      : 'pglite' in options
        ? describePglite(options.pglite.dataDir)
        : redactDatabaseUrl(options.url);
  return createStorage(client, outcome, maintenance, target, options);
}

export const UNFINISHED_DOCUMENT_ERROR =
  'indexing stopped when the process that held the database ended; upload the file again';

/**
 * Only one process can open a PGlite data dir, so a document still `processing` or `queued` at open was
 * left by a process that died while indexing it. Its chunks were never committed (they are written in one
 * transaction with the `ready` mark); saying `failed` tells the user to send it again.
 */
async function failUnfinishedDocuments(client: SqlClient, now: Date): Promise<void> {
  await client.query(
    `UPDATE documents SET status = 'failed', error = $1, updated_at = $2
      WHERE status IN ('processing', 'queued')`,
    [UNFINISHED_DOCUMENT_ERROR, now],
  );
}

function createStorage(
  client: SqlClient,
  outcome: MigrationOutcome,
  maintenance: PostingsMaintenance,
  target: string,
  options: { now?: () => Date; generateId?: () => string },
): PostgresStorage {
  const now = options.now ?? (() => new Date());
  // PGlite: keyword search from an in-process index, which deletions through the knowledge store update too.
  const index = new PostgresVectorIndex(client, outcome.vector, now, maintenance);
  return {
    engine: client.engine,
    client,
    vector: outcome.vector,
    appliedMigrations: outcome.applied,
    knowledge: new PostgresKnowledgeStore(client, {
      now,
      generateId: options.generateId,
      maintenance,
      keyword: index.keyword,
    }),
    index,
    conversations: new PostgresConversationStore(client, now),
    usage: new PostgresUsageLedger(client),
    audit: new PostgresAuditLog(client),
    counters: new PostgresCounterStore(client),
    apiKeys: new PostgresApiKeyStore(client),
    health: () => checkHealth(client, outcome.vector, target),
    close: async () => {
      await maintenance.flush();
      await client.close();
    },
  };
}

async function checkHealth(client: SqlClient, vector: VectorSupport, target: string): Promise<HealthReport> {
  const name = client.engine === 'pglite' ? 'pglite' : 'postgres';
  try {
    const [row] = await client.query<{ version: string }>(
      "SELECT current_setting('server_version') AS version",
    );
    const vectors = vector.enabled ? 'pgvector enabled' : 'pgvector missing (keyword search only)';
    return { name, ok: true, detail: `${target}; ${vectors}`, version: row?.version };
  } catch (error) {
    return { name, ok: false, detail: error instanceof Error ? error.message : String(error) };
  }
}

function describePglite(dataDir: string | undefined): string {
  return dataDir === undefined ? 'PGlite (in memory)' : `PGlite at ${dataDir}`;
}
