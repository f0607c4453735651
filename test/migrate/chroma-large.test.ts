/** A 50,000-record Chroma collection, streamed page by page into a dump and verified record by record. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChromaRecord, type ChromaTestServer, startChromaServer } from '../support/chroma-server.ts';
import { freshDir, runCli, vectorFor } from './migrate-helpers.ts';

const DIMENSION = 4;
const COUNT = 50_000;
const MODEL = 'ollama:nomic-embed-text';

function records(count: number): ChromaRecord[] {
  return Array.from({ length: count }, (_, index) => ({
    id: `r${index}`,
    document: `record ${index}`,
    metadata: { index, group: `g${index % 10}` },
    embedding: vectorFor(index, DIMENSION),
  }));
}

describe('Chroma at scale', () => {
  let chroma: ChromaTestServer;
  let url: string;
  const dataDir = join(freshDir('chroma-large'), 'data');

  beforeAll(async () => {
    chroma = await startChromaServer();
    const collection = await chroma.createCollection('big');
    await chroma.add(collection, records(COUNT), 5000);
    url = `chroma://127.0.0.1:${chroma.port}/big`;
  });

  afterAll(async () => {
    await chroma?.stop();
  });

  it('streams 50,000 records into a dump and verifies every id, checksum and vector', async () => {
    const dump = join(freshDir('chroma-big-dump'), 'out');
    const result = await runCli([
      '--data-dir',
      dataDir,
      'migrate',
      url,
      dump,
      '--embedding-model',
      MODEL,
      '--batch-size',
      '2000',
      '--verify',
      '--json',
    ]);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.verification).toMatchObject({
      ok: true,
      counts: { source: COUNT, target: COUNT },
      vectors: { count: 0 },
    });
    const manifest = JSON.parse(readFileSync(join(dump, 'manifest.json'), 'utf8'));
    expect(manifest.counts).toEqual({ records: COUNT, withEmbedding: COUNT });
    expect(manifest.parts).toHaveLength(5);
    expect(manifest.embedding).toEqual({ model: MODEL, version: null, dimension: DIMENSION });
  });
});
