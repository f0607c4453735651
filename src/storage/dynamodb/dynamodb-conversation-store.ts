/**
 * ConversationStore on DynamoDB. A conversation and its messages share one partition (strongly consistent
 * reads of a whole conversation); a pointer item per message id finds a message for updates; the list
 * index orders a tenant's conversations by last activity.
 */
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
import { keys, sortableTime } from './dynamodb-keys.ts';
import {
  type DynamoDbItem,
  type DynamoDbItemKey,
  type DynamoDbTable,
  fromJson,
  itemKey,
  nullableNumber,
  nullableString,
  toDate,
  toJson,
} from './dynamodb-table.ts';
import { LIST_INDEX } from './table-definitions.ts';

/** Items read per list query round while filters drop some. */
const LIST_BATCH = 100;

export class DynamoDbConversationStore implements ConversationStore {
  constructor(
    private readonly table: DynamoDbTable,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async createConversation(input: NewConversation): Promise<Conversation> {
    requireText(input.id, 'conversation id');
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
    await this.table.putNew(
      {
        ...keys.conversation(input.tenantId, input.id),
        gsi1pk: keys.conversationList(input.tenantId),
        gsi1sk: keys.conversationListSort(createdAt, input.id),
        kind: 'conversation',
        id: input.id,
        tenantId: input.tenantId,
        userId: input.userId,
        title: input.title,
        titleLower: input.title.toLowerCase(),
        knowledgeBase: conversation.knowledgeBase,
        createdAt: sortableTime(createdAt),
        updatedAt: sortableTime(createdAt),
        messageSequence: 0,
      },
      (cause) => new ConflictError(`Conversation "${input.id}" already exists.`, { cause }),
    );
    return conversation;
  }

  async getConversation(tenantId: string, conversationId: string): Promise<Conversation | undefined> {
    const item = await this.table.get(keys.conversation(tenantId, conversationId));
    return item ? toConversation(item) : undefined;
  }

  async listConversations(
    tenantId: string,
    options: ListConversationsOptions = {},
  ): Promise<ConversationPage> {
    const limit = conversationPageSize(options.limit);
    const cursor = options.cursor ? decodeConversationCursor(options.cursor) : undefined;
    const query = options.query?.toLowerCase();
    const filters: string[] = [];
    const values: Record<string, unknown> = { ':list': keys.conversationList(tenantId) };
    if (options.userId !== undefined) {
      filters.push('userId = :user');
      values[':user'] = options.userId;
    }
    if (query) {
      filters.push('contains(titleLower, :query)');
      values[':query'] = query;
    }
    let condition = 'gsi1pk = :list';
    if (cursor) {
      condition += ' AND gsi1sk < :after';
      values[':after'] = keys.conversationListSort(cursor.updatedAt, cursor.id);
    }
    const found: Conversation[] = [];
    for await (const page of this.table.queryPages({
      IndexName: LIST_INDEX,
      KeyConditionExpression: condition,
      ...(filters.length > 0 ? { FilterExpression: filters.join(' AND ') } : {}),
      ExpressionAttributeValues: values,
      ScanIndexForward: false,
      Limit: Math.max(limit + 1, LIST_BATCH),
    })) {
      found.push(...page.map(toConversation));
      if (found.length > limit) break;
    }
    const conversations = found.slice(0, limit);
    const last = conversations[conversations.length - 1];
    return {
      conversations,
      nextCursor: found.length > limit && last ? encodeConversationCursor(last) : null,
    };
  }

  async renameConversation(tenantId: string, conversationId: string, title: string): Promise<Conversation> {
    const updatedAt = this.now();
    const item = await this.table.updateExisting(
      keys.conversation(tenantId, conversationId),
      {
        UpdateExpression: 'SET title = :title, titleLower = :lower, updatedAt = :at, gsi1sk = :sort',
        ExpressionAttributeValues: {
          ':title': title,
          ':lower': title.toLowerCase(),
          ':at': sortableTime(updatedAt),
          ':sort': keys.conversationListSort(updatedAt, conversationId),
        },
        ReturnValues: 'ALL_NEW',
      },
      (cause) => conversationNotFound(conversationId, cause),
    );
    return toConversation(item);
  }

  /** Removes the conversation item first (so it is gone for readers at once), then its messages. */
  async deleteConversation(tenantId: string, conversationId: string): Promise<void> {
    const key = keys.conversation(tenantId, conversationId);
    await this.table.deleteExisting(key, (cause) => conversationNotFound(conversationId, cause));
    const items = await this.table.queryAll({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': key.pk },
    });
    await this.table.deleteMany([
      ...items.map(itemKey),
      ...items
        .filter((item) => item.kind === 'message')
        .map((item) => keys.messagePointer(tenantId, String(item.id))),
    ]);
  }

  /** In order, one write after another (no transactions: see appendMessage); a failure keeps what was written. */
  async appendMessages(
    messages: readonly NewMessage[],
    options: { create?: NewConversation } = {},
  ): Promise<Message[]> {
    requireOneConversation(messages, options.create);
    if (options.create) await this.createConversation(options.create);
    const appended: Message[] = [];
    for (const message of messages) appended.push(await this.appendMessage(message));
    return appended;
  }

  /**
   * Three conditional single-item writes (DynamoDB Local emulators have no transactions): the id pointer
   * claims the message id, the conversation hands out a sequence number and moves its activity time, then
   * the message is written. A failure after the claim releases it.
   */
  async appendMessage(input: NewMessage): Promise<Message> {
    requireText(input.id, 'message id');
    requireText(input.tenantId, 'tenant id');
    const createdAt = input.createdAt ?? this.now();
    const conversationKey = keys.conversation(input.tenantId, input.conversationId);
    const pointerKey = keys.messagePointer(input.tenantId, input.id);
    const sequence = await this.nextSequence(input.tenantId, input.conversationId);
    const messageKey = keys.message(input.tenantId, input.conversationId, createdAt, sequence);
    await this.table.putNew(
      {
        ...pointerKey,
        kind: 'message-pointer',
        conversationId: input.conversationId,
        messageSk: messageKey.sk,
      },
      (cause) => new ConflictError(`Message "${input.id}" already exists.`, { cause }),
    );
    const message: Message = {
      id: input.id,
      conversationId: input.conversationId,
      tenantId: input.tenantId,
      role: input.role,
      content: input.content,
      parts: input.parts ?? [],
      citations: input.citations ?? [],
      model: input.model ?? null,
      usage: input.usage ?? null,
      costUsd: input.costUsd ?? null,
      latencyMs: input.latencyMs ?? null,
      status: input.status,
      error: input.error ?? null,
      ...(input.degraded ? { degraded: input.degraded } : {}),
      createdAt,
    };
    try {
      await this.table.put({ ...messageKey, ...toMessageItem(message), ...pendingListKeys(message) });
      await this.touch(conversationKey, input.conversationId, createdAt);
    } catch (error) {
      await this.table.deleteMany([pointerKey]).catch(() => {});
      throw error;
    }
    return structuredClone(message);
  }

  async updateMessage(tenantId: string, messageId: string, patch: MessagePatch): Promise<Message> {
    const key = await this.messageKey(tenantId, messageId);
    const update = messageUpdate(patch);
    if (!update) {
      const item = await this.table.get(key);
      if (!item) throw messageNotFound(messageId);
      return toMessage(item);
    }
    const item = await this.table.updateExisting(key, update, (cause) => messageNotFound(messageId, cause));
    return toMessage(item);
  }

  async updateMessageIf(
    tenantId: string,
    messageId: string,
    expected: MessageExpectation,
    patch: MessagePatch,
  ): Promise<Message | undefined> {
    const key = await this.messageKey(tenantId, messageId);
    const update = messageUpdate(patch) ?? messageUpdate({ status: expected.status })!;
    // Parts are stored as the JSON text they were written with, and read back unchanged: the text compares.
    const item = await this.table.updateExisting(
      key,
      {
        ...update,
        condition: '#expectedStatus = :expectedStatus AND #expectedParts = :expectedParts',
        ExpressionAttributeNames: {
          ...update.ExpressionAttributeNames,
          '#expectedStatus': 'status',
          '#expectedParts': 'parts',
        },
        ExpressionAttributeValues: {
          ...update.ExpressionAttributeValues,
          ':expectedStatus': expected.status,
          ':expectedParts': toJson(expected.parts),
        },
      },
      'skip',
    );
    if (item) return toMessage(item);
    if (!(await this.table.get(key))) throw messageNotFound(messageId);
    return undefined;
  }

  private async messageKey(tenantId: string, messageId: string): Promise<DynamoDbItemKey> {
    const pointer = await this.table.get(keys.messagePointer(tenantId, messageId));
    if (!pointer) throw messageNotFound(messageId);
    return {
      pk: keys.conversation(tenantId, String(pointer.conversationId)).pk,
      sk: String(pointer.messageSk),
    };
  }

  async interruptPendingTurns(startedBefore: Date, reason: string): Promise<number> {
    const pending = await this.table.queryAll({
      IndexName: LIST_INDEX,
      KeyConditionExpression: 'gsi1pk = :pending AND gsi1sk < :before',
      ExpressionAttributeValues: { ':pending': keys.pendingTurns, ':before': sortableTime(startedBefore) },
    });
    let marked = 0;
    for (const item of pending) {
      const updated = await this.table.updateExisting(
        itemKey(item),
        {
          UpdateExpression: 'SET #status = :interrupted, #error = :reason REMOVE gsi1pk, gsi1sk',
          // The turn may have ended since the index was read (the index is eventually consistent).
          condition: '#status = :pending',
          ExpressionAttributeNames: { '#status': 'status', '#error': 'error' },
          ExpressionAttributeValues: {
            ':interrupted': 'interrupted',
            ':reason': reason,
            ':pending': 'pending',
          },
        },
        'skip',
      );
      if (updated) marked++;
    }
    return marked;
  }

  async listMessages(tenantId: string, conversationId: string): Promise<Message[]> {
    const items = await this.table.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :messages)',
      ExpressionAttributeValues: {
        ':pk': keys.conversation(tenantId, conversationId).pk,
        ':messages': keys.messagePrefix,
      },
      ConsistentRead: true,
    });
    return items.map(toMessage);
  }

  private async nextSequence(tenantId: string, conversationId: string): Promise<number> {
    const item = await this.table.updateExisting(
      keys.conversation(tenantId, conversationId),
      {
        UpdateExpression: 'ADD messageSequence :one',
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      },
      (cause) => conversationNotFound(conversationId, cause),
    );
    return Number(item.messageSequence);
  }

  /** Moves the conversation's activity time forward (never back). */
  private async touch(key: { pk: string; sk: string }, conversationId: string, at: Date): Promise<void> {
    await this.table.updateExisting(
      key,
      {
        UpdateExpression: 'SET updatedAt = :at, gsi1sk = :sort',
        condition: 'updatedAt < :at',
        ExpressionAttributeValues: {
          ':at': sortableTime(at),
          ':sort': keys.conversationListSort(at, conversationId),
        },
      },
      'skip',
    );
  }
}

