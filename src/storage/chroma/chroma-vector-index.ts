/**
 * VectorIndex on a Chroma server (HTTP API v2): one collection per knowledge base, named
 * `<collectionPrefix>-<hash of the knowledge base id>`, in cosine space, with the document catalogue kept in
 * the relational store. Godwit gives every embedding; Chroma's embedding functions are never used. The
 * record layout is described in chroma-records.ts.
 *
 * Chroma ranks by vector only here: `keywordSearch` throws a DependencyError and the retriever is told the
 * store is vector-only (`keywordSearch: false`).
 *
 * Visibility: Chroma has no transactions. A replacement upserts the document's new chunks (tagged with a
 * fresh generation), then deletes its chunks of older generations with one `where` delete. Between the two
 * calls a reader can see old and new chunks of that document together; it never sees the document without
 * chunks. If a write fails half-way, the document keeps a mix until it is ingested again (its catalogue
 * entry is only marked ready after both calls). Replacements of one document are serialised within this
 * process only.
 *
 * Chunk ids are unique per tenant across knowledge bases, so getChunks, and the ownership check before a
 * write, look in every collection of this prefix (one request per collection and 1,000 ids).
 */
import { randomUUID } from 'node:crypto';
import { ConflictError, NotFoundError, ValidationError } from '../../core/errors.ts';
import type { HealthReport, VectorSearchQuery } from '../../core/ports.ts';
import type { Chunk, SearchHit } from '../../core/types.ts';
import {
  type ChunkReplacement,
  compareScanOrder,
  type DocumentCatalogue,
  indexName,
  type StoredChunkOwner,
  VectorOnlyIndex,
} from '../catalogue/index.ts';
import { type ChromaConnectionOptions, ChromaHttp } from './chroma-http.ts';
import {
  documentWhere,
  recordId,
  removedKeys,
  toChunk,
  toHit,
  toRecord,
  type Where,
  whereFilter,
} from './chroma-records.ts';

export interface ChromaVectorIndexOptions extends ChromaConnectionOptions {
  /** Collection names are `<collectionPrefix>-<hash of the knowledge base id>`. Default `godwit`. */
  collectionPrefix?: string;
  /** Records per write request (capped by the server's `max_batch_size`). Default 1000. */
  batchSize?: number;
}

export const CHROMA_VECTOR_ONLY_MESSAGE =
  'Chroma is used as a vector store and offers no keyword (BM25) ranking; search this knowledge base in vector mode, or choose storage.vectors "postgres" or "opensearch" for keyword and hybrid search';

interface CollectionInfo {
  id: string;
  name: string;
  dimension: number | null;
  metadata: Record<string, unknown> | null;
  configuration_json?: { hnsw?: { space?: string } | null } | null;
}

interface Known {
  id: string;
  dimension: number | null;
}

interface GetResponse {
  ids: string[];
  documents: Array<string | null> | null;
  metadatas: Array<Record<string, unknown> | null> | null;
}

interface QueryResponse {
  ids: string[][];
  documents: Array<Array<string | null>> | null;
  metadatas: Array<Array<Record<string, unknown> | null>> | null;
  distances: number[][] | null;
}

interface Stored {
  collectionId: string;
  document: string | null;
  metadata: Record<string, unknown>;
}

type StoredRecord = Stored & StoredChunkOwner;

const LOOKUP_BATCH = 1000;
const COUNT_PAGE = 10_000;
const LIST_PAGE = 100;
const DEFAULT_SCAN_BATCH = 500;

/** Where the replacement wrote: the collection, and the generation its chunks carry (none when empty). */
interface Written {
  collectionId: string | undefined;
  generation: string | undefined;
}

export class ChromaVectorIndex extends VectorOnlyIndex<StoredRecord, Written> {
  protected readonly vectorOnlyMessage = CHROMA_VECTOR_ONLY_MESSAGE;
  private readonly http: ChromaHttp;
  private readonly prefix: string;
  private readonly batchSize: number;
  private readonly collections = new Map<string, Known>();
  private maxBatch: number | undefined;

