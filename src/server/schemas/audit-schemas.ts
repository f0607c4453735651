import { z } from '@hono/zod-openapi';
import { isoDate } from './operations-schemas.ts';

export const AuditQuerySchema = z.object({
  from: isoDate(),
  to: isoDate().openapi({ description: 'Inclusive; a date-only value covers that whole UTC day.' }),
  action: z.string().max(100).optional().openapi({
    description: 'An action (`key.create`) or a prefix ending in `.` or `*` (`key.`).',
    example: 'key.',
  }),
  actor: z
    .string()
    .max(300)
    .optional()
    .openapi({ description: 'Who: `key:<id>`, a JWT subject, `anonymous`.' }),
  limit: z.coerce.number().int().min(1).max(1000).optional().openapi({ description: 'Default 100.' }),
  cursor: z.string().max(500).optional().openapi({ description: '`nextCursor` of the previous page.' }),
});

export const AuditEventSchema = z
  .object({
    id: z.string(),
    actor: z.string(),
    action: z.string().openapi({ example: 'key.revoke' }),
    target: z.string(),
    details: z.record(z.string(), z.unknown()),
    createdAt: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('AuditEvent');

export const AuditPageSchema = z
  .object({
    events: z.array(AuditEventSchema),
    nextCursor: z
      .string()
      .nullable()
      .openapi({ description: 'Pass as `cursor` for the next page; null at the end.' }),
  })
  .openapi('AuditPage');
