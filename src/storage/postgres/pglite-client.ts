/** SqlClient over PGlite: PostgreSQL compiled to WebAssembly, in this process, with pgvector loaded. */
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { DependencyError } from '../../core/errors.ts';
import type { SqlClient, SqlQueryable } from './sql-client.ts';
import { translatePostgresError } from './translate-postgres-error.ts';

/** Opens PGlite in memory (`dataDir` undefined) or on disk, creating the data dir's parent. */
export async function openPgliteClient(dataDir?: string): Promise<SqlClient> {
  const target = dataDir === undefined ? 'PGlite (in memory)' : `PGlite at ${dataDir}`;
  let database: PGlite;
  try {
    if (dataDir !== undefined) await mkdir(dirname(resolve(dataDir)), { recursive: true });
    database = await PGlite.create({ dataDir, extensions: { vector } });
  } catch (error) {
    throw new DependencyError(
      `could not open ${target}: ${error instanceof Error ? error.message : String(error)}; ` +
        'check that the directory is writable and not used by another process',
      { cause: error, isRetryable: false },
    );
  }
  return new PgliteClient(database, target);
}

class PgliteClient implements SqlClient {
  readonly engine = 'pglite' as const;

  constructor(
    private readonly database: PGlite,
    private readonly target: string,
  ) {}

  query<Row = Record<string, unknown>>(text: string, params: readonly unknown[] = []): Promise<Row[]> {
    return runQuery<Row>(this.database, text, params, this.target);
  }

  execute(script: string): Promise<void> {
    return runScript(this.database, script, this.target);
  }

  async transaction<T>(work: (transaction: SqlQueryable) => Promise<T>): Promise<T> {
    try {
      return await this.database.transaction((transaction) =>
        work({
          query: <Row>(text: string, params: readonly unknown[] = []) =>
            runQuery<Row>(transaction, text, params, this.target),
          execute: (script: string) => runScript(transaction, script, this.target),
        }),
      );
    } catch (error) {
      throw translatePostgresError(error, this.target);
    }
  }

  async close(): Promise<void> {
    if (!this.database.closed) await this.database.close();
  }
}

async function runQuery<Row>(
  runner: PGlite | Transaction,
  text: string,
  params: readonly unknown[],
  target: string,
): Promise<Row[]> {
  try {
    const result = await runner.query<Row>(text, params as unknown[]);
    return result.rows;
  } catch (error) {
    throw translatePostgresError(error, target);
  }
}

async function runScript(runner: PGlite | Transaction, script: string, target: string): Promise<void> {
  try {
    await runner.exec(script);
  } catch (error) {
    throw translatePostgresError(error, target);
  }
}
