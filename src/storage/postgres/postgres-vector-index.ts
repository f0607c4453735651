/**
 * VectorIndex on the shared Postgres schema: BM25 keyword search (same analyzer, k1, b and Lucene idf as
 * the reference `Bm25Index`) and cosine vector search with pgvector, where installed. On PostgreSQL, BM25
 * is computed in SQL over the `chunk_terms` postings; on the embedded database (PGlite) it is computed from
 * an in-process index (embedded-keyword-index.ts) and only the top hits are read from SQL.
 */
import { DependencyError, NotFoundError, ValidationError } from '../../core/errors.ts';
import type { DocumentChunks, KeywordSearchQuery, VectorIndex, VectorSearchQuery } from '../../core/ports.ts';
import { analyze, BM25 } from '../../core/retrieval/analyzer.ts';
import { checkChunksForDocument, checkEmbedding, checkSearchSize } from '../../core/storage-input.ts';
import type { Chunk, ChunkLocation, Metadata, SearchHit } from '../../core/types.ts';
import { bm25SearchSql } from './bm25-search-sql.ts';
import { chunkFilterSql } from './chunk-filter-sql.ts';
import {
  decodeKeywordFrequencies,
  EmbeddedKeywordIndex,
  type IndexedChunk,
  type KeywordChange,
  type RankedChunk,
} from './embedded-keyword-index.ts';
import { insertChunks, type RemovedByBase } from './insert-chunks.ts';
import { chunkPostings, queryTerms, storedTerm } from './keyword-terms.ts';
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
/** Rows per statement when a keyword index is built from a base's chunks. */
const KEYWORD_LOAD_BATCH = 5000;
/** Times a keyword search ranks again when a hit was removed or replaced while its row was read. */
const KEYWORD_SEARCH_ATTEMPTS = 3;

