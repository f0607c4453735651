/**
 * Knowledge bases and ingestion. Ingesting a file parses it before touching storage, so a bad file
 * changes nothing; an unchanged file (same source, same SHA-256) is a no-op; a changed file replaces its
 * chunks atomically.
 */
import { createHash } from 'node:crypto';
import {
  ConfigError,
  ConflictError,
  GodwitError,
  NotFoundError,
  publicErrorMessage,
  ValidationError,
} from '../errors.ts';
import type { Embedder } from '../models.ts';
import type { BlobStore, DocumentParser, KnowledgeStore, VectorIndex } from '../ports.ts';
import type { Chunk, KnowledgeBase, KnowledgeDocument, Metadata } from '../types.ts';

export interface IngestFile {
  /** File name or URL as the user gave it; identifies the document within its knowledge base. */
  source: string;
  bytes: Uint8Array;
  mimeType?: string;
  metadata?: Metadata;
  /**
   * The bytes are already in the blob store under this key (a file uploaded straight to the documents
   * bucket): the document points at it and no second copy is written.
   */
  storedBlobKey?: string;
}

export type IngestStatus = 'created' | 'updated' | 'unchanged' | 'failed';

export interface IngestOutcome {
  source: string;
  status: IngestStatus;
  documentId: string | null;
  chunks: number;
  /** Why the file was skipped, when status is `failed`. */
  error: string | null;
  errorCode: string | null;
}

export interface KnowledgeServiceOptions {
  knowledge: KnowledgeStore;
  index: VectorIndex;
  parser: DocumentParser;
  blobs?: BlobStore;
  embedders?: ReadonlyMap<string, Embedder>;
  /** Embedding model given to new knowledge bases; null or undefined = keyword-only. */
  defaultEmbeddingModel?: string | null;
  generateId: () => string;
  /** Texts per embedding call. Default 64. */
  embeddingBatchSize?: number;
}

const FILE_FAULTS = new Set([
  'ingest_failed',
  'unsupported_media_type',
  'payload_too_large',
  'validation_failed',
]);

const KNOWLEDGE_BASE_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export function validateKnowledgeBaseName(name: string): string {
  if (!KNOWLEDGE_BASE_NAME.test(name)) {
    throw new ValidationError(
      `Knowledge base name "${name}" is not valid: use 1-63 lower-case letters, digits, "-" or "_", starting with a letter or digit.`,
      { details: { field: 'name' } },
    );
  }
  return name;
}

export class KnowledgeService {
  constructor(private readonly options: KnowledgeServiceOptions) {}

  async createKnowledgeBase(
    tenantId: string,
    input: { name: string; description?: string; embeddingModel?: string | null },
  ): Promise<KnowledgeBase> {
    validateKnowledgeBaseName(input.name);
    const modelName =
      input.embeddingModel === undefined
        ? (this.options.defaultEmbeddingModel ?? null)
        : input.embeddingModel;
    const embedder = modelName ? this.requireEmbedder(modelName) : undefined;
    return this.options.knowledge.createKnowledgeBase(tenantId, {
      name: input.name,
      description: input.description ?? '',
      embeddingModel: embedder?.model ?? null,
      embeddingVersion: embedder?.version ?? null,
      embeddingDimension: embedder?.dimension ?? null,
    });
  }

  async requireKnowledgeBase(tenantId: string, name: string): Promise<KnowledgeBase> {
    const knowledgeBase = await this.options.knowledge.getKnowledgeBase(tenantId, name);
    if (!knowledgeBase) {
      throw new NotFoundError(
        `Knowledge base "${name}" does not exist. List them with \`godwit kb list\` (or GET /api/knowledge-bases), or create it with \`godwit ingest PATH --kb ${name}\`.`,
      );
    }
    return knowledgeBase;
  }

  /** The named knowledge base, created with defaults when missing (used by `godwit ingest --kb`). */
  async ensureKnowledgeBase(tenantId: string, name: string): Promise<KnowledgeBase> {
    const existing = await this.options.knowledge.getKnowledgeBase(tenantId, name);
    if (existing) return existing;
    try {
      return await this.createKnowledgeBase(tenantId, { name });
    } catch (error) {
      // Another process created it between our read and write: use theirs.
      if (error instanceof ConflictError) return this.requireKnowledgeBase(tenantId, name);
      throw error;
    }
  }

  /** Deletes the knowledge base, its documents, chunks and original files. */
  async deleteKnowledgeBase(tenantId: string, name: string): Promise<void> {
    const knowledgeBase = await this.requireKnowledgeBase(tenantId, name);
    refuseReadOnly(knowledgeBase, 'deleted');
    const documents = await this.options.knowledge.listDocuments(tenantId, knowledgeBase.id);
    await this.options.knowledge.deleteKnowledgeBase(tenantId, name);
    const { blobs } = this.options;
    if (!blobs) return;
    for (const document of documents) if (document.blobKey) await blobs.delete(document.blobKey);
  }

