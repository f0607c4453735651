/**
 * VectorIndex on OpenSearch (Serverless collections or managed domains): BM25 through the `match` query,
 * cosine k-NN through the `knn` query, one index per knowledge base, and the document catalogue kept in
 * the relational store.
 *
 * Visibility: OpenSearch cannot swap a document's chunks atomically. A replacement first writes the new
 * chunks (tagged with a fresh generation) with the bulk API, then deletes the document's chunks of older
 * generations with `_delete_by_query`. Between the two steps a reader can see old and new chunks of that
 * document together; it never sees the document without chunks. Chunk ids reused by the new version are
 * overwritten in place. Replacements of one document are serialised within this process only.
 */
import { randomUUID } from 'node:crypto';
import { DependencyError, ValidationError } from '../../core/errors.ts';
import type { HealthReport, KeywordSearchQuery, VectorSearchQuery } from '../../core/ports.ts';
import { checkSearchSize } from '../../core/storage-input.ts';
import type { Chunk, ChunkLocation, Metadata, SearchHit } from '../../core/types.ts';
import {
  CatalogueVectorIndex,
  type ChunkReplacement,
  type DocumentCatalogue,
  indexName,
  inRequestedOrder,
  metadataTerms,
  type StoredChunkOwner,
} from '../catalogue/index.ts';
import { type BulkOperation, sendBulk } from './opensearch-bulk.ts';
import {
  type OpenSearchConnectionOptions,
  OpenSearchHttp,
  type OpenSearchService,
} from './opensearch-http.ts';
import {
  chunkDocumentId,
  chunksByIdBody,
  countBody,
  createIndexBody,
  embeddingField,
  indexPattern,
  keywordSearchBody,
  knowledgeBaseChunksQuery,
  scanBody,
  staleChunksQuery,
  vectorSearchBody,
} from './opensearch-queries.ts';

export interface OpenSearchVectorIndexOptions extends OpenSearchConnectionOptions {
  /** Index names are `<indexPrefix>-<hash of the knowledge base id>`. Default `godwit-chunks`. */
  indexPrefix?: string;
  /**
   * Ask for a refresh after writes so they are searchable at once. Default: true for managed domains;
   * false for Serverless, which refreshes on its own schedule and does not offer the refresh API.
   */
  refresh?: boolean;
  /** Chunks per `_bulk` request. Default 500. */
  bulkSize?: number;
}

interface StoredChunk {
  tenant_id: string;
  knowledge_base_id: string;
  document_id: string;
  chunk_id: string;
  source: string;
  position: number;
  token_count: number;
  text: string;
  location: ChunkLocation;
  metadata: Metadata;
  embedding?: number[];
}

interface SearchResponse {
  hits: { hits: { _id: string; _score: number | null; _source: StoredChunk; sort?: (string | number)[] }[] };
}

const DEFAULT_SCAN_BATCH = 500;
/** Ids per lookup request: well under the default `index.max_result_window` and terms limits. */
const LOOKUP_BATCH = 1000;

export class OpenSearchVectorIndex extends CatalogueVectorIndex<StoredChunkOwner, string | null> {
  private readonly http: OpenSearchHttp;
  private readonly prefix: string;
  private readonly refresh: boolean;
  private readonly bulkSize: number;
  private readonly service: OpenSearchService;
  /** Indexes known to exist, with the vector dimension of their mapping. */
  private readonly indexes = new Map<string, number | null>();

  constructor(catalogue: DocumentCatalogue, options: OpenSearchVectorIndexOptions) {
    super(catalogue);
    this.http = new OpenSearchHttp(options);
    this.service = options.service;
    this.prefix = options.indexPrefix ?? 'godwit-chunks';
    if (!/^[a-z0-9][a-z0-9_-]{0,200}$/.test(this.prefix)) {
      throw new ValidationError(
        `OpenSearch indexPrefix "${this.prefix}" is not a valid index name start; use lower-case letters, digits, "-" and "_".`,
      );
    }
    this.refresh = options.refresh ?? options.service === 'es';
    this.bulkSize = Math.max(1, options.bulkSize ?? 500);
  }

  protected async storedChunks(tenantId: string, chunkIds: string[]): Promise<Map<string, StoredChunkOwner>> {
    const stored = new Map<string, StoredChunkOwner>();
    for (let start = 0; start < chunkIds.length; start += LOOKUP_BATCH) {
      const ids = chunkIds.slice(start, start + LOOKUP_BATCH);
      const hits = await this.search(indexPattern(this.prefix), chunksByIdBody(tenantId, ids));
      for (const hit of hits) {
        stored.set(hit._source.chunk_id, {
          chunkId: hit._source.chunk_id,
          documentId: hit._source.document_id,
        });
      }
    }
    return stored;
  }

  /** Writes the chunks tagged with a fresh generation; returns it (null when there is nothing to write). */
  protected async writeChunks(replacement: ChunkReplacement<StoredChunkOwner>): Promise<string | null> {
    const { document, owner, chunks, dimension } = replacement;
    if (chunks.length === 0) return null;
    const index = indexName(this.prefix, document.knowledgeBaseId);
    const generation = randomUUID();
    await this.ensureIndex(index, dimension);
    for (let start = 0; start < chunks.length; start += this.bulkSize) {
      await this.bulkIndex(index, generation, owner.source, chunks.slice(start, start + this.bulkSize));
    }
    return generation;
  }

