/**
 * KnowledgeStore on DynamoDB: the catalogue of knowledge bases and documents. Chunks live in a separate
 * VectorIndex (OpenSearch, S3 Vectors…), which reads the catalogue and reports ready documents through
 * DynamoDbDocumentCatalogue; a base's chunk total is the sum of its documents' counts.
 */
import { randomUUID } from 'node:crypto';
import { ConflictError, NotFoundError } from '../../core/errors.ts';
import type { CreateKnowledgeBaseInput, KnowledgeStore, UpsertDocumentInput } from '../../core/ports.ts';
import {
  checkEmbeddingDimension,
  knowledgeBaseNameTaken,
  newKnowledgeBase,
  requireText,
} from '../../core/storage-input.ts';
import type { KnowledgeBase, KnowledgeBaseStats, KnowledgeDocument } from '../../core/types.ts';
import { keys, sortableTime } from './dynamodb-keys.ts';
import {
  type DynamoDbItem,
  type DynamoDbItemKey,
  type DynamoDbTable,
  type ExistingItemUpdate,
  fromJson,
  itemKey,
  nullableNumber,
  nullableString,
  toDate,
  toJson,
} from './dynamodb-table.ts';

export interface DynamoDbKnowledgeStoreOptions {
  now?: () => Date;
  generateId?: () => string;
}

type KnowledgeBasePatch = Parameters<KnowledgeStore['updateKnowledgeBase']>[2];

export class DynamoDbKnowledgeStore implements KnowledgeStore {
  private readonly now: () => Date;
  private readonly generateId: () => string;

  constructor(
    private readonly table: DynamoDbTable,
    options: DynamoDbKnowledgeStoreOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.generateId = options.generateId ?? randomUUID;
  }

  async createKnowledgeBase(tenantId: string, input: CreateKnowledgeBaseInput): Promise<KnowledgeBase> {
    requireText(tenantId, 'tenant id');
    requireText(input.name, 'knowledge base name');
    checkEmbeddingDimension(input.embeddingDimension);
    const now = this.now();
    const knowledgeBase = newKnowledgeBase(tenantId, input, this.generateId(), now);
    const nameKey = keys.knowledgeBase(tenantId, input.name);
    await this.table.putNew({ ...nameKey, ...toKnowledgeBaseItem(knowledgeBase) }, (cause) =>
      knowledgeBaseNameTaken(input.name, cause),
    );
    try {
      await this.table.put({
        ...keys.knowledgeBaseById(tenantId, knowledgeBase.id),
        kind: 'knowledge-base-pointer',
        name: input.name,
      });
    } catch (error) {
      await this.table.deleteMany([nameKey]).catch(() => {});
      throw error;
    }
    return knowledgeBase;
  }

  async getKnowledgeBase(tenantId: string, name: string): Promise<KnowledgeBase | undefined> {
    const item = await this.table.get(keys.knowledgeBase(tenantId, name));
    return item ? toKnowledgeBase(item) : undefined;
  }

  /** The base with this id in this tenant, or undefined. */
  async getKnowledgeBaseById(tenantId: string, knowledgeBaseId: string): Promise<KnowledgeBase | undefined> {
    const pointer = await this.table.get(keys.knowledgeBaseById(tenantId, knowledgeBaseId));
    if (!pointer) return undefined;
    const knowledgeBase = await this.getKnowledgeBase(tenantId, String(pointer.name));
    return knowledgeBase?.id === knowledgeBaseId ? knowledgeBase : undefined;
  }

