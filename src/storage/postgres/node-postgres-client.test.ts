import pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import { FaultProxy } from '../../../test/faults/support/fault-proxy.ts';
import { describeWithService, postgresUrl } from '../../../test/support/services.ts';
import { DependencyError, GodwitError } from '../../core/errors.ts';
import { openNodePostgresClient } from './node-postgres-client.ts';
import type { SqlClient } from './sql-client.ts';

const describeWithPostgres = await describeWithService('postgres');

/** Ends one backend from a separate session, as an operator, a failover or RDS Proxy would. */
async function terminateBackend(pid: number): Promise<void> {
  const admin = new pg.Client({ connectionString: postgresUrl() });
  await admin.connect();
  try {
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
  } finally {
    await admin.end();
  }
}

/** Waits until the server no longer lists `pid` (polling the catalogue, not a clock). */
async function backendGone(pid: number): Promise<void> {
  const admin = new pg.Client({ connectionString: postgresUrl() });
  await admin.connect();
  try {
    for (let attempt = 0; attempt < 500; attempt += 1) {
      const result = await admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid]);
      if (result.rowCount === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`backend ${pid} is still there`);
  } finally {
    await admin.end();
  }
}

async function backendPid(queryable: Pick<SqlClient, 'query'>): Promise<number> {
  const [row] = await queryable.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  return row!.pid;
}

function reasonOf(error: unknown): unknown {
  return GodwitError.isInstance(error) ? error.details?.reason : undefined;
}

describeWithPostgres('node-postgres client under connection faults', () => {
  const clients: SqlClient[] = [];
  const proxies: FaultProxy[] = [];
  const open = (options: Partial<Parameters<typeof openNodePostgresClient>[0]> = {}) => {
    const client = openNodePostgresClient({ url: postgresUrl(), ...options });
    clients.push(client);
    return client;
  };
  afterEach(async () => {
    for (const client of clients.splice(0)) await client.close();
    for (const proxy of proxies.splice(0)) await proxy.close();
  });

  it('fails only the transaction whose connection the server terminated, and keeps serving', async () => {
    const client = open();
    const failure = await client
      .transaction(async (transaction) => {
        const pid = await backendPid(transaction);
        await terminateBackend(pid);
        await backendGone(pid);
        return transaction.query('SELECT 1 AS one');
      })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DependencyError);
    expect(reasonOf(failure)).toBe('connection_lost');
    expect((failure as DependencyError).details?.retryAfterMs).toBeGreaterThan(0);
    expect(await client.query('SELECT 2 AS two')).toEqual([{ two: 2 }]);
  });

  it('fails a statement running on a terminated connection without ending the process', async () => {
    const client = open();
    const running = client.transaction(async (transaction) => {
      const pid = await backendPid(transaction);
      const sleeping = transaction.query('SELECT pg_sleep(30)');
      // Handled below; this only stops the rejection counting as unhandled while the terminate runs.
      sleeping.catch(() => {});
      await terminateBackend(pid);
      return sleeping;
    });
    const failure = await running.catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DependencyError);
    expect(reasonOf(failure)).toBe('connection_lost');
    expect(await client.transaction((transaction) => transaction.query('SELECT 3 AS three'))).toEqual([
      { three: 3 },
    ]);
  });

  it('answers a wait for a pooled connection with a retryable DependencyError, not an internal error', async () => {
    const client = open({ poolSize: 1, timeouts: { connectMs: 100 } });
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let borrowed: () => void = () => {};
    const isBorrowed = new Promise<void>((resolve) => {
      borrowed = resolve;
    });
    const holding = client.transaction(async () => {
      borrowed();
      await held;
    });
    await isBorrowed;
    const failure = await client.query('SELECT 1').catch((error: unknown) => error);
    release();
    await holding;
    expect(failure).toBeInstanceOf(DependencyError);
    expect(reasonOf(failure)).toBe('pool_exhausted');
    expect((failure as Error).message).toContain('database.poolSize');
  });

  it('cancels a statement that runs past the statement timeout and keeps the connection usable', async () => {
    const client = open({ poolSize: 1, timeouts: { statementMs: 100 } });
    const failure = await client.query('SELECT pg_sleep(30)').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DependencyError);
    expect(reasonOf(failure)).toBe('statement_timeout');
    expect((failure as Error).message).toContain('database.statementTimeoutMs');
    expect(await client.query('SELECT 4 AS four')).toEqual([{ four: 4 }]);
  });

  it('ends a transaction left idle past the idle-in-transaction timeout', async () => {
    const client = open({ timeouts: { idleInTransactionMs: 100 } });
    const failure = await client
      .transaction(async (transaction) => {
        const pid = await backendPid(transaction);
        await backendGone(pid);
        return transaction.query('SELECT 1');
      })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DependencyError);
    expect(reasonOf(failure)).toBe('idle_in_transaction_timeout');
    expect(await client.query('SELECT 5 AS five')).toEqual([{ five: 5 }]);
  });

  it('gives up on a stalled network after the statement timeout and recovers when it flows again', async () => {
    const server = new URL(postgresUrl());
    const proxy = await FaultProxy.start({ host: server.hostname, port: Number(server.port || 5432) });
    proxies.push(proxy);
    server.host = `127.0.0.1:${proxy.port}`;
    const client = open({ url: server.toString(), timeouts: { statementMs: 100, connectMs: 500 } });
    expect(await client.query('SELECT 6 AS six')).toEqual([{ six: 6 }]);
    proxy.stall();
    const stalled = await client.query('SELECT 7').catch((error: unknown) => error);
    const inTransaction = await client
      .transaction((transaction) => transaction.query('SELECT 8'))
      .catch((error: unknown) => error);
    proxy.pass();
    expect(stalled).toBeInstanceOf(DependencyError);
    expect(reasonOf(stalled)).toBe('answer_timeout');
    expect(inTransaction).toBeInstanceOf(DependencyError);
    expect(await client.query('SELECT 9 AS nine')).toEqual([{ nine: 9 }]);
  });
});
