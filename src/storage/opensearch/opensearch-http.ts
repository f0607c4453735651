/**
 * The OpenSearch REST API over fetch, signed with AWS Signature Version 4: service `aoss` for OpenSearch
 * Serverless collections, `es` for managed domains. Errors come back as GodwitErrors naming the call.
 * Each attempt has a time limit; throttling (429), server errors (5xx), time-outs and unreachable
 * endpoints are retried with backoff (the same retry policy as model calls), honouring Retry-After.
 * Every request Godwit sends is idempotent (index by id, delete by query, reads), so a retry after a
 * time-out cannot apply a write twice.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, Checksum } from '@smithy/types';
import { ConfigError, DependencyError, ValidationError } from '../../core/errors.ts';
import { retryAfterMs } from '../../providers/resilience/retry-after.ts';
import { type RetryOptions, runWithRetries } from '../../providers/resilience/retry-policy.ts';

export type OpenSearchService = 'aoss' | 'es';

type OpenSearchMethod = 'GET' | 'PUT' | 'POST' | 'DELETE' | 'HEAD';

interface RequestOptions {
  query?: Record<string, string>;
  ndjson?: boolean;
  accept?: number[];
}

export interface OpenSearchConnectionOptions {
  /** `https://<id>.<region>.aoss.amazonaws.com` or a domain endpoint. */
  endpoint: string;
  region: string;
  service: OpenSearchService;
  /** Default: the AWS credential chain (environment, profile, SSO, container and instance roles). */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  fetch?: typeof fetch;
  /** Time limit of one attempt, until the whole answer is read. Default 30,000 ms. */
  timeoutMs?: number;
  /** Retries of throttled, failed and timed-out calls. Default: 2 retries from 500 ms; false disables. */
  retry?: RetryOptions | false;
}

export interface OpenSearchResponse<Body> {
  status: number;
  body: Body;
}

export interface OpenSearchErrorBody {
  error?: { type?: string; reason?: string; root_cause?: { type?: string; reason?: string }[] } | string;
  status?: number;
}

class NodeSha256 implements Checksum {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = this.fresh();
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    if (this.secret === undefined) return createHash('sha256');
    const key =
      typeof this.secret === 'string'
        ? this.secret
        : ArrayBuffer.isView(this.secret)
          ? Buffer.from(this.secret.buffer, this.secret.byteOffset, this.secret.byteLength)
          : Buffer.from(this.secret);
    return createHmac('sha256', key);
  }
}

export class OpenSearchHttp {
  private readonly url: URL;
  private readonly signer: SignatureV4;
  private readonly fetch: typeof fetch;
  private readonly timeoutMs: number;
  /** The retry policy of this connection, also used to re-send bulk items OpenSearch rejected with 429. */
  readonly retry: RetryOptions;

  constructor(options: OpenSearchConnectionOptions) {
    try {
      this.url = new URL(options.endpoint);
    } catch {
      throw new ConfigError(
        `storage.opensearch.endpoint "${options.endpoint}" is not a URL; use the collection or domain endpoint, e.g. https://abc123.us-east-1.aoss.amazonaws.com.`,
      );
    }
    this.signer = new SignatureV4({
      credentials: options.credentials ?? defaultCredentials(),
      region: options.region,
      service: options.service,
      sha256: NodeSha256,
    });
    this.fetch = options.fetch ?? globalThis.fetch;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.retry = options.retry === false ? { maxRetries: 0 } : (options.retry ?? {});
  }

  /**
   * Sends one signed request, retrying as the header says. `accept` lists statuses returned to the
   * caller instead of thrown (404 for a missing index). NDJSON bodies are passed as strings.
   */
  request<Body>(
    method: OpenSearchMethod,
    path: string,
    body?: unknown,
    options: RequestOptions = {},
  ): Promise<OpenSearchResponse<Body>> {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    return runWithRetries(() => this.attempt<Body>(method, path, payload, options), this.retry);
  }

