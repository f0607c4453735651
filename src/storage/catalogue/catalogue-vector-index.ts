/**
 * The shared base of the VectorIndex adapters kept outside the relational store (OpenSearch, S3 Vectors,
 * Chroma). It owns what they share — one replacement of a document at a time, the document and chunk checks,
 * the chunk-ownership rule, marking the document ready, and the checks before a vector search — so each
 * adapter supplies only its vendor calls:
 *
 *   serialise → check document → check chunk ownership → write → delete stale → mark ready
 *
 * Vector-only stores extend `VectorOnlyIndex`, which also refuses keyword search and chunks of a base
 * without an embedding model.
 */
import { ConflictError, DependencyError } from '../../core/errors.ts';
import type { HealthReport, KeywordSearchQuery, VectorIndex, VectorSearchQuery } from '../../core/ports.ts';
import { checkChunksForDocument, checkEmbedding, checkSearchSize } from '../../core/storage-input.ts';
import type { Chunk, SearchHit } from '../../core/types.ts';
import {
  type CataloguedDocument,
  type ChunkRemover,
  type DocumentCatalogue,
  documentNotFound,
  KeyedSerialiser,
} from './document-catalogue.ts';

export interface DocumentReference {
  id: string;
  knowledgeBaseId: string;
  sha256: string;
}

/** A chunk the index already holds, with the document it belongs to. */
export interface StoredChunkOwner {
  chunkId: string;
  documentId: string;
}

/** What one replacement knows once the document and its chunks are checked. */
export interface ChunkReplacement<Stored extends StoredChunkOwner> {
  tenantId: string;
  document: DocumentReference;
  owner: CataloguedDocument;
  chunks: Chunk[];
  /** The vector dimension the chunks use, or the base's; null when the base has no embedding model. */
  dimension: number | null;
  /** The chunks of these ids the index already holds (all of this document, once checked). */
  stored: Map<string, Stored>;
}

export abstract class CatalogueVectorIndex<Stored extends StoredChunkOwner, Written>
  implements VectorIndex, ChunkRemover
{
  private readonly serialiser = new KeyedSerialiser();

  constructor(protected readonly catalogue: DocumentCatalogue) {}

  /** Writes the new chunks, deletes those the new version drops, then marks the document ready. */
  replaceDocumentChunks(tenantId: string, document: DocumentReference, chunks: Chunk[]): Promise<void> {
    return this.serialised(tenantId, document.id, () => this.replace(tenantId, document, chunks));
  }

  deleteDocumentChunks(tenantId: string, knowledgeBaseId: string, documentId: string): Promise<void> {
    return this.serialised(tenantId, documentId, () =>
      this.deleteDocument(tenantId, knowledgeBaseId, documentId),
    );
  }

  /** Top k by cosine similarity; an unknown base or k = 0 finds nothing. */
  async vectorSearch(tenantId: string, query: VectorSearchQuery): Promise<SearchHit[]> {
    checkSearchSize(query.k);
    const base = await this.catalogue.knowledgeBase(tenantId, query.knowledgeBaseId);
    if (!base || query.k === 0) return [];
    checkEmbedding(query.embedding, base.embeddingDimension, 'the query embedding');
    return this.searchVectors(tenantId, query);
  }

  abstract keywordSearch(tenantId: string, query: KeywordSearchQuery): Promise<SearchHit[]>;
  abstract getChunks(tenantId: string, chunkIds: string[]): Promise<Chunk[]>;
  abstract scan(
    tenantId: string,
    knowledgeBaseId: string,
    options?: { batchSize?: number },
  ): AsyncIterable<Chunk[]>;
  abstract countChunks(tenantId: string, knowledgeBaseId: string): Promise<number>;
  abstract deleteKnowledgeBaseChunks(tenantId: string, knowledgeBaseId: string): Promise<void>;
  /** Reachability and permissions. Never throws. */
  abstract health(): Promise<HealthReport>;

  /** Refuses chunks this store cannot hold (beyond the checks every store makes). */
  protected checkChunks(_replacement: Omit<ChunkReplacement<Stored>, 'stored'>): void {}
  /** The chunks of these ids the tenant already has, in any base, in the order the store returns them. */
  protected abstract storedChunks(tenantId: string, chunkIds: string[]): Promise<Map<string, Stored>>;
  /** Writes the replacement's chunks; what it returns is handed to `deleteStale`. */
  protected abstract writeChunks(replacement: ChunkReplacement<Stored>): Promise<Written>;
  /** Deletes the document's chunks the replacement did not write. */
  protected abstract deleteStale(replacement: ChunkReplacement<Stored>, written: Written): Promise<void>;
  /** Deletes every chunk of the document (already serialised with its replacements). */
  protected abstract deleteDocument(
    tenantId: string,
    knowledgeBaseId: string,
    documentId: string,
  ): Promise<void>;
  /** The search itself, once the query is checked against the base. */
  protected abstract searchVectors(tenantId: string, query: VectorSearchQuery): Promise<SearchHit[]>;

  private serialised<T>(tenantId: string, documentId: string, task: () => Promise<T>): Promise<T> {
    return this.serialiser.run(`${tenantId}\u0000${documentId}`, task);
  }

  private async replace(tenantId: string, document: DocumentReference, chunks: Chunk[]): Promise<void> {
    const owner = await this.catalogue.document(tenantId, document.id, document.knowledgeBaseId);
    if (!owner) throw documentNotFound(document);
    checkChunksForDocument(tenantId, document, chunks, owner.embeddingDimension);
    const dimension = chunks.find((chunk) => chunk.embedding)?.embedding?.length ?? owner.embeddingDimension;
    this.checkChunks({ tenantId, document, owner, chunks, dimension });
    const stored = await this.storedChunks(
      tenantId,
      chunks.map((chunk) => chunk.id),
    );
    // A chunk id may not move from one document to another (ids are unique per tenant).
    const taken = [...stored.values()].find((chunk) => chunk.documentId !== document.id);
    if (taken) throw new ConflictError(`Chunk id "${taken.chunkId}" already belongs to another document.`);
    const replacement = { tenantId, document, owner, chunks, dimension, stored };
    await this.deleteStale(replacement, await this.writeChunks(replacement));
    await this.catalogue.markReady(tenantId, document, chunks.length);
  }
}

