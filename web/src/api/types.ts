/** The API's JSON shapes, as the web app reads them. */
export interface Location {
  page?: number;
  sheet?: string;
  row?: number;
  headings?: string[];
  line?: number;
}

export interface Citation {
  index: number;
  chunkId: string;
  documentId: string;
  source: string;
  location: Location;
  text: string;
  score?: number;
  knowledgeBase: string | null;
}

export interface Conversation {
  id: string;
  title: string;
  knowledgeBase: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface StoredMessage {
  id: string;
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  citations: Omit<Citation, 'knowledgeBase'>[];
  model: string | null;
  status: 'pending' | 'complete' | 'incomplete' | 'failed' | 'interrupted';
  error: string | null;
  /** Set when the sources were found by keyword search alone (the embedding provider was unavailable). */
  degraded?: { reason: string } | null;
  createdAt: string;
  /** An assistant's tool calls, in order. */
  toolCalls?: StoredToolCall[];
}

export interface StoredToolCall {
  toolCallId: string;
  toolName: string;
  input: unknown;
  state: 'running' | 'awaiting-approval' | 'complete' | 'failed' | 'denied';
  output?: unknown;
  error?: string;
  approval?: { id: string; state: 'requested' | 'approved' | 'denied'; reason?: string };
}

export interface KnowledgeBase {
  name: string;
  description: string;
  embeddingModel: string | null;
  stats: { documents: number; chunks: number; failed: number };
  createdAt: string;
  /** `bedrock`: a Bedrock Knowledge Base, searched there; its documents are managed in Bedrock. */
  source?: 'godwit' | 'bedrock';
  readOnly?: boolean;
  externalId?: string;
}

export interface KnowledgeDocument {
  id: string;
  source: string;
  mimeType: string;
  bytes: number;
  status: 'queued' | 'processing' | 'ready' | 'failed';
  error: string | null;
  chunkCount: number;
  updatedAt: string;
}

export interface IngestOutcome {
  source: string;
  status: 'created' | 'updated' | 'unchanged' | 'failed';
  documentId: string | null;
  chunks: number;
  error: string | null;
  errorCode: string | null;
}

/** A row of `GET /api/usage`: by API key (the default) or, with `groupBy=user`, by user. */
export interface UsageRow {
  day: string;
  model: string;
  apiKeyId?: string | null;
  userId?: string | null;
  calls: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number | null;
  unpricedCalls: number;
}

export interface Readiness {
  status: 'ok' | 'unavailable';
  checks: Array<{ name: string; ok: boolean; detail: string; version?: string }>;
  provider: {
    model: string;
    fallbackModels: string[];
    embeddingModel: string | null;
    reason: string;
    availableModels: string[];
  };
  version: string;
}

/** Metadata the server attaches to each streamed answer. */
export interface AnswerMetadata {
  conversationId: string | null;
  userMessageId?: string;
  model?: string;
  knowledgeBase?: string | null;
  status?: 'streaming' | 'complete' | 'incomplete' | 'failed' | 'interrupted';
  usage?: { inputTokens: number; outputTokens: number; totalTokens: number } | null;
  costUsd?: number | null;
  error?: { code: string; message: string };
  /** Set when the sources were found by keyword search alone (the embedding provider was unavailable). */
  degraded?: { reason: string };
}
