/** One Redis connection for the cache and the counters, on the real Redis server: closed by the last user. */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { expect, it } from 'vitest';
import { RedisCache, RedisCounterStore, SharedRedisConnection } from '../../src/storage/redis/index.ts';
import { describeWithService, redisUrl } from '../support/services.ts';

const describeWithRedis = await describeWithService('redis');

async function connectionsNamed(name: string): Promise<number> {
  const admin = new Redis(redisUrl());
  try {
    const list = (await admin.call('CLIENT', 'LIST')) as string;
    return list.split('\n').filter((line) => line.includes(` name=${name} `)).length;
  } finally {
    admin.disconnect();
  }
}

describeWithRedis('SharedRedisConnection', () => {
  it('serves the cache and the counters on one connection and closes it when the last lets go', async () => {
    const name = `godwit-test-${randomUUID()}`;
    const prefix = `godwit-test:${randomUUID()}:`;
    const shared = new SharedRedisConnection({ url: redisUrl(), clientName: name });
    const releaseCache = shared.lease();
    const releaseCounters = shared.lease();
    const cache = new RedisCache({ connection: shared.connection, keyPrefix: prefix });
    const counters = new RedisCounterStore({ connection: shared.connection, keyPrefix: prefix });
    await cache.set('answer', '42', 30);
    const [count] = await counters.increment([
      { key: 'window', by: 1, expiresAt: new Date(Date.now() + 30_000) },
    ]);
    expect(count).toBe(1);
    expect(await connectionsNamed(name)).toBe(1);
    await releaseCache();
    await releaseCache();
    // The counters still hold their lease: the connection stays open for them.
    expect(await cache.get('answer')).toBe('42');
    expect(await connectionsNamed(name)).toBe(1);
    await releaseCounters();
    expect(await connectionsNamed(name)).toBe(0);
  });
});
