/** The CLI as an HTTP client of a running `godwit serve` (same data, no second database process). */
import { createHash } from 'node:crypto';
import { clientApiKey } from '../config/env.ts';
import { type ErrorCode, GodwitError } from '../core/errors.ts';
import { failedOutcome, type IngestOutcome } from '../core/knowledge/knowledge-service.ts';
import type { SearchMode } from '../core/retrieval/retriever.ts';
import type { UsageReportRow } from '../core/usage/roll-up-usage.ts';
import {
  AskFailedError,
  type AskView,
  type AuditEventView,
  type AuditListQuery,
  type CliBackend,
  type KnowledgeBaseSummary,
  locationText,
  pickDefault,
  type SearchResultView,
  summarizeToolCall,
  type UsageReport,
  type UsageReportQuery,
} from './cli-backend.ts';
import { ClientTimeoutError, clientTimeoutMs, timedFetch } from './timed-fetch.ts';

/** An API key as the server lists it (dates as ISO strings). */
export interface RemoteApiKey {
  id: string;
  tenantId: string;
  name: string;
  role: 'admin' | 'user';
  prefix: string;
  status: 'active' | 'expired' | 'revoked';
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

/** Status checks of one direct upload before giving up (about 10 minutes at the default interval). */
const DIRECT_UPLOAD_POLLS = 600;

/**
 * A folder's files per multipart request, and the most bytes a request holds (a file larger than that goes
 * alone). The server writes a request's files in one batch: 1,000 abstracts took 2.7 s at 64 a request
 * against 13.1 s at one (docs/BENCHMARKS.md, "Ingestion: the shipped command, whole process").
 */
const UPLOAD_FILES_PER_REQUEST = 64;
const UPLOAD_REQUEST_BYTES = 8 * 1024 * 1024;
/** A part's boundary and headers, counted against a request's bytes. */
const MULTIPART_PART_OVERHEAD = 512;

/** Answers that refuse what a request holds, not the request: sent again file by file, or that file's failure. */
const FILE_REFUSALS = new Set([400, 413, 415, 422]);

type UploadFile = { source: string; bytes: Uint8Array; mimeType?: string };

interface UploadSettings {
  direct: boolean;
  maxUploadBytes: number;
  maxRequestBytes: number | null;
}

function tenantQuery(tenant: string | undefined): string {
  return tenant === undefined ? '' : `?${new URLSearchParams({ tenant })}`;
}

export class RemoteBackend implements CliBackend {
  readonly mode = 'remote';

  /** `apiKey`: sent as `x-api-key` when the server requires authentication (default GODWIT_API_KEY). */
  constructor(
    private readonly baseUrl: string,
    private readonly apiKey: string | null = clientApiKey(),
    /** Wait between status checks of a direct upload. */
    private readonly pollIntervalMs = 1000,
    /** Longest wait for the server to answer, or to send or take the next bytes (GODWIT_CLIENT_TIMEOUT_MS). */
    private readonly timeoutMs = clientTimeoutMs(),
  ) {}

  /** Who the CLI waits for, in errors. */
  private get peer(): string {
    return `the Godwit server at ${this.baseUrl}`;
  }

