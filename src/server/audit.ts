/** Records an admin action in the audit trail, as the caller of this request. */
import type { Context } from 'hono';
import type { AuditAction } from '../core/audit/audit-trail.ts';
import type { GodwitServices } from '../core/services.ts';
import type { Metadata } from '../core/types.ts';
import type { AppEnv } from './app-env.ts';
import { callerOf } from './middleware/auth.ts';

/** Awaited, so the event is stored by the time the response is; a failed write is logged, never thrown. */
export async function recordAudit(
  c: Context<AppEnv>,
  services: GodwitServices,
  action: AuditAction,
  target: string,
  details: Metadata = {},
): Promise<void> {
  if (!services.audit) return;
  const caller = callerOf(c);
  await services.audit.record({
    tenantId: caller.tenantId,
    actor: caller.userId,
    action,
    target,
    details: { ...details, role: caller.role, method: caller.method, requestId: c.get('requestId') ?? null },
  });
}

/** Several events of one request, as `recordAudit` would record each, in one write where the log can. */
export async function recordAuditMany(
  c: Context<AppEnv>,
  services: GodwitServices,
  action: AuditAction,
  events: ReadonlyArray<{ target: string; details?: Metadata }>,
): Promise<void> {
  if (!services.audit || events.length === 0) return;
  const caller = callerOf(c);
  const common = { role: caller.role, method: caller.method, requestId: c.get('requestId') ?? null };
  await services.audit.recordMany(
    events.map((event) => ({
      tenantId: caller.tenantId,
      actor: caller.userId,
      action,
      target: event.target,
      details: { ...event.details, ...common },
    })),
  );
}
