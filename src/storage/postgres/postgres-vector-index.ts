/**
 * VectorIndex on the shared Postgres schema: BM25 keyword search computed in SQL (same analyzer, k1, b
 * and Lucene idf as the reference `Bm25Index`) and cosine vector search with pgvector, where installed.
 */
import { DependencyError, NotFoundError, ValidationError } from '../../core/errors.ts';
import type { DocumentChunks, KeywordSearchQuery, VectorIndex, VectorSearchQuery } from '../../core/ports.ts';
import { BM25 } from '../../core/retrieval/analyzer.ts';
import { checkChunksForDocument, checkEmbedding, checkSearchSize } from '../../core/storage-input.ts';
import type { Chunk, ChunkLocation, Metadata, SearchHit } from '../../core/types.ts';
import { bm25SearchSql } from './bm25-search-sql.ts';
import { chunkFilterSql } from './chunk-filter-sql.ts';
import { insertChunks, type RemovedByBase } from './insert-chunks.ts';
import { queryTerms } from './keyword-terms.ts';
import type { VectorSupport } from './migrate-schema.ts';
import { PostingsMaintenance } from './postings-maintenance.ts';
import { type ChunkRow, chunkColumns, toChunk } from './row-mappers.ts';
import type { SqlClient, SqlQueryable } from './sql-client.ts';

interface HitRow {
  id: string;
  document_id: string;
  knowledge_base_id: string;
  source: string;
  location: ChunkLocation;
  text: string;
  score: number;
  metadata: Metadata;
}

const DEFAULT_SCAN_BATCH = 500;

export class PostgresVectorIndex implements VectorIndex {
  constructor(
    private readonly client: SqlClient,
    private readonly vector: VectorSupport,
    private readonly now: () => Date = () => new Date(),
    private readonly maintenance = new PostingsMaintenance(client),
  ) {}

  async replaceDocumentChunks(
    tenantId: string,
    document: { id: string; knowledgeBaseId: string; sha256: string },
    chunks: Chunk[],
  ): Promise<void> {
    await this.replaceMany(tenantId, [{ document, chunks }]);
  }

  async replaceManyDocumentChunks(tenantId: string, items: readonly DocumentChunks[]): Promise<void> {
    checkDistinctChunkWrites(items);
    if (items.length > 0) await this.replaceMany(tenantId, items);
  }

  /** Replaces the chunks of every item in one transaction: one lock, one delete and one insert statement. */
  private async replaceMany(tenantId: string, items: readonly DocumentChunks[]): Promise<void> {
    if (!this.vector.enabled && items.some((item) => item.chunks.some((chunk) => chunk.embedding !== null))) {
      this.vectorUnavailable();
    }
    const postingsWritten = await this.client.transaction(async (transaction) => {
      // Locking the document rows serialises concurrent replacements of the same documents; locking in id
      // order keeps two batches that share documents from deadlocking. A waiting replacement reads the
      // rows as the first one committed them, chunk counts included.
      const owners = await transaction.query<{
        id: string;
        knowledge_base_id: string;
        embedding_dimension: number | null;
        chunk_count: number;
      }>(
        `SELECT d.id, d.knowledge_base_id, kb.embedding_dimension, d.chunk_count FROM documents d
           JOIN knowledge_bases kb ON kb.tenant_id = $1 AND kb.id = d.knowledge_base_id
          WHERE d.tenant_id = $1 AND d.id = ANY($2::text[])
          ORDER BY d.id FOR UPDATE OF d`,
        [tenantId, items.map((item) => item.document.id)],
      );
      const byId = new Map(owners.map((owner) => [owner.id, owner]));
      for (const { document, chunks } of items) {
        const owner = byId.get(document.id);
        if (!owner || owner.knowledge_base_id !== document.knowledgeBaseId) {
          throw new NotFoundError(
            `Document "${document.id}" does not exist in knowledge base "${document.knowledgeBaseId}".`,
          );
        }
        checkChunksForDocument(tenantId, document, chunks, owner.embedding_dimension);
      }
      // documents.chunk_count is written with the chunks, in the same transaction: zero means none to delete.
      const withChunks = owners.filter((owner) => owner.chunk_count > 0).map((owner) => owner.id);
      const removed = await deleteChunksOfDocuments(transaction, tenantId, withChunks);
      const writes = items.map(({ document, chunks }) => ({
        knowledgeBaseId: document.knowledgeBaseId,
        documentId: document.id,
        sha256: document.sha256,
        chunks,
      }));
      const inserted = await insertChunks(
        transaction,
        tenantId,
        writes,
        removed.byBase,
        this.now(),
        this.vector.enabled,
      );
      return removed.postings + inserted;
    });
    this.maintenance.recordWrites(postingsWritten);
  }

