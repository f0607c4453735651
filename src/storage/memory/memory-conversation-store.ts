/** ConversationStore in memory, with the same ordering and cursor rules as the SQL adapter. */
import { isDeepStrictEqual } from 'node:util';
import {
  conversationPageSize,
  decodeConversationCursor,
  encodeConversationCursor,
} from '../../core/conversation-page.ts';
import { ConflictError, NotFoundError } from '../../core/errors.ts';
import type {
  ConversationPage,
  ConversationStore,
  ListConversationsOptions,
  MessageExpectation,
  MessagePatch,
  NewConversation,
  NewMessage,
} from '../../core/ports.ts';
import { requireOneConversation, requireText } from '../../core/storage-input.ts';
import type { Conversation, Message } from '../../core/types.ts';
import { compareText, copy, tenantKey } from './memory-knowledge-state.ts';

interface StoredMessage {
  message: Message;
  sequence: number;
}

export class MemoryConversationStore implements ConversationStore {
  private readonly conversations = new Map<string, Conversation>();
  private readonly messages = new Map<string, StoredMessage>();
  private sequence = 0;

  constructor(private readonly now: () => Date = () => new Date()) {}

  async createConversation(input: NewConversation): Promise<Conversation> {
    requireText(input.tenantId, 'tenant id');
    requireText(input.id, 'conversation id');
    const key = tenantKey(input.tenantId, input.id);
    if (this.conversations.has(key)) throw new ConflictError(`Conversation "${input.id}" already exists.`);
    const createdAt = input.createdAt ?? this.now();
    const conversation: Conversation = {
      id: input.id,
      tenantId: input.tenantId,
      userId: input.userId,
      title: input.title,
      knowledgeBase: input.knowledgeBase ?? null,
      createdAt,
      updatedAt: createdAt,
    };
    this.conversations.set(key, conversation);
    return copy(conversation);
  }

  async getConversation(tenantId: string, conversationId: string): Promise<Conversation | undefined> {
    const conversation = this.conversations.get(tenantKey(tenantId, conversationId));
    return conversation && copy(conversation);
  }

  async listConversations(
    tenantId: string,
    options: ListConversationsOptions = {},
  ): Promise<ConversationPage> {
    const limit = conversationPageSize(options.limit);
    const cursor = options.cursor ? decodeConversationCursor(options.cursor) : undefined;
    const query = options.query?.toLowerCase();
    const matching = [...this.conversations.values()]
      .filter(
        (conversation) =>
          conversation.tenantId === tenantId &&
          (options.userId === undefined || conversation.userId === options.userId) &&
          (!query || conversation.title.toLowerCase().includes(query)) &&
          (!cursor || compareRecency(conversation, cursor) > 0),
      )
      .sort(compareRecency);
    const conversations = matching.slice(0, limit).map(copy);
    const last = conversations[conversations.length - 1];
    return {
      conversations,
      nextCursor: matching.length > limit && last ? encodeConversationCursor(last) : null,
    };
  }

  async renameConversation(tenantId: string, conversationId: string, title: string): Promise<Conversation> {
    const conversation = this.require(tenantId, conversationId);
    conversation.title = title;
    conversation.updatedAt = this.now();
    return copy(conversation);
  }

  async deleteConversation(tenantId: string, conversationId: string): Promise<void> {
    this.require(tenantId, conversationId);
    this.conversations.delete(tenantKey(tenantId, conversationId));
    for (const [key, stored] of this.messages) {
      if (stored.message.tenantId === tenantId && stored.message.conversationId === conversationId) {
        this.messages.delete(key);
      }
    }
  }

  async appendMessage(input: NewMessage): Promise<Message> {
    const [message] = await this.appendMessages([input]);
    return message!;
  }

