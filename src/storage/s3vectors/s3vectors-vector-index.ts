/**
 * VectorIndex on Amazon S3 Vectors: one vector index (cosine, float32) per knowledge base in one vector
 * bucket, with the document catalogue kept in the relational store.
 *
 * S3 Vectors searches vectors only. `keywordSearch` throws a DependencyError; the retriever is told the
 * store is vector-only (`keywordSearch: false`) and searches by vector alone.
 *
 * Per vector: filterable metadata `tenant_id`, `document_id`, `source`, `has_vector` and `metadata_terms`
 * (one `key=<canonical JSON>` string per chunk metadata key, so a ChunkFilter is an exact equality test);
 * non-filterable `text` and `chunk` (position, location, metadata, token count), declared at index creation.
 * Documented limits (S3 User Guide, "Limitations and restrictions", checked 2026-11-23): 2 KB filterable and
 * 40 KB total metadata per vector, top-K up to 100, 500 vectors per PutVectors/DeleteVectors, 100 per
 * GetVectors, 1,000 per ListVectors page. A chunk whose text and metadata exceed them is refused with a
 * ValidationError naming the chunk.
 *
 * Chunks without an embedding are stored with a placeholder unit vector and `has_vector: false`, which every
 * query excludes, so their text still reads back through getChunks and scan.
 *
 * Visibility: a replacement puts the new vectors, then deletes the document's vectors that the new version
 * does not reuse. Between the two calls a reader can see old and new chunks together. Finding a document's
 * old vectors lists the base's index (S3 Vectors has no lookup by metadata), so re-ingesting a document costs
 * one ListVectors page per 1,000 chunks in its base. Replacements of one document are serialised within this
 * process only.
 */
import {
  CreateIndexCommand,
  DeleteIndexCommand,
  DeleteVectorsCommand,
  GetIndexCommand,
  GetVectorsCommand,
  ListIndexesCommand,
  ListVectorsCommand,
  PutVectorsCommand,
  QueryVectorsCommand,
  S3VectorsClient,
  S3VectorsServiceException,
} from '@aws-sdk/client-s3vectors';
import { ConflictError, DependencyError, ValidationError } from '../../core/errors.ts';
import type { ChunkFilter, HealthReport, VectorSearchQuery } from '../../core/ports.ts';
import type { Chunk, ChunkLocation, Metadata, SearchHit } from '../../core/types.ts';
import {
  type ChunkReplacement,
  compareScanOrder,
  type DocumentCatalogue,
  indexName,
  inRequestedOrder,
  metadataTerm,
  metadataTerms,
  type StoredChunkOwner,
  VectorOnlyIndex,
} from '../catalogue/index.ts';

export interface S3VectorsIndexOptions {
  /** The vector bucket (create it once, e.g. with the CDK stack or `aws s3vectors create-vector-bucket`). */
  bucket: string;
  /** Default: the AWS SDK's region (AWS_REGION). */
  region?: string;
  /** An endpoint other than the regional one (tests, VPC endpoints). */
  endpoint?: string;
  /** Index names are `<indexPrefix>-<hash of the knowledge base id>`. Default `godwit`. */
  indexPrefix?: string;
  /** A client to use instead of building one (credentials from the AWS chain by default). */
  client?: S3VectorsClient;
}

/** Documented S3 Vectors limits (S3 User Guide, "Limitations and restrictions", checked 2026-11-23). */
export const S3_VECTORS_LIMITS = {
  maxTopK: 100,
  putBatch: 500,
  deleteBatch: 500,
  getBatch: 100,
  listPage: 1000,
  maxDimension: 4096,
  filterableBytes: 2 * 1024,
  totalMetadataBytes: 40 * 1024,
} as const;

export const VECTOR_ONLY_MESSAGE =
  'S3 Vectors stores vectors only and has no keyword (BM25) search; search this knowledge base in vector mode, or choose storage.vectors "postgres" or "opensearch" for keyword and hybrid search';

