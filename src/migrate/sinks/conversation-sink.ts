/**
 * Writes conversations into any ConversationStore (PostgreSQL or PGlite here; DynamoDB through the same
 * port). A conversation already in the store is replaced as a whole, so a resumed or repeated run leaves
 * one copy of each conversation and message.
 */
import type { ConversationStore } from '../../core/ports.ts';
import type { MigrationSink, MigrationSource, SourceDescription } from '../ports.ts';
import type { ConversationRecord } from '../records.ts';

export interface ConversationSinkOptions {
  store: ConversationStore;
  /** Tenant whose conversations verification reads back. */
  tenantId: string;
  location: string;
}

export class ConversationSink implements MigrationSink<ConversationRecord> {
  readonly kind = 'conversations' as const;
  readonly location: string;

  constructor(private readonly options: ConversationSinkOptions) {
    this.location = `${options.location} conversations`;
  }

  async prepare(): Promise<void> {}

  async write(records: ConversationRecord[]): Promise<number> {
    const { store } = this.options;
    for (const { conversation, messages } of records) {
      if (await store.getConversation(conversation.tenantId, conversation.id)) {
        await store.deleteConversation(conversation.tenantId, conversation.id);
      }
      const { updatedAt: _updatedAt, ...fields } = conversation;
      await store.createConversation(fields);
      for (const message of messages) await store.appendMessage(message);
    }
    return records.length;
  }

  async finish(): Promise<number> {
    return 0;
  }

  reader(): MigrationSource<ConversationRecord> {
    return new ConversationStoreSource(this.options);
  }

  async close(): Promise<void> {}
}

/** Every conversation of one tenant, with its messages, page by page. */
export class ConversationStoreSource implements MigrationSource<ConversationRecord> {
  constructor(private readonly options: ConversationSinkOptions) {}

  async describe(): Promise<SourceDescription> {
    let count = 0;
    for await (const batch of this.read({ skip: 0, batchSize: 200 })) count += batch.length;
    return {
      kind: 'conversations',
      location: this.options.location,
      name: `tenant ${this.options.tenantId}`,
      count,
      embedding: null,
    };
  }

  async *read(options: { skip: number; batchSize: number }): AsyncIterable<ConversationRecord[]> {
    const { store, tenantId } = this.options;
    let cursor: string | undefined;
    let toSkip = options.skip;
    do {
      const page = await store.listConversations(tenantId, {
        limit: Math.min(100, options.batchSize),
        ...(cursor ? { cursor } : {}),
      });
      const kept = page.conversations.slice(Math.min(toSkip, page.conversations.length));
      toSkip = Math.max(0, toSkip - page.conversations.length);
      const records: ConversationRecord[] = [];
      for (const conversation of kept) {
        records.push({ conversation, messages: await store.listMessages(tenantId, conversation.id) });
      }
      if (records.length > 0) yield records;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }

  async close(): Promise<void> {}
}
