/** Shared pieces of the migration suites: running the CLI in-process and seeding a Godwit data dir. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateCommand } from '../../src/cli/commands/migrate.ts';
import { main } from '../../src/cli/main.ts';
import { createGodwit, loadConfig } from '../../src/config/index.ts';
import type { GodwitServices } from '../../src/core/services.ts';
import { type Chunk, DEFAULT_TENANT, type Metadata } from '../../src/core/types.ts';
import { captureOutput } from '../support/capture-output.ts';

export function freshDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `godwit-${prefix}-`));
}

export async function runCli(args: string[]) {
  const captured = captureOutput();
  const code = await main(args, captured.output);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

/** Opens the Godwit services of a data dir (no sample), runs `use`, closes them. */
export async function withDataDir<T>(
  dataDir: string,
  use: (services: GodwitServices) => Promise<T>,
): Promise<T> {
  const { config } = loadConfig({ env: {}, overrides: { dataDir, sample: false } });
  const services = await createGodwit(config, { env: {} });
  try {
    return await use(services);
  } finally {
    await services.close();
  }
}

export interface SeedDocument {
  source: string;
  metadata?: Metadata;
  chunks: Array<{ text: string; metadata: Metadata; embedding: number[] | null }>;
}

/** Writes documents straight through the ports into a knowledge base with `dimension`-sized vectors. */
export async function seedKnowledgeBase(
  services: GodwitServices,
  name: string,
  documents: SeedDocument[],
  embedding: { model: string; dimension: number } | null,
): Promise<void> {
  const knowledgeBase = await services.knowledgeStore.createKnowledgeBase(DEFAULT_TENANT, {
    name,
    description: 'seeded',
    embeddingModel: embedding?.model ?? null,
    embeddingVersion: embedding ? '1' : null,
    embeddingDimension: embedding?.dimension ?? null,
  });
  for (const seed of documents) {
    const document = await services.knowledgeStore.upsertDocument(DEFAULT_TENANT, {
      knowledgeBaseId: knowledgeBase.id,
      source: seed.source,
      mimeType: 'text/markdown',
      sha256: 'seed',
      bytes: 1,
      metadata: seed.metadata ?? {},
    });
    const chunks: Chunk[] = seed.chunks.map((chunk, position) => ({
      id: `${document.id}:${position}`,
      tenantId: DEFAULT_TENANT,
      knowledgeBaseId: knowledgeBase.id,
      documentId: document.id,
      position,
      text: chunk.text,
      location: { line: position + 1 },
      metadata: chunk.metadata,
      tokenCount: 1,
      embedding: chunk.embedding,
    }));
    await services.index.replaceDocumentChunks(
      DEFAULT_TENANT,
      { id: document.id, knowledgeBaseId: knowledgeBase.id, sha256: 'seed' },
      chunks,
    );
  }
}

/** A deterministic unit-ish vector for record `index`. */
export function vectorFor(index: number, dimension: number): number[] {
  return Array.from(
    { length: dimension },
    (_, position) => Math.sin(index * 7.13 + position * 1.7) + (position === index % dimension ? 2 : 0),
  );
}

/**
 * `godwit migrate` in-process with an explicit environment and test hooks; args are
 * `[source, target, ...flags]`. Errors a CLI run would map to an exit code are thrown.
 */
export async function runMigrate(
  dataDir: string,
  args: string[],
  extra: { env?: Record<string, string>; onCheckpoint?: (done: number) => void } = {},
) {
  const captured = captureOutput();
  const [source, target, ...rest] = args;
  const options: Record<string, unknown> = { dataDir, json: true, env: {}, ...extra };
  for (let index = 0; index < rest.length; index++) {
    const flag = rest[index]!.replace(/^--/, '').replace(/-([a-z])/g, (_match, letter: string) =>
      letter.toUpperCase(),
    );
    const next = rest[index + 1];
    if (next === undefined || next.startsWith('--')) options[flag] = true;
    else {
      options[flag] = next;
      index++;
    }
  }
  const code = await migrateCommand(source!, target!, options, captured.output);
  return { code, report: JSON.parse(captured.stdout()), stderr: captured.stderr() };
}