const NON_FILTERABLE_KEYS = ['text', 'chunk'];

interface StoredMetadata {
  tenant_id: string;
  document_id: string;
  source: string;
  has_vector: boolean;
  metadata_terms: string[];
  text: string;
  chunk: string;
}

interface ChunkDetails {
  id: string;
  knowledgeBaseId: string;
  position: number;
  location: ChunkLocation;
  metadata: Metadata;
  tokenCount: number;
}

/** The keys of the document's vectors to delete once the new ones are written. */
interface PendingDeletes {
  index: string;
  keys: string[];
}

interface StoredVector {
  key: string;
  data?: { float32?: number[] };
  metadata?: unknown;
}

export class S3VectorsVectorIndex extends VectorOnlyIndex<StoredChunkOwner, PendingDeletes> {
  protected readonly vectorOnlyMessage = VECTOR_ONLY_MESSAGE;
  private readonly client: S3VectorsClient;
  private readonly bucket: string;
  private readonly prefix: string;
  /** Index names known to exist, with their dimension. */
  private readonly indexes = new Map<string, number>();

  constructor(catalogue: DocumentCatalogue, options: S3VectorsIndexOptions) {
    super(catalogue);
    this.bucket = options.bucket;
    this.prefix = options.indexPrefix ?? 'godwit';
    if (!/^[a-z0-9][a-z0-9-]{0,30}$/.test(this.prefix)) {
      throw new ValidationError(
        `S3 Vectors indexPrefix "${this.prefix}" is not usable in an index name; use up to 31 lower-case letters, digits and "-".`,
      );
    }
    this.client =
      options.client ??
      new S3VectorsClient({
        ...(options.region ? { region: options.region } : {}),
        ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      });
  }

  protected override checkChunks(replacement: Omit<ChunkReplacement<StoredChunkOwner>, 'stored'>): void {
    super.checkChunks(replacement);
    const { dimension, chunks, tenantId, owner } = replacement;
    if (dimension !== null && dimension > S3_VECTORS_LIMITS.maxDimension) {
      throw new ValidationError(
        `S3 Vectors stores up to ${S3_VECTORS_LIMITS.maxDimension} dimensions; these embeddings have ${dimension}.`,
      );
    }
    for (const chunk of chunks) storedMetadata(tenantId, owner.source, chunk);
  }

  protected async storedChunks(tenantId: string, chunkIds: string[]): Promise<Map<string, StoredChunkOwner>> {
    const chunks = await this.getChunks(tenantId, chunkIds);
    return new Map(chunks.map((chunk) => [chunk.id, { chunkId: chunk.id, documentId: chunk.documentId }]));
  }

  /** Lists the document's vectors before the put, so those the new version does not reuse can go after. */
  protected async writeChunks(replacement: ChunkReplacement<StoredChunkOwner>): Promise<PendingDeletes> {
    const { tenantId, document, owner, chunks, dimension } = replacement;
    const vectors = chunks.map((chunk) => toVector(tenantId, owner.source, chunk, dimension ?? 1));
    const index = indexName(this.prefix, document.knowledgeBaseId);
    const exists = await this.indexDimension(index);
    const previous =
      owner.chunkCount > 0 && exists !== undefined
        ? await this.documentKeys(index, tenantId, document.id)
        : [];
    if (vectors.length > 0) {
      await this.ensureIndex(index, dimension!);
      for (let start = 0; start < vectors.length; start += S3_VECTORS_LIMITS.putBatch) {
        await this.call('PutVectors', () =>
          this.client.send(
            new PutVectorsCommand({
              vectorBucketName: this.bucket,
              indexName: index,
              vectors: vectors.slice(start, start + S3_VECTORS_LIMITS.putBatch) as never,
            }),
          ),
        );
      }
    }
    const kept = new Set(vectors.map((vector) => vector.key));
    return { index, keys: previous.filter((key) => !kept.has(key)) };
  }

