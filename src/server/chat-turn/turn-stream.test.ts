import { describe, expect, it } from 'vitest';
import type { ChatEvent } from '../../core/chat/chat-service.ts';
import { ChatTurn } from '../../core/chat/chat-turn.ts';
import { NotFoundError } from '../../core/errors.ts';
import type { Conversation, Message } from '../../core/types.ts';
import { formatServerSentEvent, ServerSentEventEncoder } from './server-sent-event-encoder.ts';
import { turnStream } from './turn-stream.ts';

const at = new Date('2026-01-01T00:00:00Z');
const conversation: Conversation = {
  id: 'c1',
  tenantId: 't',
  userId: 'u',
  title: 'Hi',
  knowledgeBase: null,
  createdAt: at,
  updatedAt: at,
};
const userMessage: Message = {
  id: 'm1',
  conversationId: 'c1',
  tenantId: 't',
  role: 'user',
  content: 'Hi',
  parts: [],
  citations: [],
  model: null,
  usage: null,
  costUsd: null,
  latencyMs: null,
  status: 'complete',
  error: null,
  createdAt: at,
};
const start: Extract<ChatEvent, { type: 'start' }> = {
  type: 'start',
  conversation,
  userMessage,
  assistantMessageId: 'm2',
  model: 'mock:answer',
};

/** A started turn whose remaining events come from `events`, as ChatService.start returns it. */
function turnOf(events: AsyncGenerator<ChatEvent>, cancelling = new AbortController()): ChatTurn {
  return new ChatTurn(start, events, cancelling);
}

function sse(turn: ChatTurn, onFailure: (error: unknown) => void = () => {}) {
  return turnStream(turn, new ServerSentEventEncoder(), { onFailure });
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text();
}

describe('turn stream with server-sent events', () => {
  it('frames one event per JSON line', () => {
    expect(formatServerSentEvent({ event: 'delta', data: { text: 'a\nb' } })).toBe(
      'event: delta\ndata: {"text":"a\\nb"}\n\n',
    );
  });

  it('ends with an error event naming the turn when the service fails mid-turn', async () => {
    const failures: unknown[] = [];
    async function* events(): AsyncGenerator<ChatEvent> {
      yield { type: 'text', delta: 'Hel' };
      throw new NotFoundError('Knowledge base "gone" was deleted during the answer.');
    }
    const text = await readAll(sse(turnOf(events()), (error) => failures.push(error)));
    expect(text.split('\n\n').filter(Boolean)).toEqual([
      'event: start\ndata: {"conversationId":"c1","messageId":"m2","userMessageId":"m1","model":"mock:answer"}',
      'event: delta\ndata: {"text":"Hel"}',
      'event: error\ndata: {"code":"not_found","message":"Knowledge base \\"gone\\" was deleted during the answer.","conversationId":"c1","messageId":"m2"}',
    ]);
    expect(failures).toHaveLength(1);
  });

  it('hides the message of an unexpected failure', async () => {
    async function* events(): AsyncGenerator<ChatEvent> {
      yield* [];
      throw new Error('socket hang up at 10.0.0.7');
    }
    const text = await readAll(sse(turnOf(events())));
    expect(text).toContain('"code":"internal"');
    expect(text).not.toContain('10.0.0.7');
  });

  it('cancels the turn and lets it record its ending when the reader cancels', async () => {
    const abort = new AbortController();
    let recordedAfterAbort = false;
    async function* events(): AsyncGenerator<ChatEvent> {
      try {
        yield { type: 'text', delta: 'partial' };
        yield { type: 'text', delta: ' never read' };
      } finally {
        recordedAfterAbort = abort.signal.aborted;
      }
    }
    const reader = sse(turnOf(events(), abort)).getReader();
    await reader.read();
    await reader.read();
    await reader.cancel();
    expect(abort.signal.aborted).toBe(true);
    expect(recordedAfterAbort).toBe(true);
  });
});
