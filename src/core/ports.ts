/**
 * Ports: the narrow capabilities core needs from the outside world. Each has one shared contract test
 * suite (test/contract/) that every adapter passes.
 */
import type {
  ApiKey,
  AuditEvent,
  Chunk,
  Conversation,
  KnowledgeBase,
  KnowledgeBaseStats,
  KnowledgeDocument,
  Message,
  MessagePart,
  MessageStatus,
  Metadata,
  SearchHit,
  UsageEntry,
  UsageSummaryRow,
} from './types.ts';

export interface CreateKnowledgeBaseInput {
  name: string;
  description?: string;
  embeddingModel?: string | null;
  embeddingVersion?: string | null;
  embeddingDimension?: number | null;
}

export interface UpsertDocumentInput {
  knowledgeBaseId: string;
  source: string;
  mimeType: string;
  sha256: string;
  bytes: number;
  metadata?: Metadata;
  blobKey?: string | null;
}

/** Knowledge bases and their documents (the catalogue; chunks live in the VectorIndex). */
export interface KnowledgeStore {
  createKnowledgeBase(tenantId: string, input: CreateKnowledgeBaseInput): Promise<KnowledgeBase>;
  getKnowledgeBase(tenantId: string, name: string): Promise<KnowledgeBase | undefined>;
  listKnowledgeBases(tenantId: string): Promise<KnowledgeBase[]>;
  updateKnowledgeBase(
    tenantId: string,
    name: string,
    patch: Partial<
      Pick<KnowledgeBase, 'description' | 'embeddingModel' | 'embeddingVersion' | 'embeddingDimension'>
    >,
  ): Promise<KnowledgeBase>;
  /** Deletes the base, its documents and its chunks. Throws NotFoundError when absent. */
  deleteKnowledgeBase(tenantId: string, name: string): Promise<void>;
  knowledgeBaseStats(tenantId: string, knowledgeBaseId: string): Promise<KnowledgeBaseStats>;

  /** Creates the document row (status `processing`) or, for a known source, updates it in place. */
  upsertDocument(tenantId: string, input: UpsertDocumentInput): Promise<KnowledgeDocument>;
  /**
   * Several documents in one write, each as `upsertDocument` would; all or none are written. Returns the
   * documents in the order given. A source may appear once per base and call (ValidationError otherwise).
   * Optional: callers fall back to `upsertDocument` where an adapter lacks it.
   */
  upsertDocuments?(tenantId: string, inputs: readonly UpsertDocumentInput[]): Promise<KnowledgeDocument[]>;
  getDocument(tenantId: string, documentId: string): Promise<KnowledgeDocument | undefined>;
  findDocumentBySource(
    tenantId: string,
    knowledgeBaseId: string,
    source: string,
  ): Promise<KnowledgeDocument | undefined>;
  /**
   * The documents of these sources in the base, in one read (any order; a source with no document is left
   * out). Optional: callers fall back to `findDocumentBySource` where an adapter lacks it.
   */
  findDocumentsBySources?(
    tenantId: string,
    knowledgeBaseId: string,
    sources: readonly string[],
  ): Promise<KnowledgeDocument[]>;
  listDocuments(tenantId: string, knowledgeBaseId: string): Promise<KnowledgeDocument[]>;
  markDocumentFailed(tenantId: string, documentId: string, error: string): Promise<void>;
  /** Deletes the document and its chunks. Throws NotFoundError when absent. */
  deleteDocument(tenantId: string, documentId: string): Promise<void>;
}

export interface ChunkFilter {
  /** Only chunks of these documents. */
  documentIds?: string[];
  /** Only chunks of documents whose source is one of these. */
  sources?: string[];
  /** Equality on chunk metadata keys: `{ department: 'hr' }`. */
  metadata?: Metadata;
}

export interface KeywordSearchQuery {
  knowledgeBaseId: string;
  text: string;
  k: number;
  filter?: ChunkFilter;
}

export interface VectorSearchQuery {
  knowledgeBaseId: string;
  embedding: number[];
  k: number;
  filter?: ChunkFilter;
}

/** A document's new chunks, as `VectorIndex.replaceDocumentChunks` takes them. */
export interface DocumentChunks {
  document: { id: string; knowledgeBaseId: string; sha256: string };
  chunks: Chunk[];
}

/**
 * Chunks with their text and embeddings, searchable by keyword (BM25) and by vector.
 * Hybrid fusion happens in core, on top of the two.
 */
