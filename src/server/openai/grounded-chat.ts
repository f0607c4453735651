/**
 * `kb:<name>` models: the last user message is answered by the chat service from that knowledge base,
 * with retrieval and citations, exactly as `POST /api/chat` answers it (the turn is stored and metered
 * there). Citations are returned in a `citations` extension field; the text cites them as [n].
 */
import type { ChatEvent, ChatService } from '../../core/chat/chat-service.ts';
import { type ErrorCode, GodwitError } from '../../core/errors.ts';
import type { Message } from '../../core/types.ts';
import type { ChatCall } from './chat-call.ts';
import { ChunkWriter, completionBody, toOpenAIUsage } from './completion-format.ts';
import { lastUserText } from './map-messages.ts';
import { openAIErrorReply } from './openai-errors.ts';

// The codes a failed turn can carry besides the provider's; any other is reported as a provider error.
const TURN_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'validation_failed',
  'not_found',
  'rate_limited',
  'provider_error',
  'provider_unavailable',
  'dependency_unavailable',
  'config_invalid',
  'internal',
]);

/** A failed turn as the error the client sees; the service already stored and logged it. */
function turnError(event: Extract<ChatEvent, { type: 'error' }>): GodwitError {
  const code = TURN_CODES.has(event.code) ? (event.code as ErrorCode) : 'provider_error';
  return new GodwitError(code, event.message, { details: { messageId: event.assistantMessage.id } });
}

function startTurn(chat: ChatService, call: ChatCall, knowledgeBase: string): AsyncGenerator<ChatEvent> {
  return chat.turn({
    tenantId: call.tenantId,
    userId: call.userId,
    apiKeyId: call.apiKeyId ?? null,
    message: lastUserText(call.request.messages),
    knowledgeBase,
    abortSignal: call.abort.signal,
  });
}

function groundedBody(call: ChatCall, message: Message) {
  return completionBody(call.identity, {
    text: message.content,
    toolCalls: [],
    finishReason: 'stop',
    usage: toOpenAIUsage(message.usage),
    citations: message.citations,
  });
}

export async function completeGrounded(chat: ChatService, call: ChatCall, knowledgeBase: string) {
  for await (const event of startTurn(chat, call, knowledgeBase)) {
    if (event.type === 'finish') return groundedBody(call, event.message);
    if (event.type === 'error') throw turnError(event);
  }
  throw new GodwitError('internal', 'The chat turn ended without an answer or an error.');
}

/** Reads up to the first text, answer or failure; a failure before any text is thrown as an HTTP error. */
async function firstOutput(events: AsyncGenerator<ChatEvent>): Promise<ChatEvent> {
  // Not `for await`: leaving that loop would close the generator, and the turn must go on.
  for (let next = await events.next(); !next.done; next = await events.next()) {
    const event = next.value;
    if (event.type === 'error') throw turnError(event);
    if (event.type === 'text' || event.type === 'finish') return event;
  }
  throw new GodwitError('internal', 'The chat turn ended without an answer or an error.');
}

export async function streamGrounded(
  chat: ChatService,
  call: ChatCall,
  knowledgeBase: string,
): Promise<ReadableStream<Uint8Array>> {
  const events = startTurn(chat, call, knowledgeBase);
  let pending: ChatEvent | undefined = await firstOutput(events);
  const writer = new ChunkWriter(call.identity, call.request.stream_options?.include_usage === true);
  let cancelled = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(writer.start());
    },
    async pull(controller) {
      try {
        for (;;) {
          const next: IteratorResult<ChatEvent> = pending
            ? { done: false, value: pending }
            : await events.next();
          pending = undefined;
          if (cancelled) return;
          if (next.done)
            throw new GodwitError('internal', 'The chat turn ended without an answer or an error.');
          const event = next.value;
          if (event.type === 'text') {
            if (event.delta) return controller.enqueue(writer.text(event.delta));
          } else if (event.type === 'finish') {
            const { usage, citations } = event.message;
            for (const chunk of writer.finish('stop', toOpenAIUsage(usage), citations))
              controller.enqueue(chunk);
            return controller.close();
          } else if (event.type === 'error') {
            throw turnError(event);
          }
        }
      } catch (error) {
        if (cancelled) return;
        call.onStreamError(error);
        controller.enqueue(writer.error(openAIErrorReply(error, undefined).body));
        controller.close();
      }
    },
    async cancel() {
      cancelled = true;
      call.abort.abort();
      // The service records the cut-off answer only when its generator runs to the end.
      try {
        while (!(await events.next()).done) {
          // The client is gone: nothing to send.
        }
      } catch (error) {
        call.onStreamError(error);
      }
    },
  });
}
