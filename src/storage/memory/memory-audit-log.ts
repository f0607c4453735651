/** AuditLog in memory: append-only, newest first. */
import { compareAuditEvents, matchesAuditQuery, readAuditQuery } from '../../core/audit/audit-query.ts';
import type { AuditLog, AuditQuery } from '../../core/ports.ts';
import { requireText } from '../../core/storage-input.ts';
import type { AuditEvent } from '../../core/types.ts';
import { copy, tenantKey } from './memory-knowledge-state.ts';

export class MemoryAuditLog implements AuditLog {
  private readonly events = new Map<string, AuditEvent>();

  /** Recording the same event id twice keeps the first. */
  async record(event: AuditEvent): Promise<void> {
    requireText(event.tenantId, 'tenant id');
    requireText(event.id, 'audit event id');
    const key = tenantKey(event.tenantId, event.id);
    if (!this.events.has(key)) this.events.set(key, copy(event));
  }

  /** Newest first; `limit` defaults to 100 and may be up to 1,000. */
  async list(tenantId: string, query: AuditQuery = {}): Promise<AuditEvent[]> {
    const { limit } = readAuditQuery(query);
    return [...this.events.values()]
      .filter((event) => event.tenantId === tenantId && matchesAuditQuery(event, query))
      .sort(compareAuditEvents)
      .slice(0, limit)
      .map((event) => copy(event));
  }
}
