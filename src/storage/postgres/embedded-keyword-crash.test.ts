/**
 * A process killed (SIGKILL) while it writes a document's chunks leaves nothing of that document: the
 * next open finds none of its chunks, marks it failed, and the keyword index it builds from the rows
 * ranks exactly as the reference over what was committed. An original kept for a file whose catalogue row
 * was never committed is deleted before the next process keeps an original; the documents' are kept.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runUntilKilledAt } from '../../../test/support/kill-at-line.ts';
import { smallBlobKeys } from '../../../test/support/small-blobs.ts';
import { analyze } from '../../core/retrieval/analyzer.ts';
import { Bm25Index } from '../../core/retrieval/bm25.ts';
import { openPostgresStorage, UNFINISHED_DOCUMENT_ERROR } from './open-postgres-storage.ts';
import { PostgresBlobTable } from './postgres-blob-table.ts';

const KEPT_TEXTS = [
  'Annual leave is twenty five days, and unused leave carries over.',
  'Parental leave is paid for sixteen weeks.',
  'Travel expenses need a receipt for every claim.',
  'Expenses over the limit need a manager to approve the claim.',
];
const CUT_TEXTS = Array.from(
  { length: 700 },
  (_, index) => `Zeppelin maintenance log ${index}: leave the hangar doors closed, expenses noted.`,
);

const OPEN_MODULE = new URL('./open-postgres-storage.ts', import.meta.url).href;
const INDEX_MODULE = new URL('./postgres-vector-index.ts', import.meta.url).href;
const BLOBS_MODULE = new URL('./postgres-blob-table.ts', import.meta.url).href;

/**
 * Writes the kept document, then the cut one through a client whose transaction stops for good after
 * its first chunk statement, saying `mid-write` so the test can kill it there.
 */
const WRITER = `
const { openPostgresStorage } = await import(${JSON.stringify(OPEN_MODULE)});
const { PostgresVectorIndex } = await import(${JSON.stringify(INDEX_MODULE)});
const { PostgresBlobTable } = await import(${JSON.stringify(BLOBS_MODULE)});
const storage = await openPostgresStorage({ pglite: { dataDir: process.env.CRASH_DATA_DIR } });
const base = await storage.knowledge.createKnowledgeBase('acme', { name: 'kb' });
const chunksOf = (document, texts) => texts.map((text, position) => ({
  id: document.id + ':' + position, tenantId: 'acme', knowledgeBaseId: base.id, documentId: document.id,
  position, text, location: {}, metadata: {}, tokenCount: 1, embedding: null,
}));
const upsert = (source) => storage.knowledge.upsertDocument('acme', {
  knowledgeBaseId: base.id, source, mimeType: 'text/plain', sha256: source, bytes: 1, blobKey: 'acme/kb/' + source,
});
// The originals of both documents, and one of a file whose catalogue row the kill will never let in.
const blobs = new PostgresBlobTable(storage.client);
for (const source of ['kept.md', 'cut.md', 'lost.md'])
  await blobs.put('acme/kb/' + source, new TextEncoder().encode(source), 'text/markdown');
const kept = await upsert('kept.md');
await storage.index.replaceDocumentChunks('acme', { id: kept.id, knowledgeBaseId: base.id, sha256: 'k' },
  chunksOf(kept, ${JSON.stringify(KEPT_TEXTS)}));
const cut = await upsert('cut.md');
const client = storage.client;
const stalling = {
  engine: client.engine,
  query: (text, params) => client.query(text, params),
  execute: (script) => client.execute(script),
  close: () => client.close(),
  transaction: (work) => client.transaction((transaction) => work({
    execute: (script) => transaction.execute(script),
    query: async (text, params) => {
      const rows = await transaction.query(text, params);
      if (text.includes('INSERT INTO chunks')) {
        setInterval(() => {}, 1000);
        process.stdout.write('mid-write\\n');
        await new Promise(() => {});
      }
      return rows;
    },
  })),
};
process.stdout.write(JSON.stringify({ base: base.id, kept: kept.id, cut: cut.id }) + '\\n');
await new PostgresVectorIndex(stalling, storage.vector).replaceDocumentChunks('acme',
  { id: cut.id, knowledgeBaseId: base.id, sha256: 'c' }, chunksOf(cut, ${JSON.stringify(CUT_TEXTS)}));
process.stdout.write('committed\\n');
`;

describe('a kill during a document write on the embedded database', () => {
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'godwit-keyword-crash-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('leaves none of the document, and the keyword index built at the next open matches the rows', async () => {
    const dataDir = join(root, 'db');
    const lines = await runUntilKilledAt(WRITER, { CRASH_DATA_DIR: dataDir }, 'mid-write');
    const ids = JSON.parse(lines[0]!) as { base: string; kept: string; cut: string };

    const storage = await openPostgresStorage({ pglite: { dataDir } });
    try {
      const documents = await storage.knowledge.listDocuments('acme', ids.base);
      expect(documents.map((document) => [document.source, document.status, document.error ?? null])).toEqual(
        [
          ['cut.md', 'failed', UNFINISHED_DOCUMENT_ERROR],
          ['kept.md', 'ready', null],
        ],
      );
      expect(await storage.index.countChunks('acme', ids.base)).toBe(KEPT_TEXTS.length);
      const originals = () => smallBlobKeys(storage.client);
      // Reading leaves them; the first original the next process keeps collects the one no document names.
      const blobs = new PostgresBlobTable(storage.client, { collectUnnamed: true });
      expect(await blobs.get('acme/kb/lost.md')).toBeDefined();
      expect(await originals()).toEqual(['acme/kb/cut.md', 'acme/kb/kept.md', 'acme/kb/lost.md']);
      await blobs.put('acme/kb/next.md', new TextEncoder().encode('next'), 'text/markdown');
      expect(await originals()).toEqual(['acme/kb/cut.md', 'acme/kb/kept.md', 'acme/kb/next.md']);
      expect(await storage.knowledge.knowledgeBaseStats('acme', ids.base)).toMatchObject({
        chunks: KEPT_TEXTS.length,
      });

      const reference = new Bm25Index();
      for (const [position, text] of KEPT_TEXTS.entries())
        reference.add(`${ids.kept}:${position}`, analyze(text));
      for (const query of ['leave', 'expenses claim', 'zeppelin hangar', 'manager approve travel']) {
        const hits = await storage.index.keywordSearch('acme', {
          knowledgeBaseId: ids.base,
          text: query,
          k: 10,
        });
        expect(hits.map((hit) => ({ id: hit.chunkId, score: hit.score }))).toEqual(
          reference.search(analyze(query), 10),
        );
      }
    } finally {
      await storage.close();
    }
  }, 120_000);
});
