/** KnowledgeStore on the shared Postgres schema: knowledge bases and their document catalogue. */
import { randomUUID } from 'node:crypto';
import { ConflictError, NotFoundError, ValidationError } from '../../core/errors.ts';
import type { CreateKnowledgeBaseInput, KnowledgeStore, UpsertDocumentInput } from '../../core/ports.ts';
import { checkEmbeddingDimension, knowledgeBaseNameTaken, requireText } from '../../core/storage-input.ts';
import type { KnowledgeBase, KnowledgeBaseStats, KnowledgeDocument } from '../../core/types.ts';
import type { EmbeddedKeywordIndex } from './embedded-keyword-index.ts';
import { PostingsMaintenance } from './postings-maintenance.ts';
import {
  DOCUMENT_COLUMNS,
  type DocumentRow,
  KNOWLEDGE_BASE_COLUMNS,
  type KnowledgeBaseRow,
  toDocument,
  toKnowledgeBase,
} from './row-mappers.ts';
import type { SqlClient, SqlQueryable } from './sql-client.ts';

export interface PostgresStoreOptions {
  now?: () => Date;
  generateId?: () => string;
  /** Told what document and base deletions removed; shared with the VectorIndex. */
  maintenance?: PostingsMaintenance;
  /** The VectorIndex's in-process keyword index (PGlite), told what deletions removed once they commit. */
  keyword?: EmbeddedKeywordIndex | null;
}

export class PostgresKnowledgeStore implements KnowledgeStore {
  private readonly now: () => Date;
  private readonly generateId: () => string;
  private readonly maintenance: PostingsMaintenance;
  private readonly keyword: EmbeddedKeywordIndex | null;

  constructor(
    private readonly client: SqlClient,
    options: PostgresStoreOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.generateId = options.generateId ?? randomUUID;
    this.maintenance = options.maintenance ?? new PostingsMaintenance(client);
    this.keyword = options.keyword ?? null;
  }

  async createKnowledgeBase(tenantId: string, input: CreateKnowledgeBaseInput): Promise<KnowledgeBase> {
    requireText(input.name, 'knowledge base name');
    checkEmbeddingDimension(input.embeddingDimension);
    await ensureTenant(this.client, tenantId);
    const now = this.now();
    try {
      const [row] = await this.client.query<KnowledgeBaseRow>(
        `INSERT INTO knowledge_bases
           (id, tenant_id, name, description, embedding_model, embedding_version, embedding_dimension, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
         RETURNING ${KNOWLEDGE_BASE_COLUMNS}`,
        [
          this.generateId(),
          tenantId,
          input.name,
          input.description ?? '',
          input.embeddingModel ?? null,
          input.embeddingVersion ?? null,
          input.embeddingDimension ?? null,
          now,
        ],
      );
      return toKnowledgeBase(row!);
    } catch (error) {
      if (error instanceof ConflictError) {
        throw knowledgeBaseNameTaken(input.name, error);
      }
      throw error;
    }
  }

  async getKnowledgeBase(tenantId: string, name: string): Promise<KnowledgeBase | undefined> {
    const [row] = await this.client.query<KnowledgeBaseRow>(
      `SELECT ${KNOWLEDGE_BASE_COLUMNS} FROM knowledge_bases WHERE tenant_id = $1 AND name = $2`,
      [tenantId, name],
    );
    return row ? toKnowledgeBase(row) : undefined;
  }

  async listKnowledgeBases(tenantId: string): Promise<KnowledgeBase[]> {
    const rows = await this.client.query<KnowledgeBaseRow>(
      `SELECT ${KNOWLEDGE_BASE_COLUMNS} FROM knowledge_bases WHERE tenant_id = $1 ORDER BY name`,
      [tenantId],
    );
    return rows.map(toKnowledgeBase);
  }

