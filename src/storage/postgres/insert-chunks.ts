/**
 * Bulk chunk insert: rows travel as one JSON document per batch and are unpacked by
 * `jsonb_to_recordset`, which is one parameter and one statement per batch on both engines.
 */
import type { Chunk } from '../../core/types.ts';
import { indexTerms } from './keyword-terms.ts';
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
  /** tsvector input text; parsed by PostgreSQL. */
  terms: string;
  term_overflow: string | null;
  /** pgvector's text form, `[1,2,3]`: parsing it is much cheaper than going through jsonb numbers. */
  embedding: string | null;
}

/** Inserts the chunks of one document and returns their total BM25 length. */
export async function insertChunks(
  transaction: SqlQueryable,
  target: { tenantId: string; knowledgeBaseId: string; documentId: string },
  chunks: readonly Chunk[],
  vectorEnabled: boolean,
): Promise<number> {
  let totalTerms = 0;
  let batch: ChunkRecord[] = [];
  let batchCharacters = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    await insertBatch(transaction, target, batch, vectorEnabled);
    batch = [];
    batchCharacters = 0;
  };
  for (const chunk of chunks) {
    const record = toRecord(chunk);
    totalTerms += record.term_count;
    batch.push(record);
    batchCharacters += record.text.length * 2 + record.terms.length + (record.embedding?.length ?? 0);
    if (batch.length >= BATCH_ROWS || batchCharacters >= BATCH_CHARACTERS) await flush();
  }
  await flush();
  return totalTerms;
}

function toRecord(chunk: Chunk): ChunkRecord {
  // PostgreSQL text cannot hold NUL; a space keeps word boundaries (and so BM25 terms) unchanged.
  const text = chunk.text.includes('\u0000') ? chunk.text.replaceAll('\u0000', ' ') : chunk.text;
  const terms = indexTerms(text, `chunk "${chunk.id}"`);
  return {
    id: chunk.id,
    position: chunk.position,
    text,
    location: chunk.location ?? {},
    metadata: chunk.metadata ?? {},
    token_count: chunk.tokenCount,
    term_count: terms.termCount,
    terms: terms.tsvector,
    term_overflow: terms.overflowJson,
    embedding: chunk.embedding === null ? null : `[${chunk.embedding.join(',')}]`,
  };
}

async function insertBatch(
  transaction: SqlQueryable,
  target: { tenantId: string; knowledgeBaseId: string; documentId: string },
  batch: ChunkRecord[],
  vectorEnabled: boolean,
): Promise<void> {
  const embeddingColumn = vectorEnabled ? ', embedding' : '';
  const embeddingValue = vectorEnabled ? ', r.embedding::vector' : '';
  await transaction.query(
    `INSERT INTO chunks (tenant_id, id, knowledge_base_id, document_id, position, text, location, metadata,
                         token_count, term_count, terms, term_overflow${embeddingColumn})
     SELECT $1, r.id, $2, $3, r.position, r.text, r.location, r.metadata,
            r.token_count, r.term_count, r.terms::tsvector, r.term_overflow::jsonb${embeddingValue}
       FROM jsonb_to_recordset($4::jsonb) AS r(
         id text, position integer, text text, location jsonb, metadata jsonb, token_count integer,
         term_count integer, terms text, term_overflow text, embedding text)`,
    [target.tenantId, target.knowledgeBaseId, target.documentId, JSON.stringify(batch)],
  );
}
