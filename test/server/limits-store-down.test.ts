/**
 * What a limited request gets while the counter store cannot be reached: a real Redis client pointed at a
 * port nothing listens on, so every check fails as it does when Redis is down. `limits.onStoreDown: closed`
 * (the default) answers 503 dependency_unavailable with Retry-After; `open` serves the request uncounted.
 * Never a 500. The same against a Redis that is killed under a running `godwit serve` is in
 * test/faults/instances-and-limits.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { StoreDownPolicy } from '../../src/core/limits/index.ts';
import { RedisConnection, RedisCounterStore } from '../../src/storage/redis/index.ts';
import { createGovernedApp, postWithKey, withKey } from './governed-app.ts';

async function setupWithStoreDown(onStoreDown?: StoreDownPolicy) {
  const connection = new RedisConnection({ url: 'redis://127.0.0.1:1', connectTimeoutMs: 200 });
  const setup = await createGovernedApp({
    store: new RedisCounterStore({ connection }),
    limits: { caller: { requestsPerMinute: 5, tokensPerMinute: null } },
    budgets: { tenant: { dailyUsd: 1, monthlyUsd: null } },
    ...(onStoreDown ? { onStoreDown } : {}),
  });
  return { ...setup, close: () => connection.close() };
}

describe('limits.onStoreDown', () => {
  it('closed (default): answers a limited request 503 dependency_unavailable with Retry-After', async () => {
    const setup = await setupWithStoreDown();
    try {
      const response = await setup.app.request('/api/knowledge-bases', {
        headers: withKey(setup.user.secret),
      });
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(response.status).toBe(503);
      expect(body.error.code).toBe('dependency_unavailable');
      expect(body.error.message).toContain('Rate limits and budgets cannot be checked');
      // The store's address stays in the log.
      expect(body.error.message).not.toContain('127.0.0.1');
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(setup.storeFailures).toEqual(['refused']);
    } finally {
      await setup.close();
    }
  });

  it('closed: refuses a metered chat with 503 before the model is called', async () => {
    const setup = await setupWithStoreDown('closed');
    try {
      const response = await postWithKey(setup.app, '/api/chat', setup.user.secret, {
        message: 'Hello?',
        knowledgeBase: null,
      });
      expect(response.status).toBe(503);
      expect(await setup.services.usage.summarize('acme', {})).toEqual([]);
    } finally {
      await setup.close();
    }
  });

  it('closed: a sign-in attempt gets 503, not a pass around the failed sign-in limit', async () => {
    const setup = await setupWithStoreDown('closed');
    try {
      const response = await setup.app.request('/api/knowledge-bases', { headers: withKey('gw_wrong') });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).not.toBeNull();
    } finally {
      await setup.close();
    }
  });

  it('open: serves limited requests uncounted, without x-ratelimit headers, and reports each', async () => {
    const setup = await setupWithStoreDown('open');
    try {
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 8; attempt++) {
        const response = await setup.app.request('/api/knowledge-bases', {
          headers: withKey(setup.user.secret),
        });
        statuses.push(response.status);
        expect(response.headers.get('x-ratelimit-limit-requests')).toBeNull();
      }
      // Past the limit of 5: nothing counts while the store is down.
      expect(statuses).toEqual(Array(8).fill(200));
      // Two checks a request: the failed sign-in count of its address, and its rate limit.
      expect(setup.storeFailures).toEqual(Array(16).fill('uncounted'));
      const chat = await postWithKey(setup.app, '/api/chat', setup.user.secret, {
        message: 'Hello?',
        knowledgeBase: null,
      });
      expect(chat.status).toBe(200);
    } finally {
      await setup.close();
    }
  });
});
