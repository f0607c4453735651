/**
 * Writes knowledge records into a Godwit knowledge base through the KnowledgeStore and VectorIndex ports,
 * so any VectorIndex (PGlite, PostgreSQL, OpenSearch…) is a target. A document is upserted by its source
 * and its chunks replaced as a whole: writing the same records twice leaves one copy.
 */
import { ConfigError, ValidationError } from '../../core/errors.ts';
import type { KnowledgeStore, VectorIndex } from '../../core/ports.ts';
import { estimateTokens } from '../../core/text/tokens.ts';
import type { Chunk, KnowledgeBase } from '../../core/types.ts';
import type { MigrationSink, SinkPlan } from '../ports.ts';
import { canonicalJson, type EmbeddingInfo, type KnowledgeRecord, sha256Hex } from '../records.ts';
import { GodwitKnowledgeSource } from '../sources/godwit-source.ts';

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
    let written = 0;
    let group = this.pending;
    for (const record of records) {
      const last = group[group.length - 1];
      if (last && last.source !== record.source) {
        written += await this.writeDocument(group);
        group = [];
      }
      group.push(record);
    }
    this.pending = group;
    return written;
  }

  async finish(): Promise<number> {
    const group = this.pending;
    this.pending = [];
    return group.length > 0 ? this.writeDocument(group) : 0;
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

  private async writeDocument(records: KnowledgeRecord[]): Promise<number> {
    const { knowledge, index, tenantId } = this.options;
    const knowledgeBase = this.knowledgeBase!;
    const first = records[0]!;
    const sha256 = sha256Hex(canonicalJson(records));
    const document = await knowledge.upsertDocument(tenantId, {
      knowledgeBaseId: knowledgeBase.id,
      source: first.source,
      mimeType: first.document?.mimeType ?? 'text/plain',
      sha256,
      bytes: records.reduce((sum, record) => sum + Buffer.byteLength(record.text), 0),
      metadata: first.document?.metadata ?? first.metadata,
    });
    const chunks: Chunk[] = records.map((record) => ({
      id: `${document.id}:${record.position}`,
      tenantId,
      knowledgeBaseId: knowledgeBase.id,
      documentId: document.id,
      position: record.position,
      text: record.text,
      location: record.location,
      metadata: record.metadata,
      tokenCount: estimateTokens(record.text),
      embedding: record.embedding,
    }));
    await index.replaceDocumentChunks(
      tenantId,
      { id: document.id, knowledgeBaseId: knowledgeBase.id, sha256 },
      chunks,
    );
    return records.length;
  }
}