  protected async deleteStale(
    _replacement: ChunkReplacement<StoredChunkOwner>,
    stale: PendingDeletes,
  ): Promise<void> {
    await this.deleteKeys(stale.index, stale.keys);
  }

  /** Top k by cosine similarity; k above S3 Vectors' top-K limit (100) returns at most 100 hits. */
  protected async searchVectors(tenantId: string, query: VectorSearchQuery): Promise<SearchHit[]> {
    const filter = queryFilter(tenantId, query.filter);
    if (!filter) return [];
    const index = indexName(this.prefix, query.knowledgeBaseId);
    const dimension = await this.indexDimension(index);
    if (dimension === undefined) return [];
    if (dimension !== query.embedding.length) {
      throw new ValidationError(
        `The query embedding has ${query.embedding.length} dimensions but S3 Vectors index "${index}" holds ${dimension}; re-embed the knowledge base.`,
      );
    }
    const response = await this.call('QueryVectors', () =>
      this.client.send(
        new QueryVectorsCommand({
          vectorBucketName: this.bucket,
          indexName: index,
          topK: Math.min(query.k, S3_VECTORS_LIMITS.maxTopK),
          queryVector: { float32: query.embedding },
          filter: filter as never,
          returnMetadata: true,
          returnDistance: true,
        }),
      ),
    );
    // Cosine distance is 1 - cosine similarity; the port reports the similarity.
    return (response.vectors ?? []).map((vector) => {
      const stored = vector.metadata as unknown as StoredMetadata;
      const details = JSON.parse(stored.chunk) as ChunkDetails;
      return {
        chunkId: details.id,
        documentId: stored.document_id,
        knowledgeBaseId: details.knowledgeBaseId,
        source: stored.source,
        location: details.location,
        text: stored.text,
        score: 1 - (vector.distance ?? 1),
        metadata: details.metadata,
      };
    });
  }

  /** Looks in every index of this prefix: a chunk id does not say which base holds it. */
  async getChunks(tenantId: string, chunkIds: string[]): Promise<Chunk[]> {
    if (chunkIds.length === 0) return [];
    const keys = [...new Set(chunkIds)].map((id) => vectorKey(tenantId, id));
    const found = new Map<string, Chunk>();
    for (const index of await this.listIndexes()) {
      for (let start = 0; start < keys.length; start += S3_VECTORS_LIMITS.getBatch) {
        const response = await this.call(
          'GetVectors',
          () =>
            this.client.send(
              new GetVectorsCommand({
                vectorBucketName: this.bucket,
                indexName: index,
                keys: keys.slice(start, start + S3_VECTORS_LIMITS.getBatch),
                returnData: true,
                returnMetadata: true,
              }),
            ),
          [404],
        );
        for (const vector of response?.vectors ?? []) {
          const chunk = toChunk(vector as StoredVector);
          if (chunk.tenantId === tenantId) found.set(chunk.id, chunk);
        }
      }
    }
    return inRequestedOrder(chunkIds, found);
  }

  /**
   * Lists the base's index and yields its chunks in (document, position, id) order. S3 Vectors lists in no
   * particular order, so the whole base is read before the first batch.
   */
  async *scan(
    tenantId: string,
    knowledgeBaseId: string,
    options: { batchSize?: number } = {},
  ): AsyncIterable<Chunk[]> {
    const batchSize = Math.max(1, Math.floor(options.batchSize ?? 500));
    const chunks: Chunk[] = [];
    for await (const page of this.listVectors(indexName(this.prefix, knowledgeBaseId), true)) {
      for (const vector of page) {
        const chunk = toChunk(vector);
        if (chunk.tenantId === tenantId && chunk.knowledgeBaseId === knowledgeBaseId) chunks.push(chunk);
      }
    }
    chunks.sort((left, right) =>
      compareScanOrder({ ...left, chunkId: left.id }, { ...right, chunkId: right.id }),
    );
    for (let start = 0; start < chunks.length; start += batchSize)
      yield chunks.slice(start, start + batchSize);
  }

