/**
 * Chroma (a real server) → a Godwit knowledge base: awkward records, verification (and a tampered target
 * it must catch), dry runs, checkpoints and --resume after a crash, and clear errors.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TENANT } from '../../src/core/types.ts';
import { verifyMigration } from '../../src/migrate/index.ts';
import { KnowledgeBaseSink } from '../../src/migrate/sinks/knowledge-base-sink.ts';
import { ChromaSource } from '../../src/migrate/sources/chroma-source.ts';
import { type ChromaRecord, type ChromaTestServer, startChromaServer } from '../support/chroma-server.ts';
import { freshDir, runCli, runMigrate, vectorFor, withDataDir } from './migrate-helpers.ts';

const DIMENSION = 6;
const MODEL = 'openai:text-embedding-3-small';

const AWKWARD: ChromaRecord[] = [
  {
    id: 'doc',
    document: 'plain text',
    metadata: { n: 1, f: 1.5, b: true, s: 'str' },
    embedding: vectorFor(0, DIMENSION),
  },
  { id: 'Doc', document: 'differs only in case', metadata: { n: 2 }, embedding: vectorFor(1, DIMENSION) },
  {
    id: 'doc ',
    document: 'differs only in whitespace',
    metadata: { n: 3 },
    embedding: vectorFor(2, DIMENSION),
  },
  {
    id: 'ünï-🐦',
    document: 'Ünïcode 🐦 — 漢字',
    metadata: { big: 12345678901, neg: -0.25 },
    embedding: vectorFor(3, DIMENSION),
  },
  { id: 'empty-doc', document: '', metadata: null, embedding: vectorFor(4, DIMENSION) },
  { id: 'null-doc', document: null, metadata: { only: 'metadata' }, embedding: vectorFor(5, DIMENSION) },
];

function manyRecords(count: number, offset = 0): ChromaRecord[] {
  return Array.from({ length: count }, (_, index) => ({
    id: `rec-${String(index + offset).padStart(6, '0')}`,
    document: `record ${index + offset} about topic ${(index + offset) % 17}`,
    metadata: { index: index + offset, even: (index + offset) % 2 === 0 },
    embedding: vectorFor(index + offset + 10, DIMENSION),
  }));
}

async function knowledgeRows(dataDir: string, name: string) {
  return withDataDir(dataDir, async (services) => {
    const knowledgeBase = await services.knowledgeStore.getKnowledgeBase(DEFAULT_TENANT, name);
    const documents = await services.knowledgeStore.listDocuments(DEFAULT_TENANT, knowledgeBase!.id);
    const sourceOf = new Map(documents.map((document) => [document.id, document.source]));
    const rows: Array<{ source: string; text: string; metadata: unknown; embedding: number[] | null }> = [];
    for await (const batch of services.index.scan(DEFAULT_TENANT, knowledgeBase!.id)) {
      for (const chunk of batch) {
        rows.push({
          source: sourceOf.get(chunk.documentId)!,
          text: chunk.text,
          metadata: chunk.metadata,
          embedding: chunk.embedding,
        });
      }
    }
    return {
      knowledgeBase: knowledgeBase!,
      documents: documents.length,
      rows: rows.sort((a, b) => (a.source < b.source ? -1 : 1)),
    };
  });
}

describe('Chroma server → Godwit knowledge base', () => {
  let chroma: ChromaTestServer;
  let awkwardUrl: string;
  let manyUrl: string;
  // One data dir for the file: creating a database is the slow part, each test uses its own knowledge bases.
  const dataDir = join(freshDir('chroma-kb'), 'data');

  beforeAll(async () => {
    await withDataDir(dataDir, async () => {});
    chroma = await startChromaServer();
    const awkward = await chroma.createCollection('kb_docs');
    await chroma.add(awkward, AWKWARD);
    awkwardUrl = `chroma://127.0.0.1:${chroma.port}/kb_docs`;
    const many = await chroma.createCollection('many');
    await chroma.add(many, manyRecords(600), 300);
    manyUrl = `chroma://127.0.0.1:${chroma.port}/many`;
  });

  afterAll(async () => {
    await chroma?.stop();
  });

  it('moves awkward records with their vectors and verifies ids, checksums, metadata and retrieval', async () => {
    const result = await runMigrate(dataDir, [
      awkwardUrl,
      'godwit://kb-docs',
      '--verify',
      '--embedding-model',
      MODEL,
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.report.verification).toMatchObject({
      ok: true,
      counts: { source: 6, target: 6 },
      missing: { count: 0 },
      content: { count: 0 },
      metadata: { count: 0 },
      vectors: { count: 0 },
    });
    expect(result.report.verification.retrieval.meanOverlap).toBeGreaterThanOrEqual(0.9);
    const { knowledgeBase, rows } = await knowledgeRows(dataDir, 'kb-docs');
    expect(knowledgeBase).toMatchObject({ embeddingModel: MODEL, embeddingDimension: DIMENSION });
    expect(rows.map((row) => row.source).sort()).toEqual(AWKWARD.map((record) => record.id).sort());
    const byId = new Map(rows.map((row) => [row.source, row]));
    expect(byId.get('ünï-🐦')).toMatchObject({
      text: 'Ünïcode 🐦 — 漢字',
      metadata: { big: 12345678901, neg: -0.25 },
    });
    expect(byId.get('empty-doc')).toMatchObject({ text: '', metadata: {} });
    expect(byId.get('null-doc')).toMatchObject({ text: '', metadata: { only: 'metadata' } });
    expect(byId.get('doc')!.metadata).toEqual({ n: 1, f: 1.5, b: true, s: 'str' });
    expect(byId.get('Doc')!.text).toBe('differs only in case');
    expect(byId.get('doc ')!.text).toBe('differs only in whitespace');
    // Chroma parses the JSON decimals straight to float32, so a value may sit one float32 step away from
    // Math.fround of the original double; source and target agree exactly (verification compared them).
    for (const [index, value] of byId.get('doc')!.embedding!.entries()) {
      expect(value).toBeCloseTo(AWKWARD[0]!.embedding[index]!, 6);
    }
  });

  it('catches a tampered target: changed text, changed metadata, a missing and an extra record', async () => {
    expect(
      (await runMigrate(dataDir, [awkwardUrl, 'godwit://kb-tamper', '--embedding-model', MODEL])).code,
    ).toBe(0);
    await withDataDir(dataDir, async (services) => {
      const knowledgeBase = (await services.knowledgeStore.getKnowledgeBase(DEFAULT_TENANT, 'kb-tamper'))!;
      const documents = await services.knowledgeStore.listDocuments(DEFAULT_TENANT, knowledgeBase.id);
      const bySource = new Map(documents.map((document) => [document.source, document]));
      const edit = async (source: string, change: { text?: string; metadata?: Record<string, string> }) => {
        const document = bySource.get(source)!;
        const [chunk] = await services.index.getChunks(DEFAULT_TENANT, [`${document.id}:0`]);
        await services.index.replaceDocumentChunks(
          DEFAULT_TENANT,
          { id: document.id, knowledgeBaseId: knowledgeBase.id, sha256: 'x' },
          [{ ...chunk!, ...change }],
        );
      };
      await edit('doc', { text: 'plain text, edited' });
      await edit('Doc', { metadata: { n: 'two' } });
      await services.knowledgeStore.deleteDocument(DEFAULT_TENANT, bySource.get('doc ')!.id);
      const sink = new KnowledgeBaseSink({
        ...services,
        knowledge: services.knowledgeStore,
        tenantId: DEFAULT_TENANT,
        name: 'kb-tamper',
        location: 'test',
      });
      await sink.prepare({
        source: { kind: 'knowledge', location: 'x', name: 'x', count: 1, embedding: null },
        embedding: { model: MODEL, version: null, dimension: DIMENSION },
        resume: true,
        resumeFrom: 0,
      });
      await sink.write([
        {
          source: 'intruder',
          position: 0,
          text: 'not in chroma',
          metadata: {},
          location: {},
          embedding: vectorFor(9, DIMENSION),
        },
      ]);
      await sink.finish();

      const verification = await verifyMigration({
        source: new ChromaSource({ baseUrl: chroma.url, collection: 'kb_docs', embeddingModel: MODEL }),
        target: sink.reader(),
        vectors: 'kept',
      });
      expect(verification.ok).toBe(false);
      expect(verification.content).toEqual({ count: 1, examples: ['doc'] });
      expect(verification.metadata).toEqual({ count: 1, examples: ['Doc'] });
      expect(verification.missing).toEqual({ count: 1, examples: ['doc '] });
      expect(verification.unexpected).toEqual({ count: 1, examples: ['intruder'] });
    });
    // The same check from the command line, writing nothing: --dry-run --verify.
    const checked = await runMigrate(dataDir, [
      awkwardUrl,
      'godwit://kb-tamper',
      '--embedding-model',
      MODEL,
      '--dry-run',
      '--verify',
    ]);
    expect(checked.code).toBe(1);
    expect(checked.report.verification.ok).toBe(false);
  });

  it('prints the plan on --dry-run and writes nothing', async () => {
    const result = await runMigrate(dataDir, [
      manyUrl,
      'godwit://many-dry',
      '--dry-run',
      '--embedding-model',
      MODEL,
    ]);
    expect(result.code).toBe(0);
    expect(result.report).toMatchObject({
      dryRun: true,
      result: null,
      plan: { records: 600, vectors: 'kept', embedding: { model: MODEL, dimension: DIMENSION } },
    });
    const listed = await runCli(['--data-dir', dataDir, 'kb', 'list', '--json']);
    expect(JSON.parse(listed.stdout).knowledgeBases.map((kb: { name: string }) => kb.name)).not.toContain(
      'many-dry',
    );
  });

  it('resumes after a crash at a checkpoint and ends equal to a clean run, with no duplicates', async () => {
    expect(
      (
        await runMigrate(dataDir, [
          manyUrl,
          'godwit://many-clean',
          '--embedding-model',
          MODEL,
          '--batch-size',
          '50',
        ])
      ).code,
    ).toBe(0);

    const crash = new Error('injected crash');
    await expect(
      runMigrate(
        dataDir,
        [manyUrl, 'godwit://many-crash', '--embedding-model', MODEL, '--batch-size', '50'],
        {
          onCheckpoint: (done) => {
            if (done >= 250) throw crash;
          },
        },
      ),
    ).rejects.toBe(crash);
    const checkpoints = readdirSync(join(dataDir, 'migrations')).filter((file) =>
      file.endsWith('.checkpoint.json'),
    );
    expect(checkpoints).toHaveLength(1);

    const refused = await runCli([
      '--data-dir',
      dataDir,
      'migrate',
      manyUrl,
      'godwit://many-crash',
      '--embedding-model',
      MODEL,
      '--batch-size',
      '50',
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--resume/);

    const resumed = await runMigrate(dataDir, [
      manyUrl,
      'godwit://many-crash',
      '--embedding-model',
      MODEL,
      '--batch-size',
      '50',
      '--resume',
      '--verify',
    ]);
    expect(resumed.code).toBe(0);
    expect(resumed.report.result.resumedFrom).toBeGreaterThanOrEqual(250);
    expect(resumed.report.result.written).toBe(600 - resumed.report.result.resumedFrom);
    expect(resumed.report.verification).toMatchObject({
      ok: true,
      counts: { source: 600, target: 600 },
      duplicates: { count: 0 },
    });
    expect(existsSync(join(dataDir, 'migrations', checkpoints[0]!))).toBe(false);

    const clean = await knowledgeRows(dataDir, 'many-clean');
    const resumedRows = await knowledgeRows(dataDir, 'many-crash');
    expect(resumedRows.documents).toBe(600);
    expect(resumedRows.rows).toEqual(clean.rows);
  });

  it('fails clearly: unreachable Chroma, missing collection, unknown vector model, wrong dimension or model, Chroma as a target', async () => {
    const unreachable = await runCli([
      '--data-dir',
      dataDir,
      'migrate',
      'chroma://127.0.0.1:1/kb_docs',
      'godwit://x',
      '--embedding-model',
      MODEL,
    ]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/Chroma at http:\/\/127\.0\.0\.1:1 is not reachable/);

    const missing = await runCli([
      '--data-dir',
      dataDir,
      'migrate',
      `chroma://127.0.0.1:${chroma.port}/nope`,
      'godwit://x',
      '--embedding-model',
      MODEL,
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no collection "nope"/);

    const undeclared = await runCli(['--data-dir', dataDir, 'migrate', awkwardUrl, 'godwit://x']);
    expect(undeclared.code).toBe(2);
    expect(undeclared.stderr).toMatch(/--embedding-model/);

    const same = await runCli(['--data-dir', dataDir, 'migrate', 'godwit://kb-docs', 'godwit://kb-docs']);
    expect(same.code).toBe(2);
    expect(same.stderr).toMatch(/the same/);

    const badScheme = await runCli(['--data-dir', dataDir, 'migrate', 'ftp://host/x', 'godwit://x']);
    expect(badScheme.code).toBe(2);
    expect(badScheme.stderr).toMatch(/Unknown scheme "ftp:\/\/"/);

    await withDataDir(dataDir, async (services) => {
      await services.knowledgeStore.createKnowledgeBase(DEFAULT_TENANT, {
        name: 'small',
        embeddingModel: MODEL,
        embeddingVersion: null,
        embeddingDimension: 3,
      });
      await services.knowledgeStore.createKnowledgeBase(DEFAULT_TENANT, {
        name: 'other-model',
        embeddingModel: 'bedrock:amazon.titan-embed-text-v2:0',
        embeddingVersion: null,
        embeddingDimension: DIMENSION,
      });
    });
    const dimension = await runCli([
      '--data-dir',
      dataDir,
      'migrate',
      awkwardUrl,
      'godwit://small',
      '--embedding-model',
      MODEL,
    ]);
    expect(dimension.code).toBe(2);
    expect(dimension.stderr).toMatch(/3-dimensional vectors; the records' vectors have 6/);
    const model = await runCli([
      '--data-dir',
      dataDir,
      'migrate',
      awkwardUrl,
      'godwit://other-model',
      '--embedding-model',
      MODEL,
    ]);
    expect(model.code).toBe(2);
    expect(model.stderr).toMatch(/uses embedding model bedrock:amazon\.titan-embed-text-v2:0/);

    const unavailable = await runCli([
      '--data-dir',
      dataDir,
      'migrate',
      awkwardUrl,
      `chroma-dir://${dataDir}?collection=copy`,
      '--embedding-model',
      MODEL,
    ]);
    expect(unavailable.code).toBe(2);
    expect(unavailable.stderr).toMatch(/is a migration source, not a target/);
  });
});
