/**
 * Builds dist/pglite-template/ (see `pglite-template.ts`): a new PGlite data directory with every
 * migration applied and its keyword tables vacuumed, closed cleanly. Run by scripts/build-server.mjs.
 */
import { rmSync } from 'node:fs';
import { migrateSchema } from './migrate-schema.ts';
import { openPgliteClient } from './pglite-client.ts';
import { isCurrentTemplate, publishTemplate, TEMPLATE_DIRECTORY } from './pglite-template.ts';
import { openPostingsMaintenance } from './postings-maintenance.ts';

/** Builds the template unless a current one is there. Returns whether it built one. */
export async function buildPgliteTemplate(templateDirectory = TEMPLATE_DIRECTORY): Promise<boolean> {
  if (isCurrentTemplate(templateDirectory)) return false;
  const staging = `${templateDirectory.replace(/\/+$/, '')}.building-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  try {
    const client = await openPgliteClient(staging, { template: false });
    try {
      await migrateSchema(client, undefined);
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
