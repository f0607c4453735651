/**
 * A process killed (SIGKILL) while `ingestMany` writes a batch, on the embedded database with the file
 * blob store: the batches committed before are whole, with their originals; the batch being written has
 * no chunks and reads `failed`; and ingesting the folder again at the next start completes it.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runUntilKilledAt } from '../../../test/support/kill-at-line.ts';
import { createDocumentParser } from '../../ingest/index.ts';
import { FileBlobStore } from '../../storage/fs/index.ts';
import {
  openPostgresStorage,
  UNFINISHED_DOCUMENT_ERROR,
} from '../../storage/postgres/open-postgres-storage.ts';
import { KnowledgeService } from './knowledge-service.ts';

const TOPICS = ['vacation', 'parental', 'sick', 'travel', 'remote', 'training'];
const fileOf = (topic: string) => ({
  source: `${topic}.md`,
  bytes: new TextEncoder().encode(`# ${topic}\n\nThe ${topic} policy gives ${topic.length} days.\n`),
});

const modules = {
  service: new URL('./knowledge-service.ts', import.meta.url).href,
  ingest: new URL('../../ingest/index.ts', import.meta.url).href,
  fs: new URL('../../storage/fs/index.ts', import.meta.url).href,
  open: new URL('../../storage/postgres/open-postgres-storage.ts', import.meta.url).href,
  vectorIndex: new URL('../../storage/postgres/postgres-vector-index.ts', import.meta.url).href,
};

/**
 * Ingests the folder in batches of 3 through a client whose second chunk write stops for good after its
 * first statement, saying `mid-write` so the test can kill it there.
 */
const WRITER = `
const { KnowledgeService } = await import(${JSON.stringify(modules.service)});
const { createDocumentParser } = await import(${JSON.stringify(modules.ingest)});
const { FileBlobStore } = await import(${JSON.stringify(modules.fs)});
const { openPostgresStorage } = await import(${JSON.stringify(modules.open)});
const { PostgresVectorIndex } = await import(${JSON.stringify(modules.vectorIndex)});
const storage = await openPostgresStorage({ pglite: { dataDir: process.env.CRASH_DATA_DIR + '/db' } });
const client = storage.client;
let chunkWrites = 0;
const stalling = {
  engine: client.engine,
  query: (text, params) => client.query(text, params),
  execute: (script) => client.execute(script),
  close: () => client.close(),
  transaction: (work) => client.transaction((transaction) => work({
    execute: (script) => transaction.execute(script),
    query: async (text, params) => {
      const rows = await transaction.query(text, params);
      if (text.includes('INSERT INTO chunks') && ++chunkWrites === 2) {
        setInterval(() => {}, 1000);
        process.stdout.write('mid-write\\n');
        await new Promise(() => {});
      }
      return rows;
    },
  })),
};
let ids = 0;
const service = new KnowledgeService({
  knowledge: storage.knowledge,
  index: new PostgresVectorIndex(stalling, storage.vector),
  parser: createDocumentParser(),
  blobs: new FileBlobStore({ root: process.env.CRASH_DATA_DIR + '/blobs' }),
  generateId: () => 'doc-' + ++ids,
});
const base = await service.createKnowledgeBase('acme', { name: 'kb', embeddingModel: null });
process.stdout.write(JSON.stringify({ base: base.id }) + '\\n');
const topics = ${JSON.stringify(TOPICS)};
const files = topics.map((topic) => ({
  source: topic + '.md',
  bytes: new TextEncoder().encode('# ' + topic + '\\n\\nThe ' + topic + ' policy gives ' + topic.length + ' days.\\n'),
}));
await service.ingestMany('acme', base, files, { batchFiles: 3 });
process.stdout.write('committed\\n');
`;

describe('a kill during a folder ingest on the embedded database', () => {
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'godwit-ingest-crash-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('keeps the committed batches whole, fails the cut one, and a second ingest completes the folder', async () => {
    const lines = await runUntilKilledAt(WRITER, { CRASH_DATA_DIR: root }, 'mid-write');
    const { base: baseId } = JSON.parse(lines[0]!) as { base: string };

    const storage = await openPostgresStorage({ pglite: { dataDir: join(root, 'db') } });
    try {
      const blobs = new FileBlobStore({ root: join(root, 'blobs') });
      const documents = await storage.knowledge.listDocuments('acme', baseId);
      const statusOf = new Map(documents.map((document) => [document.source, document]));
      for (const topic of TOPICS.slice(0, 3)) {
        const document = statusOf.get(`${topic}.md`)!;
        expect(document.status).toBe('ready');
        const original = await blobs.get(document.blobKey!);
        expect(original?.contentType).toBe('text/markdown');
        expect(new TextDecoder().decode(original!.bytes)).toBe(new TextDecoder().decode(fileOf(topic).bytes));
      }
      for (const topic of TOPICS.slice(3)) {
        expect(statusOf.get(`${topic}.md`)).toMatchObject({
          status: 'failed',
          error: UNFINISHED_DOCUMENT_ERROR,
        });
      }
      // Only the first batch's chunks are there: one chunk per file.
      expect(await storage.index.countChunks('acme', baseId)).toBe(3);
      expect(await readdir(join(root, 'blobs', '.partial'))).toEqual([]);

      // The next start: the same folder again skips what is whole and writes what was cut.
      let ids = 0;
      const service = new KnowledgeService({
        knowledge: storage.knowledge,
        index: storage.index,
        parser: createDocumentParser(),
        blobs,
        generateId: () => `again-${++ids}`,
      });
      const base = (await storage.knowledge.getKnowledgeBase('acme', 'kb'))!;
      const outcomes = await service.ingestMany('acme', base, TOPICS.map(fileOf), { batchFiles: 3 });
      expect(outcomes.map((outcome) => outcome.status)).toEqual([
        'unchanged',
        'unchanged',
        'unchanged',
        'updated',
        'updated',
        'updated',
      ]);
      const after = await storage.knowledge.listDocuments('acme', baseId);
      expect(after.every((document) => document.status === 'ready')).toBe(true);
      expect(await storage.index.countChunks('acme', baseId)).toBe(TOPICS.length);
      const hits = await storage.index.keywordSearch('acme', {
        knowledgeBaseId: baseId,
        text: 'training',
        k: 3,
      });
      expect(hits.map((hit) => hit.source)).toEqual(['training.md']);
    } finally {
      await storage.close();
    }
  }, 120_000);
});
