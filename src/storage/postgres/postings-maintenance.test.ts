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

  it('never fails the write that triggered it', async () => {
    const maintenance = new PostingsMaintenance(client, true);
    await client.close();
    maintenance.recordWrites(10_000);
    await expect(maintenance.idle()).resolves.toBeUndefined();
    await expect(maintenance.flush()).resolves.toBeUndefined();
  });
});
