/**
 * Writes the new chunks of one or more documents with their keyword postings and completes the documents,
 * in as few statements as the batches need: chunk rows travel as one JSON document per batch (unpacked by
 * `jsonb_to_recordset`), postings as parallel arrays (unpacked by `unnest`), and the last batch's
 * statement also marks the documents ready and moves their bases' BM25 statistics. A small write — one
 * document or a few hundred — is one round trip.
 */
import type { Chunk } from '../../core/types.ts';
import { chunkPostings } from './keyword-terms.ts';
import type { SqlQueryable } from './sql-client.ts';

// Small statements, with a turn of the event loop between them: on PGlite every statement runs on the main
// thread, and one large statement would hold every other request (a /healthz, a chat) for its whole length.
const BATCH_ROWS = 256;
const BATCH_CHARACTERS = 1_000_000;

/** Lets other requests run between two statements of a long write. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

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
 * Inserts the chunks and postings of every write, marks each document ready with its hash and chunk
 * count, and adjusts the bases' statistics by what was added minus `removed`. Returns the number of
 * postings inserted.
 */
export async function insertChunks(
  transaction: SqlQueryable,
  tenantId: string,
  writes: readonly ChunkWrite[],
  removed: readonly RemovedByBase[],
  now: Date,
  vectorEnabled: boolean,
): Promise<number> {
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
    for (const chunk of write.chunks) {
      if (batch.length >= BATCH_ROWS || batchCharacters >= BATCH_CHARACTERS) {
        await transaction.query(insertSql(vectorEnabled, false), batchParams(tenantId, batch, postings));
        await yieldToEventLoop();
        batch = [];
        postings = emptyPostings();
        batchCharacters = 0;
      }
      const record = toRecord(write, chunk, postings);
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
  await transaction.query(insertSql(vectorEnabled, true), [
    ...batchParams(tenantId, batch, postings),
    JSON.stringify(documents),
    now,
    JSON.stringify(bases),
  ]);
  return insertedPostings;
}

/** The chunk's row, appending its postings to `postings`. */
function toRecord(write: ChunkWrite, chunk: Chunk, postings: PostingColumns): ChunkRecord {
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
    knowledge_base_id: write.knowledgeBaseId,
    document_id: write.documentId,
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

function batchParams(tenantId: string, batch: ChunkRecord[], postings: PostingColumns): unknown[] {
  return [tenantId, JSON.stringify(batch), postings.terms, postings.frequencies];
}

/**
 * $1 tenant, $2 chunk rows as JSON, $3 and $4 postings; when completing, $5 the documents (id, hash,
 * chunk count) as JSON, $6 the time, $7 the bases' chunk and term deltas as JSON.
 */
function insertSql(vectorEnabled: boolean, completing: boolean): string {
  const embeddingColumn = vectorEnabled ? ', embedding' : '';
  const embeddingValue = vectorEnabled ? ', r.embedding::vector' : '';
  // Data-modifying CTEs all run to completion; none reads another's rows, so their order does not matter.
  // Each chunk's postings are a slice of the batch's two posting arrays.
  const inserts = `WITH batch AS MATERIALIZED (
       SELECT r.*, COALESCE(($3::text[])[r.first_posting:r.last_posting], '{}') AS keyword_terms
         FROM jsonb_to_recordset($2::jsonb) AS r(
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
  if (!completing) return `${inserts} SELECT 1`;
  return `${inserts},
     ready_documents AS (
       UPDATE documents d SET status = 'ready', sha256 = u.sha256, chunk_count = u.chunk_count, error = NULL,
              updated_at = $6
         FROM jsonb_to_recordset($5::jsonb) AS u(id text, sha256 text, chunk_count integer)
        WHERE d.tenant_id = $1 AND d.id = u.id
     )
     UPDATE knowledge_bases kb SET chunk_count = kb.chunk_count + u.chunks, term_count = kb.term_count + u.terms
       FROM jsonb_to_recordset($7::jsonb) AS u(id text, chunks bigint, terms bigint)
      WHERE kb.tenant_id = $1 AND kb.id = u.id`;
}