  async deleteDocument(tenantId: string, knowledgeBaseName: string, documentId: string): Promise<void> {
    const knowledgeBase = await this.requireKnowledgeBase(tenantId, knowledgeBaseName);
    refuseReadOnly(knowledgeBase, 'changed (documents are removed from its data source in Bedrock)');
    const document = await this.options.knowledge.getDocument(tenantId, documentId);
    if (!document || document.knowledgeBaseId !== knowledgeBase.id) {
      throw new NotFoundError(`Document "${documentId}" is not in knowledge base "${knowledgeBaseName}".`);
    }
    await this.options.knowledge.deleteDocument(tenantId, documentId);
    if (document.blobKey && this.options.blobs) await this.options.blobs.delete(document.blobKey);
  }

  /** The original bytes of a document, as uploaded. Throws NotFoundError when the file was not kept. */
  async originalFile(
    tenantId: string,
    knowledgeBaseName: string,
    documentId: string,
  ): Promise<{ document: KnowledgeDocument; bytes: Uint8Array; contentType: string }> {
    const document = await this.requireDocument(tenantId, knowledgeBaseName, documentId);
    const stored = document.blobKey ? await this.options.blobs?.get(document.blobKey) : undefined;
    if (!stored) {
      throw new NotFoundError(
        `The original file of "${document.source}" was not kept. Upload it again to make it downloadable.`,
      );
    }
    return { document, bytes: stored.bytes, contentType: stored.contentType };
  }

  /** Parses, chunks and embeds a document again from its original file, even when it is unchanged. */
  async reindexDocument(
    tenantId: string,
    knowledgeBaseName: string,
    documentId: string,
  ): Promise<IngestOutcome> {
    const knowledgeBase = await this.requireKnowledgeBase(tenantId, knowledgeBaseName);
    const { document, bytes, contentType } = await this.originalFile(tenantId, knowledgeBaseName, documentId);
    const file = { source: document.source, bytes, mimeType: contentType, metadata: document.metadata };
    return this.ingest(tenantId, knowledgeBase, file, { force: true });
  }

  /**
   * Checks that every id names a document of `knowledgeBase` and returns them without repeats. Throws a
   * ValidationError naming the ids that are not there (unknown, deleted, or in another knowledge base).
   *
   * @example await knowledge.requireDocumentIds(tenantId, base, ['doc-1', 'doc-2']) // ['doc-1', 'doc-2']
   */
  async requireDocumentIds(
    tenantId: string,
    knowledgeBase: KnowledgeBase,
    documentIds: readonly string[],
  ): Promise<string[]> {
    const unique = [...new Set(documentIds)];
    const found = await Promise.all(unique.map((id) => this.options.knowledge.getDocument(tenantId, id)));
    const missing = unique.filter((_, index) => found[index]?.knowledgeBaseId !== knowledgeBase.id);
    if (missing.length > 0) {
      const list = missing.map((id) => `"${id}"`).join(', ');
      throw new ValidationError(
        `documentIds: ${list} ${missing.length === 1 ? 'is not a document' : 'are not documents'} of knowledge base "${knowledgeBase.name}". List its documents with GET /api/knowledge-bases/${knowledgeBase.name}/documents.`,
        { details: { field: 'documentIds', unknown: missing } },
      );
    }
    return unique;
  }

  private async requireDocument(
    tenantId: string,
    knowledgeBaseName: string,
    documentId: string,
  ): Promise<KnowledgeDocument> {
    const knowledgeBase = await this.requireKnowledgeBase(tenantId, knowledgeBaseName);
    const document = await this.options.knowledge.getDocument(tenantId, documentId);
    if (!document || document.knowledgeBaseId !== knowledgeBase.id) {
      throw new NotFoundError(`Document "${documentId}" is not in knowledge base "${knowledgeBaseName}".`);
    }
    return document;
  }

  /**
   * Ingests one file; never throws for a bad file — the outcome says why it was skipped.
   * `force` re-ingests a file whose bytes are unchanged (re-indexing).
   */
  async ingest(
    tenantId: string,
    knowledgeBase: KnowledgeBase,
    file: IngestFile,
    options: { force?: boolean } = {},
  ): Promise<IngestOutcome> {
    try {
      return await this.ingestOrThrow(tenantId, knowledgeBase, file, options.force ?? false);
    } catch (error) {
      // Only faults of the file itself are an outcome; storage or provider faults stop the caller.
      if (GodwitError.isInstance(error) && FILE_FAULTS.has(error.code))
        return failedOutcome(file.source, error);
      throw error;
    }
  }

