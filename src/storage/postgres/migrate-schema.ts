/**
 * Applies pending migrations at open. When the schema is current (the usual open), one statement says so:
 * a probe that reads the applied migrations, the pgvector state and the autovacuum setting together.
 * Otherwise (anything missing or pending, or the probe failed) everything runs in one transaction under an
 * advisory lock, so two processes opening the same database at once apply each migration exactly once.
 * Through the RDS Data API, where each statement is an HTTPS call, a current schema costs one call.
 */
import { GodwitError } from '../../core/errors.ts';
import { MIGRATIONS, type Migration } from './schema-migrations.ts';
import type { SqlClient, SqlQueryable } from './sql-client.ts';

export interface VectorSupport {
  enabled: boolean;
  /** Why vectors are off, in words a person can act on. */
  reason?: string;
}

export interface MigrationOutcome {
  /** Names of the migrations applied by this call (empty when the schema was current). */
  applied: string[];
  vector: VectorSupport;
  /**
   * Whether the server runs autovacuum, read by the probe so opening needs no statement of its own for it;
   * undefined when the probe did not answer (a new database).
   */
  autovacuum?: boolean;
}

export const PGVECTOR_MISSING =
  'pgvector is not installed on this PostgreSQL server; install it or use a keyword-only knowledge base';

/** What the one-statement probe saw. */
export interface SchemaProbe {
  /** Ids in the migrations table. */
  applied: Set<number>;
  /** `installed`: in pg_extension; `available`: the server has it but this database has not created it. */
  vector: 'installed' | 'available' | 'missing';
  autovacuum: boolean;
}

export async function migrateSchema(
  client: SqlClient,
  schema: string | undefined,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<MigrationOutcome> {
  const probe = await probeSchema(client, schema);
  if (probe) {
    const current = currentOutcome(probe, migrations);
    if (current) return { ...current, autovacuum: probe.autovacuum };
  }
  const outcome = await migrateLocked(client, schema, migrations);
  return probe ? { ...outcome, autovacuum: probe.autovacuum } : outcome;
}

/**
 * One statement, outside any transaction, so its failure aborts nothing. It reads the migrations table of
 * `schema` by its qualified name: with a schema not yet created, the unqualified name would find the one
 * in `public` further down the search_path. Returns undefined when the table (or the schema) is not there,
 * or the statement failed for any other reason the server gave: the locked path then decides. A failure
 * to reach the database at all (a DependencyError) is thrown as it is, since the locked path would wait
 * for the same timeout again before failing the same way.
 */
export async function probeSchema(
  client: SqlClient,
  schema: string | undefined,
): Promise<SchemaProbe | undefined> {
  const table = schema === undefined ? 'godwit_migrations' : `${schema}.godwit_migrations`;
  let rows: Array<{ applied: string | null; vector: string; autovacuum: boolean }>;
  try {
    rows = await client.query(
      `SELECT (SELECT string_agg(id::text, ',') FROM ${table}) AS applied,
              CASE WHEN EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector') THEN 'installed'
                   WHEN EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') THEN 'available'
                   ELSE 'missing' END AS vector,
              current_setting('autovacuum') = 'on' AS autovacuum`,
    );
  } catch (error) {
    if (GodwitError.isInstance(error) && error.code === 'dependency_unavailable') throw error;
    return undefined;
  }
  const [row] = rows;
  if (!row) return undefined;
  const vector = row.vector === 'installed' || row.vector === 'available' ? row.vector : 'missing';
  return {
    applied: new Set((row.applied ?? '').split(',').filter(Boolean).map(Number)),
    vector,
    autovacuum: row.autovacuum === true,
  };
}

/**
 * What the locked path would return when it has nothing to do, or undefined when it has something to do
 * (or to try): a migration pending, or pgvector available but not yet created in this database.
 */
function currentOutcome(
  probe: SchemaProbe,
  migrations: readonly Migration[],
): Omit<MigrationOutcome, 'autovacuum'> | undefined {
  const needsVector = migrations.some((migration) => migration.requires === 'vector');
  if (needsVector && probe.vector === 'available') return undefined;
  const vector: VectorSupport =
    needsVector && probe.vector === 'installed'
      ? { enabled: true }
      : { enabled: false, reason: PGVECTOR_MISSING };
  const pending = migrations.some(
    (migration) => !probe.applied.has(migration.id) && (migration.requires !== 'vector' || vector.enabled),
  );
  return pending ? undefined : { applied: [], vector };
}

/** The full path: under the advisory lock, in one transaction. */
async function migrateLocked(
  client: SqlClient,
  schema: string | undefined,
  migrations: readonly Migration[],
): Promise<MigrationOutcome> {
  return client.transaction(async (transaction) => {
    // One key for the whole database, not per schema: CREATE EXTENSION is database-wide.
    await transaction.query("SELECT pg_advisory_xact_lock(hashtext('godwit_migrations'))");
    if (schema !== undefined) await transaction.execute(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await transaction.execute(
      `CREATE TABLE IF NOT EXISTS godwit_migrations (
         id integer PRIMARY KEY,
         name text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const rows = await transaction.query<{ id: number }>('SELECT id FROM godwit_migrations');
    const done = new Set(rows.map((row) => row.id));
    const applied: string[] = [];
    let vector: VectorSupport | undefined;
    for (const migration of [...migrations].sort((left, right) => left.id - right.id)) {
      if (migration.requires === 'vector') {
        vector ??= await ensureVectorExtension(transaction);
        if (!vector.enabled) continue;
      }
      if (done.has(migration.id)) continue;
      await transaction.execute(migration.sql);
      await transaction.query('INSERT INTO godwit_migrations (id, name) VALUES ($1, $2)', [
        migration.id,
        migration.name,
      ]);
      applied.push(migration.name);
    }
    return { applied, vector: vector ?? { enabled: false, reason: PGVECTOR_MISSING } };
  });
}

/**
 * Creates the extension when the server has it. A failed CREATE EXTENSION (no privilege) is rolled back
 * to a savepoint so the relational migrations still apply.
 */
async function ensureVectorExtension(transaction: SqlQueryable): Promise<VectorSupport> {
  const [installed] = await transaction.query<{ present: boolean }>(
    "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector') AS present",
  );
  if (installed?.present) return { enabled: true };
  const [available] = await transaction.query<{ present: boolean }>(
    "SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') AS present",
  );
  if (!available?.present) return { enabled: false, reason: PGVECTOR_MISSING };
  await transaction.execute('SAVEPOINT godwit_vector');
  try {
    await transaction.execute('CREATE EXTENSION IF NOT EXISTS vector WITH SCHEMA public');
    await transaction.execute('RELEASE SAVEPOINT godwit_vector');
    return { enabled: true };
  } catch (error) {
    await transaction.execute('ROLLBACK TO SAVEPOINT godwit_vector');
    const detail = error instanceof Error ? error.message : String(error);
    return {
      enabled: false,
      reason: `pgvector is available but could not be enabled (${detail}); run CREATE EXTENSION vector as a superuser or use a keyword-only knowledge base`,
    };
  }
}
