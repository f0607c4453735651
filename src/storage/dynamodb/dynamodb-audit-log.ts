/** AuditLog on DynamoDB: one item per event id (first write wins), listed newest first from the list index. */
import { matchesAuditQuery, readAuditQuery } from '../../core/audit/audit-query.ts';
import type { AuditLog, AuditQuery } from '../../core/ports.ts';
import { requireText } from '../../core/storage-input.ts';
import type { AuditEvent } from '../../core/types.ts';
import { keys, sortableTime } from './dynamodb-keys.ts';
import { type DynamoDbTable, fromJson, toDate, toJson } from './dynamodb-table.ts';
import { expiry, type RetentionOptions } from './dynamodb-usage-ledger.ts';
import { LIST_INDEX } from './table-definitions.ts';

export class DynamoDbAuditLog implements AuditLog {
  constructor(
    private readonly table: DynamoDbTable,
    private readonly options: RetentionOptions = {},
  ) {}

  /** Recording the same event id twice keeps the first. */
  async record(event: AuditEvent): Promise<void> {
    requireText(event.tenantId, 'tenant id');
    requireText(event.id, 'audit event id');
    // A retried write finds the first and keeps it.
    await this.table.putNew(
      {
        ...keys.audit(event.tenantId, event.id),
        gsi1pk: keys.auditList(event.tenantId),
        gsi1sk: `${sortableTime(event.createdAt)}#${event.id}`,
        kind: 'audit',
        id: event.id,
        tenantId: event.tenantId,
        actor: event.actor,
        action: event.action,
        target: event.target,
        details: toJson(event.details ?? {}),
        createdAt: sortableTime(event.createdAt),
        ...expiry(event.createdAt, this.options.retentionDays),
      },
      'skip',
    );
  }

  /**
   * Newest first; `limit` defaults to 100 and may be up to 1,000. Time bounds narrow the index range;
   * action and actor are filtered on the server (a page may then read past `limit` items to fill up).
   */
  async list(tenantId: string, query: AuditQuery = {}): Promise<AuditEvent[]> {
    const { limit, action } = readAuditQuery(query);
    const values: Record<string, unknown> = { ':list': keys.auditList(tenantId) };
    const upper = upperBound(query);
    let range = '';
    if (query.from && upper !== undefined) {
      range = ' AND gsi1sk BETWEEN :from AND :upper';
      values[':from'] = `${sortableTime(query.from)}#`;
      values[':upper'] = upper;
    } else if (query.from) {
      range = ' AND gsi1sk >= :from';
      values[':from'] = `${sortableTime(query.from)}#`;
    } else if (upper !== undefined) {
      range = ' AND gsi1sk <= :upper';
      values[':upper'] = upper;
    }
    const filters: string[] = [];
    const names: Record<string, string> = {};
    if (query.actor !== undefined) {
      filters.push('actor = :actor');
      values[':actor'] = query.actor;
    }
    if (action) {
      names['#action'] = 'action';
      filters.push('exact' in action ? '#action = :action' : 'begins_with(#action, :action)');
      values[':action'] = 'exact' in action ? action.exact : action.prefix;
    }
    const events: AuditEvent[] = [];
    for await (const page of this.table.queryPages({
      IndexName: LIST_INDEX,
      KeyConditionExpression: `gsi1pk = :list${range}`,
      ...(filters.length > 0 ? { FilterExpression: filters.join(' AND ') } : {}),
      ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
      ExpressionAttributeValues: values,
      ScanIndexForward: false,
      Limit: limit + 1,
    })) {
      // The range is inclusive at the resume point; the event it names was on the previous page.
      events.push(...page.map(toAuditEvent).filter((event) => matchesAuditQuery(event, query)));
      if (events.length >= limit) break;
    }
    return events.slice(0, limit);
  }
}

/** The highest sort key wanted: the end of `to`, or the resume point, whichever is lower. */
function upperBound(query: AuditQuery): string | undefined {
  const bounds: string[] = [];
  if (query.to) bounds.push(`${sortableTime(query.to)}#\uffff`);
  if (query.after) bounds.push(`${sortableTime(query.after.createdAt)}#${query.after.id}`);
  if (bounds.length === 0) return undefined;
  return bounds.sort()[0];
}

function toAuditEvent(item: Record<string, unknown>): AuditEvent {
  return {
    id: String(item.id),
    tenantId: String(item.tenantId),
    actor: String(item.actor),
    action: String(item.action),
    target: String(item.target),
    details: fromJson(item.details, {}),
    createdAt: toDate(item.createdAt),
  };
}