  /**
   * One request to the server with the API key, when there is one, and the waits bounded (timed-fetch.ts):
   * a server that takes the connection and then says nothing fails within the timeout.
   */
  private async send(
    path: string,
    init: { method?: string; headers?: Record<string, string>; body?: string | FormData } = {},
  ): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.apiKey) headers.set('x-api-key', this.apiKey);
    let body: Uint8Array | null = null;
    if (typeof init.body === 'string') body = new TextEncoder().encode(init.body);
    else if (init.body instanceof FormData) {
      // Encoded here, so the upload has a length and its progress is seen slice by slice.
      const encoded = new Response(init.body);
      headers.set('content-type', encoded.headers.get('content-type') ?? 'multipart/form-data');
      body = new Uint8Array(await encoded.arrayBuffer());
    }
    const url = new URL(path, this.baseUrl);
    return timedFetch(
      url,
      { ...(init.method ? { method: init.method } : {}), headers, body },
      {
        timeoutMs: this.timeoutMs,
        peer: this.peer,
        advice: `Check that the server is running and answering (${new URL('/readyz', this.baseUrl)}).`,
      },
    ).catch((error: Error) => {
      if (error instanceof ClientTimeoutError) throw error;
      throw new GodwitError('dependency_unavailable', `Cannot reach ${this.peer}: ${error.message}`);
    });
  }

  private async call<T>(
    path: string,
    init: { method?: string; headers?: Record<string, string>; body?: string } = {},
  ): Promise<T> {
    const response = await this.send(path, init);
    const body = (await response.json().catch(keepTimeouts({}))) as {
      error?: { code: ErrorCode; message: string };
    };
    if (!response.ok) throw this.failure(response, body, path);
    return body as T;
  }

  private failure(
    response: Response,
    body: { error?: { code: ErrorCode; message: string } },
    path: string,
  ): GodwitError {
    const message = body.error?.message ?? `HTTP ${response.status} from ${path}`;
    const hint =
      response.status === 401 && !this.apiKey
        ? ` The server at ${this.baseUrl} requires authentication: set GODWIT_API_KEY to an API key.`
        : '';
    return new GodwitError(body.error?.code ?? 'internal', `${message}${hint}`);
  }

  /**
   * A chat turn as server-sent events: the answer arrives as it is written, so a long answer that keeps
   * coming is never cut, while a server that stops sending mid-answer fails within the timeout.
   */
  private async streamTurn(path: string, payload: Record<string, unknown>): Promise<ChatResponseBody> {
    const response = await this.send(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ ...payload, stream: true }),
    });
    const type = response.headers.get('content-type') ?? '';
    if (!response.ok || !type.includes('text/event-stream')) {
      const body = (await response.json().catch(keepTimeouts({}))) as ChatResponseBody & {
        error?: { code: ErrorCode; message: string };
      };
      if (!response.ok) throw this.failure(response, body, path);
      return body;
    }
    const text = await response.text();
    for (const block of text.split('\n\n')) {
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (!event || data === undefined) continue;
      if (event === 'done') return JSON.parse(data) as ChatResponseBody;
      if (event === 'error') {
        // The turn was stored as failed, with the question: as a local turn that failed.
        const error = JSON.parse(data) as { code?: string; message?: string };
        throw new AskFailedError(error.code ?? 'internal', error.message ?? 'The answer failed.');
      }
    }
    throw new GodwitError(
      'dependency_unavailable',
      `${capitalize(this.peer)} closed the answer to POST ${path} before it was finished. Check the server's log, then ask again.`,
    );
  }

  /** The server's API keys endpoints (`godwit keys` through a running server). */
  keys = {
    list: (tenant?: string) => this.call<{ keys: RemoteApiKey[] }>(`/api/keys${tenantQuery(tenant)}`),
    create: (input: { name: string; role: string; expires?: string; tenant?: string }) =>
      this.post<{ key: RemoteApiKey; secret: string; warning: string }>('/api/keys', input),
    revoke: (id: string, tenant?: string) =>
      this.call<{ key: RemoteApiKey }>(`/api/keys/${encodeURIComponent(id)}${tenantQuery(tenant)}`, {
        method: 'DELETE',
      }),
  };

  private post<T>(path: string, payload: unknown): Promise<T> {
    return this.call<T>(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    });
  }

  async listKnowledgeBases(): Promise<KnowledgeBaseSummary[]> {
    const body = await this.call<{
      knowledgeBases: Array<{
        name: string;
        description: string;
        embeddingModel: string | null;
        stats: { documents: number; chunks: number; failed: number };
      }>;
    }>('/api/knowledge-bases');
    return body.knowledgeBases.map(({ name, description, embeddingModel, stats }) => ({
      name,
      description,
      embeddingModel,
      ...stats,
    }));
  }

  async deleteKnowledgeBase(name: string): Promise<void> {
    const response = await this.send(`/api/knowledge-bases/${encodeURIComponent(name)}`, {
      method: 'DELETE',
    });
    if (response.status !== 204) {
      const body = (await response.json().catch(keepTimeouts({}))) as {
        error?: { code: ErrorCode; message: string };
      };
      throw new GodwitError(body.error?.code ?? 'internal', body.error?.message ?? `HTTP ${response.status}`);
    }
  }

  async usage(query: UsageReportQuery): Promise<UsageReport> {
    const parameters = new URLSearchParams();
    if (query.from) parameters.set('from', query.from);
    if (query.to) parameters.set('to', query.to);
    if (query.groupBy) parameters.set('groupBy', query.groupBy);
    if (query.user) parameters.set('user', query.user);
    const body = await this.call<{ rows: UsageReportRow[]; budgets?: UsageReport['budgets'] }>(
      `/api/usage?${parameters}`,
    );
    return { rows: body.rows, budgets: body.budgets ?? [] };
  }

  async audit(query: AuditListQuery): Promise<AuditEventView[]> {
    const parameters = new URLSearchParams();
    for (const [name, value] of Object.entries(query))
      if (value !== undefined) parameters.set(name, String(value));
    const body = await this.call<{ events: AuditEventView[] }>(`/api/audit?${parameters}`);
    return body.events;
  }

  async resolveKnowledgeBase(name: string | undefined): Promise<string> {
    if (name) {
      await this.call(`/api/knowledge-bases/${encodeURIComponent(name)}`);
      return name;
    }
    const listed = await this.call<{ knowledgeBases: Array<{ name: string }> }>('/api/knowledge-bases');
    return pickDefault(listed.knowledgeBases.map((kb) => kb.name));
  }

  async search(input: {
    knowledgeBase: string;
    query: string;
    k: number;
    mode?: SearchMode;
  }): Promise<SearchResultView[]> {
    const body = await this.post<{ results: Array<SearchResultView & { location: unknown }> }>(
      '/api/search',
      input,
    );
    return body.results.map((result) => ({
      source: result.source,
      location: locationText(result.location as never),
      score: result.score,
      text: result.text,
    }));
  }

  async ask(input: {
    knowledgeBase: string | null;
    question: string;
    model?: string;
    assistant?: string;
    conversationId?: string;
  }): Promise<AskView> {
    return answerView(
      await this.streamTurn('/api/chat', {
        message: input.question,
        ...(input.assistant ? {} : { knowledgeBase: input.knowledgeBase }),
        ...(input.model ? { model: input.model } : {}),
        ...(input.assistant ? { assistant: input.assistant } : {}),
        ...(input.conversationId ? { conversationId: input.conversationId } : {}),
      }),
    );
  }

  async decide(
    conversationId: string,
    decisions: Array<{ approvalId: string; approved: boolean; reason?: string }>,
  ): Promise<AskView> {
    return answerView(
      await this.streamTurn(`/api/conversations/${encodeURIComponent(conversationId)}/tool-approvals`, {
        approvals: decisions,
      }),
    );
  }

  async ingest(knowledgeBase: string, file: UploadFile): Promise<IngestOutcome> {
    await this.ensureKnowledgeBase(knowledgeBase);
    if ((await this.settings()).direct) return this.ingestDirect(knowledgeBase, file);
    const [outcome] = await this.upload(knowledgeBase, [file]);
    return outcome!;
  }

  /**
   * A folder: several files per multipart request (up to `UPLOAD_FILES_PER_REQUEST` files and
   * `UPLOAD_REQUEST_BYTES`, within the server's own limits), which the server writes in batches; one by one
   * where files go direct to object storage. A request the server refuses as a whole (a name it does not
   * take, say) is sent again in halves until only the file at fault fails.
   */
  async ingestMany(
    knowledgeBase: string,
    files: AsyncIterable<UploadFile>,
    onOutcome: (outcome: IngestOutcome) => void,
  ): Promise<IngestOutcome[]> {
    await this.ensureKnowledgeBase(knowledgeBase);
    const settings = await this.settings();
    const outcomes: IngestOutcome[] = [];
    const heard = (outcome: IngestOutcome) => {
      outcomes.push(outcome);
      onOutcome(outcome);
    };
    if (settings.direct) {
      for await (const file of files) heard(await this.ingestDirect(knowledgeBase, file));
      return outcomes;
    }
    const limit = Math.min(
      UPLOAD_REQUEST_BYTES,
      settings.maxUploadBytes,
      settings.maxRequestBytes ?? Infinity,
    );
    let batch: UploadFile[] = [];
    let bytes = 0;
    const flush = async () => {
      for (const outcome of await this.upload(knowledgeBase, batch)) heard(outcome);
      batch = [];
      bytes = 0;
    };
    for await (const file of files) {
      const size = file.bytes.byteLength + MULTIPART_PART_OVERHEAD;
      if (batch.length >= UPLOAD_FILES_PER_REQUEST || (batch.length > 0 && bytes + size > limit))
        await flush();
      batch.push(file);
      bytes += size;
    }
    if (batch.length > 0) await flush();
    return outcomes;
  }

  /** The outcomes of one multipart request holding `files`, in their order. */
  private async upload(knowledgeBase: string, files: readonly UploadFile[]): Promise<IngestOutcome[]> {
    const form = new FormData();
    for (const file of files) {
      form.append(
        'file',
        new Blob([file.bytes as Uint8Array<ArrayBuffer>], {
          type: file.mimeType ?? 'application/octet-stream',
        }),
        file.source,
      );
    }
    const response = await this.send(`/api/knowledge-bases/${encodeURIComponent(knowledgeBase)}/documents`, {
      method: 'POST',
      body: form,
    });
    const body = (await response.json().catch(keepTimeouts({}))) as {
      results?: IngestOutcome[];
      error?: { code: ErrorCode; message: string; details?: { results?: IngestOutcome[] } };
    };
    const results = body.results ?? body.error?.details?.results;
    if (results?.length === files.length) return results;
    if (files.length > 1 && FILE_REFUSALS.has(response.status)) {
      // Halves, sent again: a file at fault is found in about twice log2(files) requests, and the rest
      // still go several to a request.
      const half = Math.ceil(files.length / 2);
      return [
        ...(await this.upload(knowledgeBase, files.slice(0, half))),
        ...(await this.upload(knowledgeBase, files.slice(half))),
      ];
    }
    let message = body.error?.message ?? `HTTP ${response.status} while uploading ${files[0]?.source}`;
    if (files.length === 1 && response.status === 413) {
      // The server's own words speak of requests; alone in its request, the file itself is too large.
      const limit = (await this.settings()).maxUploadBytes;
      message = `${files[0]!.source} (${files[0]!.bytes.byteLength} bytes) is larger than the server takes in one upload (server.maxUploadBytes, ${limit} bytes); raise that setting on the server, or split the file.`;
    }
    if (files.length === 1 && FILE_REFUSALS.has(response.status)) {
      return [
        failedOutcome(files[0]!.source, new GodwitError(body.error?.code ?? 'validation_failed', message)),
      ];
    }
    throw new GodwitError(body.error?.code ?? 'internal', message);
  }

  private uploadSettings: Promise<UploadSettings> | undefined;

  /** How this server takes files (GET /api/uploads), asked once. */
  private settings(): Promise<UploadSettings> {
    this.uploadSettings ??= this.call<UploadSettings>('/api/uploads').catch((error: unknown) => {
      this.uploadSettings = undefined;
      throw error;
    });
    return this.uploadSettings;
  }

  /**
   * Where the server says files go direct (AWS Lambda, whose requests stop at 6 MB): PUT to the presigned
   * URL it hands out, then follow the upload until the Ingest function has read it.
   */
  private async ingestDirect(knowledgeBase: string, file: UploadFile): Promise<IngestOutcome> {
    const answer = await this.post<
      | { status: 'unchanged'; document: { id: string; chunkCount: number } }
      | {
          status?: undefined;
          url: string;
          method: string;
          headers: Record<string, string>;
          statusUrl: string;
          replaces: boolean;
        }
    >(`/api/knowledge-bases/${encodeURIComponent(knowledgeBase)}/uploads`, {
      filename: file.source,
      bytes: file.bytes.byteLength,
      sha256: createHash('sha256').update(file.bytes).digest('hex'),
      ...(file.mimeType ? { contentType: file.mimeType } : {}),
    });
    if (answer.status === 'unchanged') {
      const { document } = answer;
      return {
        source: file.source,
        status: 'unchanged',
        documentId: document.id,
        chunks: document.chunkCount,
        error: null,
        errorCode: null,
      };
    }
    const signed = answer;
    const storage = new URL(signed.url);
    const put = await timedFetch(
      storage,
      {
        method: signed.method,
        headers: new Headers(signed.headers),
        body: file.bytes,
      },
      {
        timeoutMs: this.timeoutMs,
        peer: `storage at ${storage.origin}`,
        advice: `Check the network to ${storage.host}, then run the command again.`,
      },
    ).catch((error: Error) => {
      if (error instanceof ClientTimeoutError) throw error;
      throw new GodwitError(
        'dependency_unavailable',
        `Cannot reach storage to upload ${file.source}: ${error.message}`,
      );
    });
    await put.body?.cancel().catch(() => {});
    if (!put.ok) {
      throw new GodwitError(
        'dependency_unavailable',
        `Storage refused ${file.source} (HTTP ${put.status}); the signed upload may have expired. Run the command again.`,
      );
    }
    for (let attempt = 0; attempt < DIRECT_UPLOAD_POLLS; attempt++) {
      const progress = await this.call<{
        status: string;
        document: {
          id: string;
          status: string;
          error: string | null;
          chunkCount: number;
        } | null;
      }>(signed.statusUrl);
      const document = progress.document;
      if (document && (progress.status === 'ready' || progress.status === 'failed')) {
        const failed = progress.status === 'failed';
        return {
          source: file.source,
          status: failed ? 'failed' : signed.replaces ? 'updated' : 'created',
          documentId: document.id,
          chunks: document.chunkCount,
          error: failed ? (document.error ?? `${file.source} could not be ingested.`) : null,
          errorCode: failed ? 'ingest_failed' : null,
        };
      }
      await new Promise((resolve) => setTimeout(resolve, this.pollIntervalMs));
    }
    throw new GodwitError(
      'dependency_unavailable',
      `${file.source} was uploaded but not ingested yet; check the knowledge base's documents (GET /api/knowledge-bases/{name}/documents) later.`,
    );
  }

  private async ensureKnowledgeBase(name: string): Promise<void> {
    const response = await this.send(`/api/knowledge-bases/${encodeURIComponent(name)}`);
    await response.body?.cancel().catch(() => {});
    if (response.status === 404) await this.post('/api/knowledge-bases', { name });
  }

  async close(): Promise<void> {}
}

interface ChatResponseBody {
  conversationId: string;
  message: {
    content: string;
    model: string;
    usage: AskView['usage'];
    status: string;
    toolCalls?: Array<{
      toolName: string;
      state: string;
      error?: string;
      approval?: { id: string; state: string };
    }>;
  };
  citations: Array<{ index: number; source: string; location: unknown; text: string }>;
  degraded?: { reason: string } | null;
}

/** For `.catch` of a body read: an unreadable body becomes `fallback`, but a stalled one stays an error. */
function keepTimeouts<T>(fallback: T): (error: unknown) => T {
  return (error) => {
    if (error instanceof ClientTimeoutError) throw error;
    return fallback;
  };
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function answerView(body: ChatResponseBody): AskView {
  return {
    answer: body.message.content,
    citations: body.citations.map((citation) => ({
      index: citation.index,
      source: citation.source,
      location: locationText(citation.location as never),
      text: citation.text,
    })),
    model: body.message.model,
    usage: body.message.usage,
    degraded: body.degraded?.reason ?? null,
    conversationId: body.conversationId,
    status: body.message.status,
    toolCalls: (body.message.toolCalls ?? []).map(summarizeToolCall),
  };
}
