import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  describeWithService,
  dropSchema,
  postgresUrl,
  uniqueSchemaName,
} from '../../../test/support/services.ts';
import type { Chunk, KnowledgeBase } from '../../core/types.ts';
import { migrateSchema } from './migrate-schema.ts';
import { openNodePostgresClient } from './node-postgres-client.ts';
import { openPgliteClient } from './pglite-client.ts';
import { PostgresKnowledgeStore } from './postgres-knowledge-store.ts';
import { PostgresVectorIndex } from './postgres-vector-index.ts';
import type { SqlClient } from './sql-client.ts';

/** Postings go wherever their chunks go: replaced, deleted with a document, a base or a tenant. */
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

describePostingsLifecycle('PGlite', async () => ({ client: await openPgliteClient() }));

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
