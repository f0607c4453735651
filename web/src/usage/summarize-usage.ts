import type { UsageRow } from '../api/types.ts';

export interface UsageTotals {
  key: string;
  calls: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  unpricedCalls: number;
}

/** Sums usage rows by a key (day, model or API key), sorted by key. */
export function totalsBy(rows: UsageRow[], keyOf: (row: UsageRow) => string): UsageTotals[] {
  const totals = new Map<string, UsageTotals>();
  for (const row of rows) {
    const key = keyOf(row);
    const total = totals.get(key) ?? {
      key,
      calls: 0,
      inputTokens: 0,
      outputTokens: 0,
      costUsd: 0,
      unpricedCalls: 0,
    };
    total.calls += row.calls;
    total.inputTokens += row.inputTokens;
    total.outputTokens += row.outputTokens;
    total.costUsd += row.costUsd ?? 0;
    total.unpricedCalls += row.unpricedCalls;
    totals.set(key, total);
  }
  return [...totals.values()].sort((a, b) => a.key.localeCompare(b.key));
}

export function formatCost(usd: number): string {
  return usd === 0 ? '$0' : usd < 0.01 ? `$${usd.toFixed(6)}` : `$${usd.toFixed(2)}`;
}

export function formatNumber(value: number): string {
  return value.toLocaleString('en-US');
}