/**
 * A store that keeps vectors only (S3 Vectors, Chroma): the retriever is told to search by vector alone,
 * keyword search fails with the store's message, and chunks of a base without an embedding model are refused.
 */
export abstract class VectorOnlyIndex<Stored extends StoredChunkOwner, Written> extends CatalogueVectorIndex<
  Stored,
  Written
> {
  /** Tells the retriever to search by vector only. */
  readonly keywordSearchSupported = false;

  /** Says why keyword search is unavailable and which stores offer it. */
  protected abstract readonly vectorOnlyMessage: string;

  async keywordSearch(_tenantId: string, query: KeywordSearchQuery): Promise<SearchHit[]> {
    checkSearchSize(query.k);
    throw new DependencyError(this.vectorOnlyMessage, { isRetryable: false });
  }

  protected override checkChunks(replacement: Omit<ChunkReplacement<Stored>, 'stored'>): void {
    if (replacement.chunks.length > 0 && replacement.dimension === null) {
      throw new DependencyError(
        `${this.vectorOnlyMessage}. Knowledge base "${replacement.document.knowledgeBaseId}" has no embedding model, so its chunks cannot be stored here.`,
        { isRetryable: false },
      );
    }
  }
}

/** The chunks found, in the order asked for (each a copy; ids not found are left out). */
export function inRequestedOrder(chunkIds: string[], found: ReadonlyMap<string, Chunk>): Chunk[] {
  return chunkIds.flatMap((id) => {
    const chunk = found.get(id);
    return chunk ? [structuredClone(chunk)] : [];
  });
}

/** Scan order: document, then position, then chunk id. */
export function compareScanOrder(
  left: { documentId: string; position: number; chunkId: string },
  right: { documentId: string; position: number; chunkId: string },
): number {
  return (
    compareText(left.documentId, right.documentId) ||
    left.position - right.position ||
    compareText(left.chunkId, right.chunkId)
  );
}

function compareText(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}
