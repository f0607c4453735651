import { z } from '@hono/zod-openapi';

export const LivenessSchema = z.object({ status: z.literal('ok') }).openapi('Liveness');

export const ReadinessSchema = z
  .object({
    status: z.enum(['ok', 'degraded', 'unavailable', 'stopping']),
    checks: z.array(
      z.object({
        name: z.string(),
        ok: z.boolean(),
        /** False for a dependency the instance serves without (the Redis cache): down means degraded. */
        required: z.boolean(),
        detail: z.string(),
        version: z.string().optional(),
      }),
    ),
    provider: z.object({
      model: z.string(),
      fallbackModels: z.array(z.string()),
      embeddingModel: z.string().nullable(),
      reason: z.string(),
      availableModels: z.array(z.string()),
    }),
    version: z.string(),
  })
  .openapi('Readiness');

export const isoDate = () =>
  z
    .string()
    .refine(
      (value) =>
        /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value) && !Number.isNaN(Date.parse(value)),
      {
        message: 'expected an ISO 8601 date such as 2026-01-31 or 2026-01-31T12:00:00Z',
      },
    )
    .optional()
    .openapi({ description: 'ISO 8601 date or date-time (UTC).', example: '2026-01-31' });

export const UsageQuerySchema = z.object({
  from: isoDate(),
  to: isoDate(),
  groupBy: z.enum(['key', 'user'], { error: 'expected "key" or "user"' }).optional().openapi({
    description:
      'Rows by day, model and API key (`key`, the default) or by day, model and user (`user`: a JWT subject, `key:<key id>`, `discord:<id>`, `slack:<team>:<id>`).',
  }),
  user: z
    .string()
    .min(1)
    .max(512)
    .optional()
    .openapi({ description: "Only this user's calls. A caller who is not an admin may name only itself." }),
});

const BudgetStatusSchema = z
  .object({
    scope: z.enum(['key', 'user', 'tenant']),
    id: z.string().openapi({ description: '`<tenant>/<key id>`, `<tenant>/<user id>` or `<tenant>`.' }),
    period: z.enum(['day', 'month']),
    limitUsd: z.number(),
    usedUsd: z.number().openapi({ description: 'Spent this UTC day or month by finished calls.' }),
    reservedUsd: z.number().openapi({ description: 'Held by calls still in flight (their estimates).' }),
    crossed: z
      .array(z.number())
      .openapi({ description: 'Alert thresholds passed (fractions of the limit).' }),
    resetsAt: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('BudgetStatus');

export const UsageResponseSchema = z
  .object({
    budgets: z.array(BudgetStatusSchema).openapi({
      description: 'Configured budgets that apply to the caller (every key of the tenant for an admin).',
    }),
    rows: z.array(
      z.object({
        day: z.string(),
        model: z.string(),
        apiKeyId: z
          .string()
          .nullable()
          .optional()
          .openapi({ description: 'With `groupBy=key` (the default): the API key; null for none.' }),
        userId: z.string().nullable().optional().openapi({
          description:
            'With `groupBy=user`: the user; null for calls made for no one and for calls recorded before usage was kept per user.',
        }),
        calls: z.number(),
        inputTokens: z.number(),
        outputTokens: z.number(),
        costUsd: z.number().nullable(),
        unpricedCalls: z.number(),
      }),
    ),
  })
  .openapi('UsageSummary');