interface MessageUpdate {
  UpdateExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Record<string, unknown>;
  ReturnValues: 'ALL_NEW';
}

/** The update of a message's fields; undefined when the patch changes nothing. */
function messageUpdate(patch: MessagePatch): MessageUpdate | undefined {
  const assignments: string[] = [];
  const values: Record<string, unknown> = {};
  const set = (field: string, value: unknown) => {
    assignments.push(`#${field} = :${field}`);
    values[`:${field}`] = value;
  };
  if (patch.content !== undefined) set('content', patch.content);
  if (patch.parts !== undefined) set('parts', toJson(patch.parts));
  if (patch.citations !== undefined) set('citations', toJson(patch.citations));
  if (patch.model !== undefined) set('model', patch.model);
  if (patch.usage !== undefined) set('usage', patch.usage === null ? null : toJson(patch.usage));
  if (patch.costUsd !== undefined) set('costUsd', patch.costUsd);
  if (patch.latencyMs !== undefined) set('latencyMs', patch.latencyMs);
  if (patch.status !== undefined) set('status', patch.status);
  if (patch.error !== undefined) set('error', patch.error);
  if (patch.degraded !== undefined) set('degraded', patch.degraded === null ? null : toJson(patch.degraded));
  if (assignments.length === 0) return undefined;
  // A turn that ended leaves the list of turns in flight.
  const removals = patch.status !== undefined && patch.status !== 'pending' ? ' REMOVE gsi1pk, gsi1sk' : '';
  return {
    UpdateExpression: `SET ${assignments.join(', ')}${removals}`,
    ExpressionAttributeNames: Object.fromEntries(
      Object.keys(values).map((name) => [`#${name.slice(1)}`, name.slice(1)]),
    ),
    ExpressionAttributeValues: values,
    ReturnValues: 'ALL_NEW',
  };
}

