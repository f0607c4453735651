/** The ConversationStore contract: conversations, messages, paging and tenant isolation. */
import { describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, ValidationError } from '../../src/core/errors.ts';
import type { ConversationStore, NewMessage } from '../../src/core/ports.ts';
import type { Conversation } from '../../src/core/types.ts';
import { type FixtureFactory, newId, newTenant, useContractFixture } from './contract-fixture.ts';

export interface ConversationStores {
  conversations: ConversationStore;
}

const DAY = Date.UTC(2026, 0, 15);

function at(minutes: number): Date {
  return new Date(DAY + minutes * 60_000);
}

export function describeConversationStoreContract(
  name: string,
  factory: FixtureFactory<ConversationStores>,
): void {
  describe(`ConversationStore contract: ${name}`, () => {
    const stores = useContractFixture(factory);

    async function conversation(
      tenantId: string,
      overrides: Partial<Conversation> = {},
    ): Promise<Conversation> {
      return stores().conversations.createConversation({
        id: newId('conversation'),
        tenantId,
        userId: 'alice',
        title: 'Untitled',
        knowledgeBase: null,
        createdAt: at(0),
        ...overrides,
      });
    }

    function message(conversationValue: Conversation, overrides: Partial<NewMessage> = {}): NewMessage {
      return {
        id: newId('message'),
        conversationId: conversationValue.id,
        tenantId: conversationValue.tenantId,
        role: 'user',
        content: 'Hello',
        parts: [{ type: 'text', text: 'Hello' }],
        citations: [],
        model: null,
        usage: null,
        costUsd: null,
        latencyMs: null,
        status: 'complete',
        error: null,
        ...overrides,
      };
    }

    it('creates a conversation and reads it back', async () => {
      const tenant = newTenant();
      const created = await conversation(tenant, {
        title: 'Leave questions',
        knowledgeBase: 'handbook',
        userId: 'bob',
      });
      expect(created).toMatchObject({
        tenantId: tenant,
        userId: 'bob',
        title: 'Leave questions',
        knowledgeBase: 'handbook',
        createdAt: at(0),
        updatedAt: at(0),
      });
      expect(await stores().conversations.getConversation(tenant, created.id)).toEqual(created);
      expect(await stores().conversations.getConversation(tenant, 'unknown')).toBeUndefined();
    });

    it('refuses a duplicate conversation id', async () => {
      const tenant = newTenant();
      const created = await conversation(tenant);
      await expect(conversation(tenant, { id: created.id })).rejects.toBeInstanceOf(ConflictError);
    });

    it('keeps messages in creation order with every field', async () => {
      const tenant = newTenant();
      const chat = await conversation(tenant);
      const question = await stores().conversations.appendMessage(message(chat, { createdAt: at(1) }));
      const answer = await stores().conversations.appendMessage(
        message(chat, {
          role: 'assistant',
          content: 'Sixteen weeks [1].',
          parts: [
            { type: 'tool-call', toolCallId: 't1', toolName: 'search', input: { query: 'parental leave' } },
            {
              type: 'tool-result',
              toolCallId: 't1',
              toolName: 'search',
              output: { hits: 2 },
              isError: false,
            },
            { type: 'text', text: 'Sixteen weeks [1].' },
          ],
          citations: [
            {
              index: 1,
              chunkId: 'c1',
              documentId: 'd1',
              source: 'leave.md',
              location: { headings: ['Parental'] },
              text: 'Parental leave lasts sixteen weeks',
              score: 0.5,
            },
          ],
          model: 'local:extractive',
          usage: { inputTokens: 120, outputTokens: 8, totalTokens: 128 },
          costUsd: 0.000125,
          latencyMs: 42.5,
          status: 'complete',
          createdAt: at(2),
        }),
      );
      const sameInstant = await stores().conversations.appendMessage(
        message(chat, { content: 'Thanks', createdAt: at(2) }),
      );
      expect(answer.createdAt).toEqual(at(2));
      expect(await stores().conversations.listMessages(tenant, chat.id)).toEqual([
        question,
        answer,
        sameInstant,
      ]);
    });

    it('moves a conversation to the top when a message is appended', async () => {
      const tenant = newTenant();
      const older = await conversation(tenant, { title: 'older', createdAt: at(0) });
      const newer = await conversation(tenant, { title: 'newer', createdAt: at(5) });
      let page = await stores().conversations.listConversations(tenant);
      expect(page.conversations.map((item) => item.title)).toEqual(['newer', 'older']);
      await stores().conversations.appendMessage(message(older, { createdAt: at(10) }));
      page = await stores().conversations.listConversations(tenant);
      expect(page.conversations.map((item) => item.title)).toEqual(['older', 'newer']);
      expect(page.conversations[0]!.updatedAt).toEqual(at(10));
      expect(page.nextCursor).toBeNull();
      expect((await stores().conversations.getConversation(tenant, newer.id))!.updatedAt).toEqual(at(5));
    });

    it('pages through conversations with a cursor, newest first, without repeats', async () => {
      const tenant = newTenant();
      const created: Conversation[] = [];
      // Two share a timestamp so the tie-break by id is exercised.
      for (const minute of [1, 2, 3, 3, 4, 5, 6])
        created.push(await conversation(tenant, { createdAt: at(minute) }));
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await stores().conversations.listConversations(tenant, { limit: 3, cursor });
        expect(page.conversations.length).toBeLessThanOrEqual(3);
        seen.push(...page.conversations.map((item) => item.id));
        cursor = page.nextCursor ?? undefined;
        pages += 1;
      } while (cursor && pages < 10);
      expect(pages).toBe(3);
      expect(new Set(seen).size).toBe(7);
      const all = (await stores().conversations.listConversations(tenant, { limit: 100 })).conversations;
      expect(seen).toEqual(all.map((item) => item.id));
      const times = all.map((item) => item.updatedAt.getTime());
      expect(times).toEqual([...times].sort((a, b) => b - a));
    });

    it('filters by user and by a case-insensitive title substring', async () => {
      const tenant = newTenant();
      await conversation(tenant, { title: 'Vacation Policy', userId: 'alice' });
      await conversation(tenant, { title: 'Expense report', userId: 'alice' });
      await conversation(tenant, { title: 'vacation again', userId: 'bob' });
      const titles = async (options: Parameters<ConversationStore['listConversations']>[1]) =>
        (await stores().conversations.listConversations(tenant, options)).conversations
          .map((item) => item.title)
          .sort();
      expect(await titles({ query: 'VACATION' })).toEqual(['Vacation Policy', 'vacation again']);
      expect(await titles({ userId: 'alice' })).toEqual(['Expense report', 'Vacation Policy']);
      expect(await titles({ userId: 'bob', query: 'vacation' })).toEqual(['vacation again']);
      expect(await titles({ query: '%' })).toEqual([]);
    });

    it('rejects a malformed cursor or limit', async () => {
      const tenant = newTenant();
      await expect(
        stores().conversations.listConversations(tenant, { cursor: 'not-a-cursor' }),
      ).rejects.toBeInstanceOf(ValidationError);
      await expect(stores().conversations.listConversations(tenant, { limit: 0 })).rejects.toBeInstanceOf(
        ValidationError,
      );
    });

    it('renames and deletes, with NotFoundError for unknown conversations', async () => {
      const tenant = newTenant();
      const chat = await conversation(tenant);
      const first = await stores().conversations.appendMessage(message(chat, { createdAt: at(1) }));
      const renamed = await stores().conversations.renameConversation(tenant, chat.id, 'Renamed');
      expect(renamed.title).toBe('Renamed');
      expect((await stores().conversations.getConversation(tenant, chat.id))!.title).toBe('Renamed');
      await stores().conversations.deleteConversation(tenant, chat.id);
      expect(await stores().conversations.getConversation(tenant, chat.id)).toBeUndefined();
      expect(await stores().conversations.listMessages(tenant, chat.id)).toEqual([]);
      await expect(
        stores().conversations.updateMessage(tenant, first.id, { content: 'x' }),
      ).rejects.toBeInstanceOf(NotFoundError);
      await expect(stores().conversations.deleteConversation(tenant, chat.id)).rejects.toBeInstanceOf(
        NotFoundError,
      );
      await expect(stores().conversations.renameConversation(tenant, chat.id, 'x')).rejects.toBeInstanceOf(
        NotFoundError,
      );
    });

    it('refuses a message for an unknown conversation or with a duplicate id', async () => {
      const tenant = newTenant();
      const chat = await conversation(tenant);
      await expect(
        stores().conversations.appendMessage(message({ ...chat, id: 'no-such-conversation' })),
      ).rejects.toBeInstanceOf(NotFoundError);
      const sent = await stores().conversations.appendMessage(message(chat));
      await expect(
        stores().conversations.appendMessage(message(chat, { id: sent.id })),
      ).rejects.toBeInstanceOf(ConflictError);
      expect(await stores().conversations.listMessages(tenant, chat.id)).toEqual([sent]);
    });

    it('keeps why an answer is degraded, and leaves it absent on one that is not', async () => {
      const tenant = newTenant();
      const chat = await conversation(tenant);
      const pending = await stores().conversations.appendMessage(
        message(chat, { role: 'assistant', content: '', parts: [], status: 'pending', createdAt: at(1) }),
      );
      expect(pending.degraded).toBeUndefined();
      const reason =
        'The embedding model is unavailable, so knowledge base "faq" was searched by keyword only.';
      const done = await stores().conversations.updateMessage(tenant, pending.id, {
        content: 'Answer',
        status: 'complete',
        degraded: { reason },
      });
      expect(done.degraded).toEqual({ reason });
      expect((await stores().conversations.listMessages(tenant, chat.id))[0]?.degraded).toEqual({ reason });
      const cleared = await stores().conversations.updateMessage(tenant, pending.id, { degraded: null });
      expect(cleared.degraded).toBeUndefined();
      const copied = await stores().conversations.appendMessage(
        message(chat, { role: 'assistant', content: 'Copy', status: 'complete', degraded: { reason } }),
      );
      expect(copied.degraded).toEqual({ reason });
    });

    it('updates only the fields given', async () => {
      const tenant = newTenant();
      const chat = await conversation(tenant);
      const pending = await stores().conversations.appendMessage(
        message(chat, { role: 'assistant', content: '', parts: [], status: 'pending', createdAt: at(1) }),
      );
      const done = await stores().conversations.updateMessage(tenant, pending.id, {
        content: 'Answer',
        parts: [{ type: 'text', text: 'Answer' }],
        model: 'openai:gpt-4.1-mini',
        usage: { inputTokens: 10, outputTokens: 2, totalTokens: 12 },
        costUsd: null,
        latencyMs: 900,
        status: 'complete',
      });
      expect(done).toEqual({
        ...pending,
        content: 'Answer',
        parts: [{ type: 'text', text: 'Answer' }],
        model: 'openai:gpt-4.1-mini',
        usage: { inputTokens: 10, outputTokens: 2, totalTokens: 12 },
        costUsd: null,
        latencyMs: 900,
        status: 'complete',
      });
      const failed = await stores().conversations.updateMessage(tenant, pending.id, {
        status: 'failed',
        error: 'timeout',
      });
      expect(failed).toEqual({ ...done, status: 'failed', error: 'timeout' });
      expect(await stores().conversations.listMessages(tenant, chat.id)).toEqual([failed]);
      await expect(
        stores().conversations.updateMessage(tenant, 'unknown', { content: 'x' }),
      ).rejects.toBeInstanceOf(NotFoundError);
    });

    it('applies a conditional update only while the message is as expected, to one of concurrent writers', async () => {
      const tenant = newTenant();
      const chat = await conversation(tenant);
      const waitingParts = [
        { type: 'text' as const, text: 'Booking it now.' },
        {
          type: 'tool-call' as const,
          toolCallId: 'call_1',
          toolName: 'book',
          input: { at: '09:00' },
          approval: { id: 'approval_1', state: 'requested' as const, assistant: 'scheduler' },
        },
      ];
      const waiting = await stores().conversations.appendMessage(
        message(chat, {
          role: 'assistant',
          content: 'Booking it now.',
          parts: waitingParts,
          createdAt: at(1),
        }),
      );
      const decided = (state: 'approved' | 'denied') =>
        waitingParts.map((part) =>
          part.type === 'tool-call' ? { ...part, approval: { ...part.approval, state } } : part,
        );
      const expected = { status: 'complete' as const, parts: waiting.parts };
      const attempts = await Promise.all(
        (['approved', 'denied', 'approved', 'denied'] as const).map((state) =>
          stores().conversations.updateMessageIf(tenant, waiting.id, expected, {
            parts: decided(state),
            status: 'pending',
          }),
        ),
      );
      const winners = attempts.filter((attempt) => attempt !== undefined);
      expect(winners).toHaveLength(1);
      const [stored] = await stores().conversations.listMessages(tenant, chat.id);
      expect(stored).toEqual(winners[0]);
      expect(stored?.status).toBe('pending');
      expect(
        await stores().conversations.updateMessageIf(tenant, waiting.id, expected, { status: 'complete' }),
      ).toBeUndefined();
      const again = await stores().conversations.updateMessageIf(
        tenant,
        waiting.id,
        { status: 'pending', parts: stored!.parts },
        { status: 'complete' },
      );
      expect(again?.status).toBe('complete');
      await expect(
        stores().conversations.updateMessageIf(tenant, 'unknown', expected, { status: 'complete' }),
      ).rejects.toBeInstanceOf(NotFoundError);
      await expect(
        stores().conversations.updateMessageIf(newTenant(), waiting.id, expected, { status: 'complete' }),
      ).rejects.toBeInstanceOf(NotFoundError);
    });

    it('marks turns left pending before a time as interrupted, keeping their text, in every tenant', async () => {
      const first = await conversation(newTenant());
      const second = await conversation(newTenant());
      const assistant = { role: 'assistant' as const, status: 'pending' as const, content: '', parts: [] };
      const cutOff = await stores().conversations.appendMessage(
        message(first, { ...assistant, createdAt: at(1) }),
      );
      await stores().conversations.updateMessage(first.tenantId, cutOff.id, {
        content: 'Employees get',
        parts: [{ type: 'text', text: 'Employees get' }],
      });
      const otherTenant = await stores().conversations.appendMessage(
        message(second, { ...assistant, createdAt: at(2) }),
      );
      const finished = await stores().conversations.appendMessage(
        message(first, { ...assistant, createdAt: at(3) }),
      );
      await stores().conversations.updateMessage(first.tenantId, finished.id, { status: 'complete' });
      const inFlight = await stores().conversations.appendMessage(
        message(first, { ...assistant, createdAt: at(30) }),
      );
      const reason = 'The server stopped before the answer finished.';

      expect(await stores().conversations.interruptPendingTurns(at(10), reason)).toBeGreaterThanOrEqual(2);

      const byId = new Map(
        [
          ...(await stores().conversations.listMessages(first.tenantId, first.id)),
          ...(await stores().conversations.listMessages(second.tenantId, second.id)),
        ].map((stored) => [stored.id, stored]),
      );
      expect(byId.get(cutOff.id)).toMatchObject({
        status: 'interrupted',
        error: reason,
        content: 'Employees get',
      });
      expect(byId.get(otherTenant.id)).toMatchObject({ status: 'interrupted', error: reason });
      expect(byId.get(finished.id)).toMatchObject({ status: 'complete', error: null });
      expect(byId.get(inFlight.id)).toMatchObject({ status: 'pending', error: null });
      expect(await stores().conversations.interruptPendingTurns(at(10), reason)).toBe(0);
    });

    it('appends a turn in one call, in order, creating its conversation when asked', async () => {
      const tenant = newTenant();
      const store = stores().conversations;
      const created = {
        id: newId('conversation'),
        tenantId: tenant,
        userId: 'alice',
        title: 'Leave',
        knowledgeBase: 'handbook',
        createdAt: at(3),
      };
      const shell = { ...created, updatedAt: at(3) };
      const question = message(shell, { createdAt: at(4) });
      const pending = message(shell, {
        role: 'assistant',
        content: '',
        parts: [],
        model: 'local:extractive',
        status: 'pending',
        createdAt: at(4),
      });
      const opened = await store.appendMessages([question, pending], { create: created });
      expect(opened).toEqual(await store.listMessages(tenant, created.id));
      expect(opened.map((item) => item.id)).toEqual([question.id, pending.id]);
      expect(opened[1]).toMatchObject({ role: 'assistant', status: 'pending', model: 'local:extractive' });
      expect(await store.getConversation(tenant, created.id)).toEqual({
        ...created,
        createdAt: at(3),
        updatedAt: at(4),
      });
      const next = [
        message(shell, { createdAt: at(7) }),
        message(shell, { role: 'assistant', createdAt: at(6) }),
      ];
      const appended = await store.appendMessages(next);
      expect(await store.listMessages(tenant, created.id)).toEqual([...opened, appended[1], appended[0]]);
      expect((await store.getConversation(tenant, created.id))!.updatedAt).toEqual(at(7));
    });

    it('refuses a turn for an unknown or taken conversation, or with a taken message id, storing nothing', async () => {
      const tenant = newTenant();
      const store = stores().conversations;
      const chat = await conversation(tenant);
      const sent = await store.appendMessage(message(chat, { createdAt: at(1) }));
      const unknown = { ...chat, id: 'no-such-conversation' };
      await expect(store.appendMessages([message(unknown), message(unknown)])).rejects.toBeInstanceOf(
        NotFoundError,
      );
      expect(await store.listMessages(tenant, unknown.id)).toEqual([]);
      await expect(
        store.appendMessages([message(chat), message(chat)], { create: { ...chat, title: 'again' } }),
      ).rejects.toBeInstanceOf(ConflictError);
      await expect(
        store.appendMessages([message(chat, { id: sent.id }), message(chat)]),
      ).rejects.toBeInstanceOf(ConflictError);
      expect(await store.listMessages(tenant, chat.id)).toEqual([sent]);
      expect(await store.getConversation(tenant, chat.id)).toMatchObject({
        title: 'Untitled',
        updatedAt: at(1),
      });
    });

    it('refuses an empty turn, or one whose messages belong to different conversations', async () => {
      const tenant = newTenant();
      const store = stores().conversations;
      const first = await conversation(tenant);
      const second = await conversation(tenant);
      await expect(store.appendMessages([])).rejects.toThrow(/messages is empty/);
      await expect(store.appendMessages([message(first), message(second)])).rejects.toThrow(
        /append each conversation's messages in a call of their own/,
      );
      await expect(
        store.appendMessages([message(first)], {
          create: {
            id: newId('conversation'),
            tenantId: tenant,
            userId: 'a',
            title: 't',
            knowledgeBase: null,
          },
        }),
      ).rejects.toBeInstanceOf(ValidationError);
      expect(await store.listMessages(tenant, first.id)).toEqual([]);
    });

    it("never lets tenant B read or change tenant A's conversations and messages", async () => {
      const tenantA = newTenant();
      const tenantB = newTenant();
      const chat = await conversation(tenantA, { title: 'private' });
      const sent = await stores().conversations.appendMessage(message(chat, { createdAt: at(1) }));
      const store = stores().conversations;
      expect(await store.getConversation(tenantB, chat.id)).toBeUndefined();
      expect((await store.listConversations(tenantB)).conversations).toEqual([]);
      expect(await store.listMessages(tenantB, chat.id)).toEqual([]);
      await expect(store.renameConversation(tenantB, chat.id, 'mine')).rejects.toBeInstanceOf(NotFoundError);
      await expect(store.deleteConversation(tenantB, chat.id)).rejects.toBeInstanceOf(NotFoundError);
      await expect(store.appendMessage({ ...message(chat), tenantId: tenantB })).rejects.toBeInstanceOf(
        NotFoundError,
      );
      await expect(store.updateMessage(tenantB, sent.id, { content: 'changed' })).rejects.toBeInstanceOf(
        NotFoundError,
      );
      // Tenant B may reuse the same ids for its own records.
      await expect(conversation(tenantB, { id: chat.id })).resolves.toMatchObject({ tenantId: tenantB });
      expect(await store.getConversation(tenantA, chat.id)).toMatchObject({ title: 'private' });
      expect(await store.listMessages(tenantA, chat.id)).toEqual([sent]);
    });
  });
}