  async updateKnowledgeBase(
    tenantId: string,
    name: string,
    patch: Parameters<KnowledgeStore['updateKnowledgeBase']>[2],
  ): Promise<KnowledgeBase> {
    checkEmbeddingDimension(patch.embeddingDimension);
    // undefined leaves a field alone; null (where the type allows it) clears it.
    const has = (key: keyof typeof patch) => patch[key] !== undefined;
    const [row] = await this.client.query<KnowledgeBaseRow>(
      `UPDATE knowledge_bases SET
         description = CASE WHEN $3 THEN $4 ELSE description END,
         embedding_model = CASE WHEN $5 THEN $6 ELSE embedding_model END,
         embedding_version = CASE WHEN $7 THEN $8 ELSE embedding_version END,
         embedding_dimension = CASE WHEN $9 THEN $10::integer ELSE embedding_dimension END,
         updated_at = $11
       WHERE tenant_id = $1 AND name = $2
       RETURNING ${KNOWLEDGE_BASE_COLUMNS}`,
      [
        tenantId,
        name,
        has('description'),
        patch.description ?? '',
        has('embeddingModel'),
        patch.embeddingModel ?? null,
        has('embeddingVersion'),
        patch.embeddingVersion ?? null,
        has('embeddingDimension'),
        patch.embeddingDimension ?? null,
        this.now(),
      ],
    );
    if (!row) throw knowledgeBaseNotFound(name);
    return toKnowledgeBase(row);
  }

  async deleteKnowledgeBase(tenantId: string, name: string): Promise<void> {
    const rows = await this.client.query(
      'DELETE FROM knowledge_bases WHERE tenant_id = $1 AND name = $2 RETURNING id',
      [tenantId, name],
    );
    if (rows.length === 0) throw knowledgeBaseNotFound(name);
    for (const row of rows) this.keyword?.drop(tenantId, String(row.id));
    // Its postings went with it (a trigger), leaving dead rows in proportion to the base's size.
    this.maintenance.schedule();
  }

  async knowledgeBaseStats(tenantId: string, knowledgeBaseId: string): Promise<KnowledgeBaseStats> {
    const [row] = await this.client.query<KnowledgeBaseStats>(
      `SELECT kb.chunk_count::integer AS chunks,
              (SELECT count(*)::integer FROM documents d
                WHERE d.tenant_id = $1 AND d.knowledge_base_id = kb.id) AS documents,
              (SELECT count(*)::integer FROM documents d
                WHERE d.tenant_id = $1 AND d.knowledge_base_id = kb.id AND d.status = 'failed') AS failed
         FROM knowledge_bases kb WHERE kb.tenant_id = $1 AND kb.id = $2`,
      [tenantId, knowledgeBaseId],
    );
    if (!row) throw new NotFoundError(`Knowledge base id "${knowledgeBaseId}" does not exist.`);
    return { documents: row.documents, chunks: row.chunks, failed: row.failed };
  }

  async upsertDocument(tenantId: string, input: UpsertDocumentInput): Promise<KnowledgeDocument> {
    requireText(input.source, 'document source');
    requireText(input.mimeType, 'document mimeType');
    requireText(input.sha256, 'document sha256');
    const now = this.now();
    const [row] = await this.client.query<DocumentRow>(
      `INSERT INTO documents
         (id, tenant_id, knowledge_base_id, source, mime_type, sha256, bytes, status, metadata, blob_key, created_at, updated_at)
       SELECT $1, kb.tenant_id, kb.id, $4, $5, $6, $7, 'processing', $8::jsonb, $9, $10, $10
         FROM knowledge_bases kb WHERE kb.tenant_id = $2 AND kb.id = $3
       ON CONFLICT ON CONSTRAINT documents_source_unique DO UPDATE SET
         mime_type = excluded.mime_type, sha256 = excluded.sha256, bytes = excluded.bytes,
         status = 'processing', error = NULL, metadata = excluded.metadata,
         blob_key = excluded.blob_key, updated_at = excluded.updated_at
       RETURNING ${DOCUMENT_COLUMNS}`,
      [
        this.generateId(),
        tenantId,
        input.knowledgeBaseId,
        input.source,
        input.mimeType,
        input.sha256,
        input.bytes,
        JSON.stringify(input.metadata ?? {}),
        input.blobKey ?? null,
        now,
      ],
    );
    if (!row) throw new NotFoundError(`Knowledge base id "${input.knowledgeBaseId}" does not exist.`);
    this.maintenance.recordDocumentWrites(1);
    return toDocument(row);
  }

