/**
 * The dump format: a folder holding `manifest.json` and JSON Lines parts. Documented for readers that are
 * not Godwit in docs/MIGRATION.md ("The dump format").
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ValidationError } from '../../core/errors.ts';

export const DUMP_FORMAT = 'godwit-dump';
export const DUMP_SCHEMA_VERSION = 1;
export const MANIFEST_FILE = 'manifest.json';
/** Records per part file: parts stay small enough to copy, diff and checksum one by one. */
export const RECORDS_PER_PART = 10_000;

const embeddingSchema = z
  .object({
    model: z.string().nullable(),
    version: z.string().nullable(),
    dimension: z.number().int().positive().nullable(),
  })
  .nullable();

const manifestSchema = z.object({
  format: z.literal(DUMP_FORMAT),
  schemaVersion: z.number().int(),
  kind: z.enum(['knowledge', 'conversations']),
  createdAt: z.string(),
  source: z.object({ location: z.string(), name: z.string(), description: z.string().optional() }),
  embedding: embeddingSchema,
  counts: z.object({
    records: z.number().int().nonnegative(),
    withEmbedding: z.number().int().nonnegative(),
  }),
  parts: z.array(
    z.object({
      file: z.string().regex(/^[a-z]+-\d{5}\.jsonl$/),
      records: z.number().int().nonnegative(),
      bytes: z.number().int().nonnegative(),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
    }),
  ),
});

export type DumpManifest = z.infer<typeof manifestSchema>;

export function partFileName(kind: 'knowledge' | 'conversations', index: number): string {
  return `${kind}-${String(index).padStart(5, '0')}.jsonl`;
}

/** Reads and checks a dump's manifest. Throws ValidationError naming what is wrong with the folder. */
export function readManifest(directory: string): DumpManifest {
  let text: string;
  try {
    text = readFileSync(join(directory, MANIFEST_FILE), 'utf8');
  } catch {
    throw new ValidationError(
      `${directory} has no ${MANIFEST_FILE}: it is not a Godwit dump, or its export did not finish (run the export again with --resume).`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(
      `${join(directory, MANIFEST_FILE)} is not valid JSON: ${(error as Error).message}`,
    );
  }
  const parsed = manifestSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ValidationError(
      `${join(directory, MANIFEST_FILE)} is not a Godwit dump manifest: ${issue?.path.join('.') || '(root)'}: ${issue?.message}.`,
    );
  }
  if (parsed.data.schemaVersion > DUMP_SCHEMA_VERSION) {
    throw new ValidationError(
      `${directory} uses dump schema version ${parsed.data.schemaVersion}; this Godwit reads up to ${DUMP_SCHEMA_VERSION}. Upgrade Godwit to import it.`,
    );
  }
  return parsed.data;
}
