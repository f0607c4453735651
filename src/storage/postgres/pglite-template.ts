/**
 * A ready-made PGlite data directory: `initdb` plus every migration, built once at install
 * (`npm run build:server`) into dist/pglite-template/. A new embedded data directory starts as a copy of
 * it, which costs a file copy and a normal open instead of running `initdb` in WebAssembly (about four
 * times the CPU and 2.5 times the peak memory; docs/decisions/2026-12-07-embedded-start-and-ingest.md).
 * Without a usable template (a source checkout never built, another PGlite version) the data directory
 * is created as before.
 */
import { cpSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MIGRATIONS } from './schema-migrations.ts';

/** The same place from src/ and from dist/: both sit two folders below the package root. */
export const TEMPLATE_DIRECTORY = fileURLToPath(new URL('../../../dist/pglite-template/', import.meta.url));
const DESCRIPTION_FILE = 'godwit-template.json';

/**
 * What a template's layout is, beyond PGlite's version and the migrations: 2 since the template keeps the
 * `postgres` database alone (build-pglite-template.ts). A template of another layout is rebuilt at the
 * next build, and is still usable until then.
 */
const TEMPLATE_LAYOUT = 2;

interface TemplateDescription {
  pgliteVersion: string;
  layout: number;
  /** Migration ids the template holds; newer ones are applied at open as on any existing database. */
  migrations: number[];
}

/** What a template built now would record. */
export function currentTemplateDescription(): TemplateDescription {
  return {
    pgliteVersion: installedPgliteVersion(),
    layout: TEMPLATE_LAYOUT,
    migrations: MIGRATIONS.map((migration) => migration.id).sort((left, right) => left - right),
  };
}

/** Whether `dataDir` holds no database yet (missing, or an empty folder). */
export function isNewDataDir(dataDir: string): boolean {
  if (!existsSync(dataDir)) return true;
  return readdirSync(dataDir).length === 0;
}

/**
 * Fills the new data directory `dataDir` from the template when one matches the installed PGlite.
 * Copies beside the target and renames, so a crash mid-copy leaves no half-made database. Returns
 * whether it did; any failure leaves `dataDir` as it was and returns false (PGlite then runs `initdb`).
 */
export function copyTemplateInto(dataDir: string, templateDirectory = TEMPLATE_DIRECTORY): boolean {
  if (!isUsableTemplate(templateDirectory)) return false;
  const target = resolve(dataDir);
  const staging = `${target}.template-${process.pid}`;
  try {
    rmSync(staging, { recursive: true, force: true });
    cpSync(templateDirectory, staging, {
      recursive: true,
      filter: (source) => !source.endsWith(DESCRIPTION_FILE),
    });
    if (existsSync(target)) rmSync(target, { recursive: true });
    renameSync(staging, target);
    return true;
  } catch {
    rmSync(staging, { recursive: true, force: true });
    return false;
  }
}

/** Whether `templateDirectory` holds a finished template made by this PGlite version. */
export function isUsableTemplate(templateDirectory = TEMPLATE_DIRECTORY): boolean {
  const description = readDescription(templateDirectory);
  return description !== null && description.pgliteVersion === installedPgliteVersion();
}

/** Whether the template there was built by this PGlite version with every migration of this build. */
export function isCurrentTemplate(templateDirectory = TEMPLATE_DIRECTORY): boolean {
  const description = readDescription(templateDirectory);
  return description !== null && JSON.stringify(description) === JSON.stringify(currentTemplateDescription());
}

/**
 * Marks a data directory that `build` filled (a migrated database, closed cleanly) as the template, in
 * place of any previous one. The description is written last: a half-built template is never used.
 */
export function publishTemplate(builtDirectory: string, templateDirectory = TEMPLATE_DIRECTORY): void {
  writeFileSync(
    join(builtDirectory, DESCRIPTION_FILE),
    `${JSON.stringify(currentTemplateDescription(), null, 2)}\n`,
  );
  rmSync(templateDirectory, { recursive: true, force: true });
  renameSync(builtDirectory, templateDirectory);
}

function readDescription(templateDirectory: string): TemplateDescription | null {
  try {
    const parsed = JSON.parse(readFileSync(join(templateDirectory, DESCRIPTION_FILE), 'utf8')) as unknown;
    if (typeof parsed !== 'object' || parsed === null) return null;
    const { pgliteVersion, layout, migrations } = parsed as Partial<TemplateDescription>;
    if (typeof pgliteVersion !== 'string' || !Array.isArray(migrations)) return null;
    // A template from before the layout was recorded has all three databases: layout 1.
    return { pgliteVersion, layout: typeof layout === 'number' ? layout : 1, migrations };
  } catch {
    return null;
  }
}

let pgliteVersion: string | undefined;

/** The version in PGlite's package.json (not in its exports map, so found beside its entry file). */
function installedPgliteVersion(): string {
  if (pgliteVersion !== undefined) return pgliteVersion;
  let directory = dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
  for (;;) {
    const candidate = join(directory, 'package.json');
    if (existsSync(candidate)) {
      const manifest = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (manifest.name === '@electric-sql/pglite' && manifest.version) {
        pgliteVersion = manifest.version;
        return pgliteVersion;
      }
    }
    const parent = dirname(directory);
    if (parent === directory) return 'unknown';
    directory = parent;
  }
}
