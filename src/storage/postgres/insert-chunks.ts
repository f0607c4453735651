/**
 * Writes the new chunks of one or more documents with their keyword postings and completes the documents,
 * in as few statements as the batches need: chunk rows travel as one JSON document per batch, postings as
 * parallel arrays (unpacked by `unnest`), and the last batch's statement also marks the documents ready and
 * moves their bases' BM25 statistics. A small write — one document or a few hundred — is one round trip.
 *
 * The JSON is unpacked by `json_to_recordset`, which reads the text once. `jsonb_to_recordset` first builds
 * a jsonb value of the whole document: 1.25–1.4× the statement's CPU on PGlite.
 *
 * Where keyword search reads an in-process index (the embedded database, see embedded-keyword-index.ts),
 * no postings rows are written: each chunk row carries its term frequencies in `keyword_frequencies`,
 * and the analyzed chunks are returned for the index to take once the transaction commits.
 */
import { yieldToEventLoop } from '../../core/bytes-in-pieces.ts';
import type { Chunk } from '../../core/types.ts';
import { encodeKeywordFrequencies, type IndexedChunk } from './embedded-keyword-index.ts';
import { chunkPostings } from './keyword-terms.ts';
import type { SqlQueryable } from './sql-client.ts';

// Small statements, with a turn of the event loop between them: on PGlite every statement runs on the main
// thread, and one large statement would hold every other request (a /healthz, a chat) for its whole length.
const BATCH_ROWS = 128;
const BATCH_CHARACTERS = 500_000;

interface ChunkRecord {
  id: string;
  knowledge_base_id: string;
  document_id: string;
  position: number;
  text: string;
  location: unknown;
  metadata: unknown;
  token_count: number;
  term_count: number;
  /** Where the chunk's postings sit in the batch's posting arrays (1-based, inclusive). */
  first_posting: number;
  last_posting: number;
  /** pgvector's text form, `[1,2,3]`: parsing it is much cheaper than going through jsonb numbers. */
  embedding: string | null;
  /** The encoded term frequencies, where postings rows are not written (`null` where they are). */
  keyword_frequencies: string | null;
}

/** Postings of a batch as parallel columns, the shape `unnest` takes. */
interface PostingColumns {
  terms: string[];
  frequencies: number[];
}

export interface ChunkWrite {
  knowledgeBaseId: string;
  documentId: string;
  /** Stored as the document's hash once its chunks are in. */
  sha256: string;
  chunks: readonly Chunk[];
}

/** What a base's previous chunks (already deleted) contributed to its BM25 statistics. */
export interface RemovedByBase {
  knowledgeBaseId: string;
  chunks: number;
  terms: number;
}

/**
 * Where a chunk's keyword postings go: `table` writes `chunk_terms` rows (PostgreSQL, shared by several
 * instances); `column` writes the chunk's encoded frequencies and returns the analyzed chunks (PGlite).
 */
export type KeywordStorage = 'table' | 'column';

export interface InsertedChunks {
  /** Postings rows inserted (zero with `column`). */
  postings: number;
  /** With `column`: the analyzed chunks, by knowledge base. */
  indexed: Map<string, IndexedChunk[]>;
}

/**
 * Inserts the chunks and postings of every write, marks each document ready with its hash and chunk
 * count, and adjusts the bases' statistics by what was added minus `removed`.
 */
