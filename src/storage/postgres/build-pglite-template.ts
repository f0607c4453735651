/**
 * Builds dist/pglite-template/ (see `pglite-template.ts`): a new PGlite data directory with every
 * migration applied and its keyword tables vacuumed, closed cleanly. Run by scripts/build-server.mjs.
 *
 * `initdb` makes three databases: `postgres`, which PGlite opens and Godwit uses, and `template0` and
 * `template1`, which only `CREATE DATABASE` reads. The template keeps `postgres` alone: each of the
 * others is about 300 files, and a new data dir's copy costs per file (about 0.6 ms each on a virtual
 * disk), so dropping them takes the copy from about 1,040 files to 440
 * (docs/decisions/2026-12-08-template-without-template-databases.md).
 */
import { rmSync } from 'node:fs';
import { migrateSchema } from './migrate-schema.ts';
import { openPgliteClient } from './pglite-client.ts';
import { isCurrentTemplate, publishTemplate, TEMPLATE_DIRECTORY } from './pglite-template.ts';
import { openPostingsMaintenance } from './postings-maintenance.ts';
import type { SqlClient } from './sql-client.ts';

/** Builds the template unless a current one is there. Returns whether it built one. */
export async function buildPgliteTemplate(templateDirectory = TEMPLATE_DIRECTORY): Promise<boolean> {
  if (isCurrentTemplate(templateDirectory)) return false;
  const staging = `${templateDirectory.replace(/\/+$/, '')}.building-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  try {
    const client = await openPgliteClient(staging, { template: false });
    try {
      await migrateSchema(client, undefined);
      await dropTemplateDatabases(client);
      await (await openPostingsMaintenance(client)).vacuum();
    } finally {
      await client.close();
    }
    publishTemplate(staging, templateDirectory);
    return true;
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
}

/** The databases the template does not keep: nothing Godwit runs reads them. */
export const DROPPED_DATABASES = ['template0', 'template1'] as const;

async function dropTemplateDatabases(client: SqlClient): Promise<void> {
  // A database marked as a template cannot be dropped; DROP DATABASE runs outside a transaction, one each.
  await client.query(
    `UPDATE pg_database SET datistemplate = false, datallowconn = false WHERE datname = ANY($1::text[])`,
    [[...DROPPED_DATABASES]],
  );
  for (const name of DROPPED_DATABASES) await client.query(`DROP DATABASE IF EXISTS ${name}`);
}
