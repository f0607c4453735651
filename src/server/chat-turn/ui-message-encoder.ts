/**
 * A chat turn in the AI SDK UI message stream protocol (`useChat` with `DefaultChatTransport`): the
 * conversation id, status and any degradation as message metadata, the passages as `data-citations` (retrieved first, then the
 * ones the answer cites) and `source-document` parts, the answer as text parts, failures as an `error` chunk.
 * Each chunk is one `data:` line; the stream ends with `data: [DONE]`.
 */
import type { UIMessage, UIMessageChunk } from 'ai';
import type { ChatEvent } from '../../core/chat/chat-service.ts';
import type { Citation, MessageStatus } from '../../core/types.ts';
import { toolCallChunks } from '../routes/assistant-tool-chunks.ts';
import { citationView } from '../views.ts';
import type { EncodedChunk, TurnEncoder } from './turn-stream.ts';

/** Metadata of the assistant message, sent at start and finish (`message.metadata` in `useChat`). */
export interface UIChatMetadata {
  conversationId: string | null;
  userMessageId?: string;
  /** The stored assistant message (to retry or look up). */
  messageId?: string;
  model?: string;
  knowledgeBase?: string | null;
  status?: 'streaming' | 'complete' | 'incomplete' | 'failed' | 'interrupted';
  usage?: { inputTokens: number; outputTokens: number; totalTokens: number } | null;
  costUsd?: number | null;
  error?: { code: string; message: string };
  /** Set when the sources were found by keyword search alone (the embedding provider was unavailable). */
  degraded?: { reason: string };
}

type CitationData = ReturnType<typeof citationView> & { knowledgeBase: string | null };
export type UIChatMessage = UIMessage<
  UIChatMetadata,
  { citations: { final: boolean; citations: CitationData[] } }
>;

export const UI_MESSAGE_STREAM_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-vercel-ai-ui-message-stream': 'v1',
  'x-accel-buffering': 'no',
} as const;

function citationData(citations: Citation[], knowledgeBase: string | null): CitationData[] {
  return citations.map((citation) => ({ ...citationView(citation), knowledgeBase }));
}

function sourceDocuments(citations: CitationData[]): UIMessageChunk[] {
  return citations.map((citation) => ({
    type: 'source-document',
    sourceId: String(citation.index),
    mediaType: 'text/plain',
    title: citation.source,
    filename: citation.source,
    providerMetadata: {
      godwit: {
        documentId: citation.documentId,
        chunkId: citation.chunkId,
        knowledgeBase: citation.knowledgeBase,
        location: { ...citation.location },
      },
    },
  }));
}

function endedStatus(status: MessageStatus): 'incomplete' | 'failed' | 'interrupted' {
  return status === 'interrupted' || status === 'incomplete' ? status : 'failed';
}

export class UIMessageEncoder implements TurnEncoder {
  private textOpen = false;
  private metadata: UIChatMetadata = { conversationId: null };

  /** @param knowledgeBase the knowledge base the request named, shown on citations until the turn says. */
  constructor(private readonly knowledgeBase: string | null) {}

  event(event: ChatEvent): EncodedChunk[] {
    return this.translate(event).map(formatChunk);
  }

  failure(error: { code: string; message: string }): EncodedChunk[] {
    return this.failed(error.code, error.message, 'failed').map(formatChunk);
  }

  close(): EncodedChunk[] {
    return ['data: [DONE]\n\n'];
  }

  private translate(event: ChatEvent): UIMessageChunk[] {
    switch (event.type) {
      case 'start':
        this.metadata = {
          conversationId: event.conversation.id,
          userMessageId: event.userMessage.id,
          messageId: event.assistantMessageId,
          model: event.model,
          knowledgeBase: event.conversation.knowledgeBase,
          status: 'streaming',
        };
        return [{ type: 'start', messageId: event.assistantMessageId, messageMetadata: this.metadata }];
      case 'degraded':
        this.metadata = { ...this.metadata, degraded: { reason: event.reason } };
        return [{ type: 'message-metadata', messageMetadata: this.metadata }];
      case 'citations': {
        const citations = citationData(event.citations, this.metadata.knowledgeBase ?? this.knowledgeBase);
        return [{ type: 'data-citations', id: 'citations', data: { final: false, citations } }];
      }
      case 'text': {
        const opening: UIMessageChunk[] = this.textOpen ? [] : [{ type: 'text-start', id: 'answer' }];
        this.textOpen = true;
        return [...opening, { type: 'text-delta', id: 'answer', delta: event.delta }];
      }
      case 'tool':
        return [...this.closeText(), ...toolCallChunks(event.call, this.announcedToolCalls)];
      case 'finish': {
        const message = event.message;
        const citations = citationData(message.citations, this.metadata.knowledgeBase ?? this.knowledgeBase);
        this.metadata = {
          ...this.metadata,
          status: message.status === 'complete' ? 'complete' : endedStatus(message.status),
          usage: message.usage,
          costUsd: message.costUsd,
        };
        return [
          ...this.closeText(),
          { type: 'data-citations', id: 'citations', data: { final: true, citations } },
          ...sourceDocuments(citations),
          { type: 'finish', finishReason: 'stop', messageMetadata: this.metadata },
        ];
      }
      case 'error':
        return this.failed(event.code, event.message, endedStatus(event.assistantMessage.status));
    }
  }

  private readonly announcedToolCalls = new Set<string>();

  private failed(code: string, message: string, status: UIChatMetadata['status']): UIMessageChunk[] {
    this.metadata = { ...this.metadata, status, error: { code, message } };
    return [
      ...this.closeText(),
      { type: 'message-metadata', messageMetadata: this.metadata },
      { type: 'error', errorText: message },
    ];
  }

  private closeText(): UIMessageChunk[] {
    if (!this.textOpen) return [];
    this.textOpen = false;
    return [{ type: 'text-end', id: 'answer' }];
  }
}

function formatChunk(chunk: UIMessageChunk): string {
  return `data: ${JSON.stringify(chunk)}\n\n`;
}
