/**
 * The column mapping that tells `godwit migrate` how an existing PostgreSQL schema stores conversations.
 * See examples/migrate/conversations.yaml for a commented example.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ValidationError } from '../../core/errors.ts';

const identifier = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/,
    'must be a column or table name (schema.table allowed)',
  );

const roleName = z.enum(['system', 'user', 'assistant', 'tool']);

export const conversationMapSchema = z
  .object({
    tenant: z.string().min(1).default('default'),
    conversations: z
      .object({
        table: identifier.optional(),
        id: identifier.default('id'),
        user: identifier.optional(),
        title: identifier.optional(),
        created_at: identifier.optional(),
        knowledge_base: identifier.optional(),
      })
      .strict()
      .default({ id: 'id' }),
    messages: z
      .object({
        table: identifier,
        id: identifier.default('id'),
        conversation: identifier,
        role: identifier.default('role'),
        content: identifier.default('content'),
        created_at: identifier.default('created_at'),
        model: identifier.optional(),
        /** Source role values → Godwit roles: `{ human: user, ai: assistant }`. */
        roles: z.record(z.string(), roleName).default({}),
      })
      .strict(),
    /** User id for conversations when the table has no user column. */
    default_user: z.string().min(1).default('local'),
  })
  .strict();

export type ConversationMap = z.infer<typeof conversationMapSchema>;

/** Reads and validates a mapping file; errors name the file, the key and the fix. */
export function readConversationMap(path: string): ConversationMap {
  let value: unknown;
  try {
    value = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ValidationError(`Cannot read the mapping file ${path}: ${(error as Error).message}`);
  }
  const parsed = conversationMapSchema.safeParse(value ?? {});
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      (issue) => `  - ${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
    throw new ValidationError(
      `The mapping file ${path} is not valid:\n${lines.join('\n')}\nSee examples/migrate/conversations.yaml.`,
    );
  }
  return parsed.data;
}

/** A SQL identifier, quoted part by part (`public.chat` → `"public"."chat"`). */
export function quoteIdentifier(name: string): string {
  return name
    .split('.')
    .map((part) => `"${part.replaceAll('"', '""')}"`)
    .join('.');
}
