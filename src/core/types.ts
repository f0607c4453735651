/** Domain types shared by every layer. Plain data: no behaviour, no vendor types. */

export const DEFAULT_TENANT = 'default';
export const DEFAULT_USER = 'local';

/** Where a chunk sits inside its original document. Every field is optional; loaders set what they know. */
export interface ChunkLocation {
  page?: number;
  sheet?: string;
  /** 1-based spreadsheet or CSV row (the header row is row 1). */
  row?: number;
  /** Heading path, outermost first: ["Leave", "Vacation"]. */
  headings?: string[];
  /** 1-based line in a text file. */
  line?: number;
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type Metadata = Record<string, JsonValue>;

export interface KnowledgeBase {
  id: string;
  tenantId: string;
  name: string;
  description: string;
  /** `provider:model-id` of the embedding model, or null when the base is keyword-only. */
  embeddingModel: string | null;
  /** Free-form version of the embedding model (changing it means re-embedding). */
  embeddingVersion: string | null;
  embeddingDimension: number | null;
  createdAt: Date;
  updatedAt: Date;
  /**
   * Set for a knowledge base kept outside Godwit (a Bedrock Knowledge Base): searched there, read-only
   * here (its documents are ingested where it lives).
   */
  external?: {
    provider: 'bedrock';
    id: string;
    region: string;
    /** `retrieveAndGenerate`: the knowledge base's own model answers grounded chat (RetrieveAndGenerate). */
    mode?: 'retrieve' | 'retrieveAndGenerate';
  };
}

export interface KnowledgeBaseStats {
  documents: number;
  chunks: number;
  failed: number;
}

export type DocumentStatus = 'queued' | 'processing' | 'ready' | 'failed';

export interface KnowledgeDocument {
  id: string;
  tenantId: string;
  knowledgeBaseId: string;
  /** File name or URL exactly as ingested; unique within a knowledge base. */
  source: string;
  mimeType: string;
  sha256: string;
  bytes: number;
  status: DocumentStatus;
  error: string | null;
  chunkCount: number;
  metadata: Metadata;
  /** Key of the original bytes in the BlobStore, when kept. */
  blobKey: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface Chunk {
  id: string;
  tenantId: string;
  knowledgeBaseId: string;
  documentId: string;
  /** 0-based order of the chunk in its document. */
  position: number;
  text: string;
  location: ChunkLocation;
  metadata: Metadata;
  tokenCount: number;
  embedding: number[] | null;
}

export interface SearchHit {
  chunkId: string;
  documentId: string;
  knowledgeBaseId: string;
  source: string;
  location: ChunkLocation;
  text: string;
  score: number;
  metadata: Metadata;
}

export interface Citation {
  /** 1-based number the answer uses: [1], [2]… */
  index: number;
  chunkId: string;
  documentId: string;
  source: string;
  location: ChunkLocation;
  text: string;
  score?: number;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
}

export type MessageRole = 'system' | 'user' | 'assistant' | 'tool';
/** `interrupted`: the server stopped (or died) before the answer finished; what was said so far is kept. */
export type MessageStatus = 'pending' | 'complete' | 'incomplete' | 'failed' | 'interrupted';

/**
 * A tool call's approval: `requested` waits for the user; `signature` is the server's HMAC over the call
 * (approval id, call id, tool name, input), the token a client sends back to approve or deny it.
 */
export interface ToolApproval {
  id: string;
  state: 'requested' | 'approved' | 'denied';
  signature?: string;
  reason?: string;
  /** The assistant whose turn waits for the decision, so the turn can be resumed by conversation alone. */
  assistant?: string;
}

/** The agent's own name for a handed-back call: its invocation, action group and operation. */
export interface HandedBackCall {
  invocationId: string;
  actionGroup: string;
  operation: { kind: 'api'; method: string; path: string } | { kind: 'function'; name: string };
}

/** `step` numbers the model calls of an assistant turn (0-based), so the loop can be resumed after approval. */
export type MessagePart =
  | { type: 'text'; text: string; step?: number }
  | {
      type: 'tool-call';
      toolCallId: string;
      toolName: string;
      input: JsonValue;
      step?: number;
      approval?: ToolApproval;
      /** A call a managed agent (a Bedrock Agent) handed back: what its result must name when sent back. */
      handedBack?: HandedBackCall;
    }
  /**
   * The session a service that keeps its own conversation memory gave this answer (a Bedrock Knowledge
   * Base's RetrieveAndGenerate): the next turn of the conversation continues it.
   */
  | { type: 'session'; service: string; id: string; step?: number }
  | {
      type: 'tool-result';
      toolCallId: string;
      toolName: string;
      output: JsonValue;
      isError?: boolean;
      /** The user denied the call; `output` holds the reason shown to the model. */
      denied?: boolean;
      durationMs?: number;
      step?: number;
    };

export interface Conversation {
  id: string;
  tenantId: string;
  userId: string;
  title: string;
  /** Knowledge base the conversation answers from, if any. */
  knowledgeBase: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface Message {
  id: string;
  conversationId: string;
  tenantId: string;
  role: MessageRole;
  content: string;
  parts: MessagePart[];
  citations: Citation[];
  model: string | null;
  usage: Usage | null;
  costUsd: number | null;
  latencyMs: number | null;
  status: MessageStatus;
  error: string | null;
  /**
   * Set when the answer was grounded on less than usual: the embedding provider was unavailable, so the
   * knowledge base was searched by keyword only. Absent on an answer that was not degraded.
   */
  degraded?: MessageDegraded | null;
  createdAt: Date;
}

/** Why an answer is degraded, in words a user can act on. */
export interface MessageDegraded {
  reason: string;
}

export interface UsageEntry {
  id: string;
  tenantId: string;
  apiKeyId: string | null;
  /**
   * The user the call was made for: a JWT subject, `key:<key id>` for an API key, a channel user
   * (`discord:<id>`, `slack:<team>:<id>`). Null for calls made for no one (ingestion) and for rows
   * recorded before usage was kept per user.
   */
  userId: string | null;
  model: string;
  operation: 'chat' | 'embedding' | 'rerank' | 'expansion';
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  /** Null when the model has no price: never counted as zero. */
  costUsd: number | null;
  latencyMs: number;
  outcome: 'ok' | 'error' | 'cancelled';
  createdAt: Date;
}

/** Totals of one UTC day, model, API key and user. */
export interface UsageSummaryRow {
  day: string;
  model: string;
  apiKeyId: string | null;
  userId: string | null;
  calls: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number | null;
  unpricedCalls: number;
}

export interface AuditEvent {
  id: string;
  tenantId: string;
  actor: string;
  action: string;
  target: string;
  details: Metadata;
  createdAt: Date;
}

/** What a caller may do: `admin` manages keys and sees every key's usage; `user` chats and searches. */
export type Role = 'admin' | 'user';

/**
 * An API key as stored: only a hash of the secret is kept. The secret itself is shown once, at creation.
 */
export interface ApiKey {
  id: string;
  tenantId: string;
  /** A label chosen by whoever created the key ("ci", "discord-bot"). */
  name: string;
  role: Role;
  /** The first characters of the secret (`gw_3f9a…`), safe to display so users can tell keys apart. */
  prefix: string;
  /** Hex SHA-256 of the whole secret. */
  hash: string;
  createdAt: Date;
  /** Null: never expires. */
  expiresAt: Date | null;
  /** Null: active. */
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}
