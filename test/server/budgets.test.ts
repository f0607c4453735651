/**
 * Budgets through the app: 50 concurrent chat calls against a small daily budget never spend more than
 * one call's worth past it, on in-process counters, real Redis and real PostgreSQL; a failed call gives its
 * reservation back; thresholds raise alerts once each; `GET /api/usage` shows where each budget stands.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { CounterStore } from '../../src/core/ports.ts';
import { MemoryCounterStore } from '../../src/storage/memory/memory-counter-store.ts';
import { openPostgresStorage, type PostgresStorage } from '../../src/storage/postgres/index.ts';
import { RedisConnection, RedisCounterStore } from '../../src/storage/redis/index.ts';
import {
  describeWithService,
  dropSchema,
  postgresUrl,
  redisUrl,
  uniqueSchemaName,
} from '../support/services.ts';
import { createGovernedApp, postWithKey, TENANT, withKey } from './governed-app.ts';

const describeWithRedis = await describeWithService('redis');
const describeWithPostgres = await describeWithService('postgres');

/** The mock model reports 40 input and 9 output tokens; the test pricing is $0.000001 a token. */
const CALL_COST = 49 * 0.000001;
const BUDGET = 0.0005;
/** About 3 bytes a token over-counts this message, so each reservation covers its call. */
const MESSAGE = 'Summarise the leave policy for new staff in one sentence, please. '.repeat(2);

async function spendUnderConcurrency(store: CounterStore) {
  const setup = await createGovernedApp({
    store,
    budgets: { tenant: { dailyUsd: BUDGET, monthlyUsd: null }, estimateOutputTokens: 16 },
  });
  const responses = await Promise.all(
    Array.from({ length: 50 }, () =>
      postWithKey(setup.app, '/api/chat', setup.user.secret, { message: MESSAGE, knowledgeBase: null }),
    ),
  );
  const statuses = await Promise.all(
    responses.map(async (response) => {
      const body = (await response.json()) as { error?: { message: string } };
      if (response.status === 429)
        expect(body.error?.message).toMatch(/Budget reached: this tenant may spend/);
      return response.status;
    }),
  );
  const rows = await setup.services.usage.summarize(TENANT);
  const spent = rows.reduce((sum, row) => sum + (row.costUsd ?? 0), 0);
  return { setup, statuses, spent };
}

function expectWithinOneCall({ statuses, spent }: { statuses: number[]; spent: number }) {
  const answered = statuses.filter((status) => status === 200).length;
  expect(answered + statuses.filter((status) => status === 429).length).toBe(50);
  expect(answered).toBeGreaterThan(0);
  expect(answered).toBeLessThan(50);
  expect(spent).toBeCloseTo(answered * CALL_COST, 9);
  expect(spent).toBeLessThanOrEqual(BUDGET + CALL_COST);
}

