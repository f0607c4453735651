/**
 * What rate limits and budgets add to one request: the limiter check (requests and tokens of the key and
 * its tenant, one counter-store call) plus a budget reservation and its settlement (two more calls), on
 * in-process counters, on the Redis at GODWIT_REDIS_URL (default redis://127.0.0.1:6379) and on DynamoDB
 * (dynalite, started here on loopback), one request at a time, with each store's p50 as a multiple of
 * memory's. Also the whole app path: GET /api/knowledge-bases in process with and without limits.
 *
 *   npx tsx bench/limits-overhead.ts [requests]
 */
import { randomUUID } from 'node:crypto';
import { Governance } from '../src/core/limits/index.ts';
import type { CounterStore } from '../src/core/ports.ts';
import { openDynamoDbStorage } from '../src/storage/dynamodb/index.ts';
import { MemoryCounterStore } from '../src/storage/memory/memory-counter-store.ts';
import { RedisConnection, RedisCounterStore } from '../src/storage/redis/index.ts';
import { createGovernedApp, withKey } from '../test/server/governed-app.ts';
import { startDynalite } from '../test/support/dynalite-server.ts';

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

const medians: Record<string, { check: number; full: number }> = {};

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
  medians[name] = { check: percentile(limit, 50), full: percentile(full, 50) };
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
const dynalite = await startDynalite();
try {
  const storage = await openDynamoDbStorage({
    endpoint: dynalite.endpoint,
    tablePrefix: 'bench-',
    createTables: true,
    client: { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } },
  });
  await measure('dynamodb', storage.counters, Math.min(requests, 1000));
  await storage.close();
} finally {
  await dynalite.stop();
}
const base = medians.memory;
if (base) {
  for (const [name, median] of Object.entries(medians)) {
    console.log(
      `${name.padEnd(10)} p50 vs memory: limiter check ${(median.check / base.check).toFixed(0)}×, check + reserve + settle ${(median.full / base.full).toFixed(0)}×`,
    );
  }
}
await appPath(Math.min(requests, 2000));
