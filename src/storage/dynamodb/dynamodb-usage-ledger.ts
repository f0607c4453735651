/**
 * UsageLedger on DynamoDB. Each entry is one item keyed by its id (a conditional put, so a retried write
 * is stored once); the list index orders a tenant's entries by time, so `summarize` is one Query over the
 * window, grouped here by UTC day, model, key and user. Rows of one user are the same Query with a filter
 * on `userId`: it reads the tenant's window and returns that user's items (see
 * docs/decisions/2026-12-07-usage-per-user.md for why no index of its own).
 */
import type { UsageLedger, UsageQuery } from '../../core/ports.ts';
import { requireText } from '../../core/storage-input.ts';
import type { UsageEntry, UsageSummaryRow } from '../../core/types.ts';
import { keys, sortableTime } from './dynamodb-keys.ts';
import { type DynamoDbTable, nullableNumber, nullableString, toDate } from './dynamodb-table.ts';
import { LIST_INDEX } from './table-definitions.ts';

export interface RetentionOptions {
  /** Items expire (DynamoDB TTL) this many days after they were created; undefined keeps them. */
  retentionDays?: number;
}

export class DynamoDbUsageLedger implements UsageLedger {
  constructor(
    private readonly table: DynamoDbTable,
    private readonly options: RetentionOptions = {},
  ) {}

  /** Recording the same entry id twice keeps the first: retries do not double-count. */
  async record(entry: UsageEntry): Promise<void> {
    requireText(entry.tenantId, 'tenant id');
    requireText(entry.id, 'usage entry id');
    // A retried write finds the first and keeps it.
    await this.table.putNew(
      {
        ...keys.usage(entry.tenantId, entry.id),
        gsi1pk: keys.usageList(entry.tenantId),
        gsi1sk: `${sortableTime(entry.createdAt)}#${entry.id}`,
        kind: 'usage',
        id: entry.id,
        tenantId: entry.tenantId,
        apiKeyId: entry.apiKeyId,
        userId: entry.userId ?? null,
        model: entry.model,
        operation: entry.operation,
        inputTokens: entry.inputTokens,
        outputTokens: entry.outputTokens,
        cachedTokens: entry.cachedTokens,
        costUsd: entry.costUsd,
        latencyMs: entry.latencyMs,
        outcome: entry.outcome,
        createdAt: sortableTime(entry.createdAt),
        ...expiry(entry.createdAt, this.options.retentionDays),
      },
      'skip',
    );
  }

  /** Rows by UTC day, model and API key (no key first), oldest day first; `from` inclusive, `to` exclusive. */
  async summarize(tenantId: string, query: UsageQuery = {}): Promise<UsageSummaryRow[]> {
    const values: Record<string, unknown> = { ':list': keys.usageList(tenantId) };
    let condition = 'gsi1pk = :list';
    // Sort keys are `<ISO time>#<id>`: `>= from` keeps entries at `from`; `<= to` drops those at `to`.
    if (query.from && query.to) {
      condition += ' AND gsi1sk BETWEEN :from AND :to';
      values[':from'] = sortableTime(query.from);
      values[':to'] = sortableTime(query.to);
    } else if (query.from) {
      condition += ' AND gsi1sk >= :from';
      values[':from'] = sortableTime(query.from);
    } else if (query.to) {
      condition += ' AND gsi1sk < :to';
      values[':to'] = sortableTime(query.to);
    }
    const filter: { FilterExpression?: string } = {};
    if (query.userId !== undefined) {
      filter.FilterExpression = 'userId = :user';
      values[':user'] = query.userId;
    }
    const groups = new Map<string, UsageSummaryRow>();
    for await (const page of this.table.queryPages({
      IndexName: LIST_INDEX,
      KeyConditionExpression: condition,
      ExpressionAttributeValues: values,
      ...filter,
    })) {
      for (const item of page) addToSummary(groups, item);
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

function addToSummary(groups: Map<string, UsageSummaryRow>, item: Record<string, unknown>): void {
  const day = toDate(item.createdAt).toISOString().slice(0, 10);
  const model = String(item.model);
  const apiKeyId = nullableString(item.apiKeyId);
  // Items written before usage was kept per user have no userId attribute.
  const userId = nullableString(item.userId);
  const key = JSON.stringify([day, model, apiKeyId, userId]);
  let row = groups.get(key);
  if (!row) {
    row = {
      day,
      model,
      apiKeyId,
      userId,
      calls: 0,
      inputTokens: 0,
      outputTokens: 0,
      costUsd: null,
      unpricedCalls: 0,
    };
    groups.set(key, row);
  }
  const cost = nullableNumber(item.costUsd);
  row.calls += 1;
  row.inputTokens += Number(item.inputTokens);
  row.outputTokens += Number(item.outputTokens);
  if (cost === null) row.unpricedCalls += 1;
  else row.costUsd = (row.costUsd ?? 0) + cost;
}

/** The TTL attribute for an item created at `createdAt`, when a retention is set. */
export function expiry(createdAt: Date, retentionDays: number | undefined): { expiresAt?: number } {
  if (retentionDays === undefined) return {};
  return { expiresAt: Math.floor(createdAt.getTime() / 1000) + Math.round(retentionDays * 86_400) };
}

function compareText(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

function compareNullableText(left: string | null, right: string | null): number {
  if (left === right) return 0;
  if (left === null) return -1;
  if (right === null) return 1;
  return compareText(left, right);
}
