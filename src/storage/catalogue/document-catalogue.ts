/**
 * What a VectorIndex kept outside the relational store (OpenSearch, S3 Vectors) needs from the catalogue:
 * which bases and documents exist, and a way to mark a document ready once its chunks are written. The
 * catalogue stays the source of truth for documents, statuses and counts.
 */
import { NotFoundError } from '../../core/errors.ts';
import type { CreateKnowledgeBaseInput, KnowledgeStore, UpsertDocumentInput } from '../../core/ports.ts';
import type { KnowledgeBase, KnowledgeBaseStats, KnowledgeDocument } from '../../core/types.ts';

export interface CataloguedDocument {
  source: string;
  chunkCount: number;
  /** The knowledge base's embedding dimension. */
  embeddingDimension: number | null;
}

export interface DocumentCatalogue {
  /** The base when the tenant owns it. */
  knowledgeBase(
    tenantId: string,
    knowledgeBaseId: string,
  ): Promise<{ embeddingDimension: number | null } | undefined>;
  /** The document when the tenant owns it and it belongs to that base. */
  document(
    tenantId: string,
    documentId: string,
    knowledgeBaseId: string,
  ): Promise<CataloguedDocument | undefined>;
  /** Marks the document ready with its hash and chunk count; the base's chunk total follows. */
  markReady(
    tenantId: string,
    document: { id: string; knowledgeBaseId: string; sha256: string },
    chunkCount: number,
  ): Promise<void>;
  /** Takes the document's chunks out of its base's total (before the document is deleted). */
  releaseChunks(tenantId: string, documentId: string): Promise<void>;
}

/** Chunk removal an outside index offers the catalogue, so deleting documents and bases cleans it up. */
export interface ChunkRemover {
  deleteDocumentChunks(tenantId: string, knowledgeBaseId: string, documentId: string): Promise<void>;
  deleteKnowledgeBaseChunks(tenantId: string, knowledgeBaseId: string): Promise<void>;
}

export function documentNotFound(document: { id: string; knowledgeBaseId: string }): NotFoundError {
  return new NotFoundError(
    `Document "${document.id}" does not exist in knowledge base "${document.knowledgeBaseId}".`,
  );
}

/**
 * The catalogue's KnowledgeStore, extended so deleting a document or a base also removes its chunks from
 * the outside index. The chunks go first: if the catalogue delete then fails, the document is still listed
 * (and can be deleted again) rather than leaving chunks nobody can reach.
 */
export class CataloguedKnowledgeStore implements KnowledgeStore {
  /** The inner store's one-read lookup, where it has one: a read, so the catalogue has nothing to add. */
  readonly findDocumentsBySources?: KnowledgeStore['findDocumentsBySources'];

  constructor(
    private readonly knowledge: KnowledgeStore,
    private readonly catalogue: DocumentCatalogue,
    private readonly chunks: ChunkRemover,
  ) {
    const findMany = knowledge.findDocumentsBySources;
    if (findMany) this.findDocumentsBySources = findMany.bind(knowledge);
  }

  createKnowledgeBase(tenantId: string, input: CreateKnowledgeBaseInput): Promise<KnowledgeBase> {
    return this.knowledge.createKnowledgeBase(tenantId, input);
  }
  getKnowledgeBase(tenantId: string, name: string): Promise<KnowledgeBase | undefined> {
    return this.knowledge.getKnowledgeBase(tenantId, name);
  }
  listKnowledgeBases(tenantId: string): Promise<KnowledgeBase[]> {
    return this.knowledge.listKnowledgeBases(tenantId);
  }
  updateKnowledgeBase(
    tenantId: string,
    name: string,
    patch: Parameters<KnowledgeStore['updateKnowledgeBase']>[2],
  ): Promise<KnowledgeBase> {
    return this.knowledge.updateKnowledgeBase(tenantId, name, patch);
  }
  async deleteKnowledgeBase(tenantId: string, name: string): Promise<void> {
    const base = await this.knowledge.getKnowledgeBase(tenantId, name);
    if (base) await this.chunks.deleteKnowledgeBaseChunks(tenantId, base.id);
    await this.knowledge.deleteKnowledgeBase(tenantId, name);
  }
  knowledgeBaseStats(tenantId: string, knowledgeBaseId: string): Promise<KnowledgeBaseStats> {
    return this.knowledge.knowledgeBaseStats(tenantId, knowledgeBaseId);
  }
  upsertDocument(tenantId: string, input: UpsertDocumentInput): Promise<KnowledgeDocument> {
    return this.knowledge.upsertDocument(tenantId, input);
  }
  getDocument(tenantId: string, documentId: string): Promise<KnowledgeDocument | undefined> {
    return this.knowledge.getDocument(tenantId, documentId);
  }
  findDocumentBySource(
    tenantId: string,
    knowledgeBaseId: string,
    source: string,
  ): Promise<KnowledgeDocument | undefined> {
    return this.knowledge.findDocumentBySource(tenantId, knowledgeBaseId, source);
  }
  listDocuments(tenantId: string, knowledgeBaseId: string): Promise<KnowledgeDocument[]> {
    return this.knowledge.listDocuments(tenantId, knowledgeBaseId);
  }
  markDocumentFailed(tenantId: string, documentId: string, error: string): Promise<void> {
    return this.knowledge.markDocumentFailed(tenantId, documentId, error);
  }
  async deleteDocument(tenantId: string, documentId: string): Promise<void> {
    const document = await this.knowledge.getDocument(tenantId, documentId);
    if (document) {
      await this.chunks.deleteDocumentChunks(tenantId, document.knowledgeBaseId, document.id);
      await this.catalogue.releaseChunks(tenantId, document.id);
    }
    await this.knowledge.deleteDocument(tenantId, documentId);
  }
}

/** Runs tasks with the same key one after another, in this process. */
export class KeyedSerialiser {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const next = previous.then(task, task);
    const tail = next.catch(() => {});
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }
}