function pendingListKeys(message: Message): DynamoDbItem {
  if (message.status !== 'pending') return {};
  return {
    gsi1pk: keys.pendingTurns,
    gsi1sk: keys.pendingTurnSort(message.createdAt, message.tenantId, message.id),
  };
}

function toMessageItem(message: Message): DynamoDbItem {
  return {
    kind: 'message',
    id: message.id,
    conversationId: message.conversationId,
    tenantId: message.tenantId,
    role: message.role,
    content: message.content,
    parts: toJson(message.parts),
    citations: toJson(message.citations),
    model: message.model,
    usage: message.usage === null ? null : toJson(message.usage),
    costUsd: message.costUsd,
    latencyMs: message.latencyMs,
    status: message.status,
    error: message.error,
    ...(message.degraded ? { degraded: toJson(message.degraded) } : {}),
    createdAt: sortableTime(message.createdAt),
  };
}

function toMessage(item: DynamoDbItem): Message {
  return {
    id: String(item.id),
    conversationId: String(item.conversationId),
    tenantId: String(item.tenantId),
    role: item.role as Message['role'],
    content: String(item.content),
    parts: fromJson(item.parts, []),
    citations: fromJson(item.citations, []),
    model: nullableString(item.model),
    usage: fromJson(item.usage, null),
    costUsd: nullableNumber(item.costUsd),
    latencyMs: nullableNumber(item.latencyMs),
    status: item.status as Message['status'],
    error: nullableString(item.error),
    ...degradedOf(item),
    createdAt: toDate(item.createdAt),
  };
}

function degradedOf(item: DynamoDbItem): Pick<Message, 'degraded'> {
  const degraded = fromJson<Message['degraded']>(item.degraded, null);
  return degraded ? { degraded } : {};
}

function toConversation(item: DynamoDbItem): Conversation {
  return {
    id: String(item.id),
    tenantId: String(item.tenantId),
    userId: String(item.userId),
    title: String(item.title),
    knowledgeBase: nullableString(item.knowledgeBase),
    createdAt: toDate(item.createdAt),
    updatedAt: toDate(item.updatedAt),
  };
}

function conversationNotFound(conversationId: string, cause?: unknown): NotFoundError {
  return new NotFoundError(`Conversation "${conversationId}" does not exist.`, { cause });
}

function messageNotFound(messageId: string, cause?: unknown): NotFoundError {
  return new NotFoundError(`Message "${messageId}" does not exist.`, { cause });
}