  async keywordSearch(tenantId: string, query: KeywordSearchQuery): Promise<SearchHit[]> {
    checkSearchSize(query.k);
    const { terms, occurrences } = queryTerms(query.text);
    if (terms.length === 0 || query.k === 0) return [];
    const params: unknown[] = [tenantId, query.knowledgeBaseId, terms, occurrences, query.k, BM25.k1, BM25.b];
    const filter = chunkFilterSql(query.filter, params);
    const rows = await this.client.query<HitRow>(bm25SearchSql(filter), params);
    return rows.map(toHit);
  }

  async vectorSearch(tenantId: string, query: VectorSearchQuery): Promise<SearchHit[]> {
    if (!this.vector.enabled) this.vectorUnavailable();
    checkSearchSize(query.k);
    const [knowledgeBase] = await this.client.query<{ embedding_dimension: number | null }>(
      'SELECT embedding_dimension FROM knowledge_bases WHERE tenant_id = $1 AND id = $2',
      [tenantId, query.knowledgeBaseId],
    );
    if (!knowledgeBase || query.k === 0) return [];
    checkEmbedding(query.embedding, knowledgeBase.embedding_dimension, 'the query embedding');
    const params: unknown[] = [
      tenantId,
      query.knowledgeBaseId,
      `[${query.embedding.join(',')}]`,
      query.embedding.length,
      query.k,
    ];
    const filter = chunkFilterSql(query.filter, params);
    // Exact scan: cosine distance over the base's chunks. Only like-sized vectors are compared.
    const rows = await this.client.query<HitRow>(
      `SELECT c.id, c.document_id, c.knowledge_base_id, d.source, c.location, c.text, c.metadata,
              1 - (c.embedding <=> $3::vector) AS score
         FROM chunks c JOIN documents d ON d.tenant_id = $1 AND d.id = c.document_id
        WHERE c.tenant_id = $1 AND c.knowledge_base_id = $2
          AND c.embedding IS NOT NULL AND vector_dims(c.embedding) = $4${filter}
        ORDER BY c.embedding <=> $3::vector, c.id
        LIMIT $5`,
      params,
    );
    return rows.map(toHit);
  }

  async getChunks(tenantId: string, chunkIds: string[]): Promise<Chunk[]> {
    if (chunkIds.length === 0) return [];
    const rows = await this.client.query<ChunkRow>(
      `SELECT ${chunkColumns('c', this.vector.enabled)} FROM chunks c
        WHERE c.tenant_id = $1 AND c.id = ANY($2::text[])`,
      [tenantId, chunkIds],
    );
    const byId = new Map(rows.map((row) => [row.id, toChunk(row)]));
    return chunkIds.flatMap((id) => {
      const chunk = byId.get(id);
      return chunk ? [chunk] : [];
    });
  }

