/** SqlClient over a node-postgres Pool, for PostgreSQL, Aurora and RDS. */
import pg from 'pg';
import { ConfigError } from '../../core/errors.ts';
import type { SqlClient, SqlQueryable } from './sql-client.ts';
import { redactDatabaseUrl, translatePostgresError } from './translate-postgres-error.ts';

export interface NodePostgresClientOptions {
  url: string;
  /** Schema to put first on every connection's search_path (created by the migrations). */
  schema?: string;
  pool?: pg.PoolConfig;
}

const INT8_OID = 20;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** A pool that parses int8 as a number, like PGlite, so rows look the same from both engines. */
export function openNodePostgresClient(options: NodePostgresClientOptions): SqlClient {
  const target = redactDatabaseUrl(options.url);
  if (target.startsWith('(')) {
    throw new ConfigError(
      'the database URL is not a valid URL; use postgres://USER[:PASSWORD]@HOST:PORT/DATABASE',
    );
  }
  if (options.schema !== undefined && !IDENTIFIER.test(options.schema)) {
    throw new ConfigError(
      `schema "${options.schema}" is not a plain identifier; use letters, digits and underscores`,
    );
  }
  const searchPath = options.schema === undefined ? undefined : `-c search_path=${options.schema},public`;
  const pool = new pg.Pool({
    connectionTimeoutMillis: 10_000,
    ...options.pool,
    connectionString: options.url,
    ...(searchPath ? { options: searchPath } : {}),
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID ? parseInt8 : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle connection dropped by the server must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  return new NodePostgresClient(pool, target);
}

function parseInt8(value: string): number | bigint {
  const parsed = BigInt(value);
  return parsed > BigInt(Number.MAX_SAFE_INTEGER) || parsed < BigInt(Number.MIN_SAFE_INTEGER)
    ? parsed
    : Number(parsed);
}

class NodePostgresClient implements SqlClient {
  readonly engine = 'postgres' as const;

  constructor(
    private readonly pool: pg.Pool,
    private readonly target: string,
  ) {}

  query<Row = Record<string, unknown>>(text: string, params: readonly unknown[] = []): Promise<Row[]> {
    return runQuery<Row>(this.pool, text, params, this.target);
  }

  execute(script: string): Promise<void> {
    return runScript(this.pool, script, this.target);
  }

  async transaction<T>(work: (transaction: SqlQueryable) => Promise<T>): Promise<T> {
    let connection: pg.PoolClient;
    try {
      connection = await this.pool.connect();
    } catch (error) {
      throw translatePostgresError(error, this.target);
    }
    try {
      await runScript(connection, 'BEGIN', this.target);
      const result = await work({
        query: <Row>(text: string, params: readonly unknown[] = []) =>
          runQuery<Row>(connection, text, params, this.target),
        execute: (script: string) => runScript(connection, script, this.target),
      });
      await runScript(connection, 'COMMIT', this.target);
      connection.release();
      return result;
    } catch (error) {
      await connection.query('ROLLBACK').then(
        () => connection.release(),
        (rollbackError: Error) => connection.release(rollbackError),
      );
      throw translatePostgresError(error, this.target);
    }
  }

  async close(): Promise<void> {
    if (!this.pool.ended) await this.pool.end();
  }
}

async function runQuery<Row>(
  runner: pg.Pool | pg.PoolClient,
  text: string,
  params: readonly unknown[],
  target: string,
): Promise<Row[]> {
  try {
    const result = await runner.query(text, params as unknown[]);
    return result.rows as Row[];
  } catch (error) {
    throw translatePostgresError(error, target);
  }
}

async function runScript(runner: pg.Pool | pg.PoolClient, script: string, target: string): Promise<void> {
  try {
    await runner.query(script);
  } catch (error) {
    throw translatePostgresError(error, target);
  }
}
