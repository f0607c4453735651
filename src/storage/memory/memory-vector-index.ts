/** VectorIndex in memory: the reference BM25 index for keywords and an exact cosine scan for vectors. */
import { ConflictError, NotFoundError, ValidationError } from '../../core/errors.ts';
import type {
  ChunkFilter,
  DocumentChunks,
  KeywordSearchQuery,
  VectorIndex,
  VectorSearchQuery,
} from '../../core/ports.ts';
import { analyze } from '../../core/retrieval/analyzer.ts';
import { checkChunksForDocument, checkEmbedding, checkSearchSize } from '../../core/storage-input.ts';
import type { Chunk, KnowledgeDocument, SearchHit } from '../../core/types.ts';
import { matchesChunkFilter } from './match-chunk-filter.ts';
import { compareText, copy, type MemoryKnowledgeState, tenantKey } from './memory-knowledge-state.ts';

const DEFAULT_SCAN_BATCH = 500;

export class MemoryVectorIndex implements VectorIndex {
  constructor(
    private readonly state: MemoryKnowledgeState,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async replaceDocumentChunks(
    tenantId: string,
    target: { id: string; knowledgeBaseId: string; sha256: string },
    chunks: Chunk[],
  ): Promise<void> {
    this.replaceMany(tenantId, [{ document: target, chunks }]);
  }

  async replaceManyDocumentChunks(tenantId: string, items: readonly DocumentChunks[]): Promise<void> {
    const documents = new Set<string>();
    const chunkIds = new Set<string>();
    for (const { document, chunks } of items) {
      if (documents.has(document.id)) {
        throw new ValidationError(
          `Document "${document.id}" appears twice in one batch; give each document once, with all its chunks.`,
        );
      }
      documents.add(document.id);
      for (const chunk of chunks) {
        if (chunkIds.has(chunk.id)) {
          throw new ValidationError(
            `Chunk id "${chunk.id}" appears in two documents of one batch; chunk ids must be unique.`,
          );
        }
      }
      for (const chunk of chunks) chunkIds.add(chunk.id);
    }
    this.replaceMany(tenantId, items);
  }

  /** Checks every item, then replaces them all; synchronous, so no reader sees a partial write. */
  private replaceMany(tenantId: string, items: readonly DocumentChunks[]): void {
    const targets: KnowledgeDocument[] = [];
    for (const { document: target, chunks } of items) {
      const document = this.state.document(tenantId, target.id);
      const knowledgeBase = this.state.knowledgeBase(tenantId, target.knowledgeBaseId);
      if (!document || !knowledgeBase || document.knowledgeBaseId !== knowledgeBase.id) {
        throw new NotFoundError(
          `Document "${target.id}" does not exist in knowledge base "${target.knowledgeBaseId}".`,
        );
      }
      checkChunksForDocument(tenantId, target, chunks, knowledgeBase.embeddingDimension);
      targets.push(document);
    }
    // A chunk id may move between documents replaced together, as in one SQL transaction.
    const replaced = new Set(targets.map((document) => document.id));
    for (const { chunks } of items) {
      for (const chunk of chunks) {
        const existing = this.state.chunks.get(tenantKey(tenantId, chunk.id));
        if (existing && !replaced.has(existing.documentId)) {
          throw new ConflictError(`Chunk id "${chunk.id}" already belongs to another document.`);
        }
      }
    }
    for (const document of targets) this.state.removeDocumentChunks(tenantId, document);
    const now = this.now();
    items.forEach(({ document: target, chunks }, index) => {
      const document = targets[index]!;
      const keywordIndex = this.state.keywordIndex(document.knowledgeBaseId);
      for (const chunk of chunks) {
        this.state.chunks.set(tenantKey(tenantId, chunk.id), copy(chunk));
        keywordIndex.add(chunk.id, analyze(chunk.text));
      }
      this.state.documentChunks.set(
        document.id,
        chunks.map((chunk) => chunk.id),
      );
      Object.assign(document, {
        status: 'ready',
        sha256: target.sha256,
        chunkCount: chunks.length,
        error: null,
        updatedAt: now,
      });
    });
  }

  async keywordSearch(tenantId: string, query: KeywordSearchQuery): Promise<SearchHit[]> {
    checkSearchSize(query.k);
    if (!this.state.knowledgeBase(tenantId, query.knowledgeBaseId)) return [];
    const index = this.state.keywordIndexes.get(query.knowledgeBaseId);
    if (!index) return [];
    const accept = (chunkId: string) => this.accepts(tenantId, chunkId, query.filter);
    return index
      .search(analyze(query.text), query.k, accept)
      .map((hit) => this.toHit(tenantId, hit.id, hit.score));
  }

  async vectorSearch(tenantId: string, query: VectorSearchQuery): Promise<SearchHit[]> {
    checkSearchSize(query.k);
    const knowledgeBase = this.state.knowledgeBase(tenantId, query.knowledgeBaseId);
    if (!knowledgeBase || query.k === 0) return [];
    checkEmbedding(query.embedding, knowledgeBase.embeddingDimension, 'the query embedding');
    const scored: { id: string; score: number }[] = [];
    for (const chunk of this.chunksOf(tenantId, knowledgeBase.id)) {
      if (!chunk.embedding || chunk.embedding.length !== query.embedding.length) continue;
      if (!this.accepts(tenantId, chunk.id, query.filter)) continue;
      scored.push({ id: chunk.id, score: cosineSimilarity(query.embedding, chunk.embedding) });
    }
    return scored
      .sort((left, right) => right.score - left.score || compareText(left.id, right.id))
      .slice(0, query.k)
      .map((hit) => this.toHit(tenantId, hit.id, hit.score));
  }

  async getChunks(tenantId: string, chunkIds: string[]): Promise<Chunk[]> {
    return chunkIds.flatMap((id) => {
      const chunk = this.state.chunks.get(tenantKey(tenantId, id));
      return chunk ? [copy(chunk)] : [];
    });
  }

  /** Order: document id, position, chunk id — the same as the SQL adapters. */
  async *scan(
    tenantId: string,
    knowledgeBaseId: string,
    options: { batchSize?: number } = {},
  ): AsyncIterable<Chunk[]> {
    const batchSize = Math.max(1, Math.floor(options.batchSize ?? DEFAULT_SCAN_BATCH));
    const ordered = this.chunksOf(tenantId, knowledgeBaseId).sort(
      (left, right) =>
        compareText(left.documentId, right.documentId) ||
        left.position - right.position ||
        compareText(left.id, right.id),
    );
    for (let start = 0; start < ordered.length; start += batchSize) {
      yield ordered.slice(start, start + batchSize).map(copy);
    }
  }

  async countChunks(tenantId: string, knowledgeBaseId: string): Promise<number> {
    return this.chunksOf(tenantId, knowledgeBaseId).length;
  }

  private chunksOf(tenantId: string, knowledgeBaseId: string): Chunk[] {
    if (!this.state.knowledgeBase(tenantId, knowledgeBaseId)) return [];
    return [...this.state.chunks.values()].filter((chunk) => chunk.knowledgeBaseId === knowledgeBaseId);
  }

  private accepts(tenantId: string, chunkId: string, filter: ChunkFilter | undefined): boolean {
    const chunk = this.state.chunks.get(tenantKey(tenantId, chunkId));
    if (!chunk) return false;
    return matchesChunkFilter(chunk, this.state.documents.get(chunk.documentId), filter);
  }

  private toHit(tenantId: string, chunkId: string, score: number): SearchHit {
    const chunk = this.state.chunks.get(tenantKey(tenantId, chunkId))!;
    return {
      chunkId: chunk.id,
      documentId: chunk.documentId,
      knowledgeBaseId: chunk.knowledgeBaseId,
      source: this.state.documents.get(chunk.documentId)?.source ?? '',
      location: copy(chunk.location),
      text: chunk.text,
      score,
      metadata: copy(chunk.metadata),
    };
  }
}

/** Cosine similarity (1 = same direction), as pgvector's `1 - (a <=> b)`; 0 for a zero vector. */
export function cosineSimilarity(left: readonly number[], right: readonly number[]): number {
  let dot = 0;
  let leftNorm = 0;
  let rightNorm = 0;
  for (let index = 0; index < left.length; index++) {
    const a = left[index]!;
    const b = right[index]!;
    dot += a * b;
    leftNorm += a * a;
    rightNorm += b * b;
  }
  if (leftNorm === 0 || rightNorm === 0) return 0;
  return Math.max(-1, Math.min(1, dot / Math.sqrt(leftNorm * rightNorm)));
}
