/** Row → domain object mapping, shared by the Postgres stores. Both engines return the same row shapes. */
import type {
  Chunk,
  ChunkLocation,
  Conversation,
  KnowledgeBase,
  KnowledgeDocument,
  Message,
  Metadata,
} from '../../core/types.ts';

export interface KnowledgeBaseRow {
  id: string;
  tenant_id: string;
  name: string;
  description: string;
  embedding_model: string | null;
  embedding_version: string | null;
  embedding_dimension: number | null;
  created_at: Date;
  updated_at: Date;
}

export function toKnowledgeBase(row: KnowledgeBaseRow): KnowledgeBase {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    description: row.description,
    embeddingModel: row.embedding_model,
    embeddingVersion: row.embedding_version,
    embeddingDimension: row.embedding_dimension,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export const KNOWLEDGE_BASE_COLUMNS =
  'id, tenant_id, name, description, embedding_model, embedding_version, embedding_dimension, created_at, updated_at';

export interface DocumentRow {
  id: string;
  tenant_id: string;
  knowledge_base_id: string;
  source: string;
  mime_type: string;
  sha256: string;
  bytes: number;
  status: KnowledgeDocument['status'];
  error: string | null;
  chunk_count: number;
  metadata: Metadata;
  blob_key: string | null;
  created_at: Date;
  updated_at: Date;
}

export const DOCUMENT_COLUMNS =
  'id, tenant_id, knowledge_base_id, source, mime_type, sha256, bytes, status, error, chunk_count, metadata, blob_key, created_at, updated_at';

export function toDocument(row: DocumentRow): KnowledgeDocument {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    knowledgeBaseId: row.knowledge_base_id,
    source: row.source,
    mimeType: row.mime_type,
    sha256: row.sha256,
    bytes: Number(row.bytes),
    status: row.status,
    error: row.error,
    chunkCount: row.chunk_count,
    metadata: row.metadata,
    blobKey: row.blob_key,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export interface ChunkRow {
  id: string;
  tenant_id: string;
  knowledge_base_id: string;
  document_id: string;
  position: number;
  text: string;
  location: ChunkLocation;
  metadata: Metadata;
  token_count: number;
  /** pgvector's text form, `[1,2,3]`, or null (also when the server has no pgvector). */
  embedding: string | null;
}

/** Columns for ChunkRow, reading the embedding only where the column exists. */
export function chunkColumns(alias: string, vectorEnabled: boolean): string {
  const embedding = vectorEnabled ? `${alias}.embedding::text AS embedding` : 'NULL::text AS embedding';
  return [
    'id',
    'tenant_id',
    'knowledge_base_id',
    'document_id',
    'position',
    'text',
    'location',
    'metadata',
    'token_count',
  ]
    .map((column) => `${alias}.${column}`)
    .concat(embedding)
    .join(', ');
}

export function toChunk(row: ChunkRow): Chunk {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    knowledgeBaseId: row.knowledge_base_id,
    documentId: row.document_id,
    position: row.position,
    text: row.text,
    location: row.location,
    metadata: row.metadata,
    tokenCount: row.token_count,
    embedding: row.embedding === null ? null : (JSON.parse(row.embedding) as number[]),
  };
}

export interface ConversationRow {
  id: string;
  tenant_id: string;
  user_id: string;
  title: string;
  knowledge_base: string | null;
  created_at: Date;
  updated_at: Date;
}

export const CONVERSATION_COLUMNS = 'id, tenant_id, user_id, title, knowledge_base, created_at, updated_at';

export function toConversation(row: ConversationRow): Conversation {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    userId: row.user_id,
    title: row.title,
    knowledgeBase: row.knowledge_base,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export interface MessageRow {
  id: string;
  tenant_id: string;
  conversation_id: string;
  role: Message['role'];
  content: string;
  parts: Message['parts'];
  citations: Message['citations'];
  model: string | null;
  usage: Message['usage'];
  cost_usd: number | null;
  latency_ms: number | null;
  status: Message['status'];
  error: string | null;
  degraded: Message['degraded'];
  created_at: Date;
}

export const MESSAGE_COLUMNS =
  'id, tenant_id, conversation_id, role, content, parts, citations, model, usage, cost_usd, latency_ms, status, error, degraded, created_at';

export function toMessage(row: MessageRow): Message {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    tenantId: row.tenant_id,
    role: row.role,
    content: row.content,
    parts: row.parts,
    citations: row.citations,
    model: row.model,
    usage: row.usage,
    costUsd: row.cost_usd,
    latencyMs: row.latency_ms,
    status: row.status,
    error: row.error,
    ...(row.degraded ? { degraded: row.degraded } : {}),
    createdAt: row.created_at,
  };
}
