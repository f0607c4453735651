import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  describeWithService,
  dropSchema,
  postgresUrl,
  uniqueSchemaName,
} from '../../../test/support/services.ts';
import { analyze } from '../../core/retrieval/analyzer.ts';
import { Bm25Index } from '../../core/retrieval/bm25.ts';
import type { Chunk, KnowledgeBase } from '../../core/types.ts';
import { migrateSchema } from './migrate-schema.ts';
import { openNodePostgresClient } from './node-postgres-client.ts';
import { openPostgresStorage, type PostgresStorage } from './open-postgres-storage.ts';
import { PostgresKnowledgeStore } from './postgres-knowledge-store.ts';
import { openEmbeddedKeywordIndex, PostgresVectorIndex } from './postgres-vector-index.ts';
import type { SqlClient } from './sql-client.ts';

/**
 * On PostgreSQL, postings go wherever their chunks go: replaced, deleted with a document, a base or a
 * tenant. PGlite writes none: each chunk row carries its frequencies for the in-process index.
 */
function describePostingsLifecycle(
  engine: string,
  open: () => Promise<{ client: SqlClient; schema?: string }>,
) {
  describe(`keyword postings on ${engine}`, () => {
    let client: SqlClient;
    let knowledge: PostgresKnowledgeStore;
    let index: PostgresVectorIndex;

    beforeAll(async () => {
      const opened = await open();
      client = opened.client;
      const outcome = await migrateSchema(client, opened.schema);
      knowledge = new PostgresKnowledgeStore(client);
      index = new PostgresVectorIndex(client, outcome.vector);
    });
    afterAll(async () => {
      await client.close();
    });

    async function postings(
      base: KnowledgeBase,
    ): Promise<{ term: string; chunk_id: string; frequency: number }[]> {
      return client.query(
        `SELECT term, chunk_id, frequency FROM chunk_terms WHERE knowledge_base_id = $1 ORDER BY chunk_id, term`,
        [base.id],
      );
    }

    async function addDocument(tenant: string, base: KnowledgeBase, source: string, texts: string[]) {
      const document = await knowledge.upsertDocument(tenant, {
        knowledgeBaseId: base.id,
        source,
        mimeType: 'text/plain',
        sha256: source,
        bytes: 1,
      });
      const chunks: Chunk[] = texts.map((text, position) => ({
        id: `${document.id}:${position}`,
        tenantId: tenant,
        knowledgeBaseId: base.id,
        documentId: document.id,
        position,
        text,
        location: {},
        metadata: {},
        tokenCount: 1,
        embedding: null,
      }));
      await index.replaceDocumentChunks(
        tenant,
        { id: document.id, knowledgeBaseId: base.id, sha256: 'v' },
        chunks,
      );
      return document;
    }

    it('writes one posting per distinct term and replaces them with the chunks', async () => {
      const base = await knowledge.createKnowledgeBase('lifecycle-a', { name: 'kb' });
      const document = await addDocument('lifecycle-a', base, 'a.md', [
        'Leave, leave and vacation.',
        'Vacation',
      ]);
      expect(await postings(base)).toEqual([
        { term: 'leav', chunk_id: `${document.id}:0`, frequency: 2 },
        { term: 'vacat', chunk_id: `${document.id}:0`, frequency: 1 },
        { term: 'vacat', chunk_id: `${document.id}:1`, frequency: 1 },
      ]);
      await addDocument('lifecycle-a', base, 'a.md', ['Expenses']);
      expect(await postings(base)).toEqual([{ term: 'expens', chunk_id: `${document.id}:0`, frequency: 1 }]);
      await knowledge.deleteDocument('lifecycle-a', document.id);
      expect(await postings(base)).toEqual([]);
    });

    it('writes every posting of a document of many chunks', async () => {
      const base = await knowledge.createKnowledgeBase('lifecycle-d', { name: 'kb' });
      const texts = Array.from(
        { length: 130 },
        (_, position) => `shared word${position} extra${position % 7}`,
      );
      await addDocument('lifecycle-d', base, 'large.md', texts);
      expect(await postings(base)).toHaveLength(130 * 3);
      expect(await knowledge.knowledgeBaseStats('lifecycle-d', base.id)).toMatchObject({ chunks: 130 });
    });

    it('drops the postings of a deleted knowledge base, and of a deleted tenant, keeping the others', async () => {
      const kept = await knowledge.createKnowledgeBase('lifecycle-b', { name: 'kept' });
      const gone = await knowledge.createKnowledgeBase('lifecycle-b', { name: 'gone' });
      const elsewhere = await knowledge.createKnowledgeBase('lifecycle-c', { name: 'kb' });
      await addDocument('lifecycle-b', kept, 'k.md', ['kept words']);
      await addDocument('lifecycle-b', gone, 'g.md', ['gone words']);
      await addDocument('lifecycle-c', elsewhere, 'e.md', ['other tenant words']);

      await knowledge.deleteKnowledgeBase('lifecycle-b', 'gone');
      expect(await postings(gone)).toEqual([]);
      expect(await postings(kept)).toHaveLength(2);

      await client.query('DELETE FROM tenants WHERE id = $1', ['lifecycle-c']);
      expect(await postings(elsewhere)).toEqual([]);
      expect(await postings(kept)).toHaveLength(2);
    });
  });
}

