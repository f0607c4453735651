/** KnowledgeStore in memory: for tests, one-off scripts and the reference behaviour of the port. */
import { randomUUID } from 'node:crypto';
import { NotFoundError, ValidationError } from '../../core/errors.ts';
import type { CreateKnowledgeBaseInput, KnowledgeStore, UpsertDocumentInput } from '../../core/ports.ts';
import {
  checkEmbeddingDimension,
  knowledgeBaseNameTaken,
  newKnowledgeBase,
  requireText,
} from '../../core/storage-input.ts';
import type { KnowledgeBase, KnowledgeBaseStats, KnowledgeDocument } from '../../core/types.ts';
import { compareText, copy, type MemoryKnowledgeState } from './memory-knowledge-state.ts';

export interface MemoryStoreOptions {
  now?: () => Date;
  generateId?: () => string;
}

export class MemoryKnowledgeStore implements KnowledgeStore {
  private readonly now: () => Date;
  private readonly generateId: () => string;

  constructor(
    private readonly state: MemoryKnowledgeState,
    options: MemoryStoreOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.generateId = options.generateId ?? randomUUID;
  }

  async createKnowledgeBase(tenantId: string, input: CreateKnowledgeBaseInput): Promise<KnowledgeBase> {
    requireText(tenantId, 'tenant id');
    requireText(input.name, 'knowledge base name');
    checkEmbeddingDimension(input.embeddingDimension);
    if (this.findByName(tenantId, input.name)) {
      throw knowledgeBaseNameTaken(input.name);
    }
    const now = this.now();
    const knowledgeBase = newKnowledgeBase(tenantId, input, this.generateId(), now);
    this.state.knowledgeBases.set(knowledgeBase.id, knowledgeBase);
    return copy(knowledgeBase);
  }

  async getKnowledgeBase(tenantId: string, name: string): Promise<KnowledgeBase | undefined> {
    const knowledgeBase = this.findByName(tenantId, name);
    return knowledgeBase && copy(knowledgeBase);
  }

  async listKnowledgeBases(tenantId: string): Promise<KnowledgeBase[]> {
    return [...this.state.knowledgeBases.values()]
      .filter((knowledgeBase) => knowledgeBase.tenantId === tenantId)
      .sort((left, right) => compareText(left.name, right.name))
      .map(copy);
  }

  async updateKnowledgeBase(
    tenantId: string,
    name: string,
    patch: Parameters<KnowledgeStore['updateKnowledgeBase']>[2],
  ): Promise<KnowledgeBase> {
    checkEmbeddingDimension(patch.embeddingDimension);
    const knowledgeBase = this.findByName(tenantId, name);
    if (!knowledgeBase) throw knowledgeBaseNotFound(name);
    if (patch.description !== undefined) knowledgeBase.description = patch.description;
    if (patch.embeddingModel !== undefined) knowledgeBase.embeddingModel = patch.embeddingModel;
    if (patch.embeddingVersion !== undefined) knowledgeBase.embeddingVersion = patch.embeddingVersion;
    if (patch.embeddingDimension !== undefined) knowledgeBase.embeddingDimension = patch.embeddingDimension;
    knowledgeBase.updatedAt = this.now();
    return copy(knowledgeBase);
  }

  async deleteKnowledgeBase(tenantId: string, name: string): Promise<void> {
    const knowledgeBase = this.findByName(tenantId, name);
    if (!knowledgeBase) throw knowledgeBaseNotFound(name);
    for (const document of this.documentsOf(knowledgeBase.id)) this.state.removeDocument(tenantId, document);
    this.state.keywordIndexes.delete(knowledgeBase.id);
    this.state.knowledgeBases.delete(knowledgeBase.id);
  }

  async knowledgeBaseStats(tenantId: string, knowledgeBaseId: string): Promise<KnowledgeBaseStats> {
    if (!this.state.knowledgeBase(tenantId, knowledgeBaseId)) {
      throw new NotFoundError(`Knowledge base id "${knowledgeBaseId}" does not exist.`);
    }
    const documents = this.documentsOf(knowledgeBaseId);
    return {
      documents: documents.length,
      chunks: this.state.keywordIndexes.get(knowledgeBaseId)?.size ?? 0,
      failed: documents.filter((document) => document.status === 'failed').length,
    };
  }

  async upsertDocument(tenantId: string, input: UpsertDocumentInput): Promise<KnowledgeDocument> {
    this.checkInput(tenantId, input);
    return copy(this.upsert(tenantId, input, this.now()));
  }

