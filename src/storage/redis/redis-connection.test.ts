import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { DependencyError, GodwitError } from '../../core/errors.ts';
import { RedisCache } from './redis-cache.ts';

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

describe('Redis connection failures', () => {
  it('become DependencyErrors naming the URL without its password', async () => {
    const port = await closedPort();
    const cache = new RedisCache({ url: `redis://:hunter2@127.0.0.1:${port}/0`, connectTimeoutMs: 500 });
    const failure = await cache.get('anything').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DependencyError);
    const error = failure as DependencyError;
    expect(error.isRetryable).toBe(true);
    expect(error.message).toContain(`redis://:***@127.0.0.1:${port}/0`);
    expect(error.message).toContain('GET');
    expect(error.message).toMatch(/ECONNREFUSED/);
    expect(error.message).not.toContain('hunter2');
    await cache.close();
  });

  it('tries again on the next command instead of keeping a failed connection', async () => {
    const port = await closedPort();
    const cache = new RedisCache({ url: `redis://127.0.0.1:${port}`, connectTimeoutMs: 500 });
    await expect(cache.set('key', 'value')).rejects.toThrow(/failed on SET/);
    await expect(cache.delete('key')).rejects.toThrow(/failed on DEL/);
    await cache.close();
  });

  it('reports an unreachable server as unhealthy instead of throwing', async () => {
    const port = await closedPort();
    const cache = new RedisCache({ url: `redis://127.0.0.1:${port}`, connectTimeoutMs: 500 });
    const report = await cache.health();
    expect(report).toMatchObject({ name: 'redis', ok: false });
    expect(report.detail).toContain(`127.0.0.1:${port}`);
    await cache.close();
  });

  it('rejects a malformed URL at construction with a config error', () => {
    const build = () => new RedisCache({ url: 'localhost:6379' });
    expect(build).toThrow(GodwitError);
    expect(build).toThrow(/redis:\/\//);
  });
});