describe('keyword frequencies and the in-process index on PGlite', () => {
  let storage: PostgresStorage;

  beforeAll(async () => {
    storage = await openPostgresStorage({ pglite: {} });
  });
  afterAll(async () => {
    await storage.close();
  });

  async function addDocument(
    tenant: string,
    base: KnowledgeBase,
    source: string,
    texts: string[],
    ids?: string[],
  ) {
    const document = await storage.knowledge.upsertDocument(tenant, {
      knowledgeBaseId: base.id,
      source,
      mimeType: 'text/plain',
      sha256: source,
      bytes: 1,
    });
    const chunks: Chunk[] = texts.map((text, position) => ({
      id: ids?.[position] ?? `${document.id}:${position}`,
      tenantId: tenant,
      knowledgeBaseId: base.id,
      documentId: document.id,
      position,
      text,
      location: {},
      metadata: {},
      tokenCount: 1,
      embedding: null,
    }));
    await storage.index.replaceDocumentChunks(
      tenant,
      { id: document.id, knowledgeBaseId: base.id, sha256: 'v' },
      chunks,
    );
    return document;
  }

  const search = async (tenant: string, base: KnowledgeBase, text: string) =>
    (await storage.index.keywordSearch(tenant, { knowledgeBaseId: base.id, text, k: 10 })).map((hit) => [
      hit.chunkId,
      hit.text,
    ]);

  it('writes each chunk its encoded frequencies and no postings rows; searches follow replacements and deletions', async () => {
    const base = await storage.knowledge.createKnowledgeBase('embedded-a', { name: 'kb' });
    const document = await addDocument('embedded-a', base, 'a.md', [
      'Leave, leave and vacation.',
      'Vacation',
    ]);
    expect(await search('embedded-a', base, 'vacation')).toEqual([
      [`${document.id}:1`, 'Vacation'],
      [`${document.id}:0`, 'Leave, leave and vacation.'],
    ]);
    const rows = await storage.client.query(
      'SELECT id, term_count, keyword_frequencies FROM chunks WHERE knowledge_base_id = $1 ORDER BY id',
      [base.id],
    );
    expect(rows).toEqual([
      { id: `${document.id}:0`, term_count: 3, keyword_frequencies: 'leav:2 vacat' },
      { id: `${document.id}:1`, term_count: 1, keyword_frequencies: 'vacat' },
    ]);
    expect(await storage.client.query('SELECT * FROM chunk_terms')).toEqual([]);

    await addDocument('embedded-a', base, 'a.md', ['Expenses']);
    expect(await search('embedded-a', base, 'vacation')).toEqual([]);
    expect(await search('embedded-a', base, 'expenses')).toEqual([[`${document.id}:0`, 'Expenses']]);

    await storage.knowledge.deleteDocument('embedded-a', document.id);
    expect(await search('embedded-a', base, 'expenses')).toEqual([]);
  });

  it('forgets a deleted knowledge base, keeping the others', async () => {
    const kept = await storage.knowledge.createKnowledgeBase('embedded-b', { name: 'kept' });
    const gone = await storage.knowledge.createKnowledgeBase('embedded-b', { name: 'gone' });
    await addDocument('embedded-b', kept, 'k.md', ['kept words']);
    await addDocument('embedded-b', gone, 'g.md', ['gone words']);
    expect(await search('embedded-b', gone, 'words')).toHaveLength(1);
    await storage.knowledge.deleteKnowledgeBase('embedded-b', 'gone');
    expect(await search('embedded-b', gone, 'words')).toEqual([]);
    expect(await search('embedded-b', kept, 'words')).toEqual([[expect.any(String), 'kept words']]);
  });

  it('ranks again when a hit is replaced while its row is being read, so no score goes with other text', async () => {
    const tenant = 'embedded-d';
    const base = await storage.knowledge.createKnowledgeBase(tenant, { name: 'kb' });
    let beforeRead: (() => Promise<void>) | undefined;
    // Runs a write just before the first read of hit rows, as a request committing at that moment would.
    const client: SqlClient = {
      engine: 'pglite',
      query: async (text, params) => {
        const write = text.includes('c.id = ANY($2::text[])') ? beforeRead : undefined;
        beforeRead = undefined;
        await write?.();
        return storage.client.query(text, params);
      },
      execute: (script) => storage.client.execute(script),
      transaction: (work) => storage.client.transaction(work),
      close: async () => {},
    };
    const index = new PostgresVectorIndex(
      client,
      storage.vector,
      undefined,
      undefined,
      openEmbeddedKeywordIndex(client),
    );
    const document = await storage.knowledge.upsertDocument(tenant, {
      knowledgeBaseId: base.id,
      source: 'd.md',
      mimeType: 'text/plain',
      sha256: 'd',
      bytes: 1,
    });
    const write = (texts: string[]) =>
      index.replaceDocumentChunks(
        tenant,
        { id: document.id, knowledgeBaseId: base.id, sha256: 'd' },
        texts.map((text, position) => ({
          id: `${document.id}:${position}`,
          tenantId: tenant,
          knowledgeBaseId: base.id,
          documentId: document.id,
          position,
          text,
          location: {},
          metadata: {},
          tokenCount: 1,
          embedding: null,
        })),
      );
    await write(['parking permits for staff', 'parking', 'canteen menu']);
    expect(
      await index.keywordSearch(tenant, { knowledgeBaseId: base.id, text: 'parking', k: 10 }),
    ).toHaveLength(2);

    const replaced = ['bicycle parking, parking and more parking', 'parking', 'canteen menu'];
    beforeRead = () => write(replaced);
    const hits = await index.keywordSearch(tenant, { knowledgeBaseId: base.id, text: 'parking', k: 10 });
    const reference = new Bm25Index();
    for (const [position, text] of replaced.entries())
      reference.add(`${document.id}:${position}`, analyze(text));
    expect(beforeRead).toBeUndefined();
    expect(hits.map((hit) => ({ id: hit.chunkId, score: hit.score }))).toEqual(
      reference.search(analyze('parking'), 10),
    );
    expect(hits.map((hit) => hit.text)).toEqual(
      reference.search(analyze('parking'), 10).map((hit) => replaced[Number(hit.id.split(':').pop())]),
    );
  });

  it("applies one batch that replaces documents of two bases to both bases' built indexes", async () => {
    const tenant = 'embedded-e';
    const first = await storage.knowledge.createKnowledgeBase(tenant, { name: 'first' });
    const second = await storage.knowledge.createKnowledgeBase(tenant, { name: 'second' });
    const a = await addDocument(tenant, first, 'a.md', ['holiday rota', 'holiday pay']);
    const b = await addDocument(tenant, second, 'b.md', ['holiday cover']);
    expect(await search(tenant, first, 'holiday')).toHaveLength(2);
    expect(await search(tenant, second, 'holiday')).toHaveLength(1);
    const chunk = (base: KnowledgeBase, documentId: string, position: number, text: string): Chunk => ({
      id: `${documentId}:${position}`,
      tenantId: tenant,
      knowledgeBaseId: base.id,
      documentId,
      position,
      text,
      location: {},
      metadata: {},
      tokenCount: 1,
      embedding: null,
    });
    await storage.index.replaceManyDocumentChunks!(tenant, [
      {
        document: { id: a.id, knowledgeBaseId: first.id, sha256: 'a2' },
        chunks: [chunk(first, a.id, 0, 'rota')],
      },
      {
        document: { id: b.id, knowledgeBaseId: second.id, sha256: 'b2' },
        chunks: [chunk(second, b.id, 0, 'holiday cover'), chunk(second, b.id, 1, 'holiday swaps')],
      },
    ]);
    expect(await search(tenant, first, 'holiday')).toEqual([]);
    expect(await search(tenant, first, 'rota')).toEqual([[`${a.id}:0`, 'rota']]);
    const reference = new Bm25Index();
    reference.add(`${b.id}:0`, analyze('holiday cover'));
    reference.add(`${b.id}:1`, analyze('holiday swaps'));
    const hits = await storage.index.keywordSearch(tenant, {
      knowledgeBaseId: second.id,
      text: 'holiday',
      k: 10,
    });
    expect(hits.map((hit) => ({ id: hit.chunkId, score: hit.score }))).toEqual(
      reference.search(analyze('holiday'), 10),
    );
  });

  it('keeps nothing of a write whose transaction failed', async () => {
    const base = await storage.knowledge.createKnowledgeBase('embedded-c', { name: 'kb' });
    const first = await addDocument('embedded-c', base, 'first.md', ['holiday calendar']);
    const second = await addDocument('embedded-c', base, 'second.md', ['parking permits']);
    expect(await search('embedded-c', base, 'parking')).toHaveLength(1);
    // The second document's new chunk takes the first one's id: its old chunks are deleted, then the
    // insert breaks the primary key and the transaction rolls back.
    await expect(
      addDocument('embedded-c', base, 'second.md', ['bicycle storage'], [`${first.id}:0`]),
    ).rejects.toThrow();
    expect(await search('embedded-c', base, 'bicycle')).toEqual([]);
    expect(await search('embedded-c', base, 'parking')).toEqual([[`${second.id}:0`, 'parking permits']]);
    expect(await search('embedded-c', base, 'holiday')).toEqual([[`${first.id}:0`, 'holiday calendar']]);
  });
});

