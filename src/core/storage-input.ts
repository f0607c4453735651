/**
 * Checks every storage adapter applies to port input before writing, so a bad call fails the same way
 * (a ValidationError naming the field) on memory, PostgreSQL and every other backend.
 */

import { ConflictError, ValidationError } from './errors.ts';
import type { CreateKnowledgeBaseInput, NewConversation, NewMessage } from './ports.ts';
import type { Chunk, KnowledgeBase } from './types.ts';

/** pgvector's limit for the `vector` type; other backends are lower or equal. */
export const MAX_EMBEDDING_DIMENSION = 16_000;

export function requireText(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim().length === 0) {
    throw new ValidationError(`${field} must be a non-empty string.`, { details: { field } });
  }
  return value;
}

/**
 * The messages of one `appendMessages` call: at least one, all of one tenant's conversation (the one
 * `create` makes, when given). Returns the first.
 */
export function requireOneConversation(
  messages: readonly NewMessage[],
  create: NewConversation | undefined,
): NewMessage {
  const first = messages[0];
  if (!first) {
    throw new ValidationError('messages is empty: append at least one message.', {
      details: { field: 'messages' },
    });
  }
  const tenantId = create?.tenantId ?? first.tenantId;
  const conversationId = create?.id ?? first.conversationId;
  for (const message of messages) {
    if (message.tenantId !== tenantId || message.conversationId !== conversationId) {
      throw new ValidationError(
        `Message "${message.id}" belongs to conversation "${message.conversationId}" of tenant "${message.tenantId}", not to "${conversationId}" of "${tenantId}": append each conversation's messages in a call of their own.`,
        { details: { field: 'messages' } },
      );
    }
  }
  return first;
}

export function checkEmbeddingDimension(
  value: number | null | undefined,
  field = 'embeddingDimension',
): void {
  if (value === null || value === undefined) return;
  if (!Number.isInteger(value) || value < 1 || value > MAX_EMBEDDING_DIMENSION) {
    throw new ValidationError(
      `${field} must be an integer from 1 to ${MAX_EMBEDDING_DIMENSION}, or null for a keyword-only knowledge base; got ${value}.`,
      { details: { field } },
    );
  }
}

export function checkSearchSize(k: number): void {
  if (!Number.isInteger(k) || k < 0) {
    throw new ValidationError(`k must be a non-negative integer; got ${k}.`, { details: { field: 'k' } });
  }
}

/** Finite numbers of the knowledge base's dimension (any dimension when the base records none). */
export function checkEmbedding(embedding: readonly number[], dimension: number | null, label: string): void {
  if (embedding.length === 0 || embedding.length > MAX_EMBEDDING_DIMENSION) {
    throw new ValidationError(
      `${label} has ${embedding.length} dimensions; expected 1 to ${MAX_EMBEDDING_DIMENSION}.`,
    );
  }
  if (dimension !== null && embedding.length !== dimension) {
    throw new ValidationError(
      `${label} has ${embedding.length} dimensions but the knowledge base uses ${dimension}; embed with the knowledge base's model or re-embed the knowledge base.`,
    );
  }
  for (const value of embedding) {
    if (!Number.isFinite(value))
      throw new ValidationError(`${label} contains a value that is not a finite number.`);
  }
}

/** Chunks must belong to the document they replace, with unique ids and sane positions. */
export function checkChunksForDocument(
  tenantId: string,
  document: { id: string; knowledgeBaseId: string },
  chunks: readonly Chunk[],
  dimension: number | null,
): void {
  const seen = new Set<string>();
  for (const chunk of chunks) {
    const label = `chunk "${chunk.id}"`;
    requireText(chunk.id, 'chunk id');
    if (seen.has(chunk.id)) throw new ValidationError(`${label} appears twice; chunk ids must be unique.`);
    seen.add(chunk.id);
    if (
      chunk.tenantId !== tenantId ||
      chunk.documentId !== document.id ||
      chunk.knowledgeBaseId !== document.knowledgeBaseId
    ) {
      throw new ValidationError(
        `${label} names tenant "${chunk.tenantId}", knowledge base "${chunk.knowledgeBaseId}" and document "${chunk.documentId}", which do not match the document being replaced ("${document.id}").`,
      );
    }
    if (!Number.isInteger(chunk.position) || chunk.position < 0) {
      throw new ValidationError(`${label} has position ${chunk.position}; positions are 0-based integers.`);
    }
    if (typeof chunk.text !== 'string') throw new ValidationError(`${label} has no text.`);
    if (!Number.isInteger(chunk.tokenCount) || chunk.tokenCount < 0) {
      throw new ValidationError(
        `${label} has tokenCount ${chunk.tokenCount}; expected a non-negative integer.`,
      );
    }
    if (chunk.embedding !== null) checkEmbedding(chunk.embedding, dimension, `the embedding of ${label}`);
  }
}

/** A new knowledge base from checked input (see `requireText` and `checkEmbeddingDimension`). */
export function newKnowledgeBase(
  tenantId: string,
  input: CreateKnowledgeBaseInput,
  id: string,
  now: Date,
): KnowledgeBase {
  return {
    id,
    tenantId,
    name: input.name,
    description: input.description ?? '',
    embeddingModel: input.embeddingModel ?? null,
    embeddingVersion: input.embeddingVersion ?? null,
    embeddingDimension: input.embeddingDimension ?? null,
    createdAt: now,
    updatedAt: now,
  };
}

/** The error every store gives when a tenant already has a knowledge base of that name. */
export function knowledgeBaseNameTaken(name: string, cause?: unknown): ConflictError {
  return new ConflictError(
    `Knowledge base "${name}" already exists; choose another name.`,
    cause === undefined ? undefined : { cause },
  );
}