export async function insertChunks(
  transaction: SqlQueryable,
  tenantId: string,
  writes: readonly ChunkWrite[],
  removed: readonly RemovedByBase[],
  now: Date,
  vectorEnabled: boolean,
  keywordStorage: KeywordStorage = 'table',
): Promise<InsertedChunks> {
  const toTable = keywordStorage === 'table';
  const indexed = new Map<string, IndexedChunk[]>();
  let insertedPostings = 0;
  const deltas = new Map<string, { chunks: number; terms: number }>();
  const delta = (knowledgeBaseId: string) => {
    let entry = deltas.get(knowledgeBaseId);
    if (!entry) {
      entry = { chunks: 0, terms: 0 };
      deltas.set(knowledgeBaseId, entry);
    }
    return entry;
  };
  for (const base of removed) {
    const entry = delta(base.knowledgeBaseId);
    entry.chunks -= base.chunks;
    entry.terms -= base.terms;
  }
  let batch: ChunkRecord[] = [];
  let postings = emptyPostings();
  let batchCharacters = 0;
  for (const write of writes) {
    const entry = delta(write.knowledgeBaseId);
    entry.chunks += write.chunks.length;
    let baseChunks = indexed.get(write.knowledgeBaseId);
    if (!toTable && !baseChunks) {
      baseChunks = [];
      indexed.set(write.knowledgeBaseId, baseChunks);
    }
    for (const chunk of write.chunks) {
      if (batch.length >= BATCH_ROWS || batchCharacters >= BATCH_CHARACTERS) {
        await transaction.query(
          insertSql(vectorEnabled, false, toTable),
          batchParams(tenantId, batch, postings, toTable),
        );
        await yieldToEventLoop();
        batch = [];
        postings = emptyPostings();
        batchCharacters = 0;
      }
      const record = toRecord(write, chunk, toTable ? postings : undefined, baseChunks);
      entry.terms += record.term_count;
      insertedPostings += record.last_posting - record.first_posting + 1;
      batch.push(record);
      batchCharacters += record.text.length * 3 + (record.embedding?.length ?? 0);
    }
  }
  const documents = writes.map((write) => ({
    id: write.documentId,
    sha256: write.sha256,
    chunk_count: write.chunks.length,
  }));
  const bases = [...deltas]
    .filter(([, entry]) => entry.chunks !== 0 || entry.terms !== 0)
    .map(([id, entry]) => ({ id, chunks: entry.chunks, terms: entry.terms }));
  await transaction.query(insertSql(vectorEnabled, true, toTable), [
    ...batchParams(tenantId, batch, postings, toTable),
    JSON.stringify(documents),
    now,
    JSON.stringify(bases),
  ]);
  return { postings: insertedPostings, indexed };
}

/**
 * The chunk's row, appending its postings to `postings` (the table form) or the analyzed chunk to
 * `indexed` (the column form).
 */
function toRecord(
  write: ChunkWrite,
  chunk: Chunk,
  postings: PostingColumns | undefined,
  indexed: IndexedChunk[] | undefined,
): ChunkRecord {
  // PostgreSQL text cannot hold NUL; a space keeps word boundaries (and so BM25 terms) unchanged.
  const text = chunk.text.includes('\u0000') ? chunk.text.replaceAll('\u0000', ' ') : chunk.text;
  const analyzed = chunkPostings(text);
  let firstPosting = 1;
  let lastPosting = 0;
  let keywordFrequencies: string | null = null;
  if (postings) {
    firstPosting = postings.terms.length + 1;
    for (const [index, term] of analyzed.terms.entries()) {
      postings.terms.push(term);
      postings.frequencies.push(analyzed.frequencies[index]!);
    }
    lastPosting = postings.terms.length;
  } else {
    keywordFrequencies = encodeKeywordFrequencies(analyzed.terms, analyzed.frequencies);
    indexed?.push({
      id: chunk.id,
      documentId: write.documentId,
      length: analyzed.termCount,
      terms: analyzed.terms,
      frequencies: analyzed.frequencies,
    });
  }
  return {
    id: chunk.id,
    knowledge_base_id: write.knowledgeBaseId,
    document_id: write.documentId,
    position: chunk.position,
    text,
    location: chunk.location ?? {},
    metadata: chunk.metadata ?? {},
    token_count: chunk.tokenCount,
    term_count: analyzed.termCount,
    first_posting: firstPosting,
    last_posting: lastPosting,
    embedding: chunk.embedding === null ? null : `[${chunk.embedding.join(',')}]`,
    keyword_frequencies: keywordFrequencies,
  };
}

function emptyPostings(): PostingColumns {
  return { terms: [], frequencies: [] };
}

function batchParams(
  tenantId: string,
  batch: ChunkRecord[],
  postings: PostingColumns,
  toTable: boolean,
): unknown[] {
  const rows = JSON.stringify(batch);
  return toTable ? [tenantId, rows, postings.terms, postings.frequencies] : [tenantId, rows];
}

