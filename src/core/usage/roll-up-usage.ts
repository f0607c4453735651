/** Usage rows as people ask for them: by day, model and API key, or by day, model and user. */
import type { UsageSummaryRow } from '../types.ts';

export type UsageGrouping = 'key' | 'user';

/** A summary row with only the dimension asked for: `apiKeyId` (by key) or `userId` (by user). */
export type UsageReportRow = Omit<UsageSummaryRow, 'apiKeyId' | 'userId'> &
  ({ apiKeyId: string | null } | { userId: string | null });

/**
 * Sums the ledger's rows (by day, model, key and user) over the dimension not asked for, keeping the
 * ledger's order (day, model, then the dimension, none first). Unpriced calls stay unpriced.
 *
 * @example rollUpUsage(rows, 'user') // [{ day: '2026-12-07', model: 'openai:gpt-4.1-mini', userId: 'discord:111', calls: 2, … }]
 */
export function rollUpUsage(rows: readonly UsageSummaryRow[], by: UsageGrouping): UsageReportRow[] {
  const groups = new Map<string, UsageSummaryRow>();
  for (const row of rows) {
    const owner = by === 'key' ? row.apiKeyId : row.userId;
    const key = JSON.stringify([row.day, row.model, owner]);
    const total = groups.get(key);
    if (!total) {
      groups.set(key, { ...row });
      continue;
    }
    total.calls += row.calls;
    total.inputTokens += row.inputTokens;
    total.outputTokens += row.outputTokens;
    total.unpricedCalls += row.unpricedCalls;
    if (row.costUsd !== null) total.costUsd = (total.costUsd ?? 0) + row.costUsd;
  }
  return [...groups.values()]
    .sort(
      (left, right) =>
        compare(left.day, right.day) ||
        compare(left.model, right.model) ||
        compare(ownerOf(left, by), ownerOf(right, by)),
    )
    .map(({ apiKeyId, userId, ...totals }) =>
      by === 'key' ? { ...totals, apiKeyId } : { ...totals, userId },
    );
}

function ownerOf(row: UsageSummaryRow, by: UsageGrouping): string | null {
  return by === 'key' ? row.apiKeyId : row.userId;
}

/** Text order, null first (as `ORDER BY … NULLS FIRST`). */
function compare(left: string | null, right: string | null): number {
  if (left === right) return 0;
  if (left === null) return -1;
  if (right === null) return 1;
  return left < right ? -1 : 1;
}
