/**
 * Knowledge bases and ingestion. Ingesting a file parses it before touching storage, so a bad file
 * changes nothing; an unchanged file (same source, same SHA-256) is a no-op; a changed file replaces its
 * chunks atomically.
 */
import { createHash } from 'node:crypto';
import { sha256InPieces } from '../bytes-in-pieces.ts';
import {
  ConfigError,
  ConflictError,
  GodwitError,
  NotFoundError,
  publicErrorMessage,
  ValidationError,
} from '../errors.ts';
import type { Embedder } from '../models.ts';
import type {
  BlobStore,
  DocumentChunks,
  DocumentParser,
  KnowledgeStore,
  ParsedDocument,
  UpsertDocumentInput,
  VectorIndex,
} from '../ports.ts';
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

export interface IngestManyOptions {
  /** Files written to storage per batch. Default 200. */
  batchFiles?: number;
  /** A batch closes once its files hold this many bytes. Default 32 MiB. */
  batchBytes?: number;
  /** Hears each file's outcome, in input order, as its batch completes (a progress bar's tick). */
  onOutcome?: (outcome: IngestOutcome) => void;
  /**
   * Look up each file's earlier document by its source, instead of reading the base's documents once at
   * the start: for a few files into a base that may hold many (one upload request).
   */
  lookupEach?: boolean;
}

/** A file hashed and parsed, not yet written. */
interface PreparedFile {
  file: IngestFile;
  sha256: string;
  /** The document of the same source before this ingestion, if any. */
  existing: KnowledgeDocument | undefined;
  parsed: ParsedDocument;
  blobKey: string | null;
  /** The original being kept, when that started as soon as the file was parsed (a batch's files). */
  kept?: Promise<void>;
}

/**
 * Each batch write has a fixed cost (its transaction, lock and statements) of a few milliseconds: with
 * files of one chunk each (abstracts), 200 files a batch index about a fifth faster than 50.
 */
