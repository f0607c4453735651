/** UsageLedger in memory. A null cost means "no price known" and is never summed as 0. */
import type { UsageLedger, UsageQuery } from '../../core/ports.ts';
import { requireText } from '../../core/storage-input.ts';
import type { UsageEntry, UsageSummaryRow } from '../../core/types.ts';
import { compareText, copy, tenantKey } from './memory-knowledge-state.ts';

export class MemoryUsageLedger implements UsageLedger {
  private readonly entries = new Map<string, UsageEntry>();

  /** Recording the same entry id twice keeps the first: retries do not double-count. */
  async record(entry: UsageEntry): Promise<void> {
    requireText(entry.tenantId, 'tenant id');
    requireText(entry.id, 'usage entry id');
    const key = tenantKey(entry.tenantId, entry.id);
    if (!this.entries.has(key)) this.entries.set(key, copy(entry));
  }

  /** All or none: every entry is checked before any is stored. */
  async recordMany(entries: UsageEntry[]): Promise<void> {
    for (const entry of entries) {
      requireText(entry.tenantId, 'tenant id');
      requireText(entry.id, 'usage entry id');
    }
    for (const entry of entries) await this.record(entry);
  }

  async summarize(tenantId: string, query: UsageQuery = {}): Promise<UsageSummaryRow[]> {
    const groups = new Map<string, UsageSummaryRow>();
    for (const entry of this.entries.values()) {
      if (entry.tenantId !== tenantId) continue;
      if (query.from && entry.createdAt < query.from) continue;
      if (query.to && entry.createdAt >= query.to) continue;
      const userId = entry.userId ?? null;
      if (query.userId !== undefined && userId !== query.userId) continue;
      const day = entry.createdAt.toISOString().slice(0, 10);
      const key = JSON.stringify([day, entry.model, entry.apiKeyId, userId]);
      let row = groups.get(key);
      if (!row) {
        row = {
          day,
          model: entry.model,
          apiKeyId: entry.apiKeyId,
          userId,
          calls: 0,
          inputTokens: 0,
          outputTokens: 0,
          costUsd: null,
          unpricedCalls: 0,
        };
        groups.set(key, row);
      }
      row.calls += 1;
      row.inputTokens += entry.inputTokens;
      row.outputTokens += entry.outputTokens;
      if (entry.costUsd === null) row.unpricedCalls += 1;
      else row.costUsd = (row.costUsd ?? 0) + entry.costUsd;
    }
    return [...groups.values()].sort(
      (left, right) =>
        compareText(left.day, right.day) ||
        compareText(left.model, right.model) ||
        compareNullableText(left.apiKeyId, right.apiKeyId) ||
        compareNullableText(left.userId, right.userId),
    );
  }
}

/** Null first, as `ORDER BY … NULLS FIRST`. */
function compareNullableText(left: string | null, right: string | null): number {
  if (left === right) return 0;
  if (left === null) return -1;
  if (right === null) return 1;
  return compareText(left, right);
}
