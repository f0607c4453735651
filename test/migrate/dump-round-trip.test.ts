/**
 * `godwit export` → `godwit import` through a dump folder: equal ids, checksums, metadata and vectors,
 * and a dump that is plain JSON Lines with a manifest a reader without Godwit can check.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TENANT } from '../../src/core/types.ts';
import { canonicalJson } from '../../src/migrate/index.ts';
import { freshDir, runCli, seedKnowledgeBase, vectorFor, withDataDir } from './migrate-helpers.ts';

const DIMENSION = 8;

async function readAll(dataDir: string, name: string) {
  return withDataDir(dataDir, async (services) => {
    const knowledgeBase = await services.knowledgeStore.getKnowledgeBase(DEFAULT_TENANT, name);
    if (!knowledgeBase) return undefined;
    const chunks = [];
    for await (const batch of services.index.scan(DEFAULT_TENANT, knowledgeBase.id)) chunks.push(...batch);
    const documents = await services.knowledgeStore.listDocuments(DEFAULT_TENANT, knowledgeBase.id);
    const sourceOf = new Map(documents.map((document) => [document.id, document]));
    return {
      knowledgeBase,
      rows: chunks
        .map((chunk) => ({
          source: sourceOf.get(chunk.documentId)!.source,
          documentMetadata: sourceOf.get(chunk.documentId)!.metadata,
          position: chunk.position,
          text: chunk.text,
          metadata: canonicalJson(chunk.metadata),
          location: chunk.location,
          embedding: chunk.embedding ? Array.from(Float32Array.from(chunk.embedding)) : null,
        }))
        .sort((left, right) => (left.source + left.position < right.source + right.position ? -1 : 1)),
    };
  });
}

describe('export and import through a dump', () => {
  // Two data dirs for the whole file: creating a database is the slow part.
  const sourceDir = join(freshDir('dump-source'), 'data');
  const targetDir = join(freshDir('dump-target'), 'data');

  beforeAll(async () => {
    await withDataDir(sourceDir, (services) =>
      seedKnowledgeBase(
        services,
        'handbook',
        [
          {
            source: 'guide.md',
            metadata: { title: 'Guide', tags: ['a', 'b'] },
            chunks: [
              {
                text: 'Ünïcode 🐦 — leave policy',
                metadata: { nested: { deep: [1, 2, { x: null }] }, n: 1.5 },
                embedding: vectorFor(1, DIMENSION),
              },
              { text: '', metadata: { empty: true, none: null }, embedding: null },
              { text: 'third', metadata: {}, embedding: vectorFor(3, DIMENSION) },
            ],
          },
          {
            source: 'Guide.md',
            chunks: [
              { text: 'case differs', metadata: { big: 12345678901 }, embedding: vectorFor(4, DIMENSION) },
            ],
          },
          {
            source: 'guide.md ',
            chunks: [
              { text: 'trailing space', metadata: { flag: false }, embedding: vectorFor(5, DIMENSION) },
            ],
          },
        ],
        { model: 'test:embedder', dimension: DIMENSION },
      ),
    );
  });

  it('round-trips ids, text, metadata, locations and vectors, and the manifest checks out', async () => {
    const dump = join(freshDir('dump'), 'out');
    const exported = await runCli([
      '--data-dir',
      sourceDir,
      'export',
      'handbook',
      '--out',
      dump,
      '--verify',
      '--json',
    ]);
    expect(exported.stderr).not.toMatch(/error/);
    expect(exported.code).toBe(0);
    const exportReport = JSON.parse(exported.stdout);
    expect(exportReport.verification.ok).toBe(true);
    expect(exportReport.verification.counts).toEqual({ source: 5, target: 5 });

    const manifest = JSON.parse(readFileSync(join(dump, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({
      format: 'godwit-dump',
      schemaVersion: 1,
      kind: 'knowledge',
      embedding: { model: 'test:embedder', version: '1', dimension: DIMENSION },
      counts: { records: 5, withEmbedding: 4 },
    });
    // Readable without Godwit: every part's SHA-256 and line count match the manifest.
    for (const part of manifest.parts) {
      const bytes = readFileSync(join(dump, part.file));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(part.sha256);
      const lines = bytes.toString('utf8').trimEnd().split('\n');
      expect(lines).toHaveLength(part.records);
      for (const line of lines) expect(JSON.parse(line)).toHaveProperty('source');
    }
    expect(existsSync(join(dump, '.godwit-checkpoint.json'))).toBe(false);

    const imported = await runCli([
      '--data-dir',
      targetDir,
      'import',
      dump,
      '--kb',
      'restored',
      '--verify',
      '--json',
    ]);
    expect(imported.code).toBe(0);
    expect(JSON.parse(imported.stdout).verification).toMatchObject({
      ok: true,
      counts: { source: 5, target: 5 },
    });

    const before = await readAll(sourceDir, 'handbook');
    const after = await readAll(targetDir, 'restored');
    expect(after!.rows).toEqual(before!.rows);
    expect(after!.knowledgeBase).toMatchObject({
      embeddingModel: 'test:embedder',
      embeddingVersion: '1',
      embeddingDimension: DIMENSION,
    });

    // Importing the same dump again changes nothing: upserts are keyed by source and position.
    const again = await runCli([
      '--data-dir',
      targetDir,
      'import',
      dump,
      '--kb',
      'restored',
      '--verify',
      '--json',
    ]);
    expect(again.code).toBe(0);
    expect((await readAll(targetDir, 'restored'))!.rows).toEqual(before!.rows);
  });

  it('refuses a dump whose part was edited, and a folder that is not a dump', async () => {
    const dump = join(freshDir('dump-tampered'), 'out');
    expect((await runCli(['--data-dir', sourceDir, 'export', 'handbook', '--out', dump])).code).toBe(0);
    const part = readdirSync(dump).find((file) => file.endsWith('.jsonl'))!;
    const text = readFileSync(join(dump, part), 'utf8').replace('third', 'THIRD');
    writeFileSync(join(dump, part), text);
    const result = await runCli(['--data-dir', targetDir, 'import', dump, '--kb', 'tampered']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/does not match the manifest/);
    // Refused before anything was written: the knowledge base was not even created.
    const listed = await runCli(['--data-dir', targetDir, 'kb', 'list', '--json']);
    expect(JSON.parse(listed.stdout).knowledgeBases.map((kb: { name: string }) => kb.name)).not.toContain(
      'tampered',
    );

    const notADump = freshDir('not-a-dump');
    appendFileSync(join(notADump, 'notes.txt'), 'hello');
    const refused = await runCli(['--data-dir', targetDir, 'import', notADump, '--kb', 'x']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/no manifest\.json/);
  });

  it('refuses to export into a folder that already holds a dump, and an unknown knowledge base', async () => {
    const dump = join(freshDir('dump-twice'), 'out');
    expect((await runCli(['--data-dir', sourceDir, 'export', 'handbook', '--out', dump])).code).toBe(0);
    const second = await runCli(['--data-dir', sourceDir, 'export', 'handbook', '--out', dump]);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/already holds a dump/);
    const missing = await runCli([
      '--data-dir',
      sourceDir,
      'export',
      'nope',
      '--out',
      join(freshDir('dump-missing'), 'out'),
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/Knowledge base "nope" does not exist/);
  });
});
