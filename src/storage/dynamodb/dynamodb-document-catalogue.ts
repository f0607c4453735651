/**
 * The catalogue view a VectorIndex kept outside DynamoDB (OpenSearch, S3 Vectors) reads and reports to:
 * which bases and documents a tenant owns, and "this document's chunks are stored". Same shape as the
 * Postgres catalogue, so either can back an outside index.
 */
import { NotFoundError } from '../../core/errors.ts';
import type { DynamoDbKnowledgeStore } from './dynamodb-knowledge-store.ts';

export class DynamoDbDocumentCatalogue {
  constructor(private readonly knowledge: DynamoDbKnowledgeStore) {}

  /** The base when the tenant owns it. */
  async knowledgeBase(
    tenantId: string,
    knowledgeBaseId: string,
  ): Promise<{ embeddingDimension: number | null } | undefined> {
    const base = await this.knowledge.getKnowledgeBaseById(tenantId, knowledgeBaseId);
    return base ? { embeddingDimension: base.embeddingDimension } : undefined;
  }

  /** The document when the tenant owns it and it belongs to that base. */
  async document(
    tenantId: string,
    documentId: string,
    knowledgeBaseId: string,
  ): Promise<{ source: string; chunkCount: number; embeddingDimension: number | null } | undefined> {
    const document = await this.knowledge.getDocument(tenantId, documentId);
    if (!document || document.knowledgeBaseId !== knowledgeBaseId) return undefined;
    const base = await this.knowledge.getKnowledgeBaseById(tenantId, knowledgeBaseId);
    if (!base) return undefined;
    return {
      source: document.source,
      chunkCount: document.chunkCount,
      embeddingDimension: base.embeddingDimension,
    };
  }

  /** Marks the document ready with its hash and chunk count (the base's total is the sum of its documents). */
  async markReady(
    tenantId: string,
    document: { id: string; knowledgeBaseId: string; sha256: string },
    chunkCount: number,
  ): Promise<void> {
    const stored = await this.knowledge.getDocument(tenantId, document.id);
    if (!stored || stored.knowledgeBaseId !== document.knowledgeBaseId) {
      throw new NotFoundError(
        `Document "${document.id}" does not exist in knowledge base "${document.knowledgeBaseId}".`,
      );
    }
    await this.knowledge.markDocumentReady(tenantId, document.id, { sha256: document.sha256, chunkCount });
  }

  /** Takes the document's chunks out of its base's total (before the document is deleted). */
  async releaseChunks(tenantId: string, documentId: string): Promise<void> {
    const stored = await this.knowledge.getDocument(tenantId, documentId);
    if (stored && stored.chunkCount !== 0) await this.knowledge.setChunkCount(tenantId, documentId, 0);
  }
}