  constructor(catalogue: DocumentCatalogue, options: ChromaVectorIndexOptions) {
    super(catalogue);
    this.prefix = options.collectionPrefix ?? 'godwit';
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_-]{0,62}$/.test(this.prefix)) {
      throw new ValidationError(
        `Chroma collectionPrefix "${this.prefix}" is not usable in a collection name; use up to 63 letters, digits, "-" and "_", starting with a letter or digit.`,
      );
    }
    this.http = new ChromaHttp(options);
    this.batchSize = Math.max(1, Math.floor(options.batchSize ?? 1000));
  }

  protected async storedChunks(tenantId: string, chunkIds: string[]): Promise<Map<string, StoredRecord>> {
    const found = await this.lookup(tenantId, chunkIds);
    return new Map(
      [...found.values()].map((stored) => {
        const chunkId = String(stored.metadata.chunk_id);
        return [chunkId, { ...stored, chunkId, documentId: String(stored.metadata.document_id) }];
      }),
    );
  }

  /** Upserts the chunks tagged with a fresh generation, keeping no metadata key the new version drops. */
  protected async writeChunks(replacement: ChunkReplacement<StoredRecord>): Promise<Written> {
    const { document, owner, chunks, dimension, stored } = replacement;
    const name = this.collectionName(document.knowledgeBaseId);
    if (chunks.length === 0) {
      return { collectionId: (await this.findCollection(name))?.id, generation: undefined };
    }
    const collection = await this.ensureCollection(name, document.knowledgeBaseId, dimension!);
    const generation = randomUUID();
    const records = chunks.map((chunk) => {
      const record = toRecord(chunk, owner.source, generation, dimension!);
      const previous = stored.get(chunk.id);
      return previous
        ? { ...record, metadata: { ...removedKeys(previous.metadata, record.metadata), ...record.metadata } }
        : record;
    });
    const batch = await this.writeBatch();
    for (let start = 0; start < records.length; start += batch) {
      const slice = records.slice(start, start + batch);
      await this.http.inDatabase('POST', `/collections/${collection.id}/upsert`, {
        ids: slice.map((record) => record.id),
        embeddings: slice.map((record) => record.embedding),
        documents: slice.map((record) => record.document),
        metadatas: slice.map((record) => record.metadata),
      });
    }
    collection.dimension = dimension;
    return { collectionId: collection.id, generation };
  }

  protected async deleteStale(replacement: ChunkReplacement<StoredRecord>, written: Written): Promise<void> {
    if (written.collectionId === undefined) return;
    await this.deleteWhere(
      written.collectionId,
      documentWhere(replacement.tenantId, replacement.document.id, written.generation),
    );
  }

  /** Top k by cosine similarity among the tenant's chunks of the base that pass the filter. */
  protected async searchVectors(tenantId: string, query: VectorSearchQuery): Promise<SearchHit[]> {
    const where = whereFilter(tenantId, query.knowledgeBaseId, query.filter, { withVector: true });
    if (!where) return [];
    const name = this.collectionName(query.knowledgeBaseId);
    const collection = await this.findCollection(name);
    if (!collection || collection.dimension === null) return [];
    if (collection.dimension !== query.embedding.length) {
      throw new ValidationError(
        `The query embedding has ${query.embedding.length} dimensions but Chroma collection "${name}" holds ${collection.dimension}; re-embed the knowledge base.`,
      );
    }
    const response = await this.onCollection(name, (id) =>
      this.http.inDatabase<QueryResponse>('POST', `/collections/${id}/query`, {
        query_embeddings: [query.embedding],
        n_results: query.k,
        where,
        include: ['documents', 'metadatas', 'distances'],
      }),
    );
    if (!response) return [];
    const { ids, documents, metadatas, distances } = response.body;
    return (ids[0] ?? []).map((_, index) =>
      toHit(documents?.[0]?.[index] ?? null, metadatas?.[0]?.[index] ?? {}, distances?.[0]?.[index] ?? 1),
    );
  }

  async getChunks(tenantId: string, chunkIds: string[]): Promise<Chunk[]> {
    if (chunkIds.length === 0) return [];
    const found = await this.lookup(tenantId, chunkIds, true);
    return chunkIds.flatMap((id) => {
      const stored = found.get(recordId(tenantId, id));
      return stored ? [toChunk(stored.document, stored.metadata)] : [];
    });
  }

  /**
   * The base's chunks in (document, position, chunk id) order. Chroma pages in its own order, so the ids
   * and positions are listed first (page by page), sorted, and the chunks then read in batches by id:
   * stable, but not a snapshot.
   */
  async *scan(
    tenantId: string,
    knowledgeBaseId: string,
    options: { batchSize?: number } = {},
  ): AsyncIterable<Chunk[]> {
    const batchSize = Math.max(1, Math.floor(options.batchSize ?? DEFAULT_SCAN_BATCH));
    const name = this.collectionName(knowledgeBaseId);
    const collection = await this.findCollection(name);
    if (!collection) return;
    const where = whereFilter(tenantId, knowledgeBaseId)!;
    const order: Array<{ id: string; documentId: string; position: number; chunkId: string }> = [];
    for (let offset = 0; ; offset += LOOKUP_BATCH) {
      const page = await this.get(collection.id, {
        where,
        limit: LOOKUP_BATCH,
        offset,
        include: ['metadatas'],
      });
      page.ids.forEach((id, index) => {
        const metadata = page.metadatas?.[index] ?? {};
        order.push({
          id,
          documentId: String(metadata.document_id),
          position: Number(metadata.position),
          chunkId: String(metadata.chunk_id),
        });
      });
      if (page.ids.length < LOOKUP_BATCH) break;
    }
    order.sort(compareScanOrder);
    for (let start = 0; start < order.length; start += batchSize) {
      const ids = order.slice(start, start + batchSize).map((entry) => entry.id);
      const page = await this.get(collection.id, {
        ids,
        where: { tenant_id: { $eq: tenantId } },
        include: ['metadatas', 'documents'],
      });
      const byId = new Map(page.ids.map((id, index) => [id, index]));
      const chunks = ids.flatMap((id) => {
        const index = byId.get(id);
        if (index === undefined) return [];
        return [toChunk(page.documents?.[index] ?? null, page.metadatas?.[index] ?? {})];
      });
      if (chunks.length > 0) yield chunks;
    }
  }

  async countChunks(tenantId: string, knowledgeBaseId: string): Promise<number> {
    const collection = await this.findCollection(this.collectionName(knowledgeBaseId));
    if (!collection) return 0;
    const where = whereFilter(tenantId, knowledgeBaseId)!;
    let count = 0;
    for (let offset = 0; ; offset += COUNT_PAGE) {
      const page = await this.get(collection.id, { where, limit: COUNT_PAGE, offset, include: [] });
      count += page.ids.length;
      if (page.ids.length < COUNT_PAGE) return count;
    }
  }

  protected async deleteDocument(
    tenantId: string,
    knowledgeBaseId: string,
    documentId: string,
  ): Promise<void> {
    const collection = await this.findCollection(this.collectionName(knowledgeBaseId));
    if (collection) await this.deleteWhere(collection.id, documentWhere(tenantId, documentId));
  }

  /** Deletes the tenant's chunks of the base, then the collection once nothing is left in it. */
  async deleteKnowledgeBaseChunks(tenantId: string, knowledgeBaseId: string): Promise<void> {
    const name = this.collectionName(knowledgeBaseId);
    const collection = await this.findCollection(name);
    if (!collection) return;
    await this.deleteWhere(collection.id, whereFilter(tenantId, knowledgeBaseId)!);
    const left = await this.http.inDatabase<number>(
      'GET',
      `/collections/${collection.id}/count`,
      undefined,
      [404],
    );
    if (left.status !== 404 && left.body === 0) {
      await this.http.inDatabase('DELETE', `/collections/${encodeURIComponent(name)}`, undefined, [404]);
    }
    this.collections.delete(name);
  }

  /** Heartbeat, version, and the configured tenant and database. Never throws. */
  async health(): Promise<HealthReport> {
    try {
      await this.http.request('GET', '/api/v2/heartbeat');
      const version = await this.http.request<string>('GET', '/api/v2/version');
      await this.http.request(
        'GET',
        `/api/v2/tenants/${encodeURIComponent(this.http.tenant)}/databases/${encodeURIComponent(this.http.database)}`,
      );
      return {
        name: 'chroma',
        ok: true,
        detail: `${this.http.url} (tenant ${this.http.tenant}, database ${this.http.database}, collections ${this.prefix}-*)`,
        ...(typeof version.body === 'string' ? { version: version.body } : {}),
      };
    } catch (error) {
      return { name: 'chroma', ok: false, detail: error instanceof Error ? error.message : String(error) };
    }
  }

  private collectionName(knowledgeBaseId: string): string {
    return indexName(this.prefix, knowledgeBaseId);
  }

  /** Stored records by record id, looked up in every collection of this prefix. */
  private async lookup(
    tenantId: string,
    chunkIds: string[],
    withDocuments = false,
  ): Promise<Map<string, Stored>> {
    const found = new Map<string, Stored>();
    if (chunkIds.length === 0) return found;
    const ids = [...new Set(chunkIds)].map((id) => recordId(tenantId, id));
    for (const collectionId of await this.listCollections()) {
      for (let start = 0; start < ids.length; start += LOOKUP_BATCH) {
        const page = await this.get(
          collectionId,
          {
            ids: ids.slice(start, start + LOOKUP_BATCH),
            where: { tenant_id: { $eq: tenantId } },
            include: withDocuments ? ['metadatas', 'documents'] : ['metadatas'],
          },
          true,
        );
        page.ids.forEach((id, index) => {
          const metadata = page.metadatas?.[index] ?? {};
          if (metadata.tenant_id === tenantId) {
            found.set(id, { collectionId, document: page.documents?.[index] ?? null, metadata });
          }
        });
      }
    }
    return found;
  }

  /** `get` on a collection; with `gone`, a collection deleted meanwhile reads as empty. */
  private async get(collectionId: string, body: Record<string, unknown>, gone = false): Promise<GetResponse> {
    const response = await this.http.inDatabase<GetResponse>(
      'POST',
      `/collections/${collectionId}/get`,
      body,
      gone ? [404] : [],
    );
    return response.status === 404 ? { ids: [], documents: null, metadatas: null } : response.body;
  }

  private async deleteWhere(collectionId: string, where: Where): Promise<void> {
    await this.http.inDatabase('POST', `/collections/${collectionId}/delete`, { where });
  }

  /** Ids of this prefix's collections (one page request per 100 collections in the database). */
  private async listCollections(): Promise<string[]> {
    const pattern = new RegExp(`^${this.prefix}-[0-9a-f]{24}$`);
    const ids: string[] = [];
    for (let offset = 0; ; offset += LIST_PAGE) {
      const page = await this.http.inDatabase<CollectionInfo[]>(
        'GET',
        `/collections?limit=${LIST_PAGE}&offset=${offset}`,
      );
      for (const collection of page.body) if (pattern.test(collection.name)) ids.push(collection.id);
      if (page.body.length < LIST_PAGE) return ids;
    }
  }

  /** The collection by name (cached), or undefined when it does not exist. */
  private async findCollection(name: string): Promise<Known | undefined> {
    const known = this.collections.get(name);
    // A collection gets its dimension with its first vectors, perhaps from another process.
    if (known && known.dimension !== null) return known;
    try {
      const response = await this.http.inDatabase<CollectionInfo>(
        'GET',
        `/collections/${encodeURIComponent(name)}`,
      );
      return this.remember(response.body);
    } catch (error) {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }
  }

  /** Runs a request on a cached collection; if it was deleted meanwhile, looks it up once more. */
  private async onCollection<T>(name: string, send: (id: string) => Promise<T>): Promise<T | undefined> {
    const collection = await this.findCollection(name);
    if (!collection) return undefined;
    try {
      return await send(collection.id);
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      this.collections.delete(name);
      const fresh = await this.findCollection(name);
      return fresh ? send(fresh.id) : undefined;
    }
  }

  private async ensureCollection(name: string, knowledgeBaseId: string, dimension: number): Promise<Known> {
    const existing = await this.findCollection(name);
    const collection =
      existing ??
      this.remember(
        (
          await this.http.inDatabase<CollectionInfo>('POST', '/collections', {
            name,
            metadata: { 'hnsw:space': 'cosine', 'godwit:knowledge_base_id': knowledgeBaseId },
            configuration: { hnsw: { space: 'cosine' } },
            get_or_create: true,
          })
        ).body,
      );
    if (collection.dimension !== null && collection.dimension !== dimension) {
      throw new ValidationError(
        `Chroma collection "${name}" holds ${collection.dimension}-dimension vectors, not ${dimension}; delete and re-create the knowledge base to change its embedding model.`,
      );
    }
    return collection;
  }

  private remember(info: CollectionInfo): Known {
    const space = info.configuration_json?.hnsw?.space ?? info.metadata?.['hnsw:space'] ?? 'l2';
    if (space !== 'cosine') {
      throw new ConflictError(
        `Chroma collection "${info.name}" exists with distance "${String(space)}", not cosine, so Godwit did not create it. Delete it, or choose another storage.chroma.collectionPrefix.`,
      );
    }
    const known = { id: info.id, dimension: info.dimension ?? null };
    this.collections.set(info.name, known);
    return known;
  }

  /** Records per write: ours, capped by what the server accepts (its pre-flight `max_batch_size`). */
  private async writeBatch(): Promise<number> {
    if (this.maxBatch === undefined) {
      const checks = await this.http.request<{ max_batch_size?: number }>('GET', '/api/v2/pre-flight-checks');
      this.maxBatch = checks.body?.max_batch_size ?? this.batchSize;
    }
    return Math.max(1, Math.min(this.batchSize, this.maxBatch));
  }
}
