import { describe, expect, it } from 'vitest';
import { MemoryCounterStore } from '../storage/memory/memory-counter-store.ts';
import { counterStoreName, openCounterStore } from './create-governance.ts';
import { configSchema } from './schema.ts';

const parse = (input: Record<string, unknown>) => configSchema.parse(input);
const records = new MemoryCounterStore();

describe('where counters live (limits.store)', () => {
  it.each([
    ['memory on the embedded default', {}, 'memory'],
    ['redis when redis.url is set', { redis: { url: 'redis://127.0.0.1:6379' } }, 'redis'],
    ['dynamodb when records are in DynamoDB', { storage: { conversations: 'dynamodb' } }, 'dynamodb'],
    ['the database when database.url is set', { database: { url: 'postgres://127.0.0.1/test' } }, 'database'],
    [
      'what limits.store names',
      { limits: { store: 'memory' }, redis: { url: 'redis://127.0.0.1:6379' } },
      'memory',
    ],
  ])('chooses %s', (_name, input, expected) => {
    expect(counterStoreName(parse(input))).toBe(expected);
  });

  it('uses the records store for database and dynamodb counters', async () => {
    const opened = await openCounterStore(parse({ database: { url: 'postgres://127.0.0.1/test' } }), records);
    expect(opened.store).toBe(records);
  });

  it.each([
    [
      'redis without redis.url',
      { limits: { store: 'redis' } },
      /limits\.store is "redis" but redis\.url is not set/,
    ],
    ['dynamodb without DynamoDB records', { limits: { store: 'dynamodb' } }, /storage\.conversations is not/],
    [
      'database while records are in DynamoDB',
      { limits: { store: 'database' }, storage: { conversations: 'dynamodb' } },
      /choose limits\.store dynamodb or redis/,
    ],
  ])('refuses %s, naming the key and the fix', async (_name, input, message) => {
    await expect(openCounterStore(parse(input), records)).rejects.toThrow(message);
  });

  it('refuses a bad limit or budget in the config, naming the key', () => {
    expect(() => parse({ limits: { caller: { requestsPerMinute: 0 } } })).toThrow(/requestsPerMinute/);
    expect(() => parse({ budgets: { tenant: { dailyUsd: -1 } } })).toThrow(/dailyUsd/);
    expect(() => parse({ budgets: { alertThresholds: [1.5] } })).toThrow(/alertThresholds/);
    expect(() => parse({ limits: { roles: { owner: {} } } })).toThrow(/owner/);
  });
});