  private async attempt<Body>(
    method: OpenSearchMethod,
    path: string,
    payload: string | undefined,
    options: RequestOptions,
  ): Promise<OpenSearchResponse<Body>> {
    const { target, headers } = await this.signedRequest(method, path, payload, options);
    let response: Response;
    let text: string;
    try {
      response = await this.fetch(target, {
        method,
        headers,
        body: payload,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      throw this.unreachable(error, `${method} ${path}`);
    }
    let parsed: unknown;
    try {
      parsed = text === '' ? {} : JSON.parse(text);
    } catch {
      parsed = { error: text };
    }
    if (response.ok || options.accept?.includes(response.status)) {
      return { status: response.status, body: parsed as Body };
    }
    const waitMs = retryAfterMs({ 'retry-after': response.headers.get('retry-after') ?? undefined });
    throw translateOpenSearchError(
      response.status,
      parsed as OpenSearchErrorBody,
      `${method} ${path}`,
      waitMs,
    );
  }

  private async signedRequest(
    method: OpenSearchMethod,
    path: string,
    payload: string | undefined,
    options: RequestOptions,
  ): Promise<{ target: URL; headers: Record<string, string> }> {
    const basePath = this.url.pathname.replace(/\/$/, '');
    const headers: Record<string, string> = {
      host: this.url.host,
      // OpenSearch Serverless requires the payload hash as a header.
      'x-amz-content-sha256': createHash('sha256')
        .update(payload ?? '')
        .digest('hex'),
    };
    if (payload !== undefined) {
      headers['content-type'] = options.ndjson ? 'application/x-ndjson' : 'application/json';
    }
    const signed = await this.sign({
      method,
      protocol: this.url.protocol,
      hostname: this.url.hostname,
      port: this.url.port ? Number(this.url.port) : undefined,
      path: `${basePath}${path}`,
      query: options.query ?? {},
      headers,
      body: payload,
    });
    const target = new URL(`${this.url.origin}${basePath}${path}`);
    for (const [key, value] of Object.entries(options.query ?? {})) target.searchParams.set(key, value);
    const sendHeaders = { ...(signed.headers as Record<string, string>) };
    delete sendHeaders.host;
    return { target, headers: sendHeaders };
  }

  private unreachable(error: unknown, call: string): DependencyError {
    if (error instanceof Error && error.name === 'TimeoutError') {
      return new DependencyError(
        `OpenSearch at ${this.url.origin} did not answer ${call} within ${this.timeoutMs} ms. Check the collection or domain health and the network path to it.`,
        { cause: error, details: { reason: 'timeout' } },
      );
    }
    return new DependencyError(
      `OpenSearch at ${this.url.origin} cannot be reached (${call}): ${messageOf(error)}. Check storage.opensearch.endpoint and the network path to it.`,
      { cause: error },
    );
  }

  private async sign(
    request: Parameters<SignatureV4['sign']>[0],
  ): Promise<{ headers: Record<string, string> }> {
    try {
      return (await this.signer.sign(request)) as { headers: Record<string, string> };
    } catch (error) {
      throw new DependencyError(
        `could not sign the OpenSearch request: ${messageOf(error)}. Provide AWS credentials (environment, profile or role).`,
        { cause: error, isRetryable: false },
      );
    }
  }
}

function defaultCredentials(): AwsCredentialIdentityProvider {
  // Loaded on first use, so configurations that never reach OpenSearch do not load the credential chain.
  let provider: Promise<AwsCredentialIdentityProvider> | undefined;
  return async () => {
    provider ??= import('@aws-sdk/credential-provider-node').then((module) => module.defaultProvider());
    return (await provider)();
  };
}

export function errorReason(body: OpenSearchErrorBody): { type: string; reason: string } {
  if (typeof body.error === 'string') return { type: 'error', reason: body.error };
  const root = body.error?.root_cause?.[0];
  return {
    type: body.error?.type ?? root?.type ?? 'error',
    reason: body.error?.reason ?? root?.reason ?? 'no reason given',
  };
}

function translateOpenSearchError(
  status: number,
  body: OpenSearchErrorBody,
  call: string,
  retryAfter: number | undefined,
): Error {
  const { type, reason } = errorReason(body);
  const detail = `OpenSearch ${call} failed with ${status} ${type}: ${reason}`;
  if (status === 401 || status === 403) {
    return new DependencyError(
      `${detail}. Check the AWS credentials and that the collection's data access policy (or the domain's access policy) grants this role index and document permissions.`,
      { isRetryable: false },
    );
  }
  if (status === 400) return new ValidationError(`${detail}.`);
  if (status === 429 || status >= 500) {
    const details = retryAfter === undefined ? undefined : { retryAfterMs: retryAfter };
    return new DependencyError(`${detail}.`, { isRetryable: true, details });
  }
  return new DependencyError(`${detail}.`, { isRetryable: false });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
