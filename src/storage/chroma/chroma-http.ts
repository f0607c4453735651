/**
 * Chroma's HTTP API (v2) over fetch: one place that builds URLs under a tenant and database, applies a
 * timeout, and turns transport failures and error statuses into GodwitErrors. Chroma's error bodies are
 * read only to recognise a dimension mismatch; they never reach a message.
 */
import { DependencyError, NotFoundError, ValidationError } from '../../core/errors.ts';

export interface ChromaConnectionOptions {
  /** The server, `http://127.0.0.1:8000`. */
  url: string;
  /** Default `default_tenant`. */
  tenant?: string;
  /** Default `default_database`. */
  database?: string;
  /** Per request. Default 30 s. */
  timeoutMs?: number;
  /**
   * A token for a Chroma server that requires one, sent in `tokenHeader`: as `Authorization: Bearer
   * <token>` (the default) or as `X-Chroma-Token: <token>`, the two transports Chroma's token auth reads.
   */
  token?: string;
  tokenHeader?: 'Authorization' | 'X-Chroma-Token';
  /** Extra headers sent with every request (a proxy's API key, basic auth). Never logged. */
  headers?: Record<string, string>;
  fetch?: typeof fetch;
}

export interface ChromaResponse<T> {
  status: number;
  body: T;
}

type Method = 'GET' | 'POST' | 'DELETE';

export class ChromaHttp {
  readonly url: string;
  readonly tenant: string;
  readonly database: string;
  private readonly timeoutMs: number;
  private readonly fetch: typeof fetch;
  private readonly headers: Record<string, string>;

  constructor(options: ChromaConnectionOptions) {
    let parsed: URL;
    try {
      parsed = new URL(options.url);
    } catch {
      throw new ValidationError(
        `Chroma URL "${options.url}" is not a valid URL; use the form http://127.0.0.1:8000.`,
      );
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new ValidationError(`Chroma URL "${options.url}" must start with http:// or https://.`);
    }
    this.url = options.url.replace(/\/+$/, '');
    this.tenant = options.tenant ?? 'default_tenant';
    this.database = options.database ?? 'default_database';
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.fetch = options.fetch ?? fetch;
    this.headers = credentialHeaders(options);
  }

  /** A path under `/api/v2/tenants/{tenant}/databases/{database}`. */
  inDatabase<T>(
    method: Method,
    path: string,
    body?: unknown,
    accept: number[] = [],
  ): Promise<ChromaResponse<T>> {
    const base = `/api/v2/tenants/${encodeURIComponent(this.tenant)}/databases/${encodeURIComponent(this.database)}`;
    return this.request<T>(method, `${base}${path}`, body, accept);
  }

  /** Any API path; statuses in `accept` are returned instead of thrown. */
  async request<T>(
    method: Method,
    path: string,
    body?: unknown,
    accept: number[] = [],
  ): Promise<ChromaResponse<T>> {
    let response: Response;
    try {
      response = await this.fetch(`${this.url}${path}`, {
        method,
        headers: body === undefined ? this.headers : { ...this.headers, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw this.unreachable(error);
    }
    const text = await response.text();
    if (response.ok || accept.includes(response.status)) {
      try {
        return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
      } catch (error) {
        throw new DependencyError(
          `${this.url} answered ${method} ${path} with something other than JSON; check that storage.chroma.url points at a Chroma server.`,
          { cause: error },
        );
      }
    }
    throw this.refused(method, path, response.status, text);
  }

  missingDatabase(): DependencyError {
    return new DependencyError(
      `Chroma at ${this.url} has no tenant "${this.tenant}" with database "${this.database}". Create them (Chroma's admin API or client), or set storage.chroma.tenant and storage.chroma.database.`,
      { isRetryable: false },
    );
  }

  private unreachable(error: unknown): DependencyError {
    const cause = error as { name?: string; cause?: { code?: string } };
    if (cause.name === 'TimeoutError') {
      return new DependencyError(
        `Chroma at ${this.url} did not answer within ${this.timeoutMs} ms. Check that the server is healthy, or raise the timeout.`,
        { cause: error, isRetryable: true },
      );
    }
    const code = cause.cause?.code ? ` (${cause.cause.code})` : '';
    return new DependencyError(
      `Chroma at ${this.url} is not reachable${code}. Start the server (npx chroma run --path ./chroma_data --port 8000) or set storage.chroma.url (GODWIT_STORAGE__CHROMA__URL) to where it runs.`,
      { cause: error, isRetryable: true },
    );
  }

  private refused(method: Method, path: string, status: number, text: string): Error {
    const operation = `${method} ${path.replace(/^\/api\/v2\/tenants\/[^/]+\/databases\/[^/]+/, '')}`;
    const kind = errorKind(text);
    if (status === 400 && /dimension/i.test(kind.message)) {
      return new ValidationError(
        `Chroma refused ${operation}: the embeddings' dimension does not match the collection's. Re-embed with the knowledge base's model, or delete and re-create the knowledge base to change its model.`,
      );
    }
    if (
      (status === 404 || status === 400) &&
      /^(database|tenant)\b/i.test(kind.message) &&
      /not (found|exist)|does not exist/i.test(kind.message)
    ) {
      return this.missingDatabase();
    }
    if (status === 404) return new NotFoundError(`Chroma at ${this.url} found nothing for ${operation}.`);
    if (status === 401 || status === 403) {
      return new DependencyError(
        `Chroma at ${this.url} refused ${operation} with HTTP ${status}: the server wants credentials. Set storage.chroma.token (GODWIT_STORAGE__CHROMA__TOKEN; storage.chroma.tokenHeader X-Chroma-Token if the server reads that header) or storage.chroma.headers.`,
        { isRetryable: false },
      );
    }
    return new DependencyError(
      `Chroma at ${this.url} answered HTTP ${status}${kind.name ? ` (${kind.name})` : ''} to ${operation}.${status >= 500 ? ' Check the server log.' : ''}`,
      { isRetryable: status >= 500 || status === 429 },
    );
  }
}

function credentialHeaders(options: ChromaConnectionOptions): Record<string, string> {
  const headers = { ...options.headers };
  if (options.token) {
    if (options.tokenHeader === 'X-Chroma-Token') headers['x-chroma-token'] = options.token;
    else headers.authorization = `Bearer ${options.token}`;
  }
  return headers;
}

/** The error class Chroma names (a bare identifier, safe to show) and its message (never shown). */
function errorKind(text: string): { name: string | undefined; message: string } {
  try {
    const parsed = JSON.parse(text) as { error?: unknown; message?: unknown };
    const name =
      typeof parsed.error === 'string' && /^[A-Za-z]{1,64}$/.test(parsed.error) ? parsed.error : undefined;
    return { name, message: typeof parsed.message === 'string' ? parsed.message : '' };
  } catch {
    return { name: undefined, message: '' };
  }
}