  async listKnowledgeBases(tenantId: string): Promise<KnowledgeBase[]> {
    const items = await this.table.queryAll({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.knowledgeBasePartition(tenantId) },
      ConsistentRead: true,
    });
    return items.map(toKnowledgeBase).sort((left, right) => compareText(left.name, right.name));
  }

  async updateKnowledgeBase(
    tenantId: string,
    name: string,
    patch: KnowledgeBasePatch,
  ): Promise<KnowledgeBase> {
    checkEmbeddingDimension(patch.embeddingDimension);
    const values: Record<string, unknown> = { ':updatedAt': sortableTime(this.now()) };
    const assignments = ['updatedAt = :updatedAt'];
    for (const field of [
      'description',
      'embeddingModel',
      'embeddingVersion',
      'embeddingDimension',
    ] as const) {
      if (patch[field] === undefined) continue;
      assignments.push(`${field} = :${field}`);
      values[`:${field}`] = patch[field];
    }
    const item = await this.table.updateExisting(
      keys.knowledgeBase(tenantId, name),
      {
        UpdateExpression: `SET ${assignments.join(', ')}`,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      },
      (cause) => knowledgeBaseNotFound(name, cause),
    );
    return toKnowledgeBase(item);
  }

  /**
   * Documents first, the base last, so a retry after a failure finishes the job. The chunks in an outside
   * index are removed by the wrapper that owns it (CataloguedKnowledgeStore), before this is called.
   */
  async deleteKnowledgeBase(tenantId: string, name: string): Promise<void> {
    const knowledgeBase = await this.getKnowledgeBase(tenantId, name);
    if (!knowledgeBase) throw knowledgeBaseNotFound(name);
    const documents = await this.documentItems(tenantId, knowledgeBase.id);
    await this.table.deleteMany([
      ...documents.map(itemKey),
      ...documents.map((item) => keys.documentById(tenantId, String(item.id))),
      keys.knowledgeBaseById(tenantId, knowledgeBase.id),
      keys.knowledgeBase(tenantId, name),
    ]);
  }

  async knowledgeBaseStats(tenantId: string, knowledgeBaseId: string): Promise<KnowledgeBaseStats> {
    if (!(await this.getKnowledgeBaseById(tenantId, knowledgeBaseId))) {
      throw new NotFoundError(`Knowledge base id "${knowledgeBaseId}" does not exist.`);
    }
    const documents = (await this.documentItems(tenantId, knowledgeBaseId)).map(toDocument);
    return {
      documents: documents.length,
      chunks: documents.reduce((sum, document) => sum + document.chunkCount, 0),
      failed: documents.filter((document) => document.status === 'failed').length,
    };
  }

  async upsertDocument(tenantId: string, input: UpsertDocumentInput): Promise<KnowledgeDocument> {
    requireText(input.source, 'document source');
    requireText(input.mimeType, 'document mimeType');
    requireText(input.sha256, 'document sha256');
    if (!(await this.getKnowledgeBaseById(tenantId, input.knowledgeBaseId))) {
      throw new NotFoundError(`Knowledge base id "${input.knowledgeBaseId}" does not exist.`);
    }
    const key = keys.document(tenantId, input.knowledgeBaseId, input.source);
    const now = this.now();
    const fields = {
      mimeType: input.mimeType,
      sha256: input.sha256,
      bytes: input.bytes,
      status: 'processing',
      error: null,
      metadata: toJson(input.metadata ?? {}),
      blobKey: input.blobKey ?? null,
      updatedAt: sortableTime(now),
    };
    // Two tries: a concurrent first upsert of the same source turns our create into an update.
    for (let attempt = 0; attempt < 2; attempt++) {
      const updated = await this.updateExistingDocument(key, fields);
      if (updated) return updated;
      const document: KnowledgeDocument = {
        id: this.generateId(),
        tenantId,
        knowledgeBaseId: input.knowledgeBaseId,
        source: input.source,
        mimeType: input.mimeType,
        sha256: input.sha256,
        bytes: input.bytes,
        status: 'processing',
        error: null,
        chunkCount: 0,
        metadata: structuredClone(input.metadata ?? {}),
        blobKey: input.blobKey ?? null,
        createdAt: now,
        updatedAt: now,
      };
      if (!(await this.table.putNew({ ...key, ...toDocumentItem(document) }, 'skip'))) continue;
      try {
        await this.table.put({
          ...keys.documentById(tenantId, document.id),
          kind: 'document-pointer',
          knowledgeBaseId: document.knowledgeBaseId,
          source: document.source,
        });
      } catch (error) {
        await this.table.deleteMany([key]).catch(() => {});
        throw error;
      }
      return document;
    }
    throw new ConflictError(`Document "${input.source}" is being changed concurrently; try again.`);
  }

  async getDocument(tenantId: string, documentId: string): Promise<KnowledgeDocument | undefined> {
    const key = await this.documentKey(tenantId, documentId);
    const item = key && (await this.table.get(key));
    return item && item.id === documentId ? toDocument(item) : undefined;
  }

  async findDocumentBySource(
    tenantId: string,
    knowledgeBaseId: string,
    source: string,
  ): Promise<KnowledgeDocument | undefined> {
    const item = await this.table.get(keys.document(tenantId, knowledgeBaseId, source));
    return item ? toDocument(item) : undefined;
  }

  /** One BatchGetItem per 100 sources: the keys are known, so no query is needed. */
  async findDocumentsBySources(
    tenantId: string,
    knowledgeBaseId: string,
    sources: readonly string[],
  ): Promise<KnowledgeDocument[]> {
    const unique = [...new Set(sources)];
    const items = await this.table.getMany(
      unique.map((source) => keys.document(tenantId, knowledgeBaseId, source)),
    );
    return items.map(toDocument);
  }

  async listDocuments(tenantId: string, knowledgeBaseId: string): Promise<KnowledgeDocument[]> {
    return (await this.documentItems(tenantId, knowledgeBaseId))
      .map(toDocument)
      .sort((left, right) => compareText(left.source, right.source));
  }

  async markDocumentFailed(tenantId: string, documentId: string, error: string): Promise<void> {
    await this.updateDocument(tenantId, documentId, {
      status: 'failed',
      error,
      updatedAt: sortableTime(this.now()),
    });
  }

  /** Sets the chunk count alone (0 when an outside index has dropped the document's chunks). */
  async setChunkCount(tenantId: string, documentId: string, chunkCount: number): Promise<void> {
    await this.updateDocument(tenantId, documentId, { chunkCount });
  }

  /** The chunk index's report that a document's chunks are stored: status `ready`, hash and count. */
  async markDocumentReady(
    tenantId: string,
    documentId: string,
    result: { sha256: string; chunkCount: number },
  ): Promise<KnowledgeDocument> {
    return this.updateDocument(tenantId, documentId, {
      status: 'ready',
      error: null,
      sha256: result.sha256,
      chunkCount: result.chunkCount,
      updatedAt: sortableTime(this.now()),
    });
  }

  async deleteDocument(tenantId: string, documentId: string): Promise<void> {
    const document = await this.getDocument(tenantId, documentId);
    if (!document) throw documentNotFound(documentId);
    await this.table.deleteMany([
      keys.document(tenantId, document.knowledgeBaseId, document.source),
      keys.documentById(tenantId, documentId),
    ]);
  }

  /** The updated document, or undefined when there is none at this key. */
  private async updateExistingDocument(
    key: DynamoDbItemKey,
    fields: Record<string, unknown>,
  ): Promise<KnowledgeDocument | undefined> {
    const item = await this.table.updateExisting(key, setFields(fields), 'skip');
    return item && toDocument(item);
  }

  private async updateDocument(
    tenantId: string,
    documentId: string,
    fields: Record<string, unknown>,
  ): Promise<KnowledgeDocument> {
    const key = await this.documentKey(tenantId, documentId);
    if (!key) throw documentNotFound(documentId);
    const item = await this.table.updateExisting(key, setFields(fields), (cause) =>
      documentNotFound(documentId, cause),
    );
    return toDocument(item);
  }

  private async documentKey(tenantId: string, documentId: string): Promise<DynamoDbItemKey | undefined> {
    const pointer = await this.table.get(keys.documentById(tenantId, documentId));
    if (!pointer) return undefined;
    return keys.document(tenantId, String(pointer.knowledgeBaseId), String(pointer.source));
  }

  private documentItems(tenantId: string, knowledgeBaseId: string): Promise<DynamoDbItem[]> {
    return this.table.queryAll({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.documentPartition(tenantId, knowledgeBaseId) },
      ConsistentRead: true,
    });
  }
}

