/**
 * Conversations from an application's own PostgreSQL tables, read through a declared column mapping
 * (`--map conversations.yaml`): conversations page by page in id order, each page's messages in one query.
 */
import type pg from 'pg';
import { ValidationError } from '../../core/errors.ts';
import type { Conversation, Message, MessageRole } from '../../core/types.ts';
import type { MigrationSource, SourceDescription } from '../ports.ts';
import type { ConversationRecord } from '../records.ts';
import { type ConversationMap, quoteIdentifier as quote } from './conversation-map.ts';
import { connectPostgres, describePostgresUrl, queryRows } from './postgres-connection.ts';

const OWN_PARAMETERS = ['table'] as const;
const ROLES = new Set<MessageRole>(['system', 'user', 'assistant', 'tool']);

type Row = Record<string, unknown>;

export class PostgresConversationSource implements MigrationSource<ConversationRecord> {
  private client: pg.Client | undefined;
  private readonly conversationTable: string | undefined;

  constructor(
    private readonly url: URL,
    private readonly map: ConversationMap,
  ) {
    this.conversationTable = url.searchParams.get('table') ?? map.conversations.table;
  }

  async describe(): Promise<SourceDescription> {
    const [row] = await queryRows<{ count: string }>(
      await this.connect(),
      'the conversation count',
      `SELECT count(*) AS count FROM (${this.conversationIdsSql()}) AS ids`,
    );
    return {
      kind: 'conversations',
      location: describePostgresUrl(this.url),
      name: this.conversationTable ?? this.map.messages.table,
      count: Number(row?.count ?? 0),
      embedding: null,
      description: `Conversations from ${this.conversationTable ?? this.map.messages.table}`,
    };
  }

  async *read(options: { skip: number; batchSize: number }): AsyncIterable<ConversationRecord[]> {
    const client = await this.connect();
    for (let offset = options.skip; ; offset += options.batchSize) {
      const conversations = await queryRows<Row>(
        client,
        'conversations',
        `${this.conversationRowsSql()} ORDER BY 1 LIMIT $1 OFFSET $2`,
        [options.batchSize, offset],
      );
      if (conversations.length === 0) return;
      const ids = conversations.map((row) => row.id);
      const messages = await this.messagesFor(client, ids);
      yield conversations.map((row) => this.toRecord(row, messages.get(String(row.id)) ?? []));
      if (conversations.length < options.batchSize) return;
    }
  }

  async close(): Promise<void> {
    await this.client?.end().catch(() => {});
    this.client = undefined;
  }

  private async connect(): Promise<pg.Client> {
    this.client ??= await connectPostgres(this.url, OWN_PARAMETERS);
    return this.client;
  }

  /** Conversation ids: from the conversation table, else the distinct conversation column of messages. */
  private conversationIdsSql(): string {
    const { conversations, messages } = this.map;
    return this.conversationTable
      ? `SELECT ${quote(conversations.id)} FROM ${quote(this.conversationTable)}`
      : `SELECT DISTINCT ${quote(messages.conversation)} FROM ${quote(messages.table)}`;
  }

  private conversationRowsSql(): string {
    const { conversations, messages } = this.map;
    if (!this.conversationTable) {
      return `SELECT ${quote(messages.conversation)} AS id, min(${quote(messages.created_at)}) AS created_at
                FROM ${quote(messages.table)} GROUP BY ${quote(messages.conversation)}`;
    }
    const column = (name: string | undefined, alias: string) => (name ? `, ${quote(name)} AS ${alias}` : '');
    return `SELECT ${quote(conversations.id)} AS id${column(conversations.user, 'user_id')}${column(conversations.title, 'title')}${column(conversations.created_at, 'created_at')}${column(conversations.knowledge_base, 'knowledge_base')}
              FROM ${quote(this.conversationTable)}`;
  }

  private async messagesFor(client: pg.Client, ids: unknown[]): Promise<Map<string, Row[]>> {
    const { messages } = this.map;
    const rows = await queryRows<Row>(
      client,
      'messages',
      `SELECT ${quote(messages.id)} AS id, ${quote(messages.conversation)} AS conversation_id,
              ${quote(messages.role)} AS role, ${quote(messages.content)} AS content,
              ${quote(messages.created_at)} AS created_at${messages.model ? `, ${quote(messages.model)} AS model` : ''}
         FROM ${quote(messages.table)}
        WHERE ${quote(messages.conversation)}::text = ANY($1::text[])
        ORDER BY ${quote(messages.conversation)}, ${quote(messages.created_at)}, ${quote(messages.id)}`,
      [ids.map(String)],
    );
    const byConversation = new Map<string, Row[]>();
    for (const row of rows) {
      const key = String(row.conversation_id);
      const list = byConversation.get(key) ?? [];
      list.push(row);
      byConversation.set(key, list);
    }
    return byConversation;
  }

  private toRecord(row: Row, messageRows: Row[]): ConversationRecord {
    const tenantId = this.map.tenant;
    const id = String(row.id);
    const firstMessage = messageRows[0];
    const createdAt = toDate(row.created_at ?? firstMessage?.created_at) ?? new Date(0);
    const messages: Message[] = messageRows.map((message) => ({
      id: String(message.id),
      conversationId: id,
      tenantId,
      role: this.role(message.role, id),
      content: String(message.content ?? ''),
      parts: message.content ? [{ type: 'text', text: String(message.content) }] : [],
      citations: [],
      model: message.model == null ? null : String(message.model),
      usage: null,
      costUsd: null,
      latencyMs: null,
      status: 'complete',
      error: null,
      createdAt: toDate(message.created_at) ?? createdAt,
    }));
    const last = messages[messages.length - 1];
    const conversation: Conversation = {
      id,
      tenantId,
      userId: row.user_id == null ? this.map.default_user : String(row.user_id),
      title: row.title == null ? titleFrom(messages) : String(row.title),
      knowledgeBase: row.knowledge_base == null ? null : String(row.knowledge_base),
      createdAt,
      updatedAt: last && last.createdAt > createdAt ? last.createdAt : createdAt,
    };
    return { conversation, messages };
  }

  private role(value: unknown, conversationId: string): MessageRole {
    const raw = String(value);
    const mapped = this.map.messages.roles[raw] ?? raw;
    if (ROLES.has(mapped as MessageRole)) return mapped as MessageRole;
    throw new ValidationError(
      `Conversation ${conversationId} has a message with role "${raw}", which is not a Godwit role (system, user, assistant, tool). Map it under messages.roles in the mapping file, e.g. roles: { ${raw}: assistant }.`,
    );
  }
}

function toDate(value: unknown): Date | undefined {
  if (value instanceof Date) return value;
  if (typeof value === 'string' || typeof value === 'number') {
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? undefined : date;
  }
  return undefined;
}

function titleFrom(messages: Message[]): string {
  const first = messages.find((message) => message.role === 'user')?.content ?? 'Imported conversation';
  return first.length > 80 ? `${first.slice(0, 77)}…` : first;
}