  async upsertDocuments(
    tenantId: string,
    inputs: readonly UpsertDocumentInput[],
  ): Promise<KnowledgeDocument[]> {
    const seen = new Set<string>();
    for (const input of inputs) {
      this.checkInput(tenantId, input);
      const key = `${input.knowledgeBaseId}\u0000${input.source}`;
      if (seen.has(key)) {
        throw new ValidationError(
          `Document source "${input.source}" appears twice in one batch; give each document once.`,
        );
      }
      seen.add(key);
    }
    // Every input is valid: the writes below are synchronous, so all or none are seen.
    const now = this.now();
    return inputs.map((input) => copy(this.upsert(tenantId, input, now)));
  }

  async getDocument(tenantId: string, documentId: string): Promise<KnowledgeDocument | undefined> {
    const document = this.state.document(tenantId, documentId);
    return document && copy(document);
  }

  async findDocumentBySource(
    tenantId: string,
    knowledgeBaseId: string,
    source: string,
  ): Promise<KnowledgeDocument | undefined> {
    if (!this.state.knowledgeBase(tenantId, knowledgeBaseId)) return undefined;
    const document = this.findBySource(knowledgeBaseId, source);
    return document && copy(document);
  }

  async findDocumentsBySources(
    tenantId: string,
    knowledgeBaseId: string,
    sources: readonly string[],
  ): Promise<KnowledgeDocument[]> {
    if (!this.state.knowledgeBase(tenantId, knowledgeBaseId)) return [];
    return [...new Set(sources)].flatMap((source) => {
      const document = this.findBySource(knowledgeBaseId, source);
      return document ? [copy(document)] : [];
    });
  }

  async listDocuments(tenantId: string, knowledgeBaseId: string): Promise<KnowledgeDocument[]> {
    if (!this.state.knowledgeBase(tenantId, knowledgeBaseId)) return [];
    return this.documentsOf(knowledgeBaseId)
      .sort((left, right) => compareText(left.source, right.source))
      .map(copy);
  }

  async markDocumentFailed(tenantId: string, documentId: string, error: string): Promise<void> {
    const document = this.state.document(tenantId, documentId);
    if (!document) throw documentNotFound(documentId);
    document.status = 'failed';
    document.error = error;
    document.updatedAt = this.now();
  }

  async deleteDocument(tenantId: string, documentId: string): Promise<void> {
    const document = this.state.document(tenantId, documentId);
    if (!document) throw documentNotFound(documentId);
    this.state.removeDocument(tenantId, document);
  }

  private checkInput(tenantId: string, input: UpsertDocumentInput): void {
    requireText(input.source, 'document source');
    requireText(input.mimeType, 'document mimeType');
    requireText(input.sha256, 'document sha256');
    if (!this.state.knowledgeBase(tenantId, input.knowledgeBaseId)) {
      throw new NotFoundError(`Knowledge base id "${input.knowledgeBaseId}" does not exist.`);
    }
  }

  /** Creates or updates the stored document (no checks: see `checkInput`). */
  private upsert(tenantId: string, input: UpsertDocumentInput, now: Date): KnowledgeDocument {
    const fields = {
      mimeType: input.mimeType,
      sha256: input.sha256,
      bytes: input.bytes,
      status: 'processing' as const,
      error: null,
      metadata: copy(input.metadata ?? {}),
      blobKey: input.blobKey ?? null,
      updatedAt: now,
    };
    const existing = this.findBySource(input.knowledgeBaseId, input.source);
    if (existing) return Object.assign(existing, fields);
    const document: KnowledgeDocument = {
      id: this.generateId(),
      tenantId,
      knowledgeBaseId: input.knowledgeBaseId,
      source: input.source,
      chunkCount: 0,
      createdAt: now,
      ...fields,
    };
    this.state.documents.set(document.id, document);
    return document;
  }

  private findByName(tenantId: string, name: string): KnowledgeBase | undefined {
    for (const knowledgeBase of this.state.knowledgeBases.values()) {
      if (knowledgeBase.tenantId === tenantId && knowledgeBase.name === name) return knowledgeBase;
    }
    return undefined;
  }

  private findBySource(knowledgeBaseId: string, source: string): KnowledgeDocument | undefined {
    for (const document of this.state.documents.values()) {
      if (document.knowledgeBaseId === knowledgeBaseId && document.source === source) return document;
    }
    return undefined;
  }

  private documentsOf(knowledgeBaseId: string): KnowledgeDocument[] {
    return [...this.state.documents.values()].filter(
      (document) => document.knowledgeBaseId === knowledgeBaseId,
    );
  }
}

function knowledgeBaseNotFound(name: string): NotFoundError {
  return new NotFoundError(`Knowledge base "${name}" does not exist.`);
}

function documentNotFound(documentId: string): NotFoundError {
  return new NotFoundError(`Document "${documentId}" does not exist.`);
}
