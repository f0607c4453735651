/**
 * A knowledge base into OpenSearch (the wire emulator) through `opensearch://`: the same knowledge-base
 * sink over Godwit's OpenSearch VectorIndex, with the catalogue in the real PostgreSQL; verified.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { KnowledgeRecord } from '../../src/migrate/index.ts';
import { DumpSink } from '../../src/migrate/sinks/dump-sink.ts';
import { type OpenSearchEmulator, startOpenSearchEmulator } from '../support/opensearch-emulator.ts';
import { describeWithService, dropSchema, postgresUrl, uniqueSchemaName } from '../support/services.ts';
import { freshDir, runCli, vectorFor } from './migrate-helpers.ts';

const describeWithPostgres = await describeWithService('postgres');
const DIMENSION = 8;

describeWithPostgres('OpenSearch knowledge-base target', () => {
  const schema = uniqueSchemaName('migrate_os');
  const dump = join(freshDir('os-dump'), 'kb');
  const configFile = join(freshDir('os-config'), 'godwit.config.yaml');
  let opensearch: OpenSearchEmulator;

  beforeAll(async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDEXAMPLE');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY');
    vi.stubEnv('AWS_REGION', 'us-east-1');
    opensearch = await startOpenSearchEmulator({ service: 'aoss' });
    writeFileSync(configFile, `sample: false\ndatabase:\n  url: ${postgresUrl()}\n  schema: ${schema}\n`);
    const records: KnowledgeRecord[] = Array.from({ length: 40 }, (_, index) => ({
      source: `doc-${index % 20}`,
      position: Math.floor(index / 20),
      text: `passage ${index} about ${index % 2 ? 'parental leave' : 'expense receipts'} — ünïcode`,
      metadata: { index, team: index % 3 ? 'hr' : 'finance' },
      location: {},
      embedding: vectorFor(index, DIMENSION),
      // A document's chunks sit on consecutive lines, as the dump format requires.
    })).sort((left, right) => left.source.localeCompare(right.source) || left.position - right.position);
    const sink = new DumpSink(dump, 'knowledge');
    await sink.prepare({
      source: { kind: 'knowledge', location: 'test', name: 'test', count: 40, embedding: null },
      embedding: { model: 'test:vectors', version: '1', dimension: DIMENSION },
      resume: false,
      resumeFrom: 0,
    });
    await sink.write(records);
    await sink.finish();
    await sink.close();
  });

  afterAll(async () => {
    vi.unstubAllEnvs();
    await opensearch?.close();
    await dropSchema(postgresUrl(), schema);
  });

  it('writes through the OpenSearch VectorIndex and verifies ids, checksums, metadata and vectors', async () => {
    const target = `opensearch+http://${new URL(opensearch.url).host}/handbook?service=aoss&region=us-east-1&indexPrefix=migrated`;
    const result = await runCli(['--config', configFile, 'migrate', dump, target, '--verify', '--json']);
    expect(result.stderr).not.toMatch(/error/);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).verification).toMatchObject({
      ok: true,
      counts: { source: 40, target: 40 },
      vectors: { count: 0 },
      metadata: { count: 0 },
    });
    expect(opensearch.indexNames().some((name) => name.startsWith('migrated-'))).toBe(true);
  });

  it('needs the PostgreSQL catalogue for the documents', async () => {
    const noDatabase = await runCli([
      '--data-dir',
      join(freshDir('os-nodb'), 'data'),
      'migrate',
      dump,
      `opensearch+http://${new URL(opensearch.url).host}/kb`,
    ]);
    expect(noDatabase.code).toBe(2);
    expect(noDatabase.stderr).toMatch(/GODWIT_DATABASE_URL/);
  });
});
