/** AuditLog on DynamoDB: one item per event id (first write wins), listed newest first from the list index. */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditLog } from '../../core/ports.ts';
import { requireText } from '../../core/storage-input.ts';
import type { AuditEvent } from '../../core/types.ts';
import { pageSize } from './dynamodb-conversation-store.ts';
import { keys, sortableTime } from './dynamodb-keys.ts';
import { type DynamoDbTable, fromJson, toDate, toJson } from './dynamodb-table.ts';
import { expiry, type RetentionOptions } from './dynamodb-usage-ledger.ts';
import { LIST_INDEX } from './table-definitions.ts';
import { isConditionFailure } from './translate-dynamodb-error.ts';

export class DynamoDbAuditLog implements AuditLog {
  constructor(
    private readonly table: DynamoDbTable,
    private readonly options: RetentionOptions = {},
  ) {}

  /** Recording the same event id twice keeps the first. */
  async record(event: AuditEvent): Promise<void> {
    requireText(event.tenantId, 'tenant id');
    requireText(event.id, 'audit event id');
    try {
      await this.table.run((client, TableName) =>
        client.send(
          new PutCommand({
            TableName,
            Item: {
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
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  /** Newest first; `limit` defaults to 100 and is capped at 1,000. */
  async list(tenantId: string, options: { limit?: number } = {}): Promise<AuditEvent[]> {
    const limit = pageSize(options.limit, 100, 1000);
    const events: AuditEvent[] = [];
    for await (const page of this.table.queryPages({
      IndexName: LIST_INDEX,
      KeyConditionExpression: 'gsi1pk = :list',
      ExpressionAttributeValues: { ':list': keys.auditList(tenantId) },
      ScanIndexForward: false,
      Limit: limit,
    })) {
      events.push(...page.map(toAuditEvent));
      if (events.length >= limit) break;
    }
    return events.slice(0, limit);
  }
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
