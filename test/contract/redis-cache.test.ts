/** The Redis cache against the shared Cache contract, on the real Redis server. */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { expect, it } from 'vitest';
import { RedisCache } from '../../src/storage/redis/index.ts';
import { describeWithService, redisUrl } from '../support/services.ts';
import { describeCacheContract } from './index.ts';

const describeWithRedis = await describeWithService('redis');

/**
 * Redis's clock cannot be moved, so "advancing" shortens the remaining TTL of every key under the prefix
 * by the same amount and deletes the keys whose TTL runs out: what the keys would look like later.
 */
async function advanceKeys(admin: Redis, prefix: string, seconds: number): Promise<void> {
  const keys = await admin.keys(`${prefix}*`);
  for (const key of keys) {
    const remaining = await admin.pttl(key);
    if (remaining < 0) continue;
    const left = remaining - seconds * 1000;
    if (left <= 0) await admin.del(key);
    else await admin.pexpire(key, left);
  }
}

async function openRedisCache() {
  const keyPrefix = `godwit-test:${randomUUID()}:`;
  const cache = new RedisCache({ url: redisUrl(), keyPrefix });
  const admin = new Redis(redisUrl());
  return {
    cache,
    admin,
    keyPrefix,
    cleanup: async () => {
      const keys = await admin.keys(`${keyPrefix}*`);
      if (keys.length > 0) await admin.del(...keys);
      await admin.quit();
      await cache.close();
    },
  };
}

describeWithRedis('Redis cache', () => {
  describeCacheContract(
    'redis',
    async () => {
      const { cache, admin, keyPrefix, cleanup } = await openRedisCache();
      return {
        stores: { cache, advanceSeconds: (seconds) => advanceKeys(admin, keyPrefix, seconds) },
        cleanup,
      };
    },
    { expiry: true },
  );

  it('stores values under its key prefix with the TTL in Redis itself', async () => {
    const { cache, admin, keyPrefix, cleanup } = await openRedisCache();
    try {
      await cache.set('greeting', 'héllo ✓', 90);
      expect(await admin.get(`${keyPrefix}greeting`)).toBe('héllo ✓');
      const ttl = await admin.pttl(`${keyPrefix}greeting`);
      expect(ttl).toBeGreaterThan(80_000);
      expect(ttl).toBeLessThanOrEqual(90_000);
      await cache.set('fraction', 'x', 0.25);
      expect(await admin.pttl(`${keyPrefix}fraction`)).toBeLessThanOrEqual(250);
      await expect(cache.set('bad', 'x', 0)).rejects.toThrow(/ttlSeconds/);
      await expect(cache.set('bad', 'x', Number.NaN)).rejects.toThrow(/ttlSeconds/);
      expect(await admin.exists(`${keyPrefix}bad`)).toBe(0);
    } finally {
      await cleanup();
    }
  });

  it('keeps a large value intact', async () => {
    const { cache, cleanup } = await openRedisCache();
    try {
      const value = JSON.stringify(Array.from({ length: 20_000 }, (_, index) => index / 7));
      await cache.set('large', value);
      expect(await cache.get('large')).toBe(value);
    } finally {
      await cleanup();
    }
  });

  it('reports its health with the server version', async () => {
    const { cache, cleanup } = await openRedisCache();
    try {
      const report = await cache.health();
      expect(report).toMatchObject({ name: 'redis', ok: true });
      expect(report.version).toMatch(/^\d+\.\d+/);
      expect(report.detail).toContain('127.0.0.1');
    } finally {
      await cleanup();
    }
  });
});