  async countChunks(tenantId: string, knowledgeBaseId: string): Promise<number> {
    let count = 0;
    for await (const page of this.listVectors(indexName(this.prefix, knowledgeBaseId), false)) {
      for (const vector of page) {
        if ((vector.metadata as StoredMetadata | undefined)?.tenant_id === tenantId) count += 1;
      }
    }
    return count;
  }

  protected async deleteDocument(
    tenantId: string,
    knowledgeBaseId: string,
    documentId: string,
  ): Promise<void> {
    const index = indexName(this.prefix, knowledgeBaseId);
    if ((await this.indexDimension(index)) === undefined) return;
    await this.deleteKeys(index, await this.documentKeys(index, tenantId, documentId));
  }

  /** A base's index holds only that base (of one tenant), so deleting the base deletes its index. */
  async deleteKnowledgeBaseChunks(tenantId: string, knowledgeBaseId: string): Promise<void> {
    const index = indexName(this.prefix, knowledgeBaseId);
    if ((await this.indexDimension(index)) === undefined) return;
    const foreign = await this.hasOtherTenants(index, tenantId);
    if (foreign) {
      throw new ConflictError(
        `S3 Vectors index "${index}" holds vectors of another tenant; it was left in place.`,
      );
    }
    await this.call(
      'DeleteIndex',
      () => this.client.send(new DeleteIndexCommand({ vectorBucketName: this.bucket, indexName: index })),
      [404],
    );
    this.indexes.delete(index);
  }

  /** Reachability and permissions: lists one index of the bucket. Never throws. */
  async health(): Promise<HealthReport> {
    try {
      await this.call('ListIndexes', () =>
        this.client.send(new ListIndexesCommand({ vectorBucketName: this.bucket, maxResults: 1 })),
      );
      return { name: 's3vectors', ok: true, detail: `vector bucket ${this.bucket}` };
    } catch (error) {
      return { name: 's3vectors', ok: false, detail: error instanceof Error ? error.message : String(error) };
    }
  }

  private async hasOtherTenants(index: string, tenantId: string): Promise<boolean> {
    for await (const page of this.listVectors(index, false)) {
      if (page.some((vector) => (vector.metadata as StoredMetadata | undefined)?.tenant_id !== tenantId))
        return true;
    }
    return false;
  }

  private async documentKeys(index: string, tenantId: string, documentId: string): Promise<string[]> {
    const keys: string[] = [];
    for await (const page of this.listVectors(index, false)) {
      for (const vector of page) {
        const metadata = vector.metadata as StoredMetadata | undefined;
        if (metadata?.tenant_id === tenantId && metadata.document_id === documentId) keys.push(vector.key);
      }
    }
    return keys;
  }

  private async deleteKeys(index: string, keys: string[]): Promise<void> {
    for (let start = 0; start < keys.length; start += S3_VECTORS_LIMITS.deleteBatch) {
      await this.call('DeleteVectors', () =>
        this.client.send(
          new DeleteVectorsCommand({
            vectorBucketName: this.bucket,
            indexName: index,
            keys: keys.slice(start, start + S3_VECTORS_LIMITS.deleteBatch),
          }),
        ),
      );
    }
  }

  private async *listVectors(index: string, withData: boolean): AsyncIterable<StoredVector[]> {
    let nextToken: string | undefined;
    do {
      const response = await this.call(
        'ListVectors',
        () =>
          this.client.send(
            new ListVectorsCommand({
              vectorBucketName: this.bucket,
              indexName: index,
              maxResults: S3_VECTORS_LIMITS.listPage,
              returnMetadata: true,
              returnData: withData,
              ...(nextToken ? { nextToken } : {}),
            }),
          ),
        [404],
      );
      if (!response) return;
      yield (response.vectors ?? []) as StoredVector[];
      nextToken = response.nextToken;
    } while (nextToken);
  }

