import { afterAll, describe, expect, it } from 'vitest';
import {
  describeWithService,
  dropSchema,
  postgresUrl,
  uniqueSchemaName,
} from '../../../test/support/services.ts';
import { analyze } from '../../core/retrieval/analyzer.ts';
import { Bm25Index } from '../../core/retrieval/bm25.ts';
import { migrateSchema } from './migrate-schema.ts';
import { openNodePostgresClient } from './node-postgres-client.ts';
import { openPgliteClient } from './pglite-client.ts';
import { PostgresVectorIndex } from './postgres-vector-index.ts';
import { MIGRATIONS } from './schema-migrations.ts';
import type { SqlClient } from './sql-client.ts';

// Chunks as the first schema stored them: a tsvector whose position count is the term frequency, capped
// at 256 positions, with the exact count of a more frequent term in term_overflow.
const OLD_CHUNKS = [
  { id: 'c1', text: 'Leave requests need manager approval.' },
  { id: 'c2', text: 'Expense reports need receipts; expenses over limits need approval.' },
  { id: 'c3', text: `${'timeout '.repeat(300)}error` },
  { id: 'c4', text: 'Annual leave is twenty days. Leave carries over.' },
];
const QUERIES = ['leave approval', 'expenses receipts', 'timeout error', 'approval approval'];

async function writeOldChunks(client: SqlClient): Promise<void> {
  await client.execute(`
    INSERT INTO tenants (id) VALUES ('acme');
    INSERT INTO knowledge_bases (id, tenant_id, name, created_at, updated_at)
      VALUES ('kb', 'acme', 'handbook', now(), now());
    INSERT INTO documents (id, tenant_id, knowledge_base_id, source, mime_type, sha256, bytes, status,
                           chunk_count, created_at, updated_at)
      VALUES ('doc', 'acme', 'kb', 'handbook.md', 'text/markdown', 'h', 1, 'ready', 4, now(), now());`);
  let total = 0;
  for (const [position, chunk] of OLD_CHUNKS.entries()) {
    const terms = analyze(chunk.text);
    total += terms.length;
    const counts = new Map<string, number>();
    for (const term of terms) counts.set(term, (counts.get(term) ?? 0) + 1);
    const positions = (count: number) =>
      Array.from({ length: Math.min(count, 256) }, (_, index) => index + 1).join(',');
    const tsvector = [...counts].map(([term, count]) => `'${term}':${positions(count)}`).join(' ');
    const overflow = Object.fromEntries([...counts].filter(([, count]) => count > 256));
    await client.query(
      `INSERT INTO chunks (tenant_id, id, knowledge_base_id, document_id, position, text, token_count,
                           term_count, terms, term_overflow)
       VALUES ('acme', $1, 'kb', 'doc', $2, $3, 1, $4, $5::tsvector, $6::jsonb)`,
      [
        chunk.id,
        position,
        chunk.text,
        terms.length,
        tsvector,
        Object.keys(overflow).length ? JSON.stringify(overflow) : null,
      ],
    );
  }
  await client.query("UPDATE knowledge_bases SET chunk_count = 4, term_count = $1 WHERE id = 'kb'", [total]);
}

async function expectBackfilledSearch(client: SqlClient, schema?: string): Promise<void> {
  const before = MIGRATIONS.filter((migration) => migration.id < 3);
  await migrateSchema(client, schema, before);
  await writeOldChunks(client);
  const outcome = await migrateSchema(client, schema);
  expect(outcome.applied).toEqual([
    'keyword postings',
    'api keys',
    'interrupted turns',
    'degraded answers',
    'append-only audit log and counters',
    'usage per user',
    'keyword frequencies per chunk',
    'small blobs',
  ]);

  const index = new PostgresVectorIndex(client, outcome.vector);
  const reference = new Bm25Index();
  for (const chunk of OLD_CHUNKS) reference.add(chunk.id, analyze(chunk.text));
  for (const query of QUERIES) {
    const hits = await index.keywordSearch('acme', { knowledgeBaseId: 'kb', text: query, k: 10 });
    const expected = reference.search(analyze(query), 10);
    expect(
      hits.map((hit) => hit.chunkId),
      query,
    ).toEqual(expected.map((hit) => hit.id));
    for (const [rank, hit] of hits.entries()) expect(hit.score).toBeCloseTo(expected[rank]!.score, 9);
  }

  // The backfilled term lists let a replacement remove every old posting.
  await index.replaceDocumentChunks('acme', { id: 'doc', knowledgeBaseId: 'kb', sha256: 'h2' }, []);
  const [left] = await client.query<{ postings: number }>(
    'SELECT count(*)::integer AS postings FROM chunk_terms',
  );
  expect(left?.postings).toBe(0);
}

describe('keyword postings migration on PGlite', () => {
  it('backfills postings from the tsvectors of chunks written before it, exact counts included', async () => {
    const client = await openPgliteClient();
    try {
      await expectBackfilledSearch(client);
    } finally {
      await client.close();
    }
  });
});

const describeWithPostgres = await describeWithService('postgres');

describeWithPostgres('keyword postings migration on PostgreSQL', () => {
  const schema = uniqueSchemaName('postings');
  afterAll(async () => {
    await dropSchema(postgresUrl(), schema);
  });

  it('backfills postings from the tsvectors of chunks written before it, exact counts included', async () => {
    const client = openNodePostgresClient({ url: postgresUrl(), schema });
    try {
      await expectBackfilledSearch(client, schema);
    } finally {
      await client.close();
    }
  });
});
