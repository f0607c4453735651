/**
 * Names and metadata terms every outside vector store (OpenSearch, S3 Vectors, Chroma) derives the same
 * way: one index or collection per knowledge base, and metadata as `key=value` terms for exact filters.
 */
import { createHash } from 'node:crypto';
import type { JsonValue, Metadata } from '../../core/types.ts';

/** Metadata values longer than this are indexed by their hash (keyword terms have a size limit). */
const MAX_TERM_LENGTH = 256;

/** The index (or collection) of one knowledge base: `prefix-` and a digest of its id. */
export function indexName(prefix: string, knowledgeBaseId: string): string {
  const digest = createHash('sha256').update(knowledgeBaseId).digest('hex').slice(0, 24);
  return `${prefix}-${digest}`;
}

export function metadataTerms(metadata: Metadata): string[] {
  return Object.entries(metadata).map(([key, value]) => metadataTerm(key, value));
}

export function metadataTerm(key: string, value: JsonValue): string {
  const term = `${key}=${canonicalJson(value)}`;
  if (term.length <= MAX_TERM_LENGTH) return term;
  return `${key}#${createHash('sha256').update(term).digest('hex')}`;
}

/** JSON with object keys sorted, so equal values give equal terms (as jsonb equality does). */
export function canonicalJson(value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key] as JsonValue)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