describe('budgets on in-process counters', () => {
  it('never overshoots by more than one call under 50 concurrent calls', async () => {
    expectWithinOneCall(await spendUnderConcurrency(new MemoryCounterStore()));
  });

  it('raises each threshold alert once, shows the budget in GET /api/usage and counts refusals in /metrics', async () => {
    const setup = await createGovernedApp({
      budgets: {
        tenant: { dailyUsd: BUDGET, monthlyUsd: null },
        estimateOutputTokens: 16,
        alertThresholds: [0.5, 0.75, 0.8],
      },
    });
    // One call after another, until the budget refuses the next estimate: nine calls spend 88 % of it.
    let answered = 0;
    for (let call = 0; call < 20; call++) {
      const response = await postWithKey(setup.app, '/api/chat', setup.user.secret, {
        message: MESSAGE,
        knowledgeBase: null,
      });
      await response.text();
      if (response.status !== 200) {
        expect(response.status).toBe(429);
        break;
      }
      answered += 1;
    }
    expect(answered * CALL_COST).toBeGreaterThan(BUDGET * 0.8);
    await vi.waitFor(() => expect(setup.alerts.map((alert) => alert.threshold)).toContain(0.8));
    const thresholds = setup.alerts.map((alert) => alert.threshold);
    expect(thresholds).toEqual([0.5, 0.75, 0.8]);
    const usage = await setup.app.request('/api/usage', { headers: withKey(setup.admin.secret) });
    const { budgets } = (await usage.json()) as {
      budgets: Array<{
        scope: string;
        period: string;
        limitUsd: number;
        usedUsd: number;
        reservedUsd: number;
        crossed: number[];
      }>;
    };
    expect(budgets).toHaveLength(1);
    expect(budgets[0]).toMatchObject({ scope: 'tenant', period: 'day', limitUsd: BUDGET });
    expect(budgets[0]!.crossed).toEqual([0.5, 0.75, 0.8]);
    expect(budgets[0]!.usedUsd).toBeCloseTo(answered * CALL_COST, 9);
    expect(budgets[0]!.reservedUsd).toBe(0);
    const metrics = await (
      await setup.app.request('/metrics', { headers: withKey(setup.admin.secret) })
    ).text();
    expect(metrics).toMatch(/godwit_limit_refusals_total\{reason="budget_exceeded",scope="tenant"\} [1-9]/);
    expect(metrics).toMatch(/godwit_budget_alerts_total\{scope="tenant",period="day",threshold="0.8"\} 1/);
  });

  it('gives a failed call its reservation back and spends nothing for it', async () => {
    const setup = await createGovernedApp({
      budgets: { key: { dailyUsd: 0.01, monthlyUsd: 0.5 }, estimateOutputTokens: 16 },
    });
    const failed = await postWithKey(setup.app, '/api/chat', setup.user.secret, {
      message: 'Hello',
      knowledgeBase: null,
      model: 'mock:fail',
    });
    expect(failed.status).toBe(502);
    await failed.text();
    const usage = await setup.app.request('/api/usage', { headers: withKey(setup.user.secret) });
    const { budgets } = (await usage.json()) as {
      budgets: Array<{ scope: string; period: string; usedUsd: number }>;
    };
    expect(
      budgets.filter((budget) => budget.scope === 'key').map((budget) => [budget.period, budget.usedUsd]),
    ).toEqual([
      ['day', 0],
      ['month', 0],
    ]);
  });

  it('refuses a call whose estimate alone passes the budget, naming it, and spends nothing', async () => {
    const setup = await createGovernedApp({ budgets: { key: { dailyUsd: 0.000001, monthlyUsd: null } } });
    const refused = await postWithKey(setup.app, '/v1/chat/completions', setup.user.secret, {
      model: 'mock:answer',
      messages: [{ role: 'user', content: 'Hello' }],
    });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    const error = ((await refused.json()) as { error: { message: string; type: string } }).error;
    expect(error.type).toBe('rate_limit_error');
    expect(error.message).toMatch(/Budget reached: this API key may spend \$0\.000001 per UTC day/);
    expect(await setup.services.usage.summarize(TENANT)).toEqual([]);
  });
});

const redisCleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of redisCleanups) await cleanup();
});

describeWithRedis('budgets on Redis', () => {
  it('never overshoots by more than one call under 50 concurrent calls', async () => {
    const keyPrefix = `godwit-test:${randomUUID()}:`;
    const connection = new RedisConnection({ url: redisUrl() });
    redisCleanups.push(async () => {
      const admin = new Redis(redisUrl());
      const keys = await admin.keys(`${keyPrefix}*`);
      if (keys.length > 0) await admin.del(...keys);
      await admin.quit();
      await connection.close();
    });
    expectWithinOneCall(await spendUnderConcurrency(new RedisCounterStore({ connection, keyPrefix })));
  });
});

describeWithPostgres('budgets on PostgreSQL', () => {
  const schema = uniqueSchemaName('budgets');
  let storage: PostgresStorage | undefined;
  afterAll(async () => {
    await storage?.close();
    await dropSchema(postgresUrl(), schema);
  });

  it('never overshoots by more than one call under 50 concurrent calls', async () => {
    storage = await openPostgresStorage({ url: postgresUrl(), schema });
    expectWithinOneCall(await spendUnderConcurrency(storage.counters));
  });
});
