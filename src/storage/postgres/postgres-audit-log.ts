/** AuditLog on the shared Postgres schema: append-only, newest first. */
import { readAuditQuery } from '../../core/audit/audit-query.ts';
import type { AuditLog, AuditQuery } from '../../core/ports.ts';
import { requireText } from '../../core/storage-input.ts';
import type { AuditEvent, Metadata } from '../../core/types.ts';
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

  /** One statement for the lot: a folder's uploads record one event per file. */
  async recordMany(events: readonly AuditEvent[]): Promise<void> {
    for (const event of events) {
      requireText(event.tenantId, 'tenant id');
      requireText(event.id, 'audit event id');
    }
    // A repeated id within the lot keeps its first event too.
    const first = new Map<string, AuditEvent>();
    for (const event of events) {
      const key = `${event.tenantId}\u0000${event.id}`;
      if (!first.has(key)) first.set(key, event);
    }
    if (first.size === 0) return;
    const rows = [...first.values()].map((event) => ({
      tenant_id: event.tenantId,
      id: event.id,
      actor: event.actor,
      action: event.action,
      target: event.target,
      details: event.details ?? {},
      created_at: event.createdAt.toISOString(),
    }));
    await this.client.query(
      `INSERT INTO audit_log (tenant_id, id, actor, action, target, details, created_at)
       SELECT r.tenant_id, r.id, r.actor, r.action, r.target, r.details, r.created_at
         FROM json_to_recordset($1::json) AS r(
           tenant_id text, id text, actor text, action text, target text, details jsonb, created_at timestamptz)
       ON CONFLICT ON CONSTRAINT audit_log_pkey DO NOTHING`,
      [JSON.stringify(rows)],
    );
  }

  /** Newest first; `limit` defaults to 100 and may be up to 1,000. */
  async list(tenantId: string, query: AuditQuery = {}): Promise<AuditEvent[]> {
    const { limit, action } = readAuditQuery(query);
    const params: unknown[] = [tenantId];
    const conditions = ['tenant_id = $1'];
    const add = (sql: (placeholder: string) => string, value: unknown) => {
      params.push(value);
      conditions.push(sql(`$${params.length}`));
    };
    if (query.from) add((p) => `created_at >= ${p}`, query.from);
    if (query.to) add((p) => `created_at <= ${p}`, query.to);
    if (query.actor !== undefined) add((p) => `actor = ${p}`, query.actor);
    if (action && 'exact' in action) add((p) => `action = ${p}`, action.exact);
    if (action && 'prefix' in action) add((p) => `starts_with(action, ${p})`, action.prefix);
    if (query.after) {
      params.push(query.after.createdAt, query.after.id);
      const time = `$${params.length - 1}`;
      const id = `$${params.length}`;
      conditions.push(`(created_at < ${time} OR (created_at = ${time} AND id < ${id}))`);
    }
    params.push(limit);
    const rows = await this.client.query<AuditRow>(
      `SELECT id, tenant_id, actor, action, target, details, created_at FROM audit_log
        WHERE ${conditions.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
      params,
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
