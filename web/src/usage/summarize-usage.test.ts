import { describe, expect, it } from 'vitest';
import type { UsageRow } from '../api/types.ts';
import { formatCost, totalsBy } from './summarize-usage.ts';

const row = (patch: Partial<UsageRow>): UsageRow => ({
  day: '2026-11-20',
  model: 'openai:gpt-4.1-mini',
  apiKeyId: null,
  calls: 1,
  inputTokens: 100,
  outputTokens: 10,
  costUsd: 0.001,
  unpricedCalls: 0,
  ...patch,
});

describe('totalsBy', () => {
  it('sums rows per key and counts unpriced calls without inventing a cost', () => {
    const rows = [
      row({}),
      row({ day: '2026-11-21', calls: 2, inputTokens: 50 }),
      row({ model: 'local:extractive', costUsd: null, unpricedCalls: 3, calls: 3 }),
    ];
    expect(totalsBy(rows, (entry) => entry.model)).toEqual([
      { key: 'local:extractive', calls: 3, inputTokens: 100, outputTokens: 10, costUsd: 0, unpricedCalls: 3 },
      {
        key: 'openai:gpt-4.1-mini',
        calls: 3,
        inputTokens: 150,
        outputTokens: 20,
        costUsd: 0.002,
        unpricedCalls: 0,
      },
    ]);
    expect(totalsBy(rows, (entry) => entry.day).map((total) => total.key)).toEqual([
      '2026-11-20',
      '2026-11-21',
    ]);
  });

  it('formats small and large costs', () => {
    expect(formatCost(0)).toBe('$0');
    expect(formatCost(0.000049)).toBe('$0.000049');
    expect(formatCost(12.345)).toBe('$12.35');
  });
});