  async upsertDocuments(
    tenantId: string,
    inputs: readonly UpsertDocumentInput[],
  ): Promise<KnowledgeDocument[]> {
    checkDocumentBatch(inputs);
    if (inputs.length === 0) return [];
    const now = this.now();
    const records = inputs.map((input) => ({
      id: this.generateId(),
      knowledge_base_id: input.knowledgeBaseId,
      source: input.source,
      mime_type: input.mimeType,
      sha256: input.sha256,
      bytes: input.bytes,
      metadata: input.metadata ?? {},
      blob_key: input.blobKey ?? null,
    }));
    const documents = await this.client.transaction(async (transaction) => {
      // One statement; rows of an unknown base (or another tenant's) drop out of the join, which the row
      // count reveals, and throwing rolls the rest back. Rows go in (base, source) order, so two batches
      // that share sources take their row locks in the same order.
      const rows = await transaction.query<DocumentRow>(
        `INSERT INTO documents
           (id, tenant_id, knowledge_base_id, source, mime_type, sha256, bytes, status, metadata, blob_key, created_at, updated_at)
         SELECT r.id, kb.tenant_id, kb.id, r.source, r.mime_type, r.sha256, r.bytes, 'processing', r.metadata,
                r.blob_key, $3::timestamptz, $3::timestamptz
           FROM json_to_recordset($2::json) AS r(
             id text, knowledge_base_id text, source text, mime_type text, sha256 text, bytes bigint,
             metadata jsonb, blob_key text)
           JOIN knowledge_bases kb ON kb.tenant_id = $1 AND kb.id = r.knowledge_base_id
          ORDER BY r.knowledge_base_id COLLATE "C", r.source COLLATE "C"
         ON CONFLICT ON CONSTRAINT documents_source_unique DO UPDATE SET
           mime_type = excluded.mime_type, sha256 = excluded.sha256, bytes = excluded.bytes,
           status = 'processing', error = NULL, metadata = excluded.metadata,
           blob_key = excluded.blob_key, updated_at = excluded.updated_at
         RETURNING ${DOCUMENT_COLUMNS}`,
        [tenantId, JSON.stringify(records), now],
      );
      const bySource = new Map(rows.map((row) => [sourceKey(row.knowledge_base_id, row.source), row]));
      return inputs.map((input) => {
        const row = bySource.get(sourceKey(input.knowledgeBaseId, input.source));
        if (!row) throw new NotFoundError(`Knowledge base id "${input.knowledgeBaseId}" does not exist.`);
        return toDocument(row);
      });
    });
    this.maintenance.recordDocumentWrites(documents.length);
    return documents;
  }

  async getDocument(tenantId: string, documentId: string): Promise<KnowledgeDocument | undefined> {
    const [row] = await this.client.query<DocumentRow>(
      `SELECT ${DOCUMENT_COLUMNS} FROM documents WHERE tenant_id = $1 AND id = $2`,
      [tenantId, documentId],
    );
    return row ? toDocument(row) : undefined;
  }

  async findDocumentBySource(
    tenantId: string,
    knowledgeBaseId: string,
    source: string,
  ): Promise<KnowledgeDocument | undefined> {
    const [row] = await this.client.query<DocumentRow>(
      `SELECT ${DOCUMENT_COLUMNS} FROM documents
        WHERE tenant_id = $1 AND knowledge_base_id = $2 AND source = $3`,
      [tenantId, knowledgeBaseId, source],
    );
    return row ? toDocument(row) : undefined;
  }

  async findDocumentsBySources(
    tenantId: string,
    knowledgeBaseId: string,
    sources: readonly string[],
  ): Promise<KnowledgeDocument[]> {
    if (sources.length === 0) return [];
    const rows = await this.client.query<DocumentRow>(
      `SELECT ${DOCUMENT_COLUMNS} FROM documents
        WHERE tenant_id = $1 AND knowledge_base_id = $2 AND source = ANY($3::text[])`,
      [tenantId, knowledgeBaseId, sources],
    );
    return rows.map(toDocument);
  }

  async listDocuments(tenantId: string, knowledgeBaseId: string): Promise<KnowledgeDocument[]> {
    const rows = await this.client.query<DocumentRow>(
      `SELECT ${DOCUMENT_COLUMNS} FROM documents
        WHERE tenant_id = $1 AND knowledge_base_id = $2 ORDER BY source`,
      [tenantId, knowledgeBaseId],
    );
    return rows.map(toDocument);
  }

  async markDocumentFailed(tenantId: string, documentId: string, error: string): Promise<void> {
    const rows = await this.client.query(
      `UPDATE documents SET status = 'failed', error = $3, updated_at = $4
        WHERE tenant_id = $1 AND id = $2 RETURNING id`,
      [tenantId, documentId, error, this.now()],
    );
    if (rows.length === 0) throw documentNotFound(documentId);
  }