/** `SET #field = :field, …` for each field, returning the whole updated item. */
function setFields(fields: Record<string, unknown>): ExistingItemUpdate {
  const names = Object.keys(fields);
  return {
    UpdateExpression: `SET ${names.map((name) => `#${name} = :${name}`).join(', ')}`,
    ExpressionAttributeNames: Object.fromEntries(names.map((name) => [`#${name}`, name])),
    ExpressionAttributeValues: Object.fromEntries(names.map((name) => [`:${name}`, fields[name]])),
    ReturnValues: 'ALL_NEW',
  };
}

function toKnowledgeBaseItem(knowledgeBase: KnowledgeBase): DynamoDbItem {
  return {
    kind: 'knowledge-base',
    id: knowledgeBase.id,
    tenantId: knowledgeBase.tenantId,
    name: knowledgeBase.name,
    description: knowledgeBase.description,
    embeddingModel: knowledgeBase.embeddingModel,
    embeddingVersion: knowledgeBase.embeddingVersion,
    embeddingDimension: knowledgeBase.embeddingDimension,
    createdAt: sortableTime(knowledgeBase.createdAt),
    updatedAt: sortableTime(knowledgeBase.updatedAt),
  };
}

function toKnowledgeBase(item: DynamoDbItem): KnowledgeBase {
  return {
    id: String(item.id),
    tenantId: String(item.tenantId),
    name: String(item.name),
    description: String(item.description ?? ''),
    embeddingModel: nullableString(item.embeddingModel),
    embeddingVersion: nullableString(item.embeddingVersion),
    embeddingDimension: nullableNumber(item.embeddingDimension),
    createdAt: toDate(item.createdAt),
    updatedAt: toDate(item.updatedAt),
  };
}