export interface VectorIndex {
  /**
   * Replaces every chunk of a document and marks the document ready with the given hash, atomically
   * where the backend allows: readers see the old chunks or the new ones, never a mix.
   */
  replaceDocumentChunks(
    tenantId: string,
    document: { id: string; knowledgeBaseId: string; sha256: string },
    chunks: Chunk[],
  ): Promise<void>;
  /**
   * `replaceDocumentChunks` for several documents in one write: all or none are replaced (one transaction
   * where the backend allows), and readers never see a document's old and new chunks mixed. A document may
   * appear once per call, and a chunk id once across the call (ValidationError otherwise). Optional:
   * callers fall back to `replaceDocumentChunks` where an adapter lacks it.
   */
  replaceManyDocumentChunks?(tenantId: string, items: readonly DocumentChunks[]): Promise<void>;
  keywordSearch(tenantId: string, query: KeywordSearchQuery): Promise<SearchHit[]>;
  vectorSearch(tenantId: string, query: VectorSearchQuery): Promise<SearchHit[]>;
  getChunks(tenantId: string, chunkIds: string[]): Promise<Chunk[]>;
  /** Streams every chunk of a knowledge base in a stable order (for export and migration). */
  scan(tenantId: string, knowledgeBaseId: string, options?: { batchSize?: number }): AsyncIterable<Chunk[]>;
  countChunks(tenantId: string, knowledgeBaseId: string): Promise<number>;
}

export interface ListConversationsOptions {
  userId?: string;
  /** Case-insensitive substring of the title. */
  query?: string;
  limit?: number;
  /** Opaque cursor from a previous page. */
  cursor?: string;
}

export interface ConversationPage {
  conversations: Conversation[];
  nextCursor: string | null;
}

export type NewMessage = Omit<Message, 'createdAt'> & { createdAt?: Date };

export type NewConversation = Omit<Conversation, 'createdAt' | 'updatedAt'> & { createdAt?: Date };

export type MessagePatch = Partial<
  Pick<
    Message,
    'content' | 'parts' | 'citations' | 'model' | 'usage' | 'costUsd' | 'latencyMs' | 'error' | 'degraded'
  >
> & { status?: MessageStatus };

/** What a conditional message update expects to find stored. */
export interface MessageExpectation {
  status: MessageStatus;
  parts: readonly MessagePart[];
}

export interface ConversationStore {
  createConversation(input: NewConversation): Promise<Conversation>;
  getConversation(tenantId: string, conversationId: string): Promise<Conversation | undefined>;
  listConversations(tenantId: string, options?: ListConversationsOptions): Promise<ConversationPage>;
  renameConversation(tenantId: string, conversationId: string, title: string): Promise<Conversation>;
  /** Deletes the conversation and its messages. Throws NotFoundError when absent. */
  deleteConversation(tenantId: string, conversationId: string): Promise<void>;
  appendMessage(message: NewMessage): Promise<Message>;
  /**
   * Appends `messages` (one or more, all of one conversation) in order, as `appendMessage` does each: how a
   * chat turn stores its question and its pending answer. With `create`, the conversation is created first
   * (as `createConversation`). The SQL and memory stores write it all in one atomic step; DynamoDB writes
   * in order, so a failure there can leave the first part stored (the caller removes a conversation it
   * created). Throws NotFoundError when the conversation is absent and not created, ConflictError when a
   * message id or the created conversation's id is taken.
   */
  appendMessages(messages: readonly NewMessage[], options?: { create?: NewConversation }): Promise<Message[]>;
  updateMessage(tenantId: string, messageId: string, patch: MessagePatch): Promise<Message>;
  /**
   * Applies `patch` only if the stored message still has `expected.status` and exactly `expected.parts`, in
   * one atomic step (a compare-and-set): of several writers that read the same message, one succeeds. Returns
   * the updated message, or undefined when the stored one differs. Throws NotFoundError when absent.
   */
  updateMessageIf(
    tenantId: string,
    messageId: string,
    expected: MessageExpectation,
    patch: MessagePatch,
  ): Promise<Message | undefined>;
  /** Messages in creation order. */
  listMessages(tenantId: string, conversationId: string): Promise<Message[]>;
  /**
   * Marks every message (all tenants) still `pending` and created before `startedBefore` as `interrupted`
   * with `reason`, keeping the text it saved: its process died mid-answer. Returns how many were marked.
   */
  interruptPendingTurns(startedBefore: Date, reason: string): Promise<number>;
}

export interface UsageQuery {
  from?: Date;
  to?: Date;
  /** Only this user's rows. */
  userId?: string;
}

export interface UsageLedger {
  /** Recording the same entry id twice keeps the first: retries do not double-count. */
  record(entry: UsageEntry): Promise<void>;
  /** Several rows in one write, with the same rules as `record`; all or none are stored. Optional. */
  recordMany?(entries: UsageEntry[]): Promise<void>;
  /** Totals grouped by UTC day, model, API key and user. */
  summarize(tenantId: string, query?: UsageQuery): Promise<UsageSummaryRow[]>;
}

