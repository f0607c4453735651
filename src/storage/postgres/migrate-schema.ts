/**
 * Applies pending migrations at open. Everything runs in one transaction under an advisory lock, so two
 * processes opening the same database at once apply each migration exactly once.
 */
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
}

export const PGVECTOR_MISSING =
  'pgvector is not installed on this PostgreSQL server; install it or use a keyword-only knowledge base';

export async function migrateSchema(
  client: SqlClient,
  schema: string | undefined,
  migrations: readonly Migration[] = MIGRATIONS,
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
