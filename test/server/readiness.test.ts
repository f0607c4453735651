/**
 * Readiness as users run it (configuration from GODWIT_* variables, the real composition root) against
 * the real PostgreSQL behind a proxy the test can stall, and a Redis URL with nothing listening.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGodwit, loadConfig } from '../../src/config/index.ts';
import { DependencyError } from '../../src/core/errors.ts';
import type { GodwitServices } from '../../src/core/services.ts';
import { createApp } from '../../src/server/index.ts';
import { createReadiness, hidePaths } from '../../src/server/readiness.ts';
import { FaultProxy } from '../faults/support/fault-proxy.ts';
import { describeWithService, dropSchema, postgresUrl, uniqueSchemaName } from '../support/services.ts';
import { createTestServices } from '../support/test-services.ts';

const describeWithPostgres = await describeWithService('postgres');

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

interface ReadinessBody {
  status: string;
  checks: Array<{ name: string; ok: boolean; required: boolean; detail: string }>;
}

describeWithPostgres('readiness on PostgreSQL and Redis', () => {
  const schema = uniqueSchemaName('readiness');
  const logLines: Array<Record<string, unknown>> = [];
  let proxy: FaultProxy;
  let services: GodwitServices;
  let app: ReturnType<typeof createApp>;

  beforeAll(async () => {
    const server = new URL(postgresUrl());
    proxy = await FaultProxy.start({ host: server.hostname, port: Number(server.port || 5432) });
    server.host = `127.0.0.1:${proxy.port}`;
    const { config } = loadConfig({
      cwd: '/nonexistent-godwit-test',
      env: {
        GODWIT_DATABASE_URL: server.toString(),
        GODWIT_DATABASE__SCHEMA: schema,
        GODWIT_DATABASE__STATEMENT_TIMEOUT_MS: '300',
        GODWIT_REDIS_URL: `redis://127.0.0.1:${await closedPort()}`,
        GODWIT_SERVER__READINESS_TIMEOUT_MS: '300',
        GODWIT_SAMPLE: 'false',
      },
    });
    services = await createGodwit(config, { env: {} });
    const readiness = createReadiness(services, {
      logger: (entry) => logLines.push(entry),
      timeoutMs: config.server.readinessTimeoutMs,
    });
    app = createApp({ services, readiness, options: { logger: () => {} } });
  });

  afterAll(async () => {
    proxy.pass();
    await services?.close();
    await proxy?.close();
    await dropSchema(postgresUrl(), schema);
  });

  it('stays ready while the Redis cache is down, reports it degraded, and logs the outage once', async () => {
    const first = await app.request('/readyz');
    const second = await app.request('/readyz');
    expect(first.status).toBe(200);
    const body = (await first.json()) as ReadinessBody;
    expect(body.status).toBe('degraded');
    expect(body.checks).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'database', ok: true, required: true }),
        expect.objectContaining({ name: 'redis', ok: false, required: false }),
      ]),
    );
    expect(second.status).toBe(200);
    const redisLines = logLines.filter((line) => line.dependency === 'redis');
    expect(redisLines).toHaveLength(1);
    expect(redisLines[0]).toMatchObject({ level: 'warn', message: expect.stringContaining('down') });
  });

  it('answers within its bound while the database stalls, as unavailable, and logs when it is back', async () => {
    proxy.stall();
    const stalled = await app.request('/readyz');
    proxy.pass();
    expect(stalled.status).toBe(503);
    expect(stalled.headers.get('retry-after')).toMatch(/^\d+$/);
    const body = (await stalled.json()) as ReadinessBody;
    expect(body.status).toBe('unavailable');
    expect(body.checks).toContainEqual(
      expect.objectContaining({ name: 'database', ok: false, detail: expect.stringContaining('no answer') }),
    );
    let recovered = await app.request('/readyz');
    for (let attempt = 0; attempt < 20 && recovered.status !== 200; attempt += 1) {
      recovered = await app.request('/readyz');
    }
    expect(recovered.status).toBe(200);
    const databaseLines = logLines.filter((line) => line.dependency === 'database');
    expect(databaseLines.map((line) => line.message)).toEqual(['dependency down', 'dependency back']);
  });

  it('answers /api/healthz like /healthz', async () => {
    const response = await app.request('/api/healthz');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });
});

describe('readiness details', () => {
  it('never shows a file-system path, and keeps URLs and hosts', async () => {
    const base = await createTestServices();
    const services: GodwitServices = {
      ...base,
      health: async () => [
        { name: 'database', ok: true, detail: 'PGlite at ./.godwit/db; pgvector enabled' },
        { name: 's3', ok: false, detail: 'ENOENT: no such file, open /var/lib/godwit/blobs/x' },
        { name: 'redis', ok: true, detail: 'cache at redis://:***@cache.internal:6379/0' },
      ],
    };
    const app = createApp({ services, options: { logger: () => {} } });
    const response = await app.request('/readyz');
    const text = await response.text();
    expect(text).not.toContain('.godwit');
    expect(text).not.toContain('/var/lib');
    expect(text).toContain('redis://:***@cache.internal:6379/0');
    expect(hidePaths('postgres://app@db.internal:5432/godwit')).toBe(
      'postgres://app@db.internal:5432/godwit',
    );
    await base.close();
  });

  it('answers stopping, with a 503, once the server has begun to stop', async () => {
    const services = await createTestServices();
    const shutdown = new AbortController();
    const app = createApp({ services, options: { logger: () => {}, shutdownSignal: shutdown.signal } });
    expect((await app.request('/readyz')).status).toBe(200);
    shutdown.abort();
    const stopping = await app.request('/readyz');
    expect(stopping.status).toBe(503);
    expect(await stopping.json()).toMatchObject({ status: 'stopping' });
    await services.close();
  });
});

describe('answers while a dependency is down', () => {
  it('are 503 dependency_unavailable with Retry-After, from the error or by default', async () => {
    const base = await createTestServices();
    const failing = (retryAfterMs?: number): GodwitServices => ({
      ...base,
      // The store's own methods (its prototype), with one that fails as a dropped connection does.
      conversations: Object.assign(Object.create(base.conversations), {
        listConversations: async () => {
          throw new DependencyError('lost the connection to PostgreSQL; retry it', {
            details: retryAfterMs === undefined ? {} : { retryAfterMs },
          });
        },
      }),
    });
    for (const [retryAfterMs, expected] of [
      [4500, '5'],
      [undefined, '2'],
    ] as const) {
      const app = createApp({ services: failing(retryAfterMs), options: { logger: () => {} } });
      const response = await app.request('/api/conversations');
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe(expected);
      expect(await response.json()).toMatchObject({ error: { code: 'dependency_unavailable' } });
    }
    await base.close();
  });
});
