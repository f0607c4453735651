/**
 * Writes knowledge records into a Godwit knowledge base through the KnowledgeStore and VectorIndex ports,
 * so any VectorIndex (PGlite, PostgreSQL, OpenSearch…) is a target. A document is upserted by its source
 * and its chunks replaced as a whole: writing the same records twice leaves one copy. Where the adapters
 * have the batch methods, a batch of documents is two writes (`upsertDocuments`, then
 * `replaceManyDocumentChunks`) instead of two per document.
 */
import { ConfigError, ValidationError } from '../../core/errors.ts';
import type { KnowledgeStore, UpsertDocumentInput, VectorIndex } from '../../core/ports.ts';
import { estimateTokens } from '../../core/text/tokens.ts';
import type { Chunk, KnowledgeBase } from '../../core/types.ts';
import type { MigrationSink, SinkPlan } from '../ports.ts';
import { canonicalJson, type EmbeddingInfo, type KnowledgeRecord, sha256Hex } from '../records.ts';
import { GodwitKnowledgeSource } from '../sources/godwit-source.ts';

/** Records per batched write: large enough to amortise a transaction, small enough to stay one statement. */
export const KNOWLEDGE_BATCH_RECORDS = 500;

export interface KnowledgeBaseSinkOptions {
  knowledge: KnowledgeStore;
  index: VectorIndex;
  tenantId: string;
  name: string;
  location: string;
}

export class KnowledgeBaseSink implements MigrationSink<KnowledgeRecord> {
  readonly kind = 'knowledge' as const;
  readonly location: string;
  private knowledgeBase: KnowledgeBase | undefined;
  /** Records of the last document of the previous batch: its chunks may continue in the next one. */
  private pending: KnowledgeRecord[] = [];

  constructor(private readonly options: KnowledgeBaseSinkOptions) {
    this.location = `${options.location} knowledge base "${options.name}"`;
  }

  async prepare(plan: SinkPlan): Promise<void> {
    const { knowledge, tenantId, name } = this.options;
    const embedding = plan.embedding;
    const existing = await knowledge.getKnowledgeBase(tenantId, name);
    if (!existing) {
      this.knowledgeBase = await knowledge.createKnowledgeBase(tenantId, {
        name,
        description: plan.source.description ?? `Migrated from ${plan.source.location}`,
        embeddingModel: embedding?.model ?? null,
        embeddingVersion: embedding?.version ?? null,
        embeddingDimension: embedding?.dimension ?? null,
      });
      return;
    }
    this.knowledgeBase = await this.checkCompatible(existing, embedding);
  }

  async write(records: KnowledgeRecord[]): Promise<number> {
    const groups: KnowledgeRecord[][] = [];
    let group = this.pending;
    for (const record of records) {
      const last = group[group.length - 1];
      if (last && last.source !== record.source) {
        groups.push(group);
        group = [];
      }
      group.push(record);
    }
    this.pending = group;
    return this.writeDocuments(groups);
  }

  async finish(): Promise<number> {
    const group = this.pending;
    this.pending = [];
    return group.length > 0 ? this.writeDocuments([group]) : 0;
  }

  reader(): GodwitKnowledgeSource {
    return new GodwitKnowledgeSource({ ...this.options });
  }

  async close(): Promise<void> {}

  private async checkCompatible(
    existing: KnowledgeBase,
    embedding: EmbeddingInfo | null,
  ): Promise<KnowledgeBase> {
    if (!embedding) {
      if (existing.embeddingModel) {
        throw new ConfigError(
          `Knowledge base "${existing.name}" uses embedding model ${existing.embeddingModel}, but the records have no vectors. Embed them with --reembed ${existing.embeddingModel}, or migrate into a new knowledge base.`,
        );
      }
      return existing;
    }
    if (existing.embeddingModel && embedding.model && existing.embeddingModel !== embedding.model) {
      throw new ConfigError(
        `Knowledge base "${existing.name}" uses embedding model ${existing.embeddingModel}, but the records' vectors are from ${embedding.model}. Re-embed them with --reembed ${existing.embeddingModel}, or migrate into a new knowledge base.`,
      );
    }
    if (
      existing.embeddingDimension &&
      embedding.dimension &&
      existing.embeddingDimension !== embedding.dimension
    ) {
      throw new ValidationError(
        `Knowledge base "${existing.name}" holds ${existing.embeddingDimension}-dimensional vectors; the records' vectors have ${embedding.dimension}. Re-embed with --reembed ${existing.embeddingModel ?? 'MODEL'}, or migrate into a new knowledge base.`,
      );
    }
    if (existing.embeddingModel) return existing;
    const stats = await this.options.knowledge.knowledgeBaseStats(this.options.tenantId, existing.id);
    if (stats.chunks > 0) {
      throw new ConfigError(
        `Knowledge base "${existing.name}" is keyword-only and already holds chunks; it cannot take vectors from ${embedding.model}. Migrate into a new knowledge base.`,
      );
    }
    return this.options.knowledge.updateKnowledgeBase(this.options.tenantId, existing.name, {
      embeddingModel: embedding.model,
      embeddingVersion: embedding.version,
      embeddingDimension: embedding.dimension,
    });
  }