function toDocumentItem(document: KnowledgeDocument): DynamoDbItem {
  return {
    kind: 'document',
    id: document.id,
    tenantId: document.tenantId,
    knowledgeBaseId: document.knowledgeBaseId,
    source: document.source,
    mimeType: document.mimeType,
    sha256: document.sha256,
    bytes: document.bytes,
    status: document.status,
    error: document.error,
    chunkCount: document.chunkCount,
    metadata: toJson(document.metadata),
    blobKey: document.blobKey,
    createdAt: sortableTime(document.createdAt),
    updatedAt: sortableTime(document.updatedAt),
  };
}

function toDocument(item: DynamoDbItem): KnowledgeDocument {
  return {
    id: String(item.id),
    tenantId: String(item.tenantId),
    knowledgeBaseId: String(item.knowledgeBaseId),
    source: String(item.source),
    mimeType: String(item.mimeType),
    sha256: String(item.sha256),
    bytes: Number(item.bytes),
    status: item.status as KnowledgeDocument['status'],
    error: nullableString(item.error),
    chunkCount: Number(item.chunkCount ?? 0),
    metadata: fromJson(item.metadata, {}),
    blobKey: nullableString(item.blobKey),
    createdAt: toDate(item.createdAt),
    updatedAt: toDate(item.updatedAt),
  };
}

function compareText(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

function knowledgeBaseNotFound(name: string, cause?: unknown): NotFoundError {
  return new NotFoundError(`Knowledge base "${name}" does not exist.`, { cause });
}

function documentNotFound(documentId: string, cause?: unknown): NotFoundError {
  return new NotFoundError(`Document "${documentId}" does not exist.`, { cause });
}
