/**
 * Request bodies for the OpenSearch REST API, kept apart from the transport so tests can compare them
 * with the documented shapes (test/support/opensearch-fixtures/).
 *
 * One index per knowledge base: BM25 statistics are per index, so a base's scores never depend on another
 * base. Every query filters by tenant as well.
 */
import type { ChunkFilter } from '../../core/ports.ts';
import { metadataTerm } from '../catalogue/index.ts';

/** Lucene's HNSW with cosine similarity: the engine that applies filters inside the k-NN search. */
export const KNN_METHOD = { name: 'hnsw', engine: 'lucene', space_type: 'cosinesimil' } as const;

type Clause = Record<string, unknown>;

export function indexPattern(prefix: string): string {
  return `${prefix}-*`;
}

/** The stored `_id` of a chunk: chunk ids are unique per tenant. */
export function chunkDocumentId(tenantId: string, chunkId: string): string {
  return `${encodeURIComponent(tenantId)}|${chunkId}`;
}

export function embeddingField(dimension: number): Clause {
  return { type: 'knn_vector', dimension, method: KNN_METHOD };
}

/** Index settings and mapping; `dimension` null leaves the vector field out until a base gets one. */
export function createIndexBody(dimension: number | null, service: 'aoss' | 'es'): Clause {
  const properties: Record<string, Clause> = {
    tenant_id: { type: 'keyword' },
    knowledge_base_id: { type: 'keyword' },
    document_id: { type: 'keyword' },
    chunk_id: { type: 'keyword' },
    source: { type: 'keyword' },
    generation: { type: 'keyword' },
    position: { type: 'integer' },
    token_count: { type: 'integer' },
    text: { type: 'text', analyzer: 'english' },
    // Stored for reading back, not indexed: arbitrary keys must not grow the mapping.
    location: { type: 'object', enabled: false },
    metadata: { type: 'object', enabled: false },
    // One keyword per metadata key: `key=<canonical JSON>`, so a filter is an exact equality test.
    metadata_terms: { type: 'keyword' },
  };
  if (dimension !== null) properties.embedding = embeddingField(dimension);
  // Serverless collections manage shards themselves and refuse shard settings.
  const index: Clause = service === 'es' ? { knn: true, number_of_shards: 1 } : { knn: true };
  return { settings: { index }, mappings: { dynamic: 'strict', properties } };
}

/** Tenant and base, then the ChunkFilter: lists by membership (an empty list matches nothing). */
export function filterClauses(
  tenantId: string,
  knowledgeBaseId: string | null,
  filter?: ChunkFilter,
): Clause[] {
  const clauses: Clause[] = [{ term: { tenant_id: tenantId } }];
  if (knowledgeBaseId !== null) clauses.push({ term: { knowledge_base_id: knowledgeBaseId } });
  if (filter?.documentIds) clauses.push({ terms: { document_id: filter.documentIds } });
  if (filter?.sources) clauses.push({ terms: { source: filter.sources } });
  for (const [key, value] of Object.entries(filter?.metadata ?? {})) {
    clauses.push({ term: { metadata_terms: metadataTerm(key, value) } });
  }
  return clauses;
}

const HIT_SOURCE = { excludes: ['embedding', 'metadata_terms', 'generation'] };

/** BM25 over `text` with the documented `match` query; filters do not change scores or statistics. */
export function keywordSearchBody(
  tenantId: string,
  knowledgeBaseId: string,
  text: string,
  k: number,
  filter?: ChunkFilter,
): Clause {
  return {
    size: k,
    query: {
      bool: {
        must: [{ match: { text: { query: text } } }],
        filter: filterClauses(tenantId, knowledgeBaseId, filter),
      },
    },
    _source: HIT_SOURCE,
  };
}

/** The documented `knn` query with an efficient filter: the top k among chunks that pass it. */
export function vectorSearchBody(
  tenantId: string,
  knowledgeBaseId: string,
  vector: number[],
  k: number,
  filter?: ChunkFilter,
): Clause {
  return {
    size: k,
    query: {
      knn: {
        embedding: {
          vector,
          k,
          filter: { bool: { filter: filterClauses(tenantId, knowledgeBaseId, filter) } },
        },
      },
    },
    _source: HIT_SOURCE,
  };
}

/** Chunks by id, across every base of the tenant. */
export function chunksByIdBody(tenantId: string, chunkIds: string[]): Clause {
  return {
    size: chunkIds.length,
    query: { bool: { filter: [{ term: { tenant_id: tenantId } }, { terms: { chunk_id: chunkIds } }] } },
    _source: { excludes: ['metadata_terms', 'generation'] },
  };
}

/** One page of a base in (document, position, chunk id) order, continued with `search_after`. */
export function scanBody(
  tenantId: string,
  knowledgeBaseId: string,
  size: number,
  after: readonly (string | number)[] | undefined,
): Clause {
  return {
    size,
    query: { bool: { filter: filterClauses(tenantId, knowledgeBaseId) } },
    sort: [{ document_id: 'asc' }, { position: 'asc' }, { chunk_id: 'asc' }],
    ...(after ? { search_after: after } : {}),
    _source: { excludes: ['metadata_terms', 'generation'] },
  };
}

export function countBody(tenantId: string, knowledgeBaseId: string): Clause {
  return { query: { bool: { filter: filterClauses(tenantId, knowledgeBaseId) } } };
}

/** A document's chunks from writes other than `keepGeneration` (all of them when it is null). */
export function staleChunksQuery(
  tenantId: string,
  documentId: string,
  keepGeneration: string | null,
): Clause {
  const bool: Clause = {
    filter: [{ term: { tenant_id: tenantId } }, { term: { document_id: documentId } }],
  };
  if (keepGeneration !== null) bool.must_not = [{ term: { generation: keepGeneration } }];
  return { query: { bool } };
}

export function knowledgeBaseChunksQuery(tenantId: string, knowledgeBaseId: string): Clause {
  return { query: { bool: { filter: filterClauses(tenantId, knowledgeBaseId) } } };
}