/** Which audit events to list: every filter is optional; `from`/`to` are inclusive. */
export interface AuditQuery {
  limit?: number;
  from?: Date;
  to?: Date;
  /** An exact action (`key.create`) or a prefix ending in `.` or `*` (`key.`, `key.*`). */
  action?: string;
  /** An exact actor (`key:key_3f9a…`, a JWT subject). */
  actor?: string;
  /** Resume after this event (the last one of the previous page): events older than it, or tied and lower id. */
  after?: { createdAt: Date; id: string };
}

/**
 * Append-only record of who did what. Events are never updated or deleted through this port; listed newest
 * first (ties by id, descending), per tenant.
 */
export interface AuditLog {
  /** Recording the same event id twice keeps the first. */
  record(event: AuditEvent): Promise<void>;
  /**
   * Several events in one write (all or none), as `record` would keep them. Optional: where an adapter
   * lacks it, the trail records them one by one.
   */
  recordMany?(events: readonly AuditEvent[]): Promise<void>;
  list(tenantId: string, query?: AuditQuery): Promise<AuditEvent[]>;
}

/** One fixed-window counter to add to: `key` names the window, which is forgotten after `expiresAt`. */
export interface CounterIncrement {
  key: string;
  /** May be negative (a released reservation); integers only. */
  by: number;
  expiresAt: Date;
}

/**
 * Shared counters for rate limits and budgets, across instances: every increment of one call is applied
 * atomically per key and costs one round trip. Returns each key's value after its increment, in order.
 */
export interface CounterStore {
  increment(increments: readonly CounterIncrement[]): Promise<number[]>;
}

/**
 * API keys, stored hashed. `findByHash` is the one lookup that is not scoped by tenant: it is how a request's
 * key tells us its tenant.
 */
export interface ApiKeyStore {
  /** Stores a new key. Throws ConflictError when the id or the hash already exists. */
  createApiKey(key: ApiKey): Promise<ApiKey>;
  findApiKeyByHash(hash: string): Promise<ApiKey | undefined>;
  /** The tenant's keys, newest first, revoked ones included. */
  listApiKeys(tenantId: string): Promise<ApiKey[]>;
  /** Marks the key revoked (idempotent: keeps the first revocation time). Throws NotFoundError when absent. */
  revokeApiKey(tenantId: string, keyId: string, at: Date): Promise<ApiKey>;
  /** Best-effort record of the last use; never throws for a missing key. */
  touchApiKey(tenantId: string, keyId: string, at: Date): Promise<void>;
}

export interface BlobStore {
  put(key: string, bytes: Uint8Array, contentType: string): Promise<void>;
  get(key: string): Promise<{ bytes: Uint8Array; contentType: string } | undefined>;
  delete(key: string): Promise<void>;
}

/**
 * Uploads that go straight to object storage, past a request-size limit (AWS Lambda's 6 MB): a signed
 * single-object PUT, and what has arrived under a key prefix. Keys are the bucket's own.
 */
export interface DirectUploadStore {
  /** Signs a PUT of exactly `bytes` bytes of `contentType` to `key`, valid for `expiresInSeconds`. */
  signUpload(input: {
    key: string;
    contentType: string;
    bytes: number;
    expiresInSeconds: number;
  }): Promise<SignedUpload>;
  /** The first object stored under `prefix`, if one arrived. */
  findUpload(prefix: string): Promise<{ key: string; bytes: number; lastModified: Date } | undefined>;
}

export interface SignedUpload {
  method: 'PUT';
  url: string;
  /** Headers the PUT must carry, as signed (Content-Length is set by the client from the body). */
  headers: Record<string, string>;
  expiresAt: Date;
}

export interface Cache {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlSeconds?: number): Promise<void>;
  delete(key: string): Promise<void>;
}

/** Liveness of one dependency, for /readyz and `godwit doctor`. */
export interface HealthReport {
  name: string;
  ok: boolean;
  detail: string;
  version?: string;
}

export interface HealthCheck {
  health(): Promise<HealthReport>;
}

/** A chunk as a parser produces it, before ids and embeddings. */
export interface ChunkDraft {
  text: string;
  location: import('./types.ts').ChunkLocation;
  metadata: Metadata;
  tokenCount: number;
}

export interface ParsedDocument {
  /** Detected media type (from content and name), e.g. `application/pdf`. */
  mimeType: string;
  chunks: ChunkDraft[];
  /** Facts about the whole document: title, page count, sheet names… */
  metadata: Metadata;
}

/**
 * Turns the bytes of one file into chunks that keep its structure. Throws `IngestError` (corrupt,
 * empty, too large, suspicious) or `UnsupportedMediaError` with a message that names the file and the fix.
 */
export interface DocumentParser {
  parse(input: { source: string; bytes: Uint8Array; mimeType?: string }): Promise<ParsedDocument>;
  /** File extensions the parser accepts, with the dot: ['.md', '.pdf', …]. */
  readonly supportedExtensions: readonly string[];
}