describe('postings rows of an older embedded data dir', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'godwit-old-postings-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("are removed when the base's index is built, and its chunks without frequencies are searched from their text", async () => {
    const dataDir = join(root, 'db');
    const first = await openPostgresStorage({ pglite: { dataDir } });
    const base = await first.knowledge.createKnowledgeBase('acme', { name: 'kb' });
    const document = await first.knowledge.upsertDocument('acme', {
      knowledgeBaseId: base.id,
      source: 'old.md',
      mimeType: 'text/plain',
      sha256: 'o',
      bytes: 1,
    });
    // As a build before the embedded index wrote them: postings rows, and no frequencies in the chunk row.
    await first.client.query(
      `INSERT INTO chunks (tenant_id, id, knowledge_base_id, document_id, position, text, token_count, term_count,
                           keyword_terms)
       VALUES ('acme', 'old:0', $1, $2, 0, 'Parking permits, parking spaces', 4, 4, '{park,permit,space}')`,
      [base.id, document.id],
    );
    await first.client.query(
      `INSERT INTO chunk_terms (knowledge_base_id, term, chunk_id, frequency, chunk_length)
       VALUES ($1, 'park', 'old:0', 2, 4), ($1, 'permit', 'old:0', 1, 4), ($1, 'space', 'old:0', 1, 4)`,
      [base.id],
    );
    await first.client.query('UPDATE knowledge_bases SET chunk_count = 1, term_count = 4 WHERE id = $1', [
      base.id,
    ]);
    await first.close();

    const second = await openPostgresStorage({ pglite: { dataDir } });
    try {
      const postings = 'SELECT count(*)::integer AS rows FROM chunk_terms';
      expect(await second.client.query(postings)).toEqual([{ rows: 3 }]);
      // Another tenant naming the base builds nothing of it and removes nothing.
      expect(
        await second.index.keywordSearch('other', { knowledgeBaseId: base.id, text: 'parking', k: 5 }),
      ).toEqual([]);
      expect(await second.client.query(postings)).toEqual([{ rows: 3 }]);
      const hits = await second.index.keywordSearch('acme', {
        knowledgeBaseId: base.id,
        text: 'parking',
        k: 5,
      });
      expect(await second.client.query(postings)).toEqual([{ rows: 0 }]);
      const reference = new Bm25Index();
      reference.add('old:0', analyze('Parking permits, parking spaces'));
      expect(hits.map((hit) => ({ id: hit.chunkId, score: hit.score }))).toEqual(
        reference.search(analyze('parking'), 5),
      );
      await second.knowledge.deleteDocument('acme', document.id);
      expect(
        await second.index.keywordSearch('acme', { knowledgeBaseId: base.id, text: 'parking', k: 5 }),
      ).toEqual([]);
    } finally {
      await second.close();
    }
  });
});

const describeWithPostgres = await describeWithService('postgres');
const schema = uniqueSchemaName('postings_lifecycle');
describeWithPostgres('keyword postings on a PostgreSQL server', () => {
  afterAll(async () => {
    await dropSchema(postgresUrl(), schema);
  });
  describePostingsLifecycle('PostgreSQL', async () => ({
    client: openNodePostgresClient({ url: postgresUrl(), schema }),
    schema,
  }));
});
