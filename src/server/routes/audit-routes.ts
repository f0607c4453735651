/** `GET /api/audit` (admins): the tenant's audit events, newest first, filtered and paged. */
import { createRoute } from '@hono/zod-openapi';
import { MAX_AUDIT_PAGE } from '../../core/audit/index.ts';
import { ConfigError, ValidationError } from '../../core/errors.ts';
import type { GodwitServices } from '../../core/services.ts';
import type { AuditEvent } from '../../core/types.ts';
import type { GodwitApp } from '../app-env.ts';
import { requireAdmin } from '../middleware/auth.ts';
import { AuditPageSchema, AuditQuerySchema } from '../schemas/audit-schemas.ts';
import { errorResponse } from '../schemas/common-schemas.ts';

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 24 * 60 * 60 * 1000;

const auditRoute = createRoute({
  method: 'get',
  path: '/api/audit',
  tags: ['operations'],
  summary: "The tenant's audit events, newest first (admin): admin actions, failed sign-ins, tool calls",
  request: { query: AuditQuerySchema },
  responses: {
    200: { description: 'One page of events', content: { 'application/json': { schema: AuditPageSchema } } },
    400: errorResponse('A bad date, limit or cursor, or `from` after `to`'),
    401: errorResponse('Missing or bad credentials'),
    403: errorResponse('The caller is not an admin'),
  },
});

export function encodeCursor(event: AuditEvent): string {
  return Buffer.from(JSON.stringify([event.createdAt.toISOString(), event.id])).toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  try {
    const [time, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    const createdAt = new Date(String(time));
    if (typeof id === 'string' && id.length > 0 && !Number.isNaN(createdAt.getTime()))
      return { createdAt, id };
  } catch {
    // falls through to the error below
  }
  throw new ValidationError(
    'cursor is not one this server gave out: pass nextCursor from the previous page.',
    {
      details: { field: 'cursor' },
    },
  );
}

export function registerAuditRoutes(app: GodwitApp, services: GodwitServices): void {
  app.openapi(auditRoute, async (c) => {
    const caller = requireAdmin(c, 'read the audit log');
    if (!services.audit) throw new ConfigError('This server keeps no audit log.');
    const query = c.req.valid('query');
    const limit = query.limit ?? 100;
    const from = query.from === undefined ? undefined : new Date(query.from);
    const to =
      query.to === undefined
        ? undefined
        : new Date(new Date(query.to).getTime() + (DATE_ONLY.test(query.to) ? DAY_MS - 1 : 0));
    if (from && to && from > to) {
      throw new ValidationError(`query.from (${query.from}) is after query.to (${query.to}); swap them.`, {
        details: { field: 'from' },
      });
    }
    const events = await services.audit.list(caller.tenantId, {
      // One more than the page tells whether another follows (a full page of the maximum size is assumed to).
      limit: Math.min(limit + 1, MAX_AUDIT_PAGE),
      ...(from ? { from } : {}),
      ...(to ? { to } : {}),
      ...(query.action ? { action: query.action } : {}),
      ...(query.actor ? { actor: query.actor } : {}),
      ...(query.cursor ? { after: decodeCursor(query.cursor) } : {}),
    });
    const page = events.slice(0, limit);
    const last = page.at(-1);
    return c.json(
      {
        events: page.map((event) => ({
          id: event.id,
          actor: event.actor,
          action: event.action,
          target: event.target,
          details: event.details,
          createdAt: event.createdAt.toISOString(),
        })),
        nextCursor: last && (events.length > limit || limit === MAX_AUDIT_PAGE) ? encodeCursor(last) : null,
      },
      200,
    );
  });
}
