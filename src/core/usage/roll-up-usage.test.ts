import { describe, expect, it } from 'vitest';
import type { UsageSummaryRow } from '../types.ts';
import { rollUpUsage } from './roll-up-usage.ts';

function row(overrides: Partial<UsageSummaryRow>): UsageSummaryRow {
  return {
    day: '2026-12-07',
    model: 'openai:gpt-4.1-mini',
    apiKeyId: null,
    userId: null,
    calls: 1,
    inputTokens: 10,
    outputTokens: 1,
    costUsd: 0.01,
    unpricedCalls: 0,
    ...overrides,
  };
}

describe('rollUpUsage', () => {
  const rows = [
    row({ userId: 'discord:1' }),
    row({ userId: 'slack:T:U', costUsd: null, unpricedCalls: 1 }),
    row({ apiKeyId: 'k1', userId: 'key:k1', costUsd: 0.02 }),
    row({ apiKeyId: 'k1', userId: 'slack:T:U', costUsd: 0.03 }),
  ];

  it('sums the rows of each key, leaving the user out', () => {
    expect(rollUpUsage(rows, 'key')).toEqual([
      expect.objectContaining({ apiKeyId: null, calls: 2, costUsd: 0.01, unpricedCalls: 1 }),
      expect.objectContaining({ apiKeyId: 'k1', calls: 2, costUsd: 0.05, inputTokens: 20 }),
    ]);
    expect(rollUpUsage(rows, 'key').every((total) => !('userId' in total))).toBe(true);
  });

  it('sums the rows of each user, an unpriced call staying unpriced but not hiding priced ones', () => {
    const byUser = rollUpUsage(rows, 'user');
    expect(byUser.map((total) => ('userId' in total ? total.userId : undefined))).toEqual([
      'discord:1',
      'key:k1',
      'slack:T:U',
    ]);
    expect(byUser[2]).toMatchObject({ calls: 2, costUsd: 0.03, unpricedCalls: 1 });
    expect(byUser.every((total) => !('apiKeyId' in total))).toBe(true);
  });

  it('keeps days and models apart, oldest day first, rows without a user first', () => {
    const byUser = rollUpUsage(
      [
        row({ day: '2026-12-08', userId: 'discord:1' }),
        row({ day: '2026-12-07', userId: 'discord:1' }),
        row({ day: '2026-12-07', userId: null }),
        row({ day: '2026-12-07', model: 'bedrock:titan', userId: 'discord:1' }),
      ],
      'user',
    );
    expect(byUser.map((total) => [total.day, total.model, 'userId' in total ? total.userId : 'x'])).toEqual([
      ['2026-12-07', 'bedrock:titan', 'discord:1'],
      ['2026-12-07', 'openai:gpt-4.1-mini', null],
      ['2026-12-07', 'openai:gpt-4.1-mini', 'discord:1'],
      ['2026-12-08', 'openai:gpt-4.1-mini', 'discord:1'],
    ]);
  });
});
