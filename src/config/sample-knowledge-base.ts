/**
 * The sample knowledge base: on a new data directory, `godwit serve` loads examples/handbook/ as
 * knowledge base `handbook`, so a first question has something to answer from.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IngestOutcome } from '../core/knowledge/knowledge-service.ts';
import type { GodwitServices } from '../core/services.ts';
import { DEFAULT_TENANT } from '../core/types.ts';

export const SAMPLE_KNOWLEDGE_BASE = 'handbook';
export const SAMPLE_DIRECTORY = fileURLToPath(new URL('../../examples/handbook/', import.meta.url));

/**
 * Ingests the handbook's documents (not its README or build script) into `handbook`: text formats first,
 * since they take milliseconds each while the first PDF, DOCX or XLSX loads its parser. `signal` stops it
 * between two documents; ingesting again later picks up where it stopped (unchanged files are no-ops).
 */
export async function loadSampleKnowledgeBase(
  services: GodwitServices,
  signal?: AbortSignal,
): Promise<IngestOutcome[]> {
  const knowledgeBase = await services.knowledge.ensureKnowledgeBase(DEFAULT_TENANT, SAMPLE_KNOWLEDGE_BASE);
  const names = (await readdir(SAMPLE_DIRECTORY))
    .filter((name) => isSampleDocument(name))
    .sort(
      (left, right) =>
        Number(isOfficeDocument(left)) - Number(isOfficeDocument(right)) || (left < right ? -1 : 1),
    );
  const outcomes: IngestOutcome[] = [];
  for (const name of names) {
    if (signal?.aborted) break;
    const bytes = new Uint8Array(await readFile(join(SAMPLE_DIRECTORY, name)));
    outcomes.push(await services.knowledge.ingest(DEFAULT_TENANT, knowledgeBase, { source: name, bytes }));
  }
  return outcomes;
}

function isOfficeDocument(name: string): boolean {
  return /\.(pdf|docx|xlsx)$/i.test(name);
}

function isSampleDocument(name: string): boolean {
  if (name === 'README.md' || name.startsWith('.')) return false;
  return /\.(md|txt|pdf|docx|xlsx|csv|html|json)$/i.test(name);
}