  /** Keyset pagination over (document, position, id): each batch is one indexed range read. */
  async *scan(
    tenantId: string,
    knowledgeBaseId: string,
    options: { batchSize?: number } = {},
  ): AsyncIterable<Chunk[]> {
    const batchSize = Math.max(1, Math.floor(options.batchSize ?? DEFAULT_SCAN_BATCH));
    let after: ChunkRow | undefined;
    for (;;) {
      const params: unknown[] = [tenantId, knowledgeBaseId, batchSize];
      let keyset = '';
      if (after) {
        params.push(after.document_id, after.position, after.id);
        keyset = ' AND (c.document_id, c.position, c.id) > ($4, $5, $6)';
      }
      const rows = await this.client.query<ChunkRow>(
        `SELECT ${chunkColumns('c', this.vector.enabled)} FROM chunks c
          WHERE c.tenant_id = $1 AND c.knowledge_base_id = $2${keyset}
          ORDER BY c.document_id, c.position, c.id
          LIMIT $3`,
        params,
      );
      if (rows.length === 0) return;
      yield rows.map(toChunk);
      if (rows.length < batchSize) return;
      after = rows[rows.length - 1];
    }
  }

  async countChunks(tenantId: string, knowledgeBaseId: string): Promise<number> {
    const [row] = await this.client.query<{ count: number }>(
      'SELECT count(*)::integer AS count FROM chunks WHERE tenant_id = $1 AND knowledge_base_id = $2',
      [tenantId, knowledgeBaseId],
    );
    return row?.count ?? 0;
  }

  private vectorUnavailable(): never {
    throw new DependencyError(this.vector.reason ?? 'pgvector is not available', { isRetryable: false });
  }
}

function toHit(row: HitRow): SearchHit {
  return {
    chunkId: row.id,
    documentId: row.document_id,
    knowledgeBaseId: row.knowledge_base_id,
    source: row.source,
    location: row.location,
    text: row.text,
    score: Number(row.score),
    metadata: row.metadata,
  };
}

/** A document once per call and a chunk id once across it: the rule every adapter's batch keeps. */
export function checkDistinctChunkWrites(items: readonly DocumentChunks[]): void {
  const documents = new Set<string>();
  const chunks = new Set<string>();
  for (const { document, chunks: documentChunks } of items) {
    if (documents.has(document.id)) {
      throw new ValidationError(
        `Document "${document.id}" appears twice in one batch; give each document once, with all its chunks.`,
      );
    }
    documents.add(document.id);
    for (const chunk of documentChunks) {
      if (chunks.has(chunk.id)) {
        throw new ValidationError(
          `Chunk id "${chunk.id}" appears in two documents of one batch; chunk ids must be unique.`,
        );
      }
    }
    for (const chunk of documentChunks) chunks.add(chunk.id);
  }
}

/** Deletes the chunks and postings of several documents, reporting what they contributed per base. */
async function deleteChunksOfDocuments(
  transaction: SqlQueryable,
  tenantId: string,
  documentIds: readonly string[],
): Promise<{ byBase: RemovedByBase[]; postings: number }> {
  if (documentIds.length === 0) return { byBase: [], postings: 0 };
  // The postings are found through their primary key from each chunk's own term list.
  const rows = await transaction.query<{
    knowledge_base_id: string;
    chunks: number;
    terms: number;
    postings: number;
  }>(
    `WITH removed AS (
       DELETE FROM chunks WHERE tenant_id = $1 AND document_id = ANY($2::text[])
       RETURNING id, knowledge_base_id, term_count, keyword_terms
     ),
     removed_postings AS (
       DELETE FROM chunk_terms p
        USING (SELECT r.knowledge_base_id, r.id, unnest(r.keyword_terms) AS term FROM removed r) t
        WHERE p.knowledge_base_id = t.knowledge_base_id AND p.term = t.term AND p.chunk_id = t.id
     )
     SELECT knowledge_base_id, count(*)::integer AS chunks, COALESCE(sum(term_count), 0)::float8 AS terms,
            COALESCE(sum(cardinality(keyword_terms)), 0)::float8 AS postings
       FROM removed GROUP BY knowledge_base_id`,
    [tenantId, documentIds],
  );
  return {
    byBase: rows.map((row) => ({
      knowledgeBaseId: row.knowledge_base_id,
      chunks: Number(row.chunks),
      terms: Number(row.terms),
    })),
    postings: rows.reduce((sum, row) => sum + Number(row.postings), 0),
  };
}
