/** `GET /api/usage`: model calls, tokens and cost per UTC day, model and API key. */
import { createRoute } from '@hono/zod-openapi';
import { AuthError, ValidationError } from '../../core/errors.ts';
import type { BudgetStatus } from '../../core/limits/index.ts';
import type { GodwitServices } from '../../core/services.ts';
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
      description: 'Rows by day, model and API key',
      content: { 'application/json': { schema: UsageResponseSchema } },
    },
    400: errorResponse('A date is not ISO 8601, or `from` is after `to`'),
    403: errorResponse('A caller with the user role and no API key (a JWT user) cannot see usage'),
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
    // Admins see every key of their tenant; a user sees only the rows of the key they call with.
    const caller = callerOf(c);
    if (caller.role !== 'admin' && caller.apiKeyId === null) {
      throw new AuthError(
        'Usage is by API key: call with your API key, or ask an admin for the whole tenant.',
        {
          forbidden: true,
        },
      );
    }
    const rows = await services.usage.summarize(caller.tenantId, { from, to });
    const visible = caller.role === 'admin' ? rows : rows.filter((row) => row.apiKeyId === caller.apiKeyId);
    return c.json({ budgets: await budgetStatus(services, caller), rows: visible }, 200);
  });
}

/** The budgets that apply: the tenant's and, for an admin, every key's; for a user, its own key's. */
async function budgetStatus(services: GodwitServices, caller: Caller): Promise<BudgetStatus[]> {
  const governance = services.governance;
  if (!governance?.hasBudgets) return [];
  const keyIds =
    caller.role === 'admin' && services.apiKeys
      ? (await services.apiKeys.listApiKeys(caller.tenantId))
          .filter((key) => !key.revokedAt)
          .map((key) => key.id)
      : caller.apiKeyId
        ? [caller.apiKeyId]
        : [];
  const scopes = [
    ...governance.budgetScopes({ tenantId: caller.tenantId, apiKeyId: null }),
    ...keyIds.flatMap((apiKeyId) =>
      governance
        .budgetScopes({ tenantId: caller.tenantId, apiKeyId })
        .filter((scope) => scope.kind === 'key'),
    ),
  ];
  return governance.budget.status(scopes);
}
