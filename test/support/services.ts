/**
 * Service-backed test suites (PostgreSQL, Redis) run when the service is reachable. When it is not, the
 * suite is skipped with a printed reason — unless GODWIT_REQUIRE_SERVICES=1 (CI), where it fails.
 */
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import pg from 'pg';
import { describe, it } from 'vitest';

export type ServiceName = 'postgres' | 'redis';

/** The test PostgreSQL server; override with GODWIT_TEST_POSTGRES_URL. */
export function postgresUrl(): string {
  return process.env.GODWIT_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
}

/** The test Redis server; override with GODWIT_TEST_REDIS_URL. */
export function redisUrl(): string {
  return process.env.GODWIT_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
}

export function servicesRequired(): boolean {
  return process.env.GODWIT_REQUIRE_SERVICES === '1';
}

export interface ServiceProbe {
  reachable: boolean;
  /** Why it is not reachable. */
  reason?: string;
}

const PROBE_TIMEOUT_MS = 3000;

export async function probeService(name: ServiceName): Promise<ServiceProbe> {
  try {
    if (name === 'postgres') await probePostgres(postgresUrl());
    else await probeRedis(redisUrl());
    return { reachable: true };
  } catch (error) {
    return { reachable: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

async function probePostgres(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: PROBE_TIMEOUT_MS });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } finally {
    await client.end().catch(() => {});
  }
}

function probeRedis(url: string): Promise<void> {
  const { hostname, port } = new URL(url);
  return new Promise((resolvePromise, reject) => {
    const socket = connect({ host: hostname, port: Number(port || 6379) });
    const fail = (error: Error) => {
      socket.destroy();
      reject(error);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () =>
      fail(new Error(`no answer from ${hostname}:${port} in ${PROBE_TIMEOUT_MS} ms`)),
    );
    socket.once('error', fail);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.end();
      // NOAUTH still proves a Redis server is listening.
      if (/^[+-]/.test(data.toString())) resolvePromise();
      else reject(new Error(`unexpected reply from ${hostname}:${port}`));
    });
  });
}

type Describe = (name: string, body: () => void) => void;

/**
 * A `describe` for suites that need `name`: the real one when the service answers; otherwise a visible
 * skip (reason printed), or, with GODWIT_REQUIRE_SERVICES=1, a suite whose one test fails with the reason.
 *
 * @example
 *   const describeWithPostgres = await describeWithService('postgres');
 *   describeWithPostgres('PostgreSQL storage', () => { … });
 */
export async function describeWithService(name: ServiceName): Promise<Describe> {
  const probe = await probeService(name);
  if (probe.reachable) return describe;
  const where = name === 'postgres' ? postgresUrl() : redisUrl();
  const message = `${name} is not reachable at ${where}: ${probe.reason}`;
  if (servicesRequired()) {
    return (suiteName) =>
      describe(suiteName, () => {
        it(`needs ${name} (GODWIT_REQUIRE_SERVICES=1)`, () => {
          throw new Error(`${message}. Start it, or unset GODWIT_REQUIRE_SERVICES to skip these suites.`);
        });
      });
  }
  console.warn(`[skipped] ${message}. Set GODWIT_REQUIRE_SERVICES=1 to make this a failure.`);
  return (suiteName, body) => describe.skip(`${suiteName} (skipped: ${name} unreachable)`, body);
}

/** A schema name no other test file uses, so parallel files do not collide on one database. */
export function uniqueSchemaName(prefix: string): string {
  return `godwit_test_${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

/** Whether the test PostgreSQL server can load pgvector (false when unreachable). */
export async function postgresHasPgvector(url = postgresUrl()): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: PROBE_TIMEOUT_MS });
  try {
    await client.connect();
    const result = await client.query("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'");
    return result.rowCount === 1;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}