  /**
   * Writes whole documents (each a group of records sharing a source), in batches of up to
   * KNOWLEDGE_BATCH_RECORDS records: one `upsertDocuments` and one `replaceManyDocumentChunks` per batch
   * where the adapters have them, else the single calls per document. Returns once every write has
   * committed, so a checkpoint taken after it counts only durable records.
   */
  private async writeDocuments(groups: readonly KnowledgeRecord[][]): Promise<number> {
    const { knowledge, index } = this.options;
    if (!knowledge.upsertDocuments || !index.replaceManyDocumentChunks) {
      let written = 0;
      for (const group of groups) written += await this.writeDocument(group);
      return written;
    }
    let written = 0;
    let batch: KnowledgeRecord[][] = [];
    let batchRecords = 0;
    // A source seen twice in one batch (records that were not consecutive) goes in the next batch, so the
    // later records replace the earlier ones as they would one document at a time.
    let sources = new Set<string>();
    for (const group of groups) {
      const source = group[0]!.source;
      if (
        batch.length > 0 &&
        (batchRecords + group.length > KNOWLEDGE_BATCH_RECORDS || sources.has(source))
      ) {
        written += await this.writeBatch(batch);
        batch = [];
        batchRecords = 0;
        sources = new Set();
      }
      batch.push(group);
      batchRecords += group.length;
      sources.add(source);
    }
    if (batch.length > 0) written += await this.writeBatch(batch);
    return written;
  }

  private async writeBatch(groups: readonly KnowledgeRecord[][]): Promise<number> {
    const { knowledge, index, tenantId } = this.options;
    const knowledgeBaseId = this.knowledgeBase!.id;
    const inputs = groups.map((records) => this.documentInput(records));
    const documents = await knowledge.upsertDocuments!(tenantId, inputs);
    await index.replaceManyDocumentChunks!(
      tenantId,
      groups.map((records, position) => {
        const document = documents[position]!;
        return {
          document: { id: document.id, knowledgeBaseId, sha256: inputs[position]!.sha256 },
          chunks: this.chunks(document.id, records),
        };
      }),
    );
    return groups.reduce((sum, records) => sum + records.length, 0);
  }

  private async writeDocument(records: KnowledgeRecord[]): Promise<number> {
    const { knowledge, index, tenantId } = this.options;
    const input = this.documentInput(records);
    const document = await knowledge.upsertDocument(tenantId, input);
    await index.replaceDocumentChunks(
      tenantId,
      { id: document.id, knowledgeBaseId: input.knowledgeBaseId, sha256: input.sha256 },
      this.chunks(document.id, records),
    );
    return records.length;
  }

  private documentInput(records: readonly KnowledgeRecord[]): UpsertDocumentInput {
    const first = records[0]!;
    return {
      knowledgeBaseId: this.knowledgeBase!.id,
      source: first.source,
      mimeType: first.document?.mimeType ?? 'text/plain',
      sha256: sha256Hex(canonicalJson(records)),
      bytes: records.reduce((sum, record) => sum + Buffer.byteLength(record.text), 0),
      metadata: first.document?.metadata ?? first.metadata,
    };
  }

  private chunks(documentId: string, records: readonly KnowledgeRecord[]): Chunk[] {
    const knowledgeBaseId = this.knowledgeBase!.id;
    return records.map((record) => ({
      id: `${documentId}:${record.position}`,
      tenantId: this.options.tenantId,
      knowledgeBaseId,
      documentId,
      position: record.position,
      text: record.text,
      location: record.location,
      metadata: record.metadata,
      tokenCount: estimateTokens(record.text),
      embedding: record.embedding,
    }));
  }
}