  private async listIndexes(): Promise<string[]> {
    const names: string[] = [];
    let nextToken: string | undefined;
    do {
      const response = await this.call('ListIndexes', () =>
        this.client.send(
          new ListIndexesCommand({
            vectorBucketName: this.bucket,
            prefix: `${this.prefix}-`,
            ...(nextToken ? { nextToken } : {}),
          }),
        ),
      );
      names.push(...(response.indexes ?? []).map((index) => index.indexName!));
      nextToken = response.nextToken;
    } while (nextToken);
    return names;
  }

  /** undefined when the index does not exist. */
  private async indexDimension(index: string): Promise<number | undefined> {
    const known = this.indexes.get(index);
    if (known !== undefined) return known;
    const response = await this.call(
      'GetIndex',
      () => this.client.send(new GetIndexCommand({ vectorBucketName: this.bucket, indexName: index })),
      [404],
    );
    const dimension = response?.index?.dimension;
    if (dimension !== undefined) this.indexes.set(index, dimension);
    return dimension;
  }

  private async ensureIndex(index: string, dimension: number): Promise<void> {
    const existing = await this.indexDimension(index);
    if (existing === undefined) {
      const created = await this.call(
        'CreateIndex',
        () =>
          this.client.send(
            new CreateIndexCommand({
              vectorBucketName: this.bucket,
              indexName: index,
              dataType: 'float32',
              dimension,
              distanceMetric: 'cosine',
              metadataConfiguration: { nonFilterableMetadataKeys: NON_FILTERABLE_KEYS },
            }),
          ),
        [409],
      );
      // 409: another writer created it first.
      if (created === undefined) return this.ensureIndex(index, dimension);
      this.indexes.set(index, dimension);
      return;
    }
    if (existing !== dimension) {
      throw new ValidationError(
        `S3 Vectors index "${index}" holds ${existing}-dimension vectors, not ${dimension}; delete and re-create the knowledge base to change its embedding model.`,
      );
    }
  }

  /** Runs one call, turning service errors into GodwitErrors; statuses in `absent` resolve to undefined. */
  private async call<T>(operation: string, send: () => Promise<T>, absent: number[]): Promise<T | undefined>;
  private async call<T>(operation: string, send: () => Promise<T>): Promise<T>;
  private async call<T>(
    operation: string,
    send: () => Promise<T>,
    absent: number[] = [],
  ): Promise<T | undefined> {
    try {
      return await send();
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status !== undefined && absent.includes(status)) return undefined;
      throw translateS3VectorsError(operation, this.bucket, error);
    }
  }
}

export function translateS3VectorsError(operation: string, bucket: string, error: unknown): Error {
  if (!(error instanceof S3VectorsServiceException)) {
    return new DependencyError(
      `S3 Vectors ${operation} on bucket "${bucket}" failed: ${error instanceof Error ? error.message : String(error)}. Check the region, endpoint and network path.`,
      { cause: error },
    );
  }
  const detail = `S3 Vectors ${operation} on bucket "${bucket}" failed with ${error.name}: ${error.message}`;
  switch (error.name) {
    case 'ValidationException':
      return new ValidationError(`${detail}.`);
    case 'AccessDeniedException':
      return new DependencyError(
        `${detail}. Grant this role s3vectors:${operation} (and s3vectors:GetVectors for filtered queries) on the bucket and its indexes.`,
        { isRetryable: false },
      );
    case 'NotFoundException':
      return new DependencyError(
        `${detail}. Create the vector bucket "${bucket}" first (the CDK stack does).`,
        {
          isRetryable: false,
        },
      );
    case 'ConflictException':
      return new ConflictError(`${detail}.`);
    case 'TooManyRequestsException':
    case 'ServiceUnavailableException':
    case 'InternalServerException':
    case 'RequestTimeoutException':
      return new DependencyError(`${detail}.`, { isRetryable: true });
    default:
      return new DependencyError(`${detail}.`, { isRetryable: false });
  }
}