  protected async deleteStale(
    replacement: ChunkReplacement<StoredChunkOwner>,
    generation: string | null,
  ): Promise<void> {
    const { tenantId, document } = replacement;
    await this.http.request(
      'POST',
      `/${indexName(this.prefix, document.knowledgeBaseId)}/_delete_by_query`,
      staleChunksQuery(tenantId, document.id, generation),
      { query: this.refreshQuery({ conflicts: 'proceed' }), accept: [404] },
    );
  }

  async keywordSearch(tenantId: string, query: KeywordSearchQuery): Promise<SearchHit[]> {
    checkSearchSize(query.k);
    if (query.k === 0 || query.text.trim() === '') return [];
    const body = keywordSearchBody(tenantId, query.knowledgeBaseId, query.text, query.k, query.filter);
    return (await this.search(indexName(this.prefix, query.knowledgeBaseId), body)).map((hit) =>
      toHit(hit._source, hit._score ?? 0),
    );
  }

  protected async searchVectors(tenantId: string, query: VectorSearchQuery): Promise<SearchHit[]> {
    const index = indexName(this.prefix, query.knowledgeBaseId);
    const mapped = await this.mappedDimension(index);
    // No index yet, or no chunk with a vector: nothing to find.
    if (mapped === undefined || mapped === null) return [];
    if (mapped !== query.embedding.length) {
      throw new ValidationError(
        `The query embedding has ${query.embedding.length} dimensions but OpenSearch index "${index}" holds ${mapped}-dimension vectors; re-embed the knowledge base.`,
      );
    }
    const body = vectorSearchBody(tenantId, query.knowledgeBaseId, query.embedding, query.k, query.filter);
    // For cosinesimil OpenSearch scores (2 - d) / 2 with d = 1 - cosine; the port reports the cosine.
    return (await this.search(index, body)).map((hit) => toHit(hit._source, 2 * (hit._score ?? 0) - 1));
  }

  async getChunks(tenantId: string, chunkIds: string[]): Promise<Chunk[]> {
    const byId = new Map<string, Chunk>();
    for (let start = 0; start < chunkIds.length; start += LOOKUP_BATCH) {
      const ids = [...new Set(chunkIds.slice(start, start + LOOKUP_BATCH))];
      const hits = await this.search(indexPattern(this.prefix), chunksByIdBody(tenantId, ids));
      for (const hit of hits) byId.set(hit._source.chunk_id, toChunk(hit._source));
    }
    return inRequestedOrder(chunkIds, byId);
  }

  /** Pages with `search_after` on (document, position, chunk id): stable, but not a snapshot. */
  async *scan(
    tenantId: string,
    knowledgeBaseId: string,
    options: { batchSize?: number } = {},
  ): AsyncIterable<Chunk[]> {
    const batchSize = Math.max(1, Math.floor(options.batchSize ?? DEFAULT_SCAN_BATCH));
    const index = indexName(this.prefix, knowledgeBaseId);
    let after: (string | number)[] | undefined;
    for (;;) {
      const hits = await this.search(index, scanBody(tenantId, knowledgeBaseId, batchSize, after));
      if (hits.length === 0) return;
      yield hits.map((hit) => toChunk(hit._source));
      if (hits.length < batchSize) return;
      after = hits[hits.length - 1]?.sort;
    }
  }

  async countChunks(tenantId: string, knowledgeBaseId: string): Promise<number> {
    const index = indexName(this.prefix, knowledgeBaseId);
    const response = await this.http.request<{ count?: number }>(
      'POST',
      `/${index}/_count`,
      countBody(tenantId, knowledgeBaseId),
      { accept: [404] },
    );
    return response.status === 404 ? 0 : (response.body.count ?? 0);
  }

  protected async deleteDocument(
    tenantId: string,
    knowledgeBaseId: string,
    documentId: string,
  ): Promise<void> {
    await this.http.request(
      'POST',
      `/${indexName(this.prefix, knowledgeBaseId)}/_delete_by_query`,
      staleChunksQuery(tenantId, documentId, null),
      { query: this.refreshQuery({ conflicts: 'proceed' }), accept: [404] },
    );
  }

  async deleteKnowledgeBaseChunks(tenantId: string, knowledgeBaseId: string): Promise<void> {
    await this.http.request(
      'POST',
      `/${indexName(this.prefix, knowledgeBaseId)}/_delete_by_query`,
      knowledgeBaseChunksQuery(tenantId, knowledgeBaseId),
      { query: this.refreshQuery({ conflicts: 'proceed' }), accept: [404] },
    );
  }

