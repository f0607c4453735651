/** SqlClient over a node-postgres Pool, for PostgreSQL, Aurora and RDS. */
import pg from 'pg';
import { ConfigError } from '../../core/errors.ts';
import type { SqlClient, SqlQueryable } from './sql-client.ts';
import {
  isConnectionFailure,
  redactDatabaseUrl,
  translatePostgresError,
} from './translate-postgres-error.ts';

/** How long each kind of wait on the database may last; 0 turns a bound off. */
export interface PostgresTimeouts {
  /** Opening a connection, or waiting for a free one in the pool. Default 5,000 ms. */
  connectMs: number;
  /**
   * One statement on the server (`statement_timeout`). The client also gives up on an answer this long
   * plus `ANSWER_GRACE_MS`, so a stalled network cannot hold a request either. Default 15,000 ms.
   */
  statementMs: number;
  /** A transaction left idle (`idle_in_transaction_session_timeout`). Default 15,000 ms. */
  idleInTransactionMs: number;
}

export const DEFAULT_POSTGRES_TIMEOUTS: PostgresTimeouts = {
  connectMs: 5_000,
  statementMs: 15_000,
  idleInTransactionMs: 15_000,
};

/** Extra time the client waits past the server's statement timeout, for the server's own error to arrive. */
export const ANSWER_GRACE_MS = 2_000;

export interface NodePostgresClientOptions {
  url: string;
  /** Schema to put first on every connection's search_path (created by the migrations). */
  schema?: string;
  /** Connections kept open at most. Default 10. */
  poolSize?: number;
  timeouts?: Partial<PostgresTimeouts>;
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
    ...poolTimeouts({ ...DEFAULT_POSTGRES_TIMEOUTS, ...options.timeouts }),
    max: options.poolSize ?? 10,
    // Finds a peer that vanished without closing (a failed-over host) instead of waiting on it forever.
    keepAlive: true,
    ...options.pool,
    connectionString: options.url,
    ...(searchPath ? { options: searchPath } : {}),
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID ? parseInt8 : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle connection dropped by the server must not crash the process; the pool discards it and the
  // next query opens a new one.
  pool.on('error', () => {});
  return new NodePostgresClient(pool, target);
}

function poolTimeouts(timeouts: PostgresTimeouts): pg.PoolConfig {
  return {
    connectionTimeoutMillis: timeouts.connectMs,
    ...(timeouts.statementMs > 0
      ? { statement_timeout: timeouts.statementMs, query_timeout: timeouts.statementMs + ANSWER_GRACE_MS }
      : {}),
    ...(timeouts.idleInTransactionMs > 0
      ? { idle_in_transaction_session_timeout: timeouts.idleInTransactionMs }
      : {}),
  };
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
    // A borrowed client has no pool listener: a connection the server or the network drops while it is
    // ours emits 'error', which would end the process unless someone listens. The query in flight fails
    // on its own; this keeps the reason so the connection is discarded instead of reused.
    let dropped: unknown;
    const onDropped = (error: unknown) => {
      dropped ??= error;
    };
    connection.on('error', onDropped);
    try {
      await runScript(connection, 'BEGIN', this.target);
      const result = await work({
        query: <Row>(text: string, params: readonly unknown[] = []) =>
          runQuery<Row>(connection, text, params, this.target),
        execute: (script: string) => runScript(connection, script, this.target),
      });
      await runScript(connection, 'COMMIT', this.target);
      connection.release(dropped === undefined ? undefined : asError(dropped));
      return result;
    } catch (error) {
      await rollbackAndRelease(connection, dropped ?? (isConnectionFailure(error) ? error : undefined));
      throw translatePostgresError(dropped ?? error, this.target);
    } finally {
      connection.off('error', onDropped);
    }
  }

  async close(): Promise<void> {
    if (!this.pool.ended) await this.pool.end();
  }
}

/**
 * A live connection is rolled back and returned to the pool. A dropped or timed-out one is destroyed
 * without a ROLLBACK (which would wait behind the stalled statement): the server ends the transaction
 * when the connection closes.
 */
async function rollbackAndRelease(connection: pg.PoolClient, failure: unknown): Promise<void> {
  if (failure !== undefined) {
    connection.release(asError(failure));
    return;
  }
  await connection.query('ROLLBACK').then(
    () => connection.release(),
    (rollbackError: Error) => connection.release(rollbackError),
  );
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
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