  /** Checks everything first, then writes: all or nothing. */
  async appendMessages(
    inputs: readonly NewMessage[],
    options: { create?: NewConversation } = {},
  ): Promise<Message[]> {
    const { create } = options;
    const first = requireOneConversation(inputs, create);
    let conversation: Conversation | undefined;
    if (create) {
      requireText(create.tenantId, 'tenant id');
      requireText(create.id, 'conversation id');
      if (this.conversations.has(tenantKey(create.tenantId, create.id))) {
        throw new ConflictError(`Conversation "${create.id}" already exists.`);
      }
    } else {
      conversation = this.require(first.tenantId, first.conversationId);
    }
    const ids = new Set<string>();
    for (const input of inputs) {
      requireText(input.id, 'message id');
      const key = tenantKey(input.tenantId, input.id);
      if (this.messages.has(key) || ids.has(key)) {
        throw new ConflictError(`Message "${input.id}" already exists.`);
      }
      ids.add(key);
    }
    if (create) {
      await this.createConversation(create);
      conversation = this.require(create.tenantId, create.id);
    }
    return inputs.map((input) => {
      const createdAt = input.createdAt ?? this.now();
      const message: Message = {
        id: input.id,
        conversationId: input.conversationId,
        tenantId: input.tenantId,
        role: input.role,
        content: input.content,
        parts: copy(input.parts ?? []),
        citations: copy(input.citations ?? []),
        model: input.model ?? null,
        usage: input.usage ? copy(input.usage) : null,
        costUsd: input.costUsd ?? null,
        latencyMs: input.latencyMs ?? null,
        status: input.status,
        error: input.error ?? null,
        ...(input.degraded ? { degraded: copy(input.degraded) } : {}),
        createdAt,
      };
      this.messages.set(tenantKey(input.tenantId, input.id), { message, sequence: ++this.sequence });
      if (createdAt > conversation!.updatedAt) conversation!.updatedAt = createdAt;
      return copy(message);
    });
  }

  async updateMessage(tenantId: string, messageId: string, patch: MessagePatch): Promise<Message> {
    const stored = this.messages.get(tenantKey(tenantId, messageId));
    if (!stored) throw new NotFoundError(`Message "${messageId}" does not exist.`);
    for (const [field, value] of Object.entries(patch)) {
      if (value !== undefined) (stored.message as unknown as Record<string, unknown>)[field] = copy(value);
    }
    // Absent and null mean the same (not degraded); other stores return it absent.
    if (stored.message.degraded === null) delete stored.message.degraded;
    return copy(stored.message);
  }

  async updateMessageIf(
    tenantId: string,
    messageId: string,
    expected: MessageExpectation,
    patch: MessagePatch,
  ): Promise<Message | undefined> {
    const stored = this.messages.get(tenantKey(tenantId, messageId));
    if (!stored) throw new NotFoundError(`Message "${messageId}" does not exist.`);
    // Check and write with no await between them: one caller at a time gets through.
    const { message } = stored;
    if (message.status !== expected.status || !isDeepStrictEqual(message.parts, expected.parts))
      return undefined;
    return this.updateMessage(tenantId, messageId, patch);
  }

  async interruptPendingTurns(startedBefore: Date, reason: string): Promise<number> {
    let marked = 0;
    for (const { message } of this.messages.values()) {
      if (message.status !== 'pending' || message.createdAt >= startedBefore) continue;
      message.status = 'interrupted';
      message.error = reason;
      marked++;
    }
    return marked;
  }

  async listMessages(tenantId: string, conversationId: string): Promise<Message[]> {
    return [...this.messages.values()]
      .filter(
        (stored) => stored.message.tenantId === tenantId && stored.message.conversationId === conversationId,
      )
      .sort(
        (left, right) =>
          left.message.createdAt.getTime() - right.message.createdAt.getTime() ||
          left.sequence - right.sequence,
      )
      .map((stored) => copy(stored.message));
  }

  private require(tenantId: string, conversationId: string): Conversation {
    const conversation = this.conversations.get(tenantKey(tenantId, conversationId));
    if (!conversation) throw new NotFoundError(`Conversation "${conversationId}" does not exist.`);
    return conversation;
  }
}

/** Newest updated first, then id descending; positive when `left` comes after `right`. */
function compareRecency(
  left: Pick<Conversation, 'updatedAt' | 'id'>,
  right: Pick<Conversation, 'updatedAt' | 'id'>,
) {
  return right.updatedAt.getTime() - left.updatedAt.getTime() || compareText(right.id, left.id);
}
