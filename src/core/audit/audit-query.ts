/** Checks and matching shared by every AuditLog adapter, so each one reads a query the same way. */
import { ValidationError } from '../errors.ts';
import type { AuditQuery } from '../ports.ts';
import type { AuditEvent } from '../types.ts';

export const DEFAULT_AUDIT_PAGE = 100;
export const MAX_AUDIT_PAGE = 1000;

/** The page size, and the action as `{ exact }` or `{ prefix }`; throws ValidationError naming the field. */
export function readAuditQuery(query: AuditQuery = {}): {
  limit: number;
  action?: { exact: string } | { prefix: string };
} {
  const limit = query.limit ?? DEFAULT_AUDIT_PAGE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_AUDIT_PAGE) {
    throw new ValidationError(`limit must be an integer from 1 to ${MAX_AUDIT_PAGE}; got ${limit}.`, {
      details: { field: 'limit' },
    });
  }
  for (const field of ['from', 'to'] as const) {
    const value = query[field];
    if (value !== undefined && Number.isNaN(value.getTime())) {
      throw new ValidationError(`${field} is not a valid date.`, { details: { field } });
    }
  }
  if (query.from && query.to && query.from > query.to) {
    throw new ValidationError('from is after to; swap them.', { details: { field: 'from' } });
  }
  if (query.action === undefined || query.action === '') return { limit };
  const action = query.action;
  if (action.endsWith('*')) return { limit, action: { prefix: action.slice(0, -1) } };
  if (action.endsWith('.')) return { limit, action: { prefix: action } };
  return { limit, action: { exact: action } };
}

/** Whether `event` belongs in the answer to `query` (the in-memory adapter and tests). */
export function matchesAuditQuery(event: AuditEvent, query: AuditQuery): boolean {
  const { action } = readAuditQuery({ ...query, limit: undefined });
  if (query.from && event.createdAt < query.from) return false;
  if (query.to && event.createdAt > query.to) return false;
  if (query.actor !== undefined && event.actor !== query.actor) return false;
  if (action && 'exact' in action && event.action !== action.exact) return false;
  if (action && 'prefix' in action && !event.action.startsWith(action.prefix)) return false;
  if (query.after) {
    const time = event.createdAt.getTime();
    const afterTime = query.after.createdAt.getTime();
    if (time > afterTime) return false;
    if (time === afterTime && !(event.id < query.after.id)) return false;
  }
  return true;
}

/** Newest first; ties by id, descending, so a page boundary is the (createdAt, id) of its last event. */
export function compareAuditEvents(left: AuditEvent, right: AuditEvent): number {
  const byTime = right.createdAt.getTime() - left.createdAt.getTime();
  if (byTime !== 0) return byTime;
  return left.id < right.id ? 1 : left.id > right.id ? -1 : 0;
}