export function vectorKey(tenantId: string, chunkId: string): string {
  return `${encodeURIComponent(tenantId)}|${chunkId}`;
}

/** The S3 Vectors filter for a tenant and a ChunkFilter; undefined when the filter can match nothing. */
export function queryFilter(tenantId: string, filter?: ChunkFilter): Record<string, unknown> | undefined {
  const clauses: Record<string, unknown>[] = [
    { tenant_id: { $eq: tenantId } },
    { has_vector: { $eq: true } },
  ];
  if (filter?.documentIds) {
    if (filter.documentIds.length === 0) return undefined;
    clauses.push({ document_id: { $in: filter.documentIds } });
  }
  if (filter?.sources) {
    if (filter.sources.length === 0) return undefined;
    clauses.push({ source: { $in: filter.sources } });
  }
  // `$eq` against a list matches when any element is equal: one clause per key.
  for (const [key, value] of Object.entries(filter?.metadata ?? {})) {
    clauses.push({ metadata_terms: { $eq: metadataTerm(key, value) } });
  }
  return { $and: clauses };
}

/** The vector's metadata; a ValidationError naming the chunk when it exceeds S3 Vectors' limits. */
function storedMetadata(tenantId: string, source: string, chunk: Chunk): StoredMetadata {
  const details: ChunkDetails = {
    id: chunk.id,
    knowledgeBaseId: chunk.knowledgeBaseId,
    position: chunk.position,
    location: chunk.location,
    metadata: chunk.metadata,
    tokenCount: chunk.tokenCount,
  };
  const metadata: StoredMetadata = {
    tenant_id: tenantId,
    document_id: chunk.documentId,
    source,
    has_vector: chunk.embedding !== null,
    metadata_terms: metadataTerms(chunk.metadata),
    text: chunk.text,
    chunk: JSON.stringify(details),
  };
  const filterable = byteLength({ ...metadata, text: undefined, chunk: undefined });
  if (filterable > S3_VECTORS_LIMITS.filterableBytes) {
    throw new ValidationError(
      `chunk "${chunk.id}" has ${filterable} bytes of filterable metadata (source and metadata values); S3 Vectors allows ${S3_VECTORS_LIMITS.filterableBytes}. Shorten its metadata.`,
    );
  }
  const total = byteLength(metadata);
  if (total > S3_VECTORS_LIMITS.totalMetadataBytes) {
    throw new ValidationError(
      `chunk "${chunk.id}" needs ${total} bytes of metadata (text included); S3 Vectors allows ${S3_VECTORS_LIMITS.totalMetadataBytes} per vector. Lower the chunk size.`,
    );
  }
  return metadata;
}

function toVector(tenantId: string, source: string, chunk: Chunk, dimension: number) {
  const placeholder = Array.from({ length: dimension }, (_, position) => (position === 0 ? 1 : 0));
  return {
    key: vectorKey(tenantId, chunk.id),
    data: { float32: chunk.embedding ?? placeholder },
    metadata: storedMetadata(tenantId, source, chunk),
  };
}

function toChunk(vector: StoredVector): Chunk {
  const stored = vector.metadata as StoredMetadata;
  const details = JSON.parse(stored.chunk) as ChunkDetails;
  return {
    id: details.id,
    tenantId: stored.tenant_id,
    knowledgeBaseId: details.knowledgeBaseId,
    documentId: stored.document_id,
    position: details.position,
    text: stored.text,
    location: details.location,
    metadata: details.metadata,
    tokenCount: details.tokenCount,
    embedding: stored.has_vector ? [...(vector.data?.float32 ?? [])] : null,
  };
}

function byteLength(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}
