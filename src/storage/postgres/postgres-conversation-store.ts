/** ConversationStore on the shared Postgres schema. Every statement is scoped by tenant. */
import {
  conversationPageSize,
  decodeConversationCursor,
  encodeConversationCursor,
} from '../../core/conversation-page.ts';
import { NotFoundError } from '../../core/errors.ts';
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
import { ensureTenant } from './postgres-knowledge-store.ts';
import {
  CONVERSATION_COLUMNS,
  type ConversationRow,
  MESSAGE_COLUMNS,
  type MessageRow,
  toConversation,
  toMessage,
} from './row-mappers.ts';
import type { SqlClient } from './sql-client.ts';

export class PostgresConversationStore implements ConversationStore {
  constructor(
    private readonly client: SqlClient,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async createConversation(input: NewConversation): Promise<Conversation> {
    requireText(input.id, 'conversation id');
    await ensureTenant(this.client, input.tenantId);
    const createdAt = input.createdAt ?? this.now();
    const [row] = await this.client.query<ConversationRow>(
      `INSERT INTO conversations (tenant_id, id, user_id, title, knowledge_base, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $6)
       RETURNING ${CONVERSATION_COLUMNS}`,
      [input.tenantId, input.id, input.userId, input.title, input.knowledgeBase ?? null, createdAt],
    );
    return toConversation(row!);
  }

  async getConversation(tenantId: string, conversationId: string): Promise<Conversation | undefined> {
    const [row] = await this.client.query<ConversationRow>(
      `SELECT ${CONVERSATION_COLUMNS} FROM conversations WHERE tenant_id = $1 AND id = $2`,
      [tenantId, conversationId],
    );
    return row ? toConversation(row) : undefined;
  }

  async listConversations(
    tenantId: string,
    options: ListConversationsOptions = {},
  ): Promise<ConversationPage> {
    const limit = conversationPageSize(options.limit);
    const params: unknown[] = [tenantId, limit + 1];
    const conditions = ['tenant_id = $1'];
    if (options.userId !== undefined) {
      params.push(options.userId);
      conditions.push(`user_id = $${params.length}`);
    }
    if (options.query) {
      params.push(options.query.toLowerCase());
      conditions.push(`strpos(lower(title), $${params.length}) > 0`);
    }
    if (options.cursor) {
      const cursor = decodeConversationCursor(options.cursor);
      params.push(cursor.updatedAt, cursor.id);
      conditions.push(`(updated_at, id) < ($${params.length - 1}, $${params.length})`);
    }
    const rows = await this.client.query<ConversationRow>(
      `SELECT ${CONVERSATION_COLUMNS} FROM conversations WHERE ${conditions.join(' AND ')}
        ORDER BY updated_at DESC, id DESC LIMIT $2`,
      params,
    );
    const conversations = rows.slice(0, limit).map(toConversation);
    const last = conversations[conversations.length - 1];
    return { conversations, nextCursor: rows.length > limit && last ? encodeConversationCursor(last) : null };
  }

  async renameConversation(tenantId: string, conversationId: string, title: string): Promise<Conversation> {
    const [row] = await this.client.query<ConversationRow>(
      `UPDATE conversations SET title = $3, updated_at = $4 WHERE tenant_id = $1 AND id = $2
       RETURNING ${CONVERSATION_COLUMNS}`,
      [tenantId, conversationId, title, this.now()],
    );
    if (!row) throw conversationNotFound(conversationId);
    return toConversation(row);
  }

  async deleteConversation(tenantId: string, conversationId: string): Promise<void> {
    const rows = await this.client.query(
      'DELETE FROM conversations WHERE tenant_id = $1 AND id = $2 RETURNING id',
      [tenantId, conversationId],
    );
    if (rows.length === 0) throw conversationNotFound(conversationId);
  }

  async appendMessage(message: NewMessage): Promise<Message> {
    const [appended] = await this.appendMessages([message]);
    return appended!;
  }

  /**
   * One statement, so one round trip and one commit: the conversation is created (with its tenant) or its
   * activity time moved forward, and the messages are inserted only for a conversation that exists.
   */
  async appendMessages(
    messages: readonly NewMessage[],
    options: { create?: NewConversation } = {},
  ): Promise<Message[]> {
    const { create } = options;
    const first = requireOneConversation(messages, create);
    for (const message of messages) requireText(message.id, 'message id');
    const now = this.now();
    const createdAts = messages.map((message) => message.createdAt ?? now);
    const latest = new Date(Math.max(...createdAts.map((at) => at.getTime())));
    const params: unknown[] = [first.tenantId, first.conversationId];
    let conversation: string;
    if (create) {
      requireText(create.tenantId, 'tenant id');
      requireText(create.id, 'conversation id');
      const createdAt = create.createdAt ?? now;
      params.push(
        create.userId,
        create.title,
        create.knowledgeBase ?? null,
        createdAt,
        latest > createdAt ? latest : createdAt,
      );
      conversation = `tenant AS (INSERT INTO tenants (id) VALUES ($1::text) ON CONFLICT (id) DO NOTHING),
        conversation AS (
          INSERT INTO conversations (tenant_id, id, user_id, title, knowledge_base, created_at, updated_at)
          VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id)`;
    } else {
      params.push(latest);
      conversation = `conversation AS (
          UPDATE conversations SET updated_at = GREATEST(updated_at, $3::timestamptz)
           WHERE tenant_id = $1::text AND id = $2::text RETURNING id)`;
    }
    const rows = messages.map((message, index) => {
      const offset = params.length;
      params.push(
        message.id,
        message.role,
        message.content,
        JSON.stringify(message.parts ?? []),
        JSON.stringify(message.citations ?? []),
        message.model ?? null,
        message.usage ? JSON.stringify(message.usage) : null,
        message.costUsd ?? null,
        message.latencyMs ?? null,
        message.status,
        message.error ?? null,
        message.degraded ? JSON.stringify(message.degraded) : null,
        createdAts[index],
      );
      const casts = MESSAGE_VALUE_CASTS.map((cast, column) => `$${offset + column + 1}::${cast}`);
      return `(${index}, ${casts.join(', ')})`;
    });
    // The ORDER BY numbers the rows (`sequence`) in the order given, which breaks ties of created_at.
    const inserted = await this.client.query<MessageRow>(
      `WITH ${conversation}
       INSERT INTO messages (tenant_id, id, conversation_id, role, content, parts, citations, model, usage,
                             cost_usd, latency_ms, status, error, degraded, created_at)
       SELECT $1, m.id, conversation.id, m.role, m.content, m.parts, m.citations, m.model, m.usage,
              m.cost_usd, m.latency_ms, m.status, m.error, m.degraded, m.created_at
         FROM conversation
        CROSS JOIN (VALUES ${rows.join(', ')})
              AS m (ordinal, id, role, content, parts, citations, model, usage, cost_usd, latency_ms, status,
                    error, degraded, created_at)
        ORDER BY m.ordinal
       RETURNING ${MESSAGE_COLUMNS}`,
      params,
    );
    if (inserted.length === 0) throw conversationNotFound(first.conversationId);
    const byId = new Map(inserted.map((row) => [row.id, toMessage(row)]));
    return messages.map((message) => byId.get(message.id)!);
  }

  async updateMessage(tenantId: string, messageId: string, patch: MessagePatch): Promise<Message> {
    const { assignments, params } = messageAssignments(patch, [tenantId, messageId]);
    const sql =
      assignments.length === 0
        ? `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE tenant_id = $1 AND id = $2`
        : `UPDATE messages SET ${assignments.join(', ')} WHERE tenant_id = $1 AND id = $2 RETURNING ${MESSAGE_COLUMNS}`;
    const [row] = await this.client.query<MessageRow>(sql, params);
    if (!row) throw new NotFoundError(`Message "${messageId}" does not exist.`);
    return toMessage(row);
  }

  async updateMessageIf(
    tenantId: string,
    messageId: string,
    expected: MessageExpectation,
    patch: MessagePatch,
  ): Promise<Message | undefined> {
    const { assignments, params } = messageAssignments(patch, [
      tenantId,
      messageId,
      expected.status,
      JSON.stringify(expected.parts),
    ]);
    if (assignments.length === 0) assignments.push('status = status');
    // jsonb equality compares values, not text: key order and spacing do not matter.
    const [row] = await this.client.query<MessageRow>(
      `UPDATE messages SET ${assignments.join(', ')}
        WHERE tenant_id = $1 AND id = $2 AND status = $3 AND parts = $4::jsonb
        RETURNING ${MESSAGE_COLUMNS}`,
      params,
    );
    if (row) return toMessage(row);
    const [exists] = await this.client.query(
      'SELECT 1 AS found FROM messages WHERE tenant_id = $1 AND id = $2',
      [tenantId, messageId],
    );
    if (!exists) throw new NotFoundError(`Message "${messageId}" does not exist.`);
    return undefined;
  }

  async interruptPendingTurns(startedBefore: Date, reason: string): Promise<number> {
    const rows = await this.client.query<{ id: string }>(
      `UPDATE messages SET status = 'interrupted', error = $2
        WHERE status = 'pending' AND created_at < $1 RETURNING id`,
      [startedBefore, reason],
    );
    return rows.length;
  }

  async listMessages(tenantId: string, conversationId: string): Promise<Message[]> {
    const rows = await this.client.query<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE tenant_id = $1 AND conversation_id = $2
        ORDER BY created_at, sequence`,
      [tenantId, conversationId],
    );
    return rows.map(toMessage);
  }
}

/** `column = $n` for each field of the patch, numbered after `params` (which the caller's WHERE uses). */
function messageAssignments(
  patch: MessagePatch,
  params: unknown[],
): { assignments: string[]; params: unknown[] } {
  const assignments: string[] = [];
  const set = (column: string, value: unknown, cast = '') => {
    params.push(value);
    assignments.push(`${column} = $${params.length}${cast}`);
  };
  if (patch.content !== undefined) set('content', patch.content);
  if (patch.parts !== undefined) set('parts', JSON.stringify(patch.parts), '::jsonb');
  if (patch.citations !== undefined) set('citations', JSON.stringify(patch.citations), '::jsonb');
  if (patch.model !== undefined) set('model', patch.model);
  if (patch.usage !== undefined)
    set('usage', patch.usage === null ? null : JSON.stringify(patch.usage), '::jsonb');
  if (patch.costUsd !== undefined) set('cost_usd', patch.costUsd, '::float8');
  if (patch.latencyMs !== undefined) set('latency_ms', patch.latencyMs, '::float8');
  if (patch.status !== undefined) set('status', patch.status);
  if (patch.error !== undefined) set('error', patch.error);
  if (patch.degraded !== undefined)
    set('degraded', patch.degraded === null ? null : JSON.stringify(patch.degraded), '::jsonb');
  return { assignments, params };
}

/** Types of the VALUES columns after `ordinal`, in the order `appendMessages` passes them. */
const MESSAGE_VALUE_CASTS = [
  'text',
  'text',
  'text',
  'jsonb',
  'jsonb',
  'text',
  'jsonb',
  'float8',
  'float8',
  'text',
  'text',
  'jsonb',
  'timestamptz',
];

function conversationNotFound(conversationId: string): NotFoundError {
  return new NotFoundError(`Conversation "${conversationId}" does not exist.`);
}
