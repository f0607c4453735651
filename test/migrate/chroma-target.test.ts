/**
 * A Chroma collection → a Godwit knowledge base whose chunks live in Chroma (`chroma://` as a target), on
 * a real Chroma server started here, with the catalogue in a PGlite data dir; verified, then checked
 * through Godwit configured with `storage.vectors: chroma`, and a tampered target caught.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGodwit, loadConfig } from '../../src/config/index.ts';
import { DEFAULT_TENANT } from '../../src/core/types.ts';
import { DumpSink } from '../../src/migrate/sinks/dump-sink.ts';
import { freePort } from '../../src/migrate/sources/chroma-process.ts';
import { indexName } from '../../src/storage/catalogue/index.ts';
import { type ChromaRecord, type ChromaTestServer, startChromaServer } from '../support/chroma-server.ts';
import { freshDir, runCli, runMigrate, vectorFor } from './migrate-helpers.ts';

const DIMENSION = 6;
const MODEL = 'openai:text-embedding-3-small';

const RECORDS: ChromaRecord[] = [
  {
    id: 'doc',
    document: 'plain text',
    metadata: { n: 1, f: 1.5, b: true, s: 'str' },
    embedding: vectorFor(0, DIMENSION),
  },
  { id: 'Doc', document: 'differs only in case', metadata: { n: 2 }, embedding: vectorFor(1, DIMENSION) },
  {
    id: 'ünï-🐦',
    document: 'Ünïcode 🐦 — 漢字',
    metadata: { big: 12345678901, neg: -0.25 },
    embedding: vectorFor(2, DIMENSION),
  },
  { id: 'empty-doc', document: '', metadata: null, embedding: vectorFor(3, DIMENSION) },
  { id: 'null-doc', document: null, metadata: { only: 'metadata' }, embedding: vectorFor(4, DIMENSION) },
  ...Array.from({ length: 45 }, (_, index) => ({
    id: `rec-${String(index).padStart(3, '0')}`,
    document: `record ${index} about topic ${index % 7}`,
    metadata: { index, even: index % 2 === 0 },
    embedding: vectorFor(index + 10, DIMENSION),
  })),
];

describe('Chroma collection → Godwit knowledge base on Chroma', () => {
  let chroma: ChromaTestServer;
  let sourceUrl: string;
  const temporary: string[] = [];
  const scratch = (prefix: string) => {
    const path = freshDir(prefix);
    temporary.push(path);
    return path;
  };
  const dataDir = join(scratch('chroma-target'), 'data');

  beforeAll(async () => {
    chroma = await startChromaServer();
    const collection = await chroma.createCollection('kb_docs');
    await chroma.add(collection, RECORDS);
    sourceUrl = `chroma://127.0.0.1:${chroma.port}/kb_docs`;
  }, 90_000);

  afterAll(async () => {
    await chroma?.stop();
    for (const path of temporary) rmSync(path, { recursive: true, force: true });
  });

  async function openGodwit(collectionPrefix: string) {
    const { config } = loadConfig({
      env: {},
      overrides: {
        dataDir,
        sample: false,
        storage: { vectors: 'chroma', chroma: { url: chroma.url, collectionPrefix } },
      },
    });
    return createGodwit(config, { env: {} });
  }

  async function collection(name: string): Promise<{ id: string; count: number }> {
    const base = `${chroma.url}/api/v2/tenants/default_tenant/databases/default_database/collections`;
    const info = (await (await fetch(`${base}/${name}`)).json()) as { id: string };
    const count = (await (await fetch(`${base}/${info.id}/count`)).json()) as number;
    return { id: info.id, count };
  }

  it('writes every record into Chroma through Godwit and verifies ids, checksums, metadata, vectors and retrieval', async () => {
    const target = `chroma://127.0.0.1:${chroma.port}/handbook?collectionPrefix=migrated`;
    const result = await runMigrate(dataDir, [sourceUrl, target, '--verify', '--embedding-model', MODEL]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.report.verification).toMatchObject({
      ok: true,
      counts: { source: RECORDS.length, target: RECORDS.length },
      missing: { count: 0 },
      unexpected: { count: 0 },
      content: { count: 0 },
      metadata: { count: 0 },
      vectors: { count: 0 },
    });
    expect(result.report.verification.retrieval.meanOverlap).toBeGreaterThanOrEqual(0.9);

    const godwit = await openGodwit('migrated');
    try {
      const knowledgeBase = await godwit.knowledgeStore.getKnowledgeBase(DEFAULT_TENANT, 'handbook');
      expect(knowledgeBase).toMatchObject({ embeddingModel: MODEL, embeddingDimension: DIMENSION });
      expect((await collection(indexName('migrated', knowledgeBase!.id))).count).toBe(RECORDS.length);
      expect(await godwit.index.countChunks(DEFAULT_TENANT, knowledgeBase!.id)).toBe(RECORDS.length);
      const hits = await godwit.index.vectorSearch(DEFAULT_TENANT, {
        knowledgeBaseId: knowledgeBase!.id,
        embedding: vectorFor(2, DIMENSION),
        k: 1,
      });
      expect(hits[0]).toMatchObject({
        source: 'ünï-🐦',
        text: 'Ünïcode 🐦 — 漢字',
        metadata: { big: 12345678901, neg: -0.25 },
      });
      const filtered = await godwit.index.vectorSearch(DEFAULT_TENANT, {
        knowledgeBaseId: knowledgeBase!.id,
        embedding: vectorFor(10, DIMENSION),
        k: 100,
        filter: { metadata: { even: true } },
      });
      expect(filtered).toHaveLength(23);
      expect((await godwit.health()).find((report) => report.name === 'chroma')).toMatchObject({ ok: true });
    } finally {
      await godwit.close();
    }
  });

  it('catches a target that lost a record in Chroma', async () => {
    const target = `chroma://127.0.0.1:${chroma.port}/tampered?collectionPrefix=tamper`;
    expect((await runMigrate(dataDir, [sourceUrl, target, '--embedding-model', MODEL])).code).toBe(0);
    const godwit = await openGodwit('tamper');
    let collectionName: string;
    try {
      const knowledgeBase = await godwit.knowledgeStore.getKnowledgeBase(DEFAULT_TENANT, 'tampered');
      collectionName = indexName('tamper', knowledgeBase!.id);
    } finally {
      await godwit.close();
    }
    const { id } = await collection(collectionName);
    const base = `${chroma.url}/api/v2/tenants/default_tenant/databases/default_database/collections/${id}`;
    const removed = await fetch(`${base}/delete`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ where: { source: 'doc' } }),
    });
    expect(removed.ok).toBe(true);
    const check = await runMigrate(dataDir, [
      sourceUrl,
      target,
      '--dry-run',
      '--verify',
      '--embedding-model',
      MODEL,
    ]);
    expect(check.code).toBe(1);
    expect(check.report.verification).toMatchObject({
      ok: false,
      counts: { source: RECORDS.length, target: RECORDS.length - 1 },
      missing: { count: 1, examples: ['doc'] },
    });
  });

  it('refuses a chroma-dir target and names an unreachable Chroma target with the fix', async () => {
    const folder = await runCli([
      '--data-dir',
      dataDir,
      'migrate',
      sourceUrl,
      `chroma-dir://${scratch('chroma-dir-target')}?collection=x`,
      '--embedding-model',
      MODEL,
    ]);
    expect(folder.code).toBe(2);
    expect(folder.stderr).toMatch(/chroma-dir:\/\/ folder is a migration source, not a target/);

    const port = await freePort();
    const unreachable = await runCli([
      '--data-dir',
      dataDir,
      'migrate',
      sourceUrl,
      `chroma://127.0.0.1:${port}/elsewhere`,
      '--embedding-model',
      MODEL,
    ]);
    expect(unreachable.code).not.toBe(0);
    expect(unreachable.stderr).toContain(`Chroma at http://127.0.0.1:${port} is not reachable`);
    expect(unreachable.stderr).toMatch(/storage\.chroma\.url/);

    const badPrefix = await runCli([
      '--data-dir',
      dataDir,
      'migrate',
      sourceUrl,
      `chroma://127.0.0.1:${chroma.port}/kb?collectionPrefix=-bad`,
      '--embedding-model',
      MODEL,
    ]);
    expect(badPrefix.code).toBe(2);
    expect(badPrefix.stderr).toMatch(/collectionPrefix= "-bad" is not usable/);
  });

  it('takes knowledge, not conversations', async () => {
    const dump = join(scratch('chroma-conversations'), 'dump');
    const sink = new DumpSink(dump, 'conversations');
    await sink.prepare({
      source: { kind: 'conversations', location: 'test', name: 'test', count: 0, embedding: null },
      embedding: null,
      resume: false,
      resumeFrom: 0,
    });
    await sink.finish();
    await sink.close();
    const result = await runCli([
      '--data-dir',
      dataDir,
      'migrate',
      dump,
      `chroma://127.0.0.1:${chroma.port}/conversations`,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/A chroma:\/\/ target takes a knowledge base/);
  });
});