export class PostgresVectorIndex implements VectorIndex {
  /**
   * `keyword`: the in-process keyword index, on PGlite by default (where this process is the only
   * writer); null computes BM25 in SQL over the postings table, the default on PostgreSQL. A
   * KnowledgeStore on the same database must be given the same index, so that its deletions reach it.
   */
  constructor(
    private readonly client: SqlClient,
    private readonly vector: VectorSupport,
    private readonly now: () => Date = () => new Date(),
    private readonly maintenance = new PostingsMaintenance(client),
    readonly keyword: EmbeddedKeywordIndex | null = client.engine === 'pglite'
      ? openEmbeddedKeywordIndex(client)
      : null,
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
    const written = await this.client.transaction(async (transaction) => {
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
      const removed = await deleteChunksOfDocuments(transaction, tenantId, withChunks, this.keyword !== null);
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
        this.keyword ? 'column' : 'table',
      );
      return { removed, inserted };
    });
    // Only now that the transaction has committed does the keyword index see the write.
    if (this.keyword) {
      const changes = new Map<string, KeywordChange>();
      for (const base of written.removed.byBase) {
        changes.set(base.knowledgeBaseId, {
          knowledgeBaseId: base.knowledgeBaseId,
          removed: base.ids,
          added: [],
        });
      }
      for (const [knowledgeBaseId, added] of written.inserted.indexed) {
        const change = changes.get(knowledgeBaseId);
        if (change) change.added = added;
        else changes.set(knowledgeBaseId, { knowledgeBaseId, removed: [], added });
      }
      this.keyword.apply(tenantId, [...changes.values()]);
      this.maintenance.recordWrites(written.removed.byBase.reduce((sum, base) => sum + base.chunks, 0));
    } else {
      this.maintenance.recordWrites(written.removed.postings + written.inserted.postings);
    }
  }

  async keywordSearch(tenantId: string, query: KeywordSearchQuery): Promise<SearchHit[]> {
    checkSearchSize(query.k);
    if (this.keyword) return this.embeddedKeywordSearch(this.keyword, tenantId, query);
    const { terms, occurrences } = queryTerms(query.text);
    if (terms.length === 0 || query.k === 0) return [];
    const params: unknown[] = [tenantId, query.knowledgeBaseId, terms, occurrences, query.k, BM25.k1, BM25.b];
    const filter = chunkFilterSql(query.filter, params);
    const rows = await this.client.query<HitRow>(bm25SearchSql(filter), params);
    return rows.map(toHit);
  }

  /**
   * Ranks from the in-process index, then reads the top hits' rows by id. A metadata filter is checked
   * in SQL on candidates taken best first, in growing rounds, until k match or none are left. If a chunk
   * was removed or replaced while the rows were read (a write committed in between), it ranks again, so a
   * hit never pairs one version's score with another's text.
   */
  private async embeddedKeywordSearch(
    keyword: EmbeddedKeywordIndex,
    tenantId: string,
    query: KeywordSearchQuery,
  ): Promise<SearchHit[]> {
    // Every occurrence, in query order: the reference adds a repeated term's score once per occurrence.
    const terms = analyze(query.text).map(storedTerm);
    if (terms.length === 0 || query.k === 0) return [];
    const base = await keyword.base(tenantId, query.knowledgeBaseId);
    const accept = await this.documentFilter(tenantId, query);
    const metadata = query.filter?.metadata;
    const metadataFilter = metadata && Object.keys(metadata).length > 0 ? { metadata } : undefined;
    let hits: SearchHit[] = [];
    for (let attempt = 0; attempt < KEYWORD_SEARCH_ATTEMPTS; attempt++) {
      const version = base.version;
      const ranked = metadataFilter
        ? await this.rankWithMetadata(tenantId, query, terms, accept, metadataFilter)
        : base.search(terms, query.k, accept);
      if (ranked.length === 0) return [];
      hits = await this.readHits(tenantId, ranked);
      if (base.version === version && hits.length === ranked.length) return hits;
    }
    return hits;
  }

  /** The documents a filter's `documentIds` and `sources` allow (undefined: all). */
  private async documentFilter(
    tenantId: string,
    query: KeywordSearchQuery,
  ): Promise<((documentId: string) => boolean) | undefined> {
    const filter = query.filter;
    if (!filter?.documentIds && !filter?.sources) return undefined;
    let allowed: Set<string> | undefined = filter.documentIds ? new Set(filter.documentIds) : undefined;
    if (filter.sources) {
      const rows = await this.client.query<{ id: string }>(
        `SELECT id FROM documents WHERE tenant_id = $1 AND knowledge_base_id = $2 AND source = ANY($3::text[])`,
        [tenantId, query.knowledgeBaseId, filter.sources],
      );
      const bySource = new Set(rows.map((row) => row.id));
      allowed = allowed ? new Set([...allowed].filter((id) => bySource.has(id))) : bySource;
    }
    const documents = allowed ?? new Set<string>();
    return (documentId) => documents.has(documentId);
  }

  /** The best k candidates whose chunk metadata matches, checked in SQL in rounds of growing size. */
  private async rankWithMetadata(
    tenantId: string,
    query: KeywordSearchQuery,
    terms: readonly string[],
    accept: ((documentId: string) => boolean) | undefined,
    filter: { metadata: Metadata },
  ): Promise<RankedChunk[]> {
    const base = await this.keyword!.base(tenantId, query.knowledgeBaseId);
    const matched: RankedChunk[] = [];
    let checked = 0;
    for (let round = Math.max(64, query.k * 4); ; round *= 4) {
      const candidates = base.search(terms, checked + round, accept);
      const next = candidates.slice(checked);
      if (next.length === 0) return matched;
      const params: unknown[] = [tenantId, query.knowledgeBaseId, next.map((candidate) => candidate.id)];
      const condition = chunkFilterSql(filter, params);
      const rows = await this.client.query<{ id: string }>(
        `SELECT c.id FROM chunks c
          WHERE c.tenant_id = $1 AND c.knowledge_base_id = $2 AND c.id = ANY($3::text[])${condition}`,
        params,
      );
      const passing = new Set(rows.map((row) => row.id));
      for (const candidate of next) {
        if (!passing.has(candidate.id)) continue;
        matched.push(candidate);
        if (matched.length === query.k) return matched;
      }
      checked = candidates.length;
      if (next.length < round) return matched;
    }
  }

  /** The rows of ranked chunks, in rank order, with the index's scores; chunks gone since are left out. */
  private async readHits(tenantId: string, ranked: readonly RankedChunk[]): Promise<SearchHit[]> {
    // The source comes from a subquery per row (a primary-key lookup), not a join: PGlite has no
    // statistics, and a join was planned as a loop over every document of the tenant (33 ms at 100,000
    // chunks, against under 2 ms this way).
    const rows = await this.client.query<Omit<HitRow, 'score'>>(
      `SELECT c.id, c.document_id, c.knowledge_base_id,
              (SELECT d.source FROM documents d WHERE d.id = c.document_id) AS source,
              c.location, c.text, c.metadata
         FROM chunks c
        WHERE c.tenant_id = $1 AND c.id = ANY($2::text[])`,
      [tenantId, ranked.map((hit) => hit.id)],
    );
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ranked.flatMap((hit) => {
      const row = byId.get(hit.id);
      return row ? [toHit({ ...row, score: hit.score })] : [];
    });
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

/** Chunks removed from one base: what they contributed to its statistics, and their ids. */
interface RemovedFromBase extends RemovedByBase {
  ids: string[];
}

/**
 * Deletes the chunks and postings of several documents, reporting what they contributed per base (and,
 * with `withIds`, which chunks they were).
 */
async function deleteChunksOfDocuments(
  transaction: SqlQueryable,
  tenantId: string,
  documentIds: readonly string[],
  withIds: boolean,
): Promise<{ byBase: RemovedFromBase[]; postings: number }> {
  if (documentIds.length === 0) return { byBase: [], postings: 0 };
  // The postings are found through their primary key from each chunk's own term list.
  const rows = await transaction.query<{
    knowledge_base_id: string;
    chunks: number;
    terms: number;
    postings: number;
    ids: string[] | null;
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
            COALESCE(sum(cardinality(keyword_terms)), 0)::float8 AS postings,
            ${withIds ? 'array_agg(id)' : 'NULL::text[]'} AS ids
       FROM removed GROUP BY knowledge_base_id`,
    [tenantId, documentIds],
  );
  return {
    byBase: rows.map((row) => ({
      knowledgeBaseId: row.knowledge_base_id,
      chunks: Number(row.chunks),
      terms: Number(row.terms),
      ids: row.ids ?? [],
    })),
    postings: rows.reduce((sum, row) => sum + Number(row.postings), 0),
  };
}

/**
 * The in-process keyword index of an embedded database: a base's index is built from its chunk rows, read
 * document by document (batches of documents holding about `KEYWORD_LOAD_BATCH` chunks), each row's encoded
 * term frequencies decoded, or its text analyzed where a row written before them has none. Reading by
 * document id needs no ordering; a keyset over the whole base was planned (without statistics) as a
 * bitmap over every chunk of the tenant and a sort per batch, 14 s for 100,000 chunks.
 */
export function openEmbeddedKeywordIndex(client: SqlClient): EmbeddedKeywordIndex {
  return new EmbeddedKeywordIndex(async (tenantId, knowledgeBaseId, consume) => {
    // PGlite no longer reads or writes `chunk_terms`; a data dir made before keeps the base's postings
    // rows, which nothing else would remove. (Done here rather than at open, which stays one statement.)
    await client.query(
      `DELETE FROM chunk_terms WHERE knowledge_base_id = $1
          AND EXISTS (SELECT 1 FROM knowledge_bases WHERE tenant_id = $2 AND id = $1)`,
      [knowledgeBaseId, tenantId],
    );
    // The tenant is checked here: only its documents are listed, and a document id is unique across
    // tenants, so their chunks are its own. (A tenant condition on the chunks would add a bitmap of every
    // chunk of the tenant to each batch.)
    const documents = await client.query<{ id: string; chunk_count: number }>(
      'SELECT id, chunk_count FROM documents WHERE tenant_id = $1 AND knowledge_base_id = $2',
      [tenantId, knowledgeBaseId],
    );
    let batch: string[] = [];
    let batchChunks = 0;
    const read = async () => {
      const rows = await client.query<KeywordRow>(
        `SELECT c.id, c.document_id, c.term_count, c.keyword_frequencies,
                CASE WHEN c.keyword_frequencies IS NULL THEN c.text END AS text
           FROM chunks c
          WHERE c.document_id = ANY($1::text[])`,
        [batch],
      );
      consume(rows.map(toIndexedChunk));
      batch = [];
      batchChunks = 0;
    };
    for (const document of documents) {
      batch.push(document.id);
      batchChunks += document.chunk_count;
      if (batchChunks >= KEYWORD_LOAD_BATCH || batch.length >= KEYWORD_LOAD_BATCH) await read();
    }
    if (batch.length > 0) await read();
  });
}

interface KeywordRow {
  id: string;
  document_id: string;
  term_count: number;
  keyword_frequencies: string | null;
  text: string | null;
}

function toIndexedChunk(row: KeywordRow): IndexedChunk {
  if (row.keyword_frequencies !== null) {
    const { terms, frequencies } = decodeKeywordFrequencies(row.keyword_frequencies);
    return { id: row.id, documentId: row.document_id, length: row.term_count, terms, frequencies };
  }
  const analyzed = chunkPostings(row.text ?? '');
  return {
    id: row.id,
    documentId: row.document_id,
    length: analyzed.termCount,
    terms: analyzed.terms,
    frequencies: analyzed.frequencies,
  };
}