  async deleteDocument(tenantId: string, documentId: string): Promise<void> {
    const removed = await this.client.transaction(async (transaction) => {
      const [document] = await transaction.query<{ knowledge_base_id: string }>(
        'SELECT knowledge_base_id FROM documents WHERE tenant_id = $1 AND id = $2 FOR UPDATE',
        [tenantId, documentId],
      );
      if (!document) throw documentNotFound(documentId);
      const removed = await deleteDocumentChunks(transaction, tenantId, documentId);
      await transaction.query('DELETE FROM documents WHERE tenant_id = $1 AND id = $2', [
        tenantId,
        documentId,
      ]);
      await adjustKeywordStatistics(
        transaction,
        tenantId,
        document.knowledge_base_id,
        -removed.chunks,
        -removed.terms,
      );
      return { ...removed, knowledgeBaseId: document.knowledge_base_id };
    });
    if (this.keyword) {
      this.keyword.apply(tenantId, [
        { knowledgeBaseId: removed.knowledgeBaseId, removed: removed.ids, added: [] },
      ]);
      this.maintenance.recordWrites(removed.chunks);
    } else {
      this.maintenance.recordWrites(removed.postings);
    }
  }
}

/** Each input valid as `upsertDocument` requires, and each (base, source) once. */
export function checkDocumentBatch(inputs: readonly UpsertDocumentInput[]): void {
  const seen = new Set<string>();
  for (const input of inputs) {
    requireText(input.source, 'document source');
    requireText(input.mimeType, 'document mimeType');
    requireText(input.sha256, 'document sha256');
    const key = sourceKey(input.knowledgeBaseId, input.source);
    if (seen.has(key)) {
      throw new ValidationError(
        `Document source "${input.source}" appears twice in one batch; give each document once.`,
      );
    }
    seen.add(key);
  }
}

function sourceKey(knowledgeBaseId: string, source: string): string {
  return `${knowledgeBaseId}\u0000${source}`;
}

export async function ensureTenant(client: SqlQueryable, tenantId: string): Promise<void> {
  requireText(tenantId, 'tenant id');
  await client.query('INSERT INTO tenants (id) VALUES ($1) ON CONFLICT (id) DO NOTHING', [tenantId]);
}

export interface RemovedChunks {
  chunks: number;
  /** Their total BM25 length. */
  terms: number;
  postings: number;
  /** The removed chunks' ids. */
  ids: string[];
}

/** Deletes a document's chunks and postings, reporting what they contributed to the BM25 statistics. */
export async function deleteDocumentChunks(
  transaction: SqlQueryable,
  tenantId: string,
  documentId: string,
): Promise<RemovedChunks> {
  // The postings are found through their primary key from each chunk's own term list.
  const [row] = await transaction.query<RemovedChunks>(
    `WITH removed AS (
       DELETE FROM chunks WHERE tenant_id = $1 AND document_id = $2
       RETURNING id, knowledge_base_id, term_count, keyword_terms
     ),
     removed_postings AS (
       DELETE FROM chunk_terms p
        USING (SELECT r.knowledge_base_id, r.id, unnest(r.keyword_terms) AS term FROM removed r) t
        WHERE p.knowledge_base_id = t.knowledge_base_id AND p.term = t.term AND p.chunk_id = t.id
     )
     SELECT count(*)::integer AS chunks, COALESCE(sum(term_count), 0)::float8 AS terms,
            COALESCE(sum(cardinality(keyword_terms)), 0)::float8 AS postings,
            COALESCE(array_agg(id), '{}') AS ids
       FROM removed`,
    [tenantId, documentId],
  );
  return {
    chunks: row?.chunks ?? 0,
    terms: row?.terms ?? 0,
    postings: row?.postings ?? 0,
    ids: row?.ids ?? [],
  };
}

async function adjustKeywordStatistics(
  transaction: SqlQueryable,
  tenantId: string,
  knowledgeBaseId: string,
  chunkDelta: number,
  termDelta: number,
): Promise<void> {
  if (chunkDelta === 0 && termDelta === 0) return;
  await transaction.query(
    `UPDATE knowledge_bases SET chunk_count = chunk_count + $3, term_count = term_count + $4
      WHERE tenant_id = $1 AND id = $2`,
    [tenantId, knowledgeBaseId, chunkDelta, termDelta],
  );
}

function knowledgeBaseNotFound(name: string): NotFoundError {
  return new NotFoundError(`Knowledge base "${name}" does not exist.`);
}

function documentNotFound(documentId: string): NotFoundError {
  return new NotFoundError(`Document "${documentId}" does not exist.`);
}
