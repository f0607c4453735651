/**
 * `kb:<name>` models: the last user message is answered by the chat service from that knowledge base,
 * with retrieval and citations, exactly as `POST /api/chat` answers it (the turn is stored and metered
 * there). Citations are returned in a `citations` extension field; the text cites them as [n]. An answer
 * whose sources were found by keyword alone (the embedding provider was down) carries a `degraded` field.
 */
import type { ChatEvent, ChatService } from '../../core/chat/chat-service.ts';
import type { ChatTurn } from '../../core/chat/chat-turn.ts';
import { type ErrorCode, GodwitError } from '../../core/errors.ts';
import type { Message } from '../../core/types.ts';
import { type EncodedChunk, type TurnEncoder, turnStream } from '../chat-turn/index.ts';
import type { ChatCall } from './chat-call.ts';
import { ChunkWriter, completionBody, toOpenAIUsage } from './completion-format.ts';
import { contentFilterText } from './content-filter.ts';
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
  'server_stopping',
]);

/** A failed turn as the error the client sees; the service already stored and logged it. */
function turnError(event: Extract<ChatEvent, { type: 'error' }>): GodwitError {
  const code = TURN_CODES.has(event.code) ? (event.code as ErrorCode) : 'provider_error';
  return new GodwitError(code, event.message, { details: { messageId: event.assistantMessage.id } });
}

/** What answers a `kb:` or `assistant:` model: a knowledge base, or a configured assistant with tools. */
export type TurnTarget = { knowledgeBase: string } | { assistant: string };

function startTurn(chat: ChatService, call: ChatCall, target: TurnTarget): Promise<ChatTurn> {
  return chat.start({
    tenantId: call.tenantId,
    userId: call.userId,
    apiKeyId: call.apiKeyId ?? null,
    message: lastUserText(call.request.messages),
    ...target,
    abortSignal: call.abort.signal,
    ...(call.shutdownSignal ? { shutdownSignal: call.shutdownSignal } : {}),
  });
}

function groundedBody(call: ChatCall, message: Message) {
  return completionBody(call.identity, {
    text: message.content,
    toolCalls: [],
    finishReason: 'stop',
    usage: toOpenAIUsage(message.usage),
    citations: message.citations,
    degraded: message.degraded ?? null,
  });
}

type TurnError = Extract<ChatEvent, { type: 'error' }>;

function isGuardrailBlock(event: TurnError): boolean {
  return event.code === 'guardrail_intervened';
}

/** A turn a guardrail stopped, answered as OpenAI answers a filtered completion. */
function filteredBody(call: ChatCall, event: TurnError) {
  const said = event.assistantMessage.content;
  return completionBody(call.identity, {
    text: said + contentFilterText(said, event.guardrailMessage, event.message),
    toolCalls: [],
    finishReason: 'content_filter',
    usage: toOpenAIUsage(event.assistantMessage.usage),
    citations: event.assistantMessage.citations,
  });
}

export async function completeGrounded(chat: ChatService, call: ChatCall, target: TurnTarget) {
  const outcome = await (await startTurn(chat, call, target)).outcome();
  if (outcome.type === 'error') {
    if (isGuardrailBlock(outcome)) return filteredBody(call, outcome);
    throw turnError(outcome);
  }
  return groundedBody(call, outcome.message);
}

/** A turn as `chat.completion.chunk` events; a failed turn ends with an OpenAI error object. */
class OpenAIChunkEncoder implements TurnEncoder {
  private readonly writer: ChunkWriter;

  constructor(private readonly call: ChatCall) {
    this.writer = new ChunkWriter(call.identity, call.request.stream_options?.include_usage === true);
  }

  open(): EncodedChunk[] {
    return [this.writer.start()];
  }

  private said = '';

  event(event: ChatEvent): EncodedChunk[] {
    if (event.type === 'text') {
      this.said += event.delta;
      return event.delta ? [this.writer.text(event.delta)] : [];
    }
    if (event.type === 'error' && isGuardrailBlock(event)) {
      const tail = contentFilterText(this.said, event.guardrailMessage, event.message);
      const { usage, citations } = event.assistantMessage;
      return [
        ...(tail ? [this.writer.text(tail)] : []),
        ...this.writer.finish('content_filter', toOpenAIUsage(usage), citations),
      ];
    }
    if (event.type === 'finish') {
      const { usage, citations, degraded } = event.message;
      return this.writer.finish('stop', toOpenAIUsage(usage), citations, degraded);
    }
    if (event.type === 'error') {
      const error = turnError(event);
      this.call.onStreamError(error);
      return [this.writer.error(openAIErrorReply(error, undefined).body)];
    }
    return [];
  }

  failure(error: { code: string; message: string }): EncodedChunk[] {
    const code = TURN_CODES.has(error.code) ? (error.code as ErrorCode) : 'internal';
    return [this.writer.error(openAIErrorReply(new GodwitError(code, error.message), undefined).body)];
  }
}

/**
 * Streams a grounded answer. Reads up to the first text, answer or failure before the headers are sent: a
 * failure before any text is thrown as an HTTP error.
 */
export async function streamGrounded(
  chat: ChatService,
  call: ChatCall,
  target: TurnTarget,
): Promise<ReadableStream<Uint8Array>> {
  const turn = await startTurn(chat, call, target);
  const first = await turn.peekUntil(
    (event) => event.type === 'text' || event.type === 'finish' || event.type === 'error',
  );
  if (first?.type === 'error' && !isGuardrailBlock(first)) {
    await turn.cancel();
    throw turnError(first);
  }
  return turnStream(turn, new OpenAIChunkEncoder(call), { onFailure: call.onStreamError });
}
