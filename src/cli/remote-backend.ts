/** The CLI as an HTTP client of a running `godwit serve` (same data, no second database process). */
import { createHash } from 'node:crypto';
import { clientApiKey } from '../config/env.ts';
import { type ErrorCode, GodwitError } from '../core/errors.ts';
import type { IngestOutcome } from '../core/knowledge/knowledge-service.ts';
import type { SearchMode } from '../core/retrieval/retriever.ts';
import type { UsageReportRow } from '../core/usage/roll-up-usage.ts';
import {
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
  ) {}

  /** `fetch` with the API key, when there is one. */
  private send(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.apiKey) headers.set('x-api-key', this.apiKey);
    return fetch(new URL(path, this.baseUrl), { ...init, headers });
  }

  private async call<T>(path: string, init: RequestInit = {}): Promise<T> {
    const response = await this.send(path, init).catch((error: Error) => {
      throw new GodwitError(
        'dependency_unavailable',
        `Cannot reach the Godwit server at ${this.baseUrl}: ${error.message}`,
      );
    });
    const body = (await response.json().catch(() => ({}))) as {
      error?: { code: ErrorCode; message: string };
    };
    if (!response.ok) {
      const message = body.error?.message ?? `HTTP ${response.status} from ${path}`;
      const hint =
        response.status === 401 && !this.apiKey
          ? ` The server at ${this.baseUrl} requires authentication: set GODWIT_API_KEY to an API key.`
          : '';
      throw new GodwitError(body.error?.code ?? 'internal', `${message}${hint}`);
    }
    return body as T;
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
      const body = (await response.json().catch(() => ({}))) as {
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
      await this.post<ChatResponseBody>('/api/chat', {
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
      await this.post<ChatResponseBody>(
        `/api/conversations/${encodeURIComponent(conversationId)}/tool-approvals`,
        { approvals: decisions },
      ),
    );
  }

  async ingest(
    knowledgeBase: string,
    file: { source: string; bytes: Uint8Array; mimeType?: string },
  ): Promise<IngestOutcome> {
    await this.ensureKnowledgeBase(knowledgeBase);
    this.uploadSettings ??= this.call<{ direct: boolean }>('/api/uploads').catch((error: unknown) => {
      this.uploadSettings = undefined;
      throw error;
    });
    if ((await this.uploadSettings).direct) return this.ingestDirect(knowledgeBase, file);
    const form = new FormData();
    form.append(
      'file',
      new Blob([file.bytes as Uint8Array<ArrayBuffer>], {
        type: file.mimeType ?? 'application/octet-stream',
      }),
      file.source,
    );
    const response = await this.send(`/api/knowledge-bases/${encodeURIComponent(knowledgeBase)}/documents`, {
      method: 'POST',
      body: form,
    });
    const body = (await response.json()) as {
      results?: IngestOutcome[];
      error?: { code: ErrorCode; message: string; details?: { results?: IngestOutcome[] } };
    };
    const outcome = body.results?.[0] ?? body.error?.details?.results?.[0];
    if (outcome) return outcome;
    throw new GodwitError(
      body.error?.code ?? 'internal',
      body.error?.message ?? `HTTP ${response.status} while uploading ${file.source}`,
    );
  }

  private uploadSettings: Promise<{ direct: boolean }> | undefined;

  /**
   * Where the server says files go direct (AWS Lambda, whose requests stop at 6 MB): PUT to the presigned
   * URL it hands out, then follow the upload until the Ingest function has read it.
   */
  private async ingestDirect(
    knowledgeBase: string,
    file: { source: string; bytes: Uint8Array; mimeType?: string },
  ): Promise<IngestOutcome> {
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
    const put = await fetch(signed.url, {
      method: signed.method,
      headers: signed.headers,
      body: file.bytes as Uint8Array<ArrayBuffer>,
    }).catch((error: Error) => {
      throw new GodwitError(
        'dependency_unavailable',
        `Cannot reach storage to upload ${file.source}: ${error.message}`,
      );
    });
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
