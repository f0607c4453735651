/**
 * What every CLI command sees of Godwit, whether the CLI opens the data directory itself (backend.ts) or
 * talks to a running `godwit serve` (remote-backend.ts); and the helpers both share.
 */
import { SAMPLE_KNOWLEDGE_BASE } from '../config/sample-knowledge-base.ts';
import { formatLocation } from '../core/chat/prompt.ts';
import { ValidationError } from '../core/errors.ts';
import type { IngestOutcome } from '../core/knowledge/knowledge-service.ts';
import type { BudgetStatus } from '../core/limits/index.ts';
import type { SearchMode } from '../core/retrieval/retriever.ts';
import type { ChunkLocation, Usage } from '../core/types.ts';
import type { UsageGrouping, UsageReportRow } from '../core/usage/roll-up-usage.ts';

export interface SearchResultView {
  source: string;
  location: string;
  score: number;
  text: string;
}

export interface AskView {
  answer: string;
  citations: Array<{ index: number; source: string; location: string; text: string }>;
  model: string;
  usage: Usage | null;
  conversationId: string;
  status: string;
  /** Why the answer is degraded (its sources were found by keyword search alone); null when it is not. */
  degraded?: string | null;
  /** An assistant's tool calls: name, state, and the approval id of a call that waits. */
  toolCalls: ToolCallSummary[];
}

export interface ToolCallSummary {
  toolName: string;
  state: string;
  error?: string;
  approvalId?: string;
}

export interface KnowledgeBaseSummary {
  name: string;
  description: string;
  embeddingModel: string | null;
  documents: number;
  chunks: number;
  failed: number;
}

export interface CliBackend {
  readonly mode: 'local' | 'remote';
  listKnowledgeBases(): Promise<KnowledgeBaseSummary[]>;
  deleteKnowledgeBase(name: string): Promise<void>;
  usage(query: UsageReportQuery): Promise<UsageReport>;
  /** One page of the default tenant's audit events (a remote server: the API key's tenant), newest first. */
  audit(query: AuditListQuery): Promise<AuditEventView[]>;
  resolveKnowledgeBase(name: string | undefined): Promise<string>;
  search(input: {
    knowledgeBase: string;
    query: string;
    k: number;
    mode?: SearchMode;
  }): Promise<SearchResultView[]>;
  ask(input: {
    knowledgeBase: string | null;
    question: string;
    model?: string;
    /** Answer as this configured assistant (its tools, or its Bedrock Agent). */
    assistant?: string;
    conversationId?: string;
  }): Promise<AskView>;
  /** Approves or denies the tool calls the conversation's last answer waits for, and continues it. */
  decide(
    conversationId: string,
    decisions: Array<{ approvalId: string; approved: boolean; reason?: string }>,
  ): Promise<AskView>;
  ingest(
    knowledgeBase: string,
    file: { source: string; bytes: Uint8Array; mimeType?: string },
  ): Promise<IngestOutcome>;
  /**
   * Ingests many files, written to storage in batches; `onOutcome` hears each file's outcome in order.
   * Optional: where a backend lacks it, files go through `ingest` one at a time.
   */
  ingestMany?(
    knowledgeBase: string,
    files: AsyncIterable<{ source: string; bytes: Uint8Array; mimeType?: string }>,
    onOutcome: (outcome: IngestOutcome) => void,
  ): Promise<IngestOutcome[]>;
  close(): Promise<void>;
}

export interface UsageReportQuery {
  from?: string;
  to?: string;
  /** Rows by day, model and API key (default) or by day, model and user. */
  groupBy?: UsageGrouping;
  /** Only this user's calls. */
  user?: string;
}

export interface UsageReport {
  rows: UsageReportRow[];
  /** Configured budgets and where they stand now. */
  budgets: BudgetStatus[];
}

export interface AuditListQuery {
  from?: string;
  to?: string;
  action?: string;
  actor?: string;
  limit?: number;
}

export interface AuditEventView {
  id: string;
  actor: string;
  action: string;
  target: string;
  details: Record<string, unknown>;
  createdAt: string;
}

export function locationText(location: ChunkLocation | string): string {
  return typeof location === 'string' ? location : formatLocation(location);
}

export class AskFailedError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Parses YYYY-MM-DD (UTC) or a full ISO timestamp. */
export function parseDay(value: string, flag: string): Date {
  const date = new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(date.getTime()))
    throw new ValidationError(`${flag} must be a date like 2026-11-01; got "${value}".`);
  return date;
}

/** With no --kb: the only knowledge base, else the sample one, else ask the user to choose. */
export function pickDefault(names: string[]): string {
  if (names.length === 1) return names[0]!;
  if (names.includes(SAMPLE_KNOWLEDGE_BASE)) return SAMPLE_KNOWLEDGE_BASE;
  if (names.length === 0) {
    throw new ValidationError(
      'There are no knowledge bases yet. Ingest documents first: godwit ingest ./docs --kb NAME',
    );
  }
  throw new ValidationError(
    `Several knowledge bases exist (${names.join(', ')}): choose one with --kb NAME.`,
  );
}

/** A tool call as the CLI prints it. */
export function summarizeToolCall(call: {
  toolName: string;
  state: string;
  error?: string;
  approval?: { id: string; state: string };
}): ToolCallSummary {
  return {
    toolName: call.toolName,
    state: call.state,
    ...(call.error ? { error: call.error } : {}),
    ...(call.state === 'awaiting-approval' && call.approval ? { approvalId: call.approval.id } : {}),
  };
}