const DEFAULT_BATCH_FILES = 200;
const DEFAULT_BATCH_BYTES = 32 * 1024 * 1024;

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

  /**
   * Ingests many files (a folder), writing them to storage in batches (200 files or 32 MiB, whichever
   * comes first): per batch, one catalogue write
   * (`upsertDocuments`) and one chunk write (`replaceManyDocumentChunks`), which also marks the documents
   * ready, so a crash leaves no half-written document. Adapters without the batch methods get the
   * one-file writes. Each file keeps the guarantees of `ingest`: a bad file fails alone with its own
   * outcome, an unchanged file is skipped, a changed one replaces its chunks. Storage or provider faults
   * stop the call, as they stop `ingest`. The base's documents are read once, at the start, for the
   * unchanged check. `onOutcome` hears each file's outcome, in input order, as its batch completes.
   * Returns every outcome, in input order.
   *
   * @example await knowledge.ingestMany(tenantId, base, files, { onOutcome: (o) => bar.tick(o.source) })
   */
  async ingestMany(
    tenantId: string,
    knowledgeBase: KnowledgeBase,
    files: Iterable<IngestFile> | AsyncIterable<IngestFile>,
    options: IngestManyOptions = {},
  ): Promise<IngestOutcome[]> {
    refuseReadOnly(knowledgeBase, 'changed (add documents to its data source in Bedrock and sync it there)');
    const batchFiles = options.batchFiles ?? DEFAULT_BATCH_FILES;
    if (!Number.isInteger(batchFiles) || batchFiles < 1) {
      throw new ValidationError(`batchFiles must be a whole number of at least 1; got ${batchFiles}.`, {
        details: { field: 'batchFiles' },
      });
    }
    const batchBytes = options.batchBytes ?? DEFAULT_BATCH_BYTES;
    if (!Number.isFinite(batchBytes) || batchBytes < 1) {
      throw new ValidationError(`batchBytes must be a number of bytes of at least 1; got ${batchBytes}.`, {
        details: { field: 'batchBytes' },
      });
    }
    const outcomes: IngestOutcome[] = [];
    let batch: IngestFile[] = [];
    let bytes = 0;
    let sources = new Set<string>();
    // The base's documents, read in one statement rather than one lookup per file. A source this call has
    // written since is looked up again, so a file given twice sees its first version.
    const known = options.lookupEach
      ? undefined
      : new Map(
          (await this.options.knowledge.listDocuments(tenantId, knowledgeBase.id)).map((document) => [
            document.source,
            document,
          ]),
        );
    const written = new Set<string>();
    // With lookupEach, a batch's documents are read in one statement where the store can, just before the
    // batch: what earlier batches wrote is seen.
    let inBatch: Map<string, KnowledgeDocument> | undefined;
    const existingOf = (source: string) =>
      inBatch
        ? Promise.resolve(inBatch.get(source))
        : !known || written.has(source)
          ? this.options.knowledge.findDocumentBySource(tenantId, knowledgeBase.id, source)
          : Promise.resolve(known.get(source));
    const findMany = this.options.knowledge.findDocumentsBySources?.bind(this.options.knowledge);
    const flush = async () => {
      inBatch =
        !known && findMany
          ? new Map(
              (
                await findMany(
                  tenantId,
                  knowledgeBase.id,
                  batch.map((file) => file.source),
                )
              ).map((document) => [document.source, document]),
            )
          : undefined;
      for (const outcome of await this.ingestBatch(tenantId, knowledgeBase, batch, existingOf)) {
        written.add(outcome.source);
        outcomes.push(outcome);
        options.onOutcome?.(outcome);
      }
      batch = [];
      bytes = 0;
      sources = new Set();
    };
    for await (const file of files) {
      // A source given twice goes in the next batch, so the later file replaces the earlier one as it
      // would one file at a time.
      if (batch.length >= batchFiles || bytes >= batchBytes || sources.has(file.source)) await flush();
      batch.push(file);
      bytes += file.bytes.byteLength;
      sources.add(file.source);
    }
    if (batch.length > 0) await flush();
    return outcomes;
  }

  /** The outcomes of one batch of files with distinct sources, in the order given. */
  private async ingestBatch(
    tenantId: string,
    knowledgeBase: KnowledgeBase,
    files: readonly IngestFile[],
    existingOf: (source: string) => Promise<KnowledgeDocument | undefined>,
  ): Promise<IngestOutcome[]> {
    const { knowledge, index } = this.options;
    const outcomes: (IngestOutcome | undefined)[] = [];
    const pending: { position: number; prepared: PreparedFile }[] = [];
    // Parsing starts for every file at once, so a parser pool's worker threads share the batch. Each
    // file's original is written as soon as it is parsed, while the others are still being parsed; the
    // catalogue rows are written only once every original of the batch is in place.
    const prepared = await Promise.all(
      files.map((file) =>
        this.prepare(tenantId, knowledgeBase, file, false, existingOf).then(
          (item) => {
            if (!('status' in item)) {
              item.kept = this.keepOriginal(item);
              // Awaited before the batch is written; this only stops an early failure being reported unhandled.
              item.kept.catch(() => {});
            }
            return item;
          },
          (error: unknown) => {
            if (GodwitError.isInstance(error) && FILE_FAULTS.has(error.code))
              return failedOutcome(file.source, error);
            throw error;
          },
        ),
      ),
    );
    prepared.forEach((item, position) => {
      if ('status' in item) outcomes[position] = item;
      else pending.push({ position, prepared: item });
    });
    if (pending.length > 0) {
      const written =
        knowledge.upsertDocuments && index.replaceManyDocumentChunks && pending.length > 1
          ? await this.writeBatch(
              tenantId,
              knowledgeBase,
              pending.map((item) => item.prepared),
            )
          : undefined;
      for (const [offset, { position, prepared: item }] of pending.entries()) {
        outcomes[position] = written?.[offset] ?? (await this.writeOneOutcome(tenantId, knowledgeBase, item));
      }
    }
    return outcomes as IngestOutcome[];
  }

  /**
   * Writes prepared files in one catalogue write and one chunk write. Returns undefined when the batch
   * could not be written as one (a document's write refused, say): its documents are then marked failed,
   * and the caller writes the files one at a time, so only a bad file fails.
   */
  private async writeBatch(
    tenantId: string,
    knowledgeBase: KnowledgeBase,
    files: readonly PreparedFile[],
  ): Promise<IngestOutcome[] | undefined> {
    const { knowledge, index, blobs } = this.options;
    const embedder = this.embedderOf(knowledgeBase);
    await settleAll(files.map((file) => file.kept ?? this.keepOriginal(file)));
    let documents: KnowledgeDocument[];
    try {
      documents = await knowledge.upsertDocuments!(
        tenantId,
        files.map((file) => this.documentInput(knowledgeBase, file)),
      );
    } catch {
      // Nothing was written (all or none); the one-file writes say which file, if any, is at fault.
      return undefined;
    }
    const items: DocumentChunks[] = [];
    try {
      for (const [position, file] of files.entries()) {
        const document = documents[position]!;
        items.push({
          document: { id: document.id, knowledgeBaseId: knowledgeBase.id, sha256: file.sha256 },
          chunks: await this.buildChunks(tenantId, document, file.parsed.chunks, embedder),
        });
      }
      await index.replaceManyDocumentChunks!(tenantId, items);
    } catch (error) {
      // The documents are `processing` with their old chunks or none: mark them failed, as a one-file
      // write does, before each is written again on its own.
      for (const document of documents) {
        await knowledge.markDocumentFailed(tenantId, document.id, publicErrorMessage(error)).catch(() => {});
      }
      return undefined;
    }
    const outcomes: IngestOutcome[] = [];
    for (const [position, file] of files.entries()) {
      if (blobs && file.existing?.blobKey && file.existing.blobKey !== file.blobKey) {
        await deleteSupersededBlob(blobs, file.existing.blobKey);
      }
      outcomes.push({
        source: file.file.source,
        status: file.existing ? 'updated' : 'created',
        documentId: documents[position]!.id,
        chunks: items[position]!.chunks.length,
        error: null,
        errorCode: null,
      });
    }
    return outcomes;
  }

  /** `writeOne`, with a fault of the file itself as its outcome. */
  private async writeOneOutcome(
    tenantId: string,
    knowledgeBase: KnowledgeBase,
    file: PreparedFile,
  ): Promise<IngestOutcome> {
    try {
      return await this.writeOne(tenantId, knowledgeBase, file);
    } catch (error) {
      if (GodwitError.isInstance(error) && FILE_FAULTS.has(error.code))
        return failedOutcome(file.file.source, error);
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
    const prepared = await this.prepare(tenantId, knowledgeBase, file, force);
    if ('status' in prepared) return prepared;
    return this.writeOne(tenantId, knowledgeBase, prepared);
  }

  /**
   * Hashes and parses a file; storage is only read. Returns the `unchanged` outcome for a file whose
   * bytes the knowledge base already holds, ready (unless `force`).
   */
  private async prepare(
    tenantId: string,
    knowledgeBase: KnowledgeBase,
    file: IngestFile,
    force: boolean,
    existingOf: (source: string) => Promise<KnowledgeDocument | undefined> = (source) =>
      this.options.knowledge.findDocumentBySource(tenantId, knowledgeBase.id, source),
  ): Promise<PreparedFile | IngestOutcome> {
    const { parser, blobs } = this.options;
    const sha256 = await sha256InPieces(file.bytes);
    const existing = await existingOf(file.source);
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
    // One blob per document version: two documents with the same bytes must not share (and delete) one file.
    // The source's extension ends the key, so a blob store can tell the media type from it.
    const sourceKey = createHash('sha256').update(file.source).digest('hex').slice(0, 16);
    const blobKey = !blobs
      ? null
      : (file.storedBlobKey ??
        `${tenantId}/${knowledgeBase.id}/${sourceKey}-${sha256}${keyExtension(file.source)}`);
    return { file, sha256, existing, parsed, blobKey };
  }

  /** Keeps the original bytes, unless they are in the blob store already. */
  private async keepOriginal(file: PreparedFile): Promise<void> {
    const { blobs } = this.options;
    if (blobs && file.blobKey && !file.file.storedBlobKey) {
      await blobs.put(file.blobKey, file.file.bytes, file.parsed.mimeType);
    }
  }

  private documentInput(knowledgeBase: KnowledgeBase, file: PreparedFile): UpsertDocumentInput {
    return {
      knowledgeBaseId: knowledgeBase.id,
      source: file.file.source,
      mimeType: file.parsed.mimeType,
      sha256: file.sha256,
      bytes: file.file.bytes.byteLength,
      metadata: { ...file.parsed.metadata, ...file.file.metadata },
      blobKey: file.blobKey,
    };
  }

  private embedderOf(knowledgeBase: KnowledgeBase): Embedder | undefined {
    return knowledgeBase.embeddingModel ? this.requireEmbedder(knowledgeBase.embeddingModel) : undefined;
  }

  /** Writes one prepared file: original, catalogue row, then its chunks and the ready mark. */
  private async writeOne(
    tenantId: string,
    knowledgeBase: KnowledgeBase,
    file: PreparedFile,
  ): Promise<IngestOutcome> {
    const { knowledge, index, blobs } = this.options;
    const embedder = this.embedderOf(knowledgeBase);
    await (file.kept ?? this.keepOriginal(file));
    const document = await knowledge.upsertDocument(tenantId, this.documentInput(knowledgeBase, file));
    try {
      const chunks = await this.buildChunks(tenantId, document, file.parsed.chunks, embedder);
      await index.replaceDocumentChunks(
        tenantId,
        { id: document.id, knowledgeBaseId: knowledgeBase.id, sha256: file.sha256 },
        chunks,
      );
      if (blobs && file.existing?.blobKey && file.existing.blobKey !== file.blobKey) {
        await deleteSupersededBlob(blobs, file.existing.blobKey);
      }
      return {
        source: file.file.source,
        status: file.existing ? 'updated' : 'created',
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

/** The lower-cased extension of a source's last path segment (`.md`), or '' when it has none usable in a key. */
function keyExtension(source: string): string {
  const extension = /\.[A-Za-z0-9]{1,16}$/.exec(source.slice(source.lastIndexOf('/') + 1))?.[0];
  return extension ? extension.toLowerCase() : '';
}

/** Waits for every promise, then throws the first rejection (so none is left running unobserved). */
async function settleAll(promises: readonly Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(promises);
  const rejected = results.find((result) => result.status === 'rejected');
  if (rejected) throw (rejected as PromiseRejectedResult).reason;
}

/** The outcome of a file skipped for `error`, a fault of the file itself. */
export function failedOutcome(source: string, error: GodwitError): IngestOutcome {
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
