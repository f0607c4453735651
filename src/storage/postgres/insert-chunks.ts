/**
 * Writes a document's new chunks with their keyword postings and completes the document, in as few
 * statements as the batches need: chunk rows travel as one JSON document per batch (unpacked by
 * `jsonb_to_recordset`), postings as parallel arrays (unpacked by `unnest`), and the last batch's
 * statement also marks the document ready and moves the base's BM25 statistics. A small document is one
 * round trip.
 */
import type { Chunk } from '../../core/types.ts';
import { chunkPostings } from './keyword-terms.ts';
import type { SqlQueryable } from './sql-client.ts';

const BATCH_ROWS = 1000;
const BATCH_CHARACTERS = 4_000_000;

interface ChunkRecord {
  id: string;
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
}

/** Postings of a batch as parallel columns, the shape `unnest` takes. */
interface PostingColumns {
  terms: string[];
  frequencies: number[];
}

export interface ChunkWrite {
  tenantId: string;
  knowledgeBaseId: string;
  documentId: string;
  /** Stored as the document's hash once its chunks are in. */
  sha256: string;
  /** What the document's previous chunks contributed to the base's BM25 statistics (already deleted). */
  removed: { chunks: number; terms: number };
  now: Date;
}

/**
 * Inserts the chunks and postings, marks the document ready and adjusts the base's statistics. Returns
 * the number of postings inserted.
 */
export async function insertChunks(
  transaction: SqlQueryable,
  write: ChunkWrite,
  chunks: readonly Chunk[],
  vectorEnabled: boolean,
): Promise<number> {
  let insertedPostings = 0;
  let addedTerms = 0;
  let batch: ChunkRecord[] = [];
  let postings = emptyPostings();
  let batchCharacters = 0;
  for (const [index, chunk] of chunks.entries()) {
    const record = toRecord(chunk, postings);
    addedTerms += record.term_count;
    insertedPostings += record.last_posting - record.first_posting + 1;
    batch.push(record);
    batchCharacters += record.text.length * 3 + (record.embedding?.length ?? 0);
    const last = index === chunks.length - 1;
    if (!last && (batch.length >= BATCH_ROWS || batchCharacters >= BATCH_CHARACTERS)) {
      await transaction.query(insertSql(vectorEnabled, false), batchParams(write, batch, postings));
      batch = [];
      postings = emptyPostings();
      batchCharacters = 0;
    }
  }
  await transaction.query(insertSql(vectorEnabled, true), [
    ...batchParams(write, batch, postings),
    write.sha256,
    chunks.length,
    write.now,
    chunks.length - write.removed.chunks,
    addedTerms - write.removed.terms,
  ]);
  return insertedPostings;
}

/** The chunk's row, appending its postings to `postings`. */
function toRecord(chunk: Chunk, postings: PostingColumns): ChunkRecord {
  // PostgreSQL text cannot hold NUL; a space keeps word boundaries (and so BM25 terms) unchanged.
  const text = chunk.text.includes('\u0000') ? chunk.text.replaceAll('\u0000', ' ') : chunk.text;
  const analyzed = chunkPostings(text);
  const firstPosting = postings.terms.length + 1;
  for (const [index, term] of analyzed.terms.entries()) {
    postings.terms.push(term);
    postings.frequencies.push(analyzed.frequencies[index]!);
  }
  return {
    id: chunk.id,
    position: chunk.position,
    text,
    location: chunk.location ?? {},
    metadata: chunk.metadata ?? {},
    token_count: chunk.tokenCount,
    term_count: analyzed.termCount,
    first_posting: firstPosting,
    last_posting: postings.terms.length,
    embedding: chunk.embedding === null ? null : `[${chunk.embedding.join(',')}]`,
  };
}

function emptyPostings(): PostingColumns {
  return { terms: [], frequencies: [] };
}

function batchParams(write: ChunkWrite, batch: ChunkRecord[], postings: PostingColumns): unknown[] {
  return [
    write.tenantId,
    write.knowledgeBaseId,
    write.documentId,
    JSON.stringify(batch),
    postings.terms,
    postings.frequencies,
  ];
}

/**
 * $1 tenant, $2 base, $3 document, $4 chunk rows as JSON, $5–$8 postings; when completing, $9 the hash,
 * $10 the document's chunk count, $11 the time, $12 and $13 the chunk and term deltas of the base.
 */
function insertSql(vectorEnabled: boolean, completing: boolean): string {
  const embeddingColumn = vectorEnabled ? ', embedding' : '';
  const embeddingValue = vectorEnabled ? ', r.embedding::vector' : '';
  // Data-modifying CTEs all run to completion; none reads another's rows, so their order does not matter.
  // Each chunk's postings are a slice of the batch's two posting arrays.
  const inserts = `WITH batch AS MATERIALIZED (
       SELECT r.*, COALESCE(($5::text[])[r.first_posting:r.last_posting], '{}') AS keyword_terms
         FROM jsonb_to_recordset($4::jsonb) AS r(
           id text, position integer, text text, location jsonb, metadata jsonb, token_count integer,
           term_count integer, first_posting integer, last_posting integer, embedding text)
     ),
     inserted_chunks AS (
       INSERT INTO chunks (tenant_id, id, knowledge_base_id, document_id, position, text, location, metadata,
                           token_count, term_count, keyword_terms${embeddingColumn})
       SELECT $1, r.id, $2, $3, r.position, r.text, r.location, r.metadata, r.token_count, r.term_count,
              r.keyword_terms${embeddingValue}
         FROM batch r
     ),
     inserted_postings AS (
       INSERT INTO chunk_terms (knowledge_base_id, term, chunk_id, frequency, chunk_length)
       SELECT $2, p.term, r.id, p.frequency, r.term_count
         FROM batch r
        CROSS JOIN LATERAL unnest(r.keyword_terms, ($6::integer[])[r.first_posting:r.last_posting])
          AS p(term, frequency)
     )`;
  if (!completing) return `${inserts} SELECT 1`;
  return `${inserts},
     ready_document AS (
       UPDATE documents SET status = 'ready', sha256 = $7, chunk_count = $8, error = NULL, updated_at = $9
        WHERE tenant_id = $1 AND id = $3
     )
     UPDATE knowledge_bases SET chunk_count = chunk_count + $10, term_count = term_count + $11
      WHERE tenant_id = $1 AND id = $2`;
}
