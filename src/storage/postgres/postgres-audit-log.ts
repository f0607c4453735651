/** AuditLog on the shared Postgres schema: append-only, newest first. */
import type { AuditLog } from '../../core/ports.ts';
import { requireText } from '../../core/storage-input.ts';
import type { AuditEvent, Metadata } from '../../core/types.ts';
import { pageSize } from './postgres-conversation-store.ts';
import type { SqlClient } from './sql-client.ts';

interface AuditRow {
  id: string;
  tenant_id: string;
  actor: string;
  action: string;
  target: string;
  details: Metadata;
  created_at: Date;
}

export class PostgresAuditLog implements AuditLog {
  constructor(private readonly client: SqlClient) {}

  /** Recording the same event id twice keeps the first. */
  async record(event: AuditEvent): Promise<void> {
    requireText(event.tenantId, 'tenant id');
    requireText(event.id, 'audit event id');
    await this.client.query(
      `INSERT INTO audit_log (tenant_id, id, actor, action, target, details, created_at)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)
       ON CONFLICT ON CONSTRAINT audit_log_pkey DO NOTHING`,
      [
        event.tenantId,
        event.id,
        event.actor,
        event.action,
        event.target,
        JSON.stringify(event.details ?? {}),
        event.createdAt,
      ],
    );
  }

  /** Newest first; `limit` defaults to 100 and is capped at 1,000. */
  async list(tenantId: string, options: { limit?: number } = {}): Promise<AuditEvent[]> {
    const rows = await this.client.query<AuditRow>(
      `SELECT id, tenant_id, actor, action, target, details, created_at FROM audit_log
        WHERE tenant_id = $1 ORDER BY created_at DESC, sequence DESC LIMIT $2`,
      [tenantId, pageSize(options.limit, 100, 1000)],
    );
    return rows.map((row) => ({
      id: row.id,
      tenantId: row.tenant_id,
      actor: row.actor,
      action: row.action,
      target: row.target,
      details: row.details,
      createdAt: row.created_at,
    }));
  }
}
