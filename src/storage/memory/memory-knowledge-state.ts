/**
 * The state the memory KnowledgeStore and VectorIndex share: deleting a document removes its chunks, and
 * replacing chunks marks the document ready, exactly as one relational database would.
 */
import { Bm25Index } from '../../core/retrieval/bm25.ts';
import type { Chunk, KnowledgeBase, KnowledgeDocument } from '../../core/types.ts';

export class MemoryKnowledgeState {
  readonly knowledgeBases = new Map<string, KnowledgeBase>();
  readonly documents = new Map<string, KnowledgeDocument>();
  /** Chunks by `tenantKey(tenantId, chunkId)`: ids are unique within a tenant. */
  readonly chunks = new Map<string, Chunk>();
  /** Chunk ids by document id. */
  readonly documentChunks = new Map<string, string[]>();
  /** One BM25 index per knowledge base, so N and the average length are per base, as in SQL. */
  readonly keywordIndexes = new Map<string, Bm25Index>();

  keywordIndex(knowledgeBaseId: string): Bm25Index {
    let index = this.keywordIndexes.get(knowledgeBaseId);
    if (!index) {
      index = new Bm25Index();
      this.keywordIndexes.set(knowledgeBaseId, index);
    }
    return index;
  }

  knowledgeBase(tenantId: string, knowledgeBaseId: string): KnowledgeBase | undefined {
    const knowledgeBase = this.knowledgeBases.get(knowledgeBaseId);
    return knowledgeBase?.tenantId === tenantId ? knowledgeBase : undefined;
  }

  document(tenantId: string, documentId: string): KnowledgeDocument | undefined {
    const document = this.documents.get(documentId);
    return document?.tenantId === tenantId ? document : undefined;
  }

  removeDocumentChunks(tenantId: string, document: KnowledgeDocument): void {
    const index = this.keywordIndexes.get(document.knowledgeBaseId);
    for (const chunkId of this.documentChunks.get(document.id) ?? []) {
      this.chunks.delete(tenantKey(tenantId, chunkId));
      index?.remove(chunkId);
    }
    this.documentChunks.delete(document.id);
  }

  removeDocument(tenantId: string, document: KnowledgeDocument): void {
    this.removeDocumentChunks(tenantId, document);
    this.documents.delete(document.id);
  }
}

/** Composite key for records whose ids are unique per tenant. */
export function tenantKey(tenantId: string, id: string): string {
  return `${tenantId}\u0000${id}`;
}

/** Plain copies out, so callers cannot change stored state by mutating a result. */
export function copy<T>(value: T): T {
  return structuredClone(value);
}

/** Code-unit order, matching PostgreSQL's "C" collation for the ids we store. */
export function compareText(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}
