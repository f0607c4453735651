import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Chunk } from '../../core/types.ts';
import { migrateSchema } from './migrate-schema.ts';
import { openPgliteClient } from './pglite-client.ts';
import { PostgresKnowledgeStore } from './postgres-knowledge-store.ts';
import { PostgresVectorIndex } from './postgres-vector-index.ts';
import { openPostingsMaintenance, PostingsMaintenance } from './postings-maintenance.ts';
import type { SqlClient } from './sql-client.ts';

/** One chunk with `distinct` different words, so `distinct` postings. */
function wordsChunk(documentId: string, knowledgeBaseId: string, distinct: number): Chunk {
  const text = Array.from({ length: distinct }, (_, index) => `w${index.toString(36)}x`).join(' ');
  return {
    id: `${documentId}:0`,
    tenantId: 'acme',
    knowledgeBaseId,
    documentId,
    position: 0,
    text,
    location: {},
    metadata: {},
    tokenCount: distinct,
    embedding: null,
  };
}

describe('PostingsMaintenance on PGlite', () => {
  let client: SqlClient;

  beforeEach(async () => {
    client = await openPgliteClient();
  });
  afterEach(async () => {
    await client.close();
  });

  async function writeDocument(maintenance: PostingsMaintenance, source: string, postings: number) {
    const outcome = await migrateSchema(client, undefined);
    const knowledge = new PostgresKnowledgeStore(client, { maintenance });
    // Postings rows, as on PostgreSQL: the embedded default keeps its keyword index in process instead.
    const index = new PostgresVectorIndex(client, outcome.vector, () => new Date(), maintenance, null);
    const base =
      (await knowledge.getKnowledgeBase('acme', 'kb')) ??
      (await knowledge.createKnowledgeBase('acme', { name: 'kb' }));
    const document = await knowledge.upsertDocument('acme', {
      knowledgeBaseId: base.id,
      source,
      mimeType: 'text/plain',
      sha256: source,
      bytes: 1,
    });
    const chunk = wordsChunk(document.id, base.id, postings);
    await index.replaceDocumentChunks('acme', { id: document.id, knowledgeBaseId: base.id, sha256: 'v1' }, [
      chunk,
    ]);
    await maintenance.idle();
  }

  async function allVisiblePages(): Promise<number> {
    const [row] = await client.query<{ pages: number }>(
      "SELECT relallvisible::integer AS pages FROM pg_class WHERE oid = 'chunk_terms'::regclass",
    );
    return row?.pages ?? 0;
  }

  it('vacuums once enough postings were written, so searches can skip the table', async () => {
    const maintenance = await openPostingsMaintenance(client);
    await writeDocument(maintenance, 'small.txt', 50);
    expect(await allVisiblePages()).toBe(0);
    await writeDocument(maintenance, 'large.txt', 3000);
    expect(await allVisiblePages()).toBeGreaterThan(0);
  });

  it('vacuums what is pending when flushed, and does nothing when disabled', async () => {
    const disabled = new PostingsMaintenance(client, false);
    await writeDocument(disabled, 'large.txt', 3000);
    await disabled.flush();
    expect(await allVisiblePages()).toBe(0);

    const enabled = new PostingsMaintenance(client, true);
    await writeDocument(enabled, 'small.txt', 50);
    await enabled.flush();
    expect(await allVisiblePages()).toBeGreaterThan(0);
  });

  /** How PostgreSQL plans a lookup of a document by its source, and whether the table was analyzed. */
  async function sourceLookup(knowledgeBaseId: string) {
    const plan = await client.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN SELECT id FROM documents WHERE tenant_id = $1 AND knowledge_base_id = $2 AND source = $3`,
      ['acme', knowledgeBaseId, 'file-0042.txt'],
    );
    const [table] = await client.query<{ rows: number }>(
      "SELECT reltuples::float8 AS rows FROM pg_class WHERE oid = 'documents'::regclass",
    );
    return { plan: plan.map((row) => row['QUERY PLAN']).join('\n'), analyzedRows: table?.rows ?? -1 };
  }

  async function writeDocuments(maintenance: PostingsMaintenance, count: number, offset = 0) {
    await migrateSchema(client, undefined);
    const knowledge = new PostgresKnowledgeStore(client, { maintenance });
    const base =
      (await knowledge.getKnowledgeBase('acme', 'kb')) ??
      (await knowledge.createKnowledgeBase('acme', { name: 'kb' }));
    for (let start = offset; start < offset + count; start += 200) {
      const inputs = [];
      for (let index = start; index < Math.min(start + 200, offset + count); index++) {
        const source = `file-${String(index).padStart(4, '0')}.txt`;
        inputs.push({ knowledgeBaseId: base.id, source, mimeType: 'text/plain', sha256: source, bytes: 1 });
      }
      await knowledge.upsertDocuments('acme', inputs);
    }
    await maintenance.idle();
    return base.id;
  }

  it('analyzes the documents once enough are written, so a lookup by source takes the unique index', async () => {
    const maintenance = await openPostingsMaintenance(client);
    const base = await writeDocuments(maintenance, 300);
    // Under the threshold: never analyzed, and the planner cannot tell the two indexes apart.
    expect((await sourceLookup(base)).analyzedRows).toBe(-1);
    await writeDocuments(maintenance, 900, 300);
    const after = await sourceLookup(base);
    expect(after.analyzedRows).toBeGreaterThanOrEqual(500);
    expect(after.plan).toMatch(/documents_source_unique/);
  });

  it('analyzes at open what an earlier process wrote without analyzing', async () => {
    const base = await writeDocuments(new PostingsMaintenance(client, false), 1200);
    expect((await sourceLookup(base)).analyzedRows).toBe(-1);
    // An open defers it, so it never competes with a start, and a close before then drops it.
    const closedSoon = await openPostingsMaintenance(client);
    await closedSoon.flush();
    expect((await sourceLookup(base)).analyzedRows).toBe(-1);
    const reopened = new PostingsMaintenance(client, true);
    await reopened.analyzeIfGrown(20);
    expect((await sourceLookup(base)).analyzedRows).toBe(-1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await reopened.idle();
    const after = await sourceLookup(base);
    expect(after.analyzedRows).toBe(1200);
    expect(after.plan).toMatch(/documents_source_unique/);
    // Analyzed and not grown since: the next open leaves it.
    await client.execute("UPDATE pg_class SET reltuples = 1199 WHERE oid = 'documents'::regclass");
    const again = new PostingsMaintenance(client, true);
    await again.analyzeIfGrown();
    await again.idle();
    expect((await sourceLookup(base)).analyzedRows).toBe(1199);
  });

  it('never fails the write that triggered it', async () => {
    const maintenance = new PostingsMaintenance(client, true);
    await client.close();
    maintenance.recordWrites(10_000);
    maintenance.recordDocumentWrites(10_000);
    await expect(maintenance.analyzeIfGrown()).resolves.toBeUndefined();
    await expect(maintenance.idle()).resolves.toBeUndefined();
    await expect(maintenance.flush()).resolves.toBeUndefined();
  });
});