  private async ingestOrThrow(
    tenantId: string,
    knowledgeBase: KnowledgeBase,
    file: IngestFile,
    force: boolean,
  ): Promise<IngestOutcome> {
    refuseReadOnly(knowledgeBase, 'changed (add documents to its data source in Bedrock and sync it there)');
    const { knowledge, index, parser, blobs } = this.options;
    const sha256 = createHash('sha256').update(file.bytes).digest('hex');
    const existing = await knowledge.findDocumentBySource(tenantId, knowledgeBase.id, file.source);
    if (!force && existing && existing.sha256 === sha256 && existing.status === 'ready') {
      return {
        source: file.source,
        status: 'unchanged',
        documentId: existing.id,
        chunks: existing.chunkCount,
        error: null,
        errorCode: null,
      };
    }
    const parsed = await parser.parse({ source: file.source, bytes: file.bytes, mimeType: file.mimeType });
    const embedder = knowledgeBase.embeddingModel
      ? this.requireEmbedder(knowledgeBase.embeddingModel)
      : undefined;
    // One blob per document version: two documents with the same bytes must not share (and delete) one file.
    const sourceKey = createHash('sha256').update(file.source).digest('hex').slice(0, 16);
    const blobKey = !blobs
      ? null
      : (file.storedBlobKey ?? `${tenantId}/${knowledgeBase.id}/${sourceKey}-${sha256}`);
    if (blobs && blobKey && !file.storedBlobKey) await blobs.put(blobKey, file.bytes, parsed.mimeType);
    const document = await knowledge.upsertDocument(tenantId, {
      knowledgeBaseId: knowledgeBase.id,
      source: file.source,
      mimeType: parsed.mimeType,
      sha256,
      bytes: file.bytes.byteLength,
      metadata: { ...parsed.metadata, ...file.metadata },
      blobKey,
    });
    try {
      const chunks = await this.buildChunks(tenantId, document, parsed.chunks, embedder);
      await index.replaceDocumentChunks(
        tenantId,
        { id: document.id, knowledgeBaseId: knowledgeBase.id, sha256 },
        chunks,
      );
      if (blobs && existing?.blobKey && existing.blobKey !== blobKey) {
        await deleteSupersededBlob(blobs, existing.blobKey);
      }
      return {
        source: file.source,
        status: existing ? 'updated' : 'created',
        documentId: document.id,
        chunks: chunks.length,
        error: null,
        errorCode: null,
      };
    } catch (error) {
      // The reason is shown to users in document listings: keep provider bodies out of it.
      await knowledge.markDocumentFailed(tenantId, document.id, publicErrorMessage(error));
      throw error;
    }
  }

  private async buildChunks(
    tenantId: string,
    document: KnowledgeDocument,
    drafts: Awaited<ReturnType<DocumentParser['parse']>>['chunks'],
    embedder: Embedder | undefined,
  ): Promise<Chunk[]> {
    const embeddings = embedder
      ? await this.embedAll(
          embedder,
          drafts.map((draft) => draft.text),
        )
      : null;
    return drafts.map((draft, position) => ({
      id: `${document.id}:${position}`,
      tenantId,
      knowledgeBaseId: document.knowledgeBaseId,
      documentId: document.id,
      position,
      text: draft.text,
      location: draft.location,
      metadata: draft.metadata,
      tokenCount: draft.tokenCount,
      embedding: directional(embeddings?.[position]),
    }));
  }

  private async embedAll(embedder: Embedder, texts: string[]): Promise<number[][]> {
    const batchSize = this.options.embeddingBatchSize ?? 64;
    const vectors: number[][] = [];
    for (let start = 0; start < texts.length; start += batchSize) {
      vectors.push(...(await embedder.embed(texts.slice(start, start + batchSize))));
    }
    return vectors;
  }

  private requireEmbedder(model: string): Embedder {
    const embedder = this.options.embedders?.get(model);
    if (!embedder) {
      const known = [...(this.options.embedders?.keys() ?? [])];
      throw new ConfigError(
        `Embedding model "${model}" is not configured. Set GODWIT_EMBEDDING_MODEL to one of: ${known.join(', ') || '(none configured)'}, or create a keyword-only knowledge base.`,
      );
    }
    return embedder;
  }
}

/** A knowledge base kept outside Godwit is read-only here: a ConflictError (409) that says where it lives. */
function refuseReadOnly(knowledgeBase: KnowledgeBase, action: string): void {
  if (!knowledgeBase.external) return;
  throw new ConflictError(
    `Knowledge base "${knowledgeBase.name}" is Bedrock Knowledge Base ${knowledgeBase.external.id} (${knowledgeBase.external.region}) and is read-only in Godwit: it cannot be ${action}.`,
    {
      details: { knowledgeBase: knowledgeBase.name, source: knowledgeBase.external.provider, readOnly: true },
    },
  );
}

/** An all-zero vector (text with no indexable words) has no direction: store none rather than NaN distances. */
function directional(vector: number[] | undefined): number[] | null {
  return vector?.some((value) => value !== 0) ? vector : null;
}

function failedOutcome(source: string, error: GodwitError): IngestOutcome {
  return {
    source,
    status: 'failed',
    documentId: null,
    chunks: 0,
    error: error.message,
    errorCode: error.code,
  };
}

/**
 * The previous version's original file, once the new version is indexed: nothing points at it any more
 * (a direct upload that replaces a document arrives under a key of its own). A failed delete leaves the
 * file behind and the new version stands: the document is ready either way.
 */
async function deleteSupersededBlob(blobs: BlobStore, key: string): Promise<void> {
  try {
    await blobs.delete(key);
  } catch {
    // Left for the bucket's owner; retrying here would hold up the ingestion that already succeeded.
  }
}
