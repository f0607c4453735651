/** `GET /api/usage`: model calls, tokens and cost per UTC day, model and API key or user. */
import { createRoute } from '@hono/zod-openapi';
import { AuthError, ValidationError } from '../../core/errors.ts';
import type { BudgetStatus } from '../../core/limits/index.ts';
import type { GodwitServices } from '../../core/services.ts';
import type { UsageSummaryRow } from '../../core/types.ts';
import { rollUpUsage } from '../../core/usage/roll-up-usage.ts';
import type { GodwitApp } from '../app-env.ts';
import type { Caller } from '../auth/caller.ts';
import { callerOf } from '../middleware/auth.ts';
import { errorResponse } from '../schemas/common-schemas.ts';
import { UsageQuerySchema, UsageResponseSchema } from '../schemas/operations-schemas.ts';

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 24 * 60 * 60 * 1000;

const usageRoute = createRoute({
  method: 'get',
  path: '/api/usage',
  tags: ['operations'],
  summary: 'Usage totals; `from` and `to` are inclusive (a date-only `to` covers that whole day)',
  request: { query: UsageQuerySchema },
  responses: {
    200: {
      description: 'Rows by day, model and API key (or user, with `groupBy=user`)',
      content: { 'application/json': { schema: UsageResponseSchema } },
    },
    400: errorResponse('A date is not ISO 8601, or `from` is after `to`'),
    403: errorResponse('A caller who is not an admin named another user in `user`'),
  },
});

/** A date-only upper bound means "through the end of that day", as people read a date range. */
function upperBound(value: string): Date {
  const date = new Date(value);
  return DATE_ONLY.test(value) ? new Date(date.getTime() + DAY_MS - 1) : date;
}

export function registerUsageRoutes(app: GodwitApp, services: GodwitServices): void {
  app.openapi(usageRoute, async (c) => {
    const query = c.req.valid('query');
    const from = query.from === undefined ? undefined : new Date(query.from);
    const to = query.to === undefined ? undefined : upperBound(query.to);
    if (from && to && from > to) {
      throw new ValidationError(`query.from (${query.from}) is after query.to (${query.to}); swap them.`, {
        details: { field: 'from' },
      });
    }
    const caller = callerOf(c);
    const userId = visibleUser(caller, query.user);
    const rows = await services.usage.summarize(caller.tenantId, {
      from,
      to,
      ...(userId !== undefined ? { userId } : {}),
    });
    // Admins see every key and user of their tenant; an API key sees only its own calls.
    const visible =
      caller.role === 'admin' || caller.apiKeyId === null
        ? rows
        : rows.filter((row) => row.apiKeyId === caller.apiKeyId);
    return c.json(
      {
        budgets: await budgetStatus(services, caller, visible),
        rows: rollUpUsage(visible, query.groupBy ?? 'key'),
      },
      200,
    );
  });
}

/**
 * Whose rows to read: an admin may name any user of its tenant (or none, for all); a caller without an
 * API key reads its own; a key may name only its own user (`key:<id>`).
 */
function visibleUser(caller: Caller, requested: string | undefined): string | undefined {
  if (caller.role === 'admin') return requested;
  if (requested !== undefined && requested !== caller.userId) {
    throw new AuthError(
      `Only an admin may read another user's usage; you are "${caller.userId}": leave out \`user\` or name yourself.`,
      { forbidden: true },
    );
  }
  return caller.apiKeyId === null ? caller.userId : requested;
}

/**
 * The budgets that apply: the tenant's and, for an admin, every key's and the user budgets of the users
 * in `rows` (and those named in the config); for anyone else, its own key's or user's.
 */
async function budgetStatus(
  services: GodwitServices,
  caller: Caller,
  rows: readonly UsageSummaryRow[],
): Promise<BudgetStatus[]> {
  const governance = services.governance;
  if (!governance?.hasBudgets) return [];
  const tenantId = caller.tenantId;
  if (caller.role !== 'admin') {
    return governance.budget.status(governance.budgetScopes(caller));
  }
  const keyIds = services.apiKeys
    ? (await services.apiKeys.listApiKeys(tenantId)).filter((key) => !key.revokedAt).map((key) => key.id)
    : [];
  const userIds = rows.flatMap((row) => (row.apiKeyId === null && row.userId !== null ? [row.userId] : []));
  return governance.budget.status(governance.tenantBudgetScopes(tenantId, keyIds, userIds));
}
