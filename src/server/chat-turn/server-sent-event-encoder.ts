/**
 * `POST /api/chat` with `stream: true`: Godwit's own server-sent events, `start`, `degraded` (only when the
 * sources were found by keyword alone), `citations`, `delta`, then
 * `done` (the JSON answer) or `error` (code, message, conversation and message ids).
 */
import type { ChatEvent } from '../../core/chat/chat-service.ts';
import { chatResultView, citationView } from '../views.ts';
import type { EncodedChunk, TurnEncoder } from './turn-stream.ts';

export interface ServerSentEvent {
  event: 'start' | 'degraded' | 'citations' | 'delta' | 'tool' | 'done' | 'error';
  data: unknown;
}

export const SERVER_SENT_EVENT_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
} as const;

export function formatServerSentEvent({ event, data }: ServerSentEvent): string {
  // JSON.stringify never emits a raw newline, so one `data:` line always holds the whole object.
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

export class ServerSentEventEncoder implements TurnEncoder {
  private conversationId: string | null = null;
  private messageId: string | null = null;

  event(event: ChatEvent): EncodedChunk[] {
    return [formatServerSentEvent(this.toServerSentEvent(event))];
  }

  failure(error: { code: string; message: string }): EncodedChunk[] {
    const { conversationId, messageId } = this;
    return [formatServerSentEvent({ event: 'error', data: { ...error, conversationId, messageId } })];
  }

  private toServerSentEvent(event: ChatEvent): ServerSentEvent {
    switch (event.type) {
      case 'start':
        this.conversationId = event.conversation.id;
        this.messageId = event.assistantMessageId;
        return {
          event: 'start',
          data: {
            conversationId: event.conversation.id,
            messageId: event.assistantMessageId,
            userMessageId: event.userMessage.id,
            model: event.model,
          },
        };
      case 'degraded':
        return { event: 'degraded', data: { reason: event.reason } };
      case 'citations':
        return { event: 'citations', data: { citations: event.citations.map(citationView) } };
      case 'text':
        return { event: 'delta', data: { text: event.delta } };
      case 'tool':
        return { event: 'tool', data: event.call };
      case 'finish':
        return { event: 'done', data: chatResultView(event.message.conversationId, event.message) };
      case 'error':
        return {
          event: 'error',
          data: {
            code: event.code,
            message: event.message,
            conversationId: this.conversationId,
            messageId: event.assistantMessage.id,
          },
        };
    }
  }
}