/**
 * $1 tenant, $2 chunk rows as JSON, $3 and $4 postings; when completing, $5 the documents (id, hash,
 * chunk count) as JSON, $6 the time, $7 the bases' chunk and term deltas as JSON.
 */
function insertSql(vectorEnabled: boolean, completing: boolean, toTable: boolean): string {
  const embeddingColumn = vectorEnabled ? ', embedding' : '';
  const embeddingValue = vectorEnabled ? ', r.embedding::vector' : '';
  if (!toTable) return columnInsertSql(embeddingColumn, embeddingValue, completing);
  // Data-modifying CTEs all run to completion; none reads another's rows, so their order does not matter.
  // Each chunk's postings are a slice of the batch's two posting arrays.
  const inserts = `WITH batch AS MATERIALIZED (
       SELECT r.*, COALESCE(($3::text[])[r.first_posting:r.last_posting], '{}') AS keyword_terms
         FROM json_to_recordset($2::json) AS r(
           id text, knowledge_base_id text, document_id text, position integer, text text, location jsonb,
           metadata jsonb, token_count integer, term_count integer, first_posting integer,
           last_posting integer, embedding text)
     ),
     inserted_chunks AS (
       INSERT INTO chunks (tenant_id, id, knowledge_base_id, document_id, position, text, location, metadata,
                           token_count, term_count, keyword_terms${embeddingColumn})
       SELECT $1, r.id, r.knowledge_base_id, r.document_id, r.position, r.text, r.location, r.metadata,
              r.token_count, r.term_count, r.keyword_terms${embeddingValue}
         FROM batch r
     ),
     inserted_postings AS (
       INSERT INTO chunk_terms (knowledge_base_id, term, chunk_id, frequency, chunk_length)
       SELECT r.knowledge_base_id, p.term, r.id, p.frequency, r.term_count
         FROM batch r
        CROSS JOIN LATERAL unnest(r.keyword_terms, ($4::integer[])[r.first_posting:r.last_posting])
          AS p(term, frequency)
     )`;
  return completing ? `${inserts},${completionSql(5)}` : `${inserts} SELECT 1`;
}

/**
 * The same write with each chunk's frequencies in its own row and no postings rows: $1 tenant, $2 chunk
 * rows as JSON; when completing, $3 the documents, $4 the time, $5 the bases' deltas.
 */
function columnInsertSql(embeddingColumn: string, embeddingValue: string, completing: boolean): string {
  const inserts = `WITH inserted_chunks AS (
       INSERT INTO chunks (tenant_id, id, knowledge_base_id, document_id, position, text, location, metadata,
                           token_count, term_count, keyword_frequencies${embeddingColumn})
       SELECT $1, r.id, r.knowledge_base_id, r.document_id, r.position, r.text, r.location, r.metadata,
              r.token_count, r.term_count, r.keyword_frequencies${embeddingValue}
         FROM json_to_recordset($2::json) AS r(
           id text, knowledge_base_id text, document_id text, position integer, text text, location jsonb,
           metadata jsonb, token_count integer, term_count integer, keyword_frequencies text, embedding text)
     )`;
  return completing ? `${inserts},${completionSql(3)}` : `${inserts} SELECT 1`;
}

/** Marks the documents ready and moves their bases' statistics: documents, time and deltas from `$first`. */
function completionSql(first: number): string {
  return `
     ready_documents AS (
       UPDATE documents d SET status = 'ready', sha256 = u.sha256, chunk_count = u.chunk_count, error = NULL,
              updated_at = $${first + 1}
         FROM json_to_recordset($${first}::json) AS u(id text, sha256 text, chunk_count integer)
        WHERE d.tenant_id = $1 AND d.id = u.id
     )
     UPDATE knowledge_bases kb SET chunk_count = kb.chunk_count + u.chunks, term_count = kb.term_count + u.terms
       FROM json_to_recordset($${first + 2}::json) AS u(id text, chunks bigint, terms bigint)
      WHERE kb.tenant_id = $1 AND kb.id = u.id`;
}
