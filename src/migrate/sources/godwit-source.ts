/**
 * A Godwit knowledge base as a source: its chunks in the VectorIndex's stable scan order, with each
 * document's source, media type and metadata.
 */
import { NotFoundError } from '../../core/errors.ts';
import type { KnowledgeStore, VectorIndex } from '../../core/ports.ts';
import type { KnowledgeBase, KnowledgeDocument } from '../../core/types.ts';
import type { MigrationSource, SourceDescription } from '../ports.ts';
import { type KnowledgeRecord, recordKey } from '../records.ts';

export interface GodwitKnowledgeSourceOptions {
  knowledge: KnowledgeStore;
  index: VectorIndex;
  tenantId: string;
  name: string;
  /** Where the storage is, for reports (no secrets). */
  location: string;
}

export class GodwitKnowledgeSource implements MigrationSource<KnowledgeRecord> {
  private knowledgeBase: KnowledgeBase | undefined;

  constructor(private readonly options: GodwitKnowledgeSourceOptions) {}

  async describe(): Promise<SourceDescription> {
    const knowledgeBase = await this.requireKnowledgeBase();
    return {
      kind: 'knowledge',
      location: this.options.location,
      name: knowledgeBase.name,
      count: await this.options.index.countChunks(this.options.tenantId, knowledgeBase.id),
      embedding: knowledgeBase.embeddingModel
        ? {
            model: knowledgeBase.embeddingModel,
            version: knowledgeBase.embeddingVersion,
            dimension: knowledgeBase.embeddingDimension,
          }
        : null,
      description: knowledgeBase.description,
    };
  }

  async *read(options: { skip: number; batchSize: number }): AsyncIterable<KnowledgeRecord[]> {
    const { index, knowledge, tenantId } = this.options;
    const knowledgeBase = await this.requireKnowledgeBase();
    let toSkip = options.skip;
    for await (const chunks of index.scan(tenantId, knowledgeBase.id, { batchSize: options.batchSize })) {
      const kept = toSkip >= chunks.length ? [] : chunks.slice(toSkip);
      toSkip = Math.max(0, toSkip - chunks.length);
      if (kept.length === 0) continue;
      // Only this batch's documents are held: memory stays flat however large the base is.
      const documents = new Map<string, KnowledgeDocument>();
      for (const documentId of new Set(kept.map((chunk) => chunk.documentId))) {
        const document = await knowledge.getDocument(tenantId, documentId);
        if (document) documents.set(documentId, document);
      }
      yield kept.flatMap((chunk) => {
        const document = documents.get(chunk.documentId);
        if (!document) return [];
        return [
          {
            source: document.source,
            position: chunk.position,
            text: chunk.text,
            metadata: chunk.metadata,
            location: chunk.location,
            embedding: chunk.embedding,
            ...(chunk.position === 0
              ? { document: { mimeType: document.mimeType, metadata: document.metadata } }
              : {}),
          },
        ];
      });
    }
  }

  async nearest(embedding: number[], k: number): Promise<string[]> {
    const knowledgeBase = await this.requireKnowledgeBase();
    const hits = await this.options.index.vectorSearch(this.options.tenantId, {
      knowledgeBaseId: knowledgeBase.id,
      embedding,
      k,
    });
    const chunks = await this.options.index.getChunks(
      this.options.tenantId,
      hits.map((hit) => hit.chunkId),
    );
    const positions = new Map(chunks.map((chunk) => [chunk.id, chunk.position]));
    return hits.map((hit) => recordKey({ source: hit.source, position: positions.get(hit.chunkId) ?? 0 }));
  }

  async close(): Promise<void> {}

  private async requireKnowledgeBase(): Promise<KnowledgeBase> {
    this.knowledgeBase ??= await this.options.knowledge.getKnowledgeBase(
      this.options.tenantId,
      this.options.name,
    );
    if (!this.knowledgeBase) {
      throw new NotFoundError(
        `Knowledge base "${this.options.name}" does not exist in ${this.options.location}. List them with \`godwit kb list\`.`,
      );
    }
    return this.knowledgeBase;
  }
}
