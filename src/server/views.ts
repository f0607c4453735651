/**
 * Domain objects as the API shows them: dates as ISO strings, internal ids and tenant fields left out.
 * Every response goes through one of these, so a new domain field is never exposed by accident.
 */
import { toolCallViews } from '../core/agent/tool-call-view.ts';
import type { IngestOutcome } from '../core/knowledge/knowledge-service.ts';
import type {
  Citation,
  Conversation,
  KnowledgeBase,
  KnowledgeBaseStats,
  KnowledgeDocument,
  Message,
  SearchHit,
} from '../core/types.ts';

export function citationView(citation: Citation) {
  const view = {
    index: citation.index,
    chunkId: citation.chunkId,
    documentId: citation.documentId,
    source: citation.source,
    location: citation.location,
    text: citation.text,
  };
  return citation.score === undefined ? view : { ...view, score: citation.score };
}

export function messageView(message: Message) {
  return {
    id: message.id,
    role: message.role,
    content: message.content,
    citations: message.citations.map(citationView),
    model: message.model,
    usage: message.usage,
    costUsd: message.costUsd,
    latencyMs: message.latencyMs,
    status: message.status,
    error: message.error,
    degraded: message.degraded ?? null,
    /** An assistant's tool calls: name, input, state, output or error, duration, approval. */
    toolCalls: toolCallViews(message.parts),
    createdAt: message.createdAt.toISOString(),
  };
}

export type MessageView = ReturnType<typeof messageView>;

/** The JSON answer to a chat turn, also the data of the `done` event. */
export function chatResultView(conversationId: string, message: Message) {
  const view = messageView(message);
  return {
    conversationId,
    message: view,
    answer: view.content,
    citations: view.citations,
    degraded: view.degraded,
  };
}

export function conversationView(conversation: Conversation) {
  return {
    id: conversation.id,
    title: conversation.title,
    knowledgeBase: conversation.knowledgeBase,
    createdAt: conversation.createdAt.toISOString(),
    updatedAt: conversation.updatedAt.toISOString(),
  };
}

export function searchResultView(hit: SearchHit) {
  return {
    source: hit.source,
    location: hit.location,
    score: hit.score,
    text: hit.text,
    documentId: hit.documentId,
    chunkId: hit.chunkId,
  };
}

export function knowledgeBaseView(knowledgeBase: KnowledgeBase, stats: KnowledgeBaseStats) {
  return {
    name: knowledgeBase.name,
    description: knowledgeBase.description,
    embeddingModel: knowledgeBase.embeddingModel,
    embeddingVersion: knowledgeBase.embeddingVersion,
    embeddingDimension: knowledgeBase.embeddingDimension,
    createdAt: knowledgeBase.createdAt.toISOString(),
    updatedAt: knowledgeBase.updatedAt.toISOString(),
    stats: { documents: stats.documents, chunks: stats.chunks, failed: stats.failed },
    /** `bedrock`: a Bedrock Knowledge Base, searched there and read-only here. */
    source: knowledgeBase.external ? knowledgeBase.external.provider : ('godwit' as const),
    readOnly: knowledgeBase.external !== undefined,
    ...(knowledgeBase.external
      ? { externalId: knowledgeBase.external.id, answerMode: knowledgeBase.external.mode ?? 'retrieve' }
      : {}),
  };
}

export function documentView(document: KnowledgeDocument) {
  return {
    id: document.id,
    source: document.source,
    mimeType: document.mimeType,
    sha256: document.sha256,
    bytes: document.bytes,
    status: document.status,
    error: document.error,
    chunkCount: document.chunkCount,
    metadata: document.metadata,
    createdAt: document.createdAt.toISOString(),
    updatedAt: document.updatedAt.toISOString(),
  };
}

export function ingestOutcomeView(outcome: IngestOutcome) {
  return {
    source: outcome.source,
    status: outcome.status,
    documentId: outcome.documentId,
    chunks: outcome.chunks,
    error: outcome.error,
    errorCode: outcome.errorCode,
  };
}
