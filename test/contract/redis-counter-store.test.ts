/** The Redis counters against the shared CounterStore contract, on the real Redis server. */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { expect, it } from 'vitest';
import { RedisConnection, RedisCounterStore } from '../../src/storage/redis/index.ts';
import { describeWithService, redisUrl } from '../support/services.ts';
import { describeCounterStoreContract } from './index.ts';

const describeWithRedis = await describeWithService('redis');

async function openCounters() {
  const keyPrefix = `godwit-test:${randomUUID()}:`;
  const connection = new RedisConnection({ url: redisUrl() });
  const admin = new Redis(redisUrl());
  return {
    counters: new RedisCounterStore({ connection, keyPrefix }),
    admin,
    keyPrefix,
    cleanup: async () => {
      const keys = await admin.keys(`${keyPrefix}*`);
      if (keys.length > 0) await admin.del(...keys);
      await admin.quit();
      await connection.close();
    },
  };
}

describeWithRedis('Redis counters', () => {
  describeCounterStoreContract('redis', async () => {
    const { counters, cleanup } = await openCounters();
    return { stores: { counters }, cleanup };
  });

  it('sets each window to expire at its end, once, in Redis itself', async () => {
    const { counters, admin, keyPrefix, cleanup } = await openCounters();
    try {
      const end = new Date(Date.now() + 30_000);
      await counters.increment([{ key: 'window', by: 3, expiresAt: end }]);
      await counters.increment([{ key: 'window', by: 1, expiresAt: new Date(Date.now() + 90_000) }]);
      expect(await admin.get(`${keyPrefix}window`)).toBe('4');
      const expiry = await admin.pexpiretime(`${keyPrefix}window`);
      expect(expiry).toBe(end.getTime());
    } finally {
      await cleanup();
    }
  });

  it('fails with a DependencyError naming Redis when it cannot be reached', async () => {
    const connection = new RedisConnection({ url: 'redis://127.0.0.1:1', connectTimeoutMs: 200 });
    const counters = new RedisCounterStore({ connection });
    await expect(
      counters.increment([{ key: 'k', by: 1, expiresAt: new Date(Date.now() + 1000) }]),
    ).rejects.toThrow(/Redis at redis:\/\/127\.0\.0\.1:1 failed on EVAL/);
    await connection.close();
  });
});
