import { describe, expect, it } from 'vitest';
import type { StoredMessage, StoredToolCall } from '../api/types.ts';
import { messageCitations, messageText, toChatMessages, toolPart } from './chat-types.ts';

function stored(overrides: Partial<StoredMessage>): StoredMessage {
  return {
    id: 'm',
    role: 'assistant',
    content: '',
    citations: [],
    model: null,
    status: 'complete',
    error: null,
    createdAt: '2026-12-07T00:00:00.000Z',
    ...overrides,
  };
}

const call: StoredToolCall = {
  toolCallId: 't1',
  toolName: 'book_room',
  input: { room: 'A' },
  state: 'running',
};

describe('toChatMessages', () => {
  it('keeps user and assistant turns, with the answer’s sources, model and failure, and drops system and tool rows', () => {
    const citation = {
      index: 1,
      chunkId: 'd1:0',
      documentId: 'd1',
      source: 'leave.md',
      location: {},
      text: 'x',
    };
    const messages = toChatMessages(
      [
        stored({ id: 's', role: 'system', content: 'Be brief.' }),
        stored({ id: 'u', role: 'user', content: 'How many days?' }),
        stored({ id: 'a', content: '25 days [1].', citations: [citation], model: 'local:extractive' }),
        stored({ id: 't', role: 'tool', content: '{}' }),
        stored({ id: 'f', status: 'failed', error: 'The model is unavailable.' }),
        stored({ id: 'd', content: 'Keyword only.', degraded: { reason: 'embeddings_unavailable' } }),
      ],
      'c1',
      'handbook',
    );
    expect(messages.map((message) => message.id)).toEqual(['u', 'a', 'f', 'd']);
    const [question, answer, failed, degraded] = messages;
    expect(messageText(question as never)).toBe('How many days?');
    expect(messageCitations(question as never)).toBeNull();
    expect(messageText(answer as never)).toBe('25 days [1].');
    expect(messageCitations(answer as never)).toEqual({
      final: true,
      citations: [{ ...citation, knowledgeBase: 'handbook' }],
    });
    expect(answer?.metadata).toEqual({ conversationId: 'c1', status: 'complete', model: 'local:extractive' });
    // An empty failed answer has no text part, only its error.
    expect(failed?.parts).toEqual([]);
    expect(failed?.metadata?.error).toEqual({ code: 'failed', message: 'The model is unavailable.' });
    expect(degraded?.metadata?.degraded).toEqual({ reason: 'embeddings_unavailable' });
  });

  it('shows a turn a stopped process left pending as incomplete', () => {
    const [message] = toChatMessages([stored({ status: 'pending', content: 'Half' })], 'c1', null);
    expect(message?.metadata?.status).toBe('incomplete');
  });

  it('puts tool calls before the answer text', () => {
    const [message] = toChatMessages(
      [stored({ content: 'Booked.', toolCalls: [{ ...call, state: 'complete', output: { ok: true } }] })],
      'c1',
      null,
    );
    expect(message?.parts.map((part) => part.type)).toEqual(['dynamic-tool', 'text']);
  });
});

describe('toolPart', () => {
  it('maps each stored state to the part useChat streams', () => {
    expect(toolPart(call)).toMatchObject({
      type: 'dynamic-tool',
      state: 'input-available',
      input: { room: 'A' },
    });
    expect(
      toolPart({ ...call, state: 'awaiting-approval', approval: { id: 'ap1', state: 'requested' } }),
    ).toMatchObject({
      state: 'approval-requested',
      approval: { id: 'ap1' },
    });
    expect(toolPart({ ...call, state: 'awaiting-approval' })).toMatchObject({ approval: { id: '' } });
    expect(toolPart({ ...call, state: 'complete', output: 3 })).toEqual({
      type: 'dynamic-tool',
      toolName: 'book_room',
      toolCallId: 't1',
      input: { room: 'A' },
      state: 'output-available',
      output: 3,
    });
    expect(
      toolPart({ ...call, state: 'complete', output: 3, approval: { id: 'ap2', state: 'approved' } }),
    ).toMatchObject({
      approval: { id: 'ap2', approved: true },
    });
    expect(toolPart({ ...call, state: 'failed', error: 'Timed out after 30 s.' })).toMatchObject({
      state: 'output-error',
      errorText: 'Timed out after 30 s.',
    });
    expect(toolPart({ ...call, state: 'failed' })).toMatchObject({ errorText: 'The tool call failed.' });
    expect(toolPart({ ...call, state: 'denied', approval: { id: 'ap3', state: 'denied' } })).toMatchObject({
      state: 'output-denied',
      approval: { id: 'ap3', approved: false },
    });
  });
});
