/**
 * What moves in a migration: knowledge records (one chunk of one document, with its vector when kept) and
 * conversation records (a conversation with its messages). Both are plain JSON-friendly data, the shape the
 * dump format stores line by line.
 */
import { createHash } from 'node:crypto';
import type { ChunkLocation, Conversation, JsonValue, Message, Metadata } from '../core/types.ts';

export type MigrationKind = 'knowledge' | 'conversations';

export interface KnowledgeRecord {
  /** The document the chunk belongs to: a file name, a URL, or the source system's record id. */
  source: string;
  /** 0-based order of the chunk in its document. */
  position: number;
  text: string;
  metadata: Metadata;
  location: ChunkLocation;
  embedding: number[] | null;
  /** Facts about the whole document; carried on the record at position 0 when the source has them. */
  document?: { mimeType: string; metadata: Metadata };
}

export interface ConversationRecord {
  conversation: Conversation;
  /** In creation order. */
  messages: Message[];
}

export type MigrationRecord = KnowledgeRecord | ConversationRecord;

/** What the embedding vectors of a source or target are. */
export interface EmbeddingInfo {
  /** `provider:model-id`, or null when the source does not record it. */
  model: string | null;
  version: string | null;
  dimension: number | null;
}

/**
 * The stable identity of a knowledge record: its document source and position. A Chroma record is
 * `(id, 0)`, so the key of a record id is the id itself; a later chunk reads `source#position`.
 */
export function recordKey(record: Pick<KnowledgeRecord, 'source' | 'position'>): string {
  return record.position === 0 ? record.source : `${record.source}#${record.position}`;
}

/**
 * JSON with object keys sorted at every level, so equal values serialise equally. Numbers compare as JSON
 * numbers (1 and 1.0 are equal: JSON has one number type); `undefined` members are dropped.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, member]) => member !== undefined)
    .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0));
  return `{${entries.map(([key, member]) => `${JSON.stringify(key)}:${canonicalJson(member)}`).join(',')}}`;
}

export function sha256Hex(value: string | Uint8Array): string {
  return createHash('sha256').update(value).digest('hex');
}

/**
 * Metadata as compared by verification: null or absent metadata is `{}`; values are compared as canonical
 * JSON (key order ignored, 1 equals 1.0).
 */
export function normalizeMetadata(metadata: Metadata | null | undefined): Metadata {
  return metadata ?? {};
}

/**
 * A vector's fingerprint at single precision: Chroma, pgvector and OpenSearch all store float32, so two
 * copies of one vector are equal once rounded to float32, whatever decimal text carried them.
 */
export function vectorDigest(embedding: readonly number[] | null): string | null {
  if (!embedding) return null;
  return sha256Hex(new Uint8Array(Float32Array.from(embedding).buffer));
}

export interface KnowledgeDigest {
  content: string;
  metadata: string;
  vector: string | null;
}

export function knowledgeDigest(record: KnowledgeRecord): KnowledgeDigest {
  return {
    content: sha256Hex(record.text),
    metadata: sha256Hex(canonicalJson(normalizeMetadata(record.metadata))),
    vector: vectorDigest(record.embedding),
  };
}

/**
 * A conversation's fingerprint. `updatedAt` is left out: stores derive it from the newest message.
 */
export function conversationDigest(record: ConversationRecord): string {
  const { updatedAt: _updatedAt, ...conversation } = record.conversation;
  return sha256Hex(canonicalJson({ conversation, messages: record.messages }));
}

export function isConversationRecord(record: MigrationRecord): record is ConversationRecord {
  return 'conversation' in record;
}

/** Dates revive from dump JSON as ISO strings; turn them back into Dates. */
export function reviveConversation(value: {
  conversation: Record<string, JsonValue>;
  messages: Array<Record<string, JsonValue>>;
}): ConversationRecord {
  const conversation = value.conversation as unknown as Conversation;
  return {
    conversation: {
      ...conversation,
      createdAt: new Date(value.conversation.createdAt as string),
      updatedAt: new Date(value.conversation.updatedAt as string),
    },
    messages: value.messages.map((message) => ({
      ...(message as unknown as Message),
      createdAt: new Date(message.createdAt as string),
    })),
  };
}
