/**
 * A passage retrieved by a Bedrock Knowledge Base (from `Retrieve`, or an agent's attribution) as a
 * Godwit search hit: its source is the document's URI (S3, web, Confluence, …), its location the page when
 * Bedrock reports one, and its chunk id Bedrock's own, or a stable hash of source and text.
 */
import { createHash } from 'node:crypto';
import type { ChunkLocation, JsonValue, Metadata, SearchHit } from '../../core/types.ts';

export interface BedrockReference {
  content?: { text?: string | undefined } | undefined;
  location?: object | undefined;
  metadata?: Record<string, unknown> | undefined;
  score?: number | undefined;
}

/** The first URL or URI in a RetrievalResultLocation (`s3Location.uri`, `webLocation.url`, …). */
export function referenceSource(location: object | undefined): string {
  for (const [key, value] of Object.entries(location ?? {})) {
    if (key === 'type' || typeof value !== 'object' || value === null) continue;
    const address = value as Record<string, unknown>;
    const found = address.uri ?? address.url ?? address.id ?? address.query;
    if (typeof found === 'string' && found) return found;
  }
  return 'bedrock knowledge base';
}

export function referenceToHit(reference: BedrockReference, knowledgeBaseId: string): SearchHit {
  const text = reference.content?.text ?? '';
  const metadata = toMetadata(reference.metadata);
  const source =
    typeof metadata['x-amz-bedrock-kb-source-uri'] === 'string'
      ? metadata['x-amz-bedrock-kb-source-uri']
      : referenceSource(reference.location);
  const chunkId =
    typeof metadata['x-amz-bedrock-kb-chunk-id'] === 'string'
      ? metadata['x-amz-bedrock-kb-chunk-id']
      : `bedrock:${createHash('sha256').update(`${source}\n${text}`).digest('hex').slice(0, 24)}`;
  const page = Number(metadata['x-amz-bedrock-kb-document-page-number']);
  const location: ChunkLocation = Number.isInteger(page) && page > 0 ? { page } : {};
  return {
    chunkId,
    documentId: source,
    knowledgeBaseId,
    source,
    location,
    text,
    score: reference.score ?? 0,
    metadata,
  };
}

function toMetadata(metadata: Record<string, unknown> | undefined): Metadata {
  if (!metadata) return {};
  try {
    return JSON.parse(JSON.stringify(metadata)) as Record<string, JsonValue>;
  } catch {
    return {};
  }
}
