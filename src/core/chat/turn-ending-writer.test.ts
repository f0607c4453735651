import { describe, expect, it, vi } from 'vitest';
import { createMemoryStorage } from '../../storage/memory/index.ts';
import { DependencyError } from '../errors.ts';
import type { ConversationStore, MessagePatch } from '../ports.ts';
import { type EndingTarget, TurnEndingWriter } from './turn-ending-writer.ts';

const TENANT = 'tenant-a';

/** A stored conversation with one pending assistant message, behind a store that can be taken down. */
async function pendingTurn() {
  const storage = createMemoryStorage();
  const state = { down: false, refuse: false, writes: 0 };
  const store: ConversationStore = Object.assign(Object.create(storage.conversations), {
    updateMessage: (tenantId: string, messageId: string, patch: MessagePatch) => {
      state.writes += 1;
      if (state.refuse) return Promise.reject(new Error('constraint violated'));
      if (state.down) return Promise.reject(new DependencyError('PostgreSQL is unreachable.'));
      return storage.conversations.updateMessage(tenantId, messageId, patch);
    },
  });
  const conversation = await storage.conversations.createConversation({
    id: 'conversation-1',
    tenantId: TENANT,
    userId: 'u',
    title: 'Hello',
    knowledgeBase: null,
  });
  await storage.conversations.appendMessage({
    id: 'message-1',
    conversationId: conversation.id,
    tenantId: TENANT,
    role: 'assistant',
    content: '',
    parts: [],
    citations: [],
    model: 'mock:answer',
    usage: null,
    costUsd: null,
    latencyMs: null,
    status: 'pending',
    error: null,
  });
  const target: EndingTarget = { tenantId: TENANT, conversationId: conversation.id, messageId: 'message-1' };
  const stored = async () =>
    (await storage.conversations.listMessages(TENANT, conversation.id)).find(
      (message) => message.id === 'message-1',
    );
  return { store, state, target, stored };
}

describe('TurnEndingWriter', () => {
  it('writes the ending at once while the store answers', async () => {
    const { store, target, stored } = await pendingTurn();
    const writer = new TurnEndingWriter(store, { retryDelaysMs: [0] });
    const message = await writer.write(target, { status: 'complete', content: 'Yes.' });
    expect(message).toMatchObject({ status: 'complete', content: 'Yes.' });
    expect(writer.waiting).toBe(0);
    expect(await stored()).toMatchObject({ status: 'complete' });
  });

  it('keeps only the newest ending while the store is down and writes it once the store is back', async () => {
    const { store, state, target, stored } = await pendingTurn();
    const writer = new TurnEndingWriter(store, { retryDelaysMs: [0] });
    state.down = true;
    await expect(writer.write(target, { status: 'complete', content: 'Yes.' })).rejects.toThrow(
      'unreachable',
    );
    await expect(
      writer.write(target, { status: 'failed', error: 'The answer was cut off.' }),
    ).rejects.toThrow('unreachable');
    expect(writer.waiting).toBe(1);
    expect(await stored()).toMatchObject({ status: 'pending' });
    state.down = false;
    await vi.waitFor(() => expect(writer.waiting).toBe(0));
    expect(await stored()).toMatchObject({ status: 'failed', error: 'The answer was cut off.' });
  });

  it('gives up once the budget has passed, reporting the message it could not write', async () => {
    const { store, state, target, stored } = await pendingTurn();
    const givenUp: Array<{ error: unknown; target: EndingTarget }> = [];
    const writer = new TurnEndingWriter(store, {
      retryDelaysMs: [0],
      retryBudgetMs: 0,
      onGiveUp: (error, ending) => givenUp.push({ error, target: ending }),
    });
    state.down = true;
    await expect(writer.write(target, { status: 'complete', content: 'Yes.' })).rejects.toThrow(
      'unreachable',
    );
    await vi.waitFor(() => expect(givenUp).toHaveLength(1));
    expect(givenUp[0]?.target).toEqual(target);
    expect(givenUp[0]?.error).toBeInstanceOf(DependencyError);
    expect(writer.waiting).toBe(0);
    expect(await stored()).toMatchObject({ status: 'pending' });
  });

  it('does not retry an ending the store refuses outright', async () => {
    const { store, state, target } = await pendingTurn();
    const onGiveUp = vi.fn();
    const writer = new TurnEndingWriter(store, { retryDelaysMs: [0], onGiveUp });
    state.refuse = true;
    await expect(writer.write(target, { status: 'complete', content: 'Yes.' })).rejects.toThrow(
      'constraint violated',
    );
    const writes = state.writes;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(state.writes).toBe(writes);
    expect(writer.waiting).toBe(0);
    expect(onGiveUp).not.toHaveBeenCalled();
  });
});