  /** Reachability and permissions: one count over this prefix's indexes. Never throws. */
  async health(): Promise<HealthReport> {
    try {
      const response = await this.http.request<{ count?: number }>(
        'POST',
        `/${indexPattern(this.prefix)}/_count`,
        {
          query: { match_all: {} },
        },
      );
      return {
        name: 'opensearch',
        ok: true,
        detail: `${response.body.count ?? 0} chunks in ${this.prefix}-* indexes`,
      };
    } catch (error) {
      return {
        name: 'opensearch',
        ok: false,
        detail: error instanceof Error ? error.message : String(error),
      };
    }
  }

  private async search(index: string, body: unknown): Promise<SearchResponse['hits']['hits']> {
    const response = await this.http.request<SearchResponse>('POST', `/${index}/_search`, body, {
      accept: [404],
    });
    return response.status === 404 ? [] : response.body.hits.hits;
  }

  /** Creates the base's index on first write, and adds the vector field once the base has one. */
  private async ensureIndex(index: string, dimension: number | null): Promise<void> {
    let mapped = this.indexes.get(index);
    if (mapped === undefined) mapped = await this.mappedDimension(index);
    if (mapped === undefined) {
      const created = await this.http.request<unknown>(
        'PUT',
        `/${index}`,
        createIndexBody(dimension, this.service),
        {
          accept: [400],
        },
      );
      // Another writer may have created it first.
      if (created.status === 400) {
        const reason = JSON.stringify(created.body);
        if (!reason.includes('resource_already_exists_exception')) {
          throw new DependencyError(`OpenSearch refused to create index "${index}": ${reason}`, {
            isRetryable: false,
          });
        }
        this.indexes.delete(index);
        return this.ensureIndex(index, dimension);
      }
      this.indexes.set(index, dimension);
      return;
    }
    if (dimension !== null && mapped === null) {
      await this.http.request('PUT', `/${index}/_mapping`, {
        properties: { embedding: embeddingField(dimension) },
      });
      this.indexes.set(index, dimension);
      return;
    }
    if (dimension !== null && mapped !== dimension) {
      throw new ValidationError(
        `OpenSearch index "${index}" holds ${mapped}-dimension vectors, not ${dimension}; delete and re-create the knowledge base to change its embedding model.`,
      );
    }
    this.indexes.set(index, mapped);
  }

  /** undefined: no such index; null: no vector field yet. */
  private async mappedDimension(index: string): Promise<number | null | undefined> {
    const known = this.indexes.get(index);
    if (known !== undefined && known !== null) return known;
    const response = await this.http.request<
      Record<string, { mappings?: { properties?: { embedding?: { dimension?: number } } } }>
    >('GET', `/${index}/_mapping`, undefined, { accept: [404] });
    if (response.status === 404) return undefined;
    const dimension = Object.values(response.body)[0]?.mappings?.properties?.embedding?.dimension ?? null;
    this.indexes.set(index, dimension);
    return dimension;
  }

  private async bulkIndex(index: string, generation: string, source: string, chunks: Chunk[]): Promise<void> {
    const operations: BulkOperation[] = [];
    for (const chunk of chunks) {
      const action = JSON.stringify({
        index: { _index: index, _id: chunkDocumentId(chunk.tenantId, chunk.id) },
      });
      const stored: StoredChunk & { metadata_terms: string[]; generation: string } = {
        tenant_id: chunk.tenantId,
        knowledge_base_id: chunk.knowledgeBaseId,
        document_id: chunk.documentId,
        chunk_id: chunk.id,
        source,
        position: chunk.position,
        token_count: chunk.tokenCount,
        text: chunk.text,
        location: chunk.location,
        metadata: chunk.metadata,
        metadata_terms: metadataTerms(chunk.metadata),
        generation,
      };
      if (chunk.embedding) stored.embedding = chunk.embedding;
      operations.push({ action, source: JSON.stringify(stored) });
    }
    // No refresh here: the `_delete_by_query` that follows refreshes (where refresh is on).
    const results = await sendBulk(this.http, operations);
    const failed = results.find((item) => item.error !== undefined || item.status >= 300);
    if (failed) {
      throw new DependencyError(
        `OpenSearch rejected part of a bulk write to "${index}" (${failed?.error?.type ?? 'error'}: ${failed?.error?.reason ?? 'no reason'}); the document may hold a mix of old and new chunks until it is ingested again.`,
      );
    }
  }

  private refreshQuery(query: Record<string, string>): Record<string, string> {
    return this.refresh ? { ...query, refresh: 'true' } : query;
  }
}

function toChunk(stored: StoredChunk): Chunk {
  return {
    id: stored.chunk_id,
    tenantId: stored.tenant_id,
    knowledgeBaseId: stored.knowledge_base_id,
    documentId: stored.document_id,
    position: stored.position,
    text: stored.text,
    location: stored.location ?? {},
    metadata: stored.metadata ?? {},
    tokenCount: stored.token_count,
    embedding: stored.embedding ?? null,
  };
}

function toHit(stored: StoredChunk, score: number): SearchHit {
  return {
    chunkId: stored.chunk_id,
    documentId: stored.document_id,
    knowledgeBaseId: stored.knowledge_base_id,
    source: stored.source,
    location: stored.location ?? {},
    text: stored.text,
    score,
    metadata: stored.metadata ?? {},
  };
}
