/**
 * The document catalogue of an outside vector store (src/storage/catalogue/) on the shared Postgres schema:
 * documents and their chunk counts stay in the relational database while chunks live in the vector store.
 */
import { type DocumentCatalogue, documentNotFound } from '../catalogue/index.ts';
import type { SqlClient } from './sql-client.ts';

/** The catalogue on the shared Postgres schema (PGlite, PostgreSQL, Aurora). */
export class SqlDocumentCatalogue implements DocumentCatalogue {
  constructor(
    private readonly client: SqlClient,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async knowledgeBase(tenantId: string, knowledgeBaseId: string) {
    const [row] = await this.client.query<{ embedding_dimension: number | null }>(
      'SELECT embedding_dimension FROM knowledge_bases WHERE tenant_id = $1 AND id = $2',
      [tenantId, knowledgeBaseId],
    );
    return row ? { embeddingDimension: row.embedding_dimension } : undefined;
  }

  async document(tenantId: string, documentId: string, knowledgeBaseId: string) {
    const [row] = await this.client.query<{
      source: string;
      chunk_count: number;
      embedding_dimension: number | null;
    }>(
      `SELECT d.source, d.chunk_count, kb.embedding_dimension FROM documents d
         JOIN knowledge_bases kb ON kb.tenant_id = $1 AND kb.id = d.knowledge_base_id
        WHERE d.tenant_id = $1 AND d.id = $2 AND d.knowledge_base_id = $3`,
      [tenantId, documentId, knowledgeBaseId],
    );
    if (!row) return undefined;
    return {
      source: row.source,
      chunkCount: Number(row.chunk_count),
      embeddingDimension: row.embedding_dimension,
    };
  }

  async markReady(
    tenantId: string,
    document: { id: string; knowledgeBaseId: string; sha256: string },
    chunkCount: number,
  ): Promise<void> {
    await this.client.transaction(async (transaction) => {
      const [row] = await transaction.query<{ chunk_count: number }>(
        `SELECT chunk_count FROM documents
          WHERE tenant_id = $1 AND id = $2 AND knowledge_base_id = $3 FOR UPDATE`,
        [tenantId, document.id, document.knowledgeBaseId],
      );
      if (!row) throw documentNotFound(document);
      await transaction.query(
        `UPDATE documents SET status = 'ready', sha256 = $3, chunk_count = $4, error = NULL, updated_at = $5
          WHERE tenant_id = $1 AND id = $2`,
        [tenantId, document.id, document.sha256, chunkCount, this.now()],
      );
      const delta = chunkCount - Number(row.chunk_count);
      if (delta !== 0) {
        await transaction.query(
          'UPDATE knowledge_bases SET chunk_count = chunk_count + $3 WHERE tenant_id = $1 AND id = $2',
          [tenantId, document.knowledgeBaseId, delta],
        );
      }
    });
  }

  async releaseChunks(tenantId: string, documentId: string): Promise<void> {
    await this.client.transaction(async (transaction) => {
      const [row] = await transaction.query<{ chunk_count: number; knowledge_base_id: string }>(
        'SELECT chunk_count, knowledge_base_id FROM documents WHERE tenant_id = $1 AND id = $2 FOR UPDATE',
        [tenantId, documentId],
      );
      if (!row || Number(row.chunk_count) === 0) return;
      await transaction.query('UPDATE documents SET chunk_count = 0 WHERE tenant_id = $1 AND id = $2', [
        tenantId,
        documentId,
      ]);
      await transaction.query(
        'UPDATE knowledge_bases SET chunk_count = chunk_count - $3 WHERE tenant_id = $1 AND id = $2',
        [tenantId, row.knowledge_base_id, Number(row.chunk_count)],
      );
    });
  }
}
