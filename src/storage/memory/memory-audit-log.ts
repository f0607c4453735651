/** AuditLog in memory: append-only, newest first. */
import { ValidationError } from '../../core/errors.ts';
import type { AuditLog } from '../../core/ports.ts';
import { requireText } from '../../core/storage-input.ts';
import type { AuditEvent } from '../../core/types.ts';
import { copy, tenantKey } from './memory-knowledge-state.ts';

export class MemoryAuditLog implements AuditLog {
  private readonly events = new Map<string, { event: AuditEvent; sequence: number }>();
  private sequence = 0;

  /** Recording the same event id twice keeps the first. */
  async record(event: AuditEvent): Promise<void> {
    requireText(event.tenantId, 'tenant id');
    requireText(event.id, 'audit event id');
    const key = tenantKey(event.tenantId, event.id);
    if (!this.events.has(key)) this.events.set(key, { event: copy(event), sequence: ++this.sequence });
  }

  /** Newest first; `limit` defaults to 100 and is capped at 1,000. */
  async list(tenantId: string, options: { limit?: number } = {}): Promise<AuditEvent[]> {
    const limit = options.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1) {
      throw new ValidationError(`limit must be a positive integer; got ${limit}.`, {
        details: { field: 'limit' },
      });
    }
    return [...this.events.values()]
      .filter((stored) => stored.event.tenantId === tenantId)
      .sort(
        (left, right) =>
          right.event.createdAt.getTime() - left.event.createdAt.getTime() || right.sequence - left.sequence,
      )
      .slice(0, Math.min(limit, 1000))
      .map((stored) => copy(stored.event));
  }
}
