/**
 * What rate limits and budgets add to one request: the limiter check (requests and tokens of the key and
 * its tenant, one counter-store call) plus a budget reservation and its settlement (two more calls), on
 * in-process counters and on the Redis at GODWIT_REDIS_URL (default redis://127.0.0.1:6379), one request
 * at a time. Also the whole app path: GET /api/knowledge-bases in process with and without limits.
 *
 *   npx tsx bench/limits-overhead.ts [requests]
 */
import { randomUUID } from 'node:crypto';
import { Governance } from '../src/core/limits/index.ts';
import type { CounterStore } from '../src/core/ports.ts';
import { MemoryCounterStore } from '../src/storage/memory/memory-counter-store.ts';
import { RedisConnection, RedisCounterStore } from '../src/storage/redis/index.ts';
import { createGovernedApp, withKey } from '../test/server/governed-app.ts';

const requests = Number(process.argv[2] ?? 5000);
const rule = { requestsPerMinute: 1_000_000_000, tokensPerMinute: 1_000_000_000 };
const budget = { dailyUsd: 1_000_000, monthlyUsd: null };

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function governance(store: CounterStore): Governance {
  return new Governance({
    store,
    storeName: 'bench',
    limits: { caller: rule, roles: {}, keys: {}, tenant: rule, tenants: {}, failedAuthPerMinute: 20 },
    budgets: {
      key: budget,
      keys: {},
      user: budget,
      users: {},
      tenant: budget,
      tenants: {},
      alertThresholds: [0.5, 0.75, 0.9],
      estimateOutputTokens: 1024,
    },
  });
}

async function measure(name: string, store: CounterStore, count: number) {
  const rules = governance(store);
  const caller = { tenantId: 'bench', userId: 'key:k1', role: 'user' as const, apiKeyId: 'k1' };
  const limit: number[] = [];
  const full: number[] = [];
  for (let index = 0; index < count + 200; index++) {
    const start = performance.now();
    await rules.rate.check(rules.rateScopes(caller));
    const checked = performance.now();
    const reservation = await rules.budget.reserve(rules.budgetScopes(caller), 0.002);
    await rules.budget.settle(reservation, 0.0015);
    const end = performance.now();
    if (index >= 200) {
      limit.push(checked - start);
      full.push(end - start);
    }
  }
  const ms = (value: number) => value.toFixed(3);
  console.log(
    `${name.padEnd(10)} limiter check p50 ${ms(percentile(limit, 50))} ms p95 ${ms(percentile(limit, 95))} ms | ` +
      `check + reserve + settle p50 ${ms(percentile(full, 50))} ms p95 ${ms(percentile(full, 95))} ms (${count} requests)`,
  );
}

async function appPath(count: number) {
  const timings: Record<string, number[]> = { without: [], with: [] };
  const plain = await createGovernedApp();
  const limited = await createGovernedApp({ limits: { caller: rule, tenant: rule } });
  for (let index = 0; index < count + 200; index++) {
    for (const [name, setup] of [
      ['without', plain],
      ['with', limited],
    ] as const) {
      const start = performance.now();
      const response = await setup.app.request('/api/knowledge-bases', {
        headers: withKey(setup.user.secret),
      });
      await response.arrayBuffer();
      if (index >= 200) timings[name]!.push(performance.now() - start);
    }
  }
  const without = percentile(timings.without!, 50);
  const withLimits = percentile(timings.with!, 50);
  console.log(
    `app path   GET /api/knowledge-bases p50 ${without.toFixed(3)} ms without limits, ${withLimits.toFixed(3)} ms with (+${(withLimits - without).toFixed(3)} ms)`,
  );
}

await measure('memory', new MemoryCounterStore(), requests);
const connection = new RedisConnection({ url: process.env.GODWIT_REDIS_URL ?? 'redis://127.0.0.1:6379' });
try {
  await measure(
    'redis',
    new RedisCounterStore({ connection, keyPrefix: `godwit-bench:${randomUUID()}:` }),
    Math.min(requests, 2000),
  );
} catch (error) {
  console.log(`redis      skipped: ${error instanceof Error ? error.message : String(error)}`);
} finally {
  await connection.close();
}
await appPath(Math.min(requests, 2000));
