/**
 * A chat turn as server-sent events. The stream pulls one service event per read, so a slow client slows
 * the model instead of filling memory. When the client goes away the turn is aborted and then drained:
 * the service records the cut-off answer only if its generator runs to the end.
 */
import type { ChatEvent } from '../../core/chat/chat-service.ts';
import { toPublicError } from '../http-errors.ts';
import { chatResultView, citationView } from '../views.ts';

interface TurnContext {
  conversationId: string | null;
  messageId: string | null;
}

interface ServerSentEvent {
  event: 'start' | 'citations' | 'delta' | 'done' | 'error';
  data: unknown;
}

export function formatServerSentEvent({ event, data }: ServerSentEvent): string {
  // JSON.stringify never emits a raw newline, so one `data:` line always holds the whole object.
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

function toServerSentEvent(event: ChatEvent, context: TurnContext): ServerSentEvent {
  switch (event.type) {
    case 'start':
      context.conversationId = event.conversation.id;
      context.messageId = event.assistantMessageId;
      return {
        event: 'start',
        data: {
          conversationId: event.conversation.id,
          messageId: event.assistantMessageId,
          userMessageId: event.userMessage.id,
          model: event.model,
        },
      };
    case 'citations':
      return { event: 'citations', data: { citations: event.citations.map(citationView) } };
    case 'text':
      return { event: 'delta', data: { text: event.delta } };
    case 'finish':
      return { event: 'done', data: chatResultView(event.message.conversationId, event.message) };
    case 'error':
      return {
        event: 'error',
        data: {
          code: event.code,
          message: event.message,
          conversationId: context.conversationId,
          messageId: event.assistantMessage.id,
        },
      };
  }
}

/** Reads the rest of a turn without sending it anywhere, so the service stores how it ended. */
async function drain(events: AsyncGenerator<ChatEvent>, onFailure: (error: unknown) => void): Promise<void> {
  try {
    while (!(await events.next()).done) {
      // Nothing to send: the client is gone.
    }
  } catch (error) {
    onFailure(error);
  }
}

/**
 * @param first the turn's first event, already read so that validation errors were answered as JSON.
 * @param onFailure receives errors the service threw mid-turn (storage faults), for the log.
 */
export function chatEventStream(
  first: ChatEvent,
  events: AsyncGenerator<ChatEvent>,
  abort: AbortController,
  onFailure: (error: unknown) => void,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const context: TurnContext = { conversationId: null, messageId: null };
  let pending: ChatEvent | undefined = first;
  let ended = false;
  let cancelled = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let event: ServerSentEvent | undefined;
      try {
        const next: IteratorResult<ChatEvent> = pending
          ? { done: false, value: pending }
          : await events.next();
        pending = undefined;
        if (!next.done) event = toServerSentEvent(next.value, context);
      } catch (error) {
        onFailure(error);
        const shown = toPublicError(error)?.body.error ?? {
          code: 'internal',
          message: 'The answer stopped because of an internal error.',
        };
        event = { event: 'error', data: { code: shown.code, message: shown.message, ...context } };
        ended = true;
      }
      // After cancel() the controller refuses data; the drain below already owns the rest of the turn.
      if (cancelled) return;
      if (event) controller.enqueue(encoder.encode(formatServerSentEvent(event)));
      if (!event || ended) controller.close();
    },
    async cancel() {
      cancelled = true;
      abort.abort();
      await drain(events, onFailure);
    },
  });
}
