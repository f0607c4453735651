/**
 * How a chunk is laid out as a Chroma record, and how a ChunkFilter becomes a Chroma `where` filter.
 *
 * Record id: `<url-encoded tenant>|<chunk id>`. Document: the chunk text. Embedding: the chunk's vector, or a
 * placeholder unit vector (with `has_vector: false`, which every query excludes) for a chunk without one.
 * Metadata (Chroma takes only string, integer, float and boolean values):
 * - `tenant_id`, `knowledge_base_id`, `document_id`, `chunk_id`, `source`, `position`, `token_count`,
 *   `has_vector`, and `generation` (the write that stored it);
 * - `location` and `metadata`: the chunk's location and metadata as JSON, read back as they were given;
 * - `embedding`: the vector as base64 float32 (little-endian). Chroma's cosine space normalises vectors
 *   and returns them a rounding step away from what was stored, so this copy is what Godwit reads back;
 *   Chroma's own vector is what it searches;
 * - one flattened key per chunk metadata key, for filters: `meta.<key>` holds a string, boolean or number
 *   as it is; `meta_json.<key>` holds null, arrays, objects (and integers beyond 2^53) as canonical JSON
 *   (keys sorted). A filter value goes to the same key, so equality is exact: `"1"`, `1` and `[1]` differ.
 */
import { ValidationError } from '../../core/errors.ts';
import type { ChunkFilter } from '../../core/ports.ts';
import type { Chunk, ChunkLocation, JsonValue, Metadata, SearchHit } from '../../core/types.ts';
import { canonicalJson } from '../catalogue/index.ts';

export type ChromaValue = string | number | boolean;
export type ChromaMetadata = Record<string, ChromaValue>;
export type Where = Record<string, unknown>;

export const SCALAR_PREFIX = 'meta.';
export const JSON_PREFIX = 'meta_json.';

export interface ChromaRecord {
  id: string;
  document: string;
  embedding: number[];
  metadata: ChromaMetadata;
}

export function recordId(tenantId: string, chunkId: string): string {
  return `${encodeURIComponent(tenantId)}|${chunkId}`;
}

export function toRecord(chunk: Chunk, source: string, generation: string, dimension: number): ChromaRecord {
  const metadata: ChromaMetadata = {
    tenant_id: chunk.tenantId,
    knowledge_base_id: chunk.knowledgeBaseId,
    document_id: chunk.documentId,
    chunk_id: chunk.id,
    source,
    position: chunk.position,
    token_count: chunk.tokenCount,
    has_vector: chunk.embedding !== null,
    generation,
    location: JSON.stringify(chunk.location),
    metadata: JSON.stringify(chunk.metadata),
  };
  if (chunk.embedding) metadata.embedding = encodeVector(chunk.embedding);
  for (const [key, value] of Object.entries(chunk.metadata)) {
    const [flatKey, flatValue] = flatten(key, value);
    metadata[flatKey] = flatValue;
  }
  const placeholder = Array.from({ length: dimension }, (_, index) => (index === 0 ? 1 : 0));
  return {
    id: recordId(chunk.tenantId, chunk.id),
    document: chunk.text,
    embedding: chunk.embedding ?? placeholder,
    metadata,
  };
}

/** The Chroma key and value a chunk metadata entry is stored (and filtered) under. */
export function flatten(key: string, value: JsonValue): [string, ChromaValue] {
  if (typeof value === 'string' || typeof value === 'boolean') return [`${SCALAR_PREFIX}${key}`, value];
  if (
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (!Number.isInteger(value) || Number.isSafeInteger(value))
  ) {
    return [`${SCALAR_PREFIX}${key}`, value];
  }
  return [`${JSON_PREFIX}${key}`, canonicalJson(value)];
}

/**
 * Keys a stored record has that the replacement does not: Chroma's upsert merges metadata, so they are
 * sent as null (which removes them) to keep stale flattened keys out of filters.
 */
export function removedKeys(previous: Record<string, unknown>, next: ChromaMetadata): Record<string, null> {
  const removed: Record<string, null> = {};
  for (const key of Object.keys(previous)) if (!(key in next)) removed[key] = null;
  return removed;
}

export function toChunk(document: string | null, metadata: Record<string, unknown>): Chunk {
  const encoded = metadata.embedding;
  return {
    id: String(metadata.chunk_id),
    tenantId: String(metadata.tenant_id),
    knowledgeBaseId: String(metadata.knowledge_base_id),
    documentId: String(metadata.document_id),
    position: Number(metadata.position),
    text: document ?? '',
    location: parseJson<ChunkLocation>(metadata.location, {}),
    metadata: parseJson<Metadata>(metadata.metadata, {}),
    tokenCount: Number(metadata.token_count),
    embedding: metadata.has_vector === true && typeof encoded === 'string' ? decodeVector(encoded) : null,
  };
}

export function toHit(
  document: string | null,
  metadata: Record<string, unknown>,
  distance: number,
): SearchHit {
  return {
    chunkId: String(metadata.chunk_id),
    documentId: String(metadata.document_id),
    knowledgeBaseId: String(metadata.knowledge_base_id),
    source: String(metadata.source),
    location: parseJson<ChunkLocation>(metadata.location, {}),
    text: document ?? '',
    // Chroma's cosine distance is 1 - cosine similarity; the port reports the similarity.
    score: 1 - distance,
    metadata: parseJson<Metadata>(metadata.metadata, {}),
  };
}

/** Tenant and base, then the ChunkFilter; undefined when the filter can match nothing (an empty list). */
export function whereFilter(
  tenantId: string,
  knowledgeBaseId: string,
  filter?: ChunkFilter,
  options: { withVector?: boolean } = {},
): Where | undefined {
  const clauses: Where[] = [
    { tenant_id: { $eq: tenantId } },
    { knowledge_base_id: { $eq: knowledgeBaseId } },
  ];
  if (options.withVector) clauses.push({ has_vector: { $eq: true } });
  if (filter?.documentIds) {
    if (filter.documentIds.length === 0) return undefined;
    clauses.push({ document_id: { $in: filter.documentIds } });
  }
  if (filter?.sources) {
    if (filter.sources.length === 0) return undefined;
    clauses.push({ source: { $in: filter.sources } });
  }
  for (const [key, value] of Object.entries(filter?.metadata ?? {})) {
    const [flatKey, flatValue] = flatten(key, value);
    clauses.push({ [flatKey]: { $eq: flatValue } });
  }
  return { $and: clauses };
}

export function documentWhere(tenantId: string, documentId: string, keepGeneration?: string): Where {
  const clauses: Where[] = [{ tenant_id: { $eq: tenantId } }, { document_id: { $eq: documentId } }];
  if (keepGeneration !== undefined) clauses.push({ generation: { $ne: keepGeneration } });
  return { $and: clauses };
}

export function encodeVector(vector: readonly number[]): string {
  const bytes = Buffer.alloc(vector.length * 4);
  vector.forEach((value, index) => {
    bytes.writeFloatLE(value, index * 4);
  });
  return bytes.toString('base64');
}

export function decodeVector(encoded: string): number[] {
  const bytes = Buffer.from(encoded, 'base64');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: bytes.byteLength / 4 }, (_, index) => view.getFloat32(index * 4, true));
}

function parseJson<T>(value: unknown, fallback: T): T {
  if (typeof value !== 'string') return fallback;
  try {
    return JSON.parse(value) as T;
  } catch {
    throw new ValidationError(
      'A Chroma record written by Godwit has unreadable JSON metadata; re-ingest its document.',
    );
  }
}
