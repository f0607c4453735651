/**
 * Forwards an OpenAI Chat Completions request, as the client wrote it, to a provider that speaks the
 * same API (OpenAI, or any OPENAI_BASE_URL). The same policies as every other model call apply — rate
 * limits per provider, a circuit breaker per provider+model, retries with backoff that honour Retry-After,
 * an idle timeout — but the request and the response are not translated in between, so the gateway adds
 * little CPU and no latency of its own, and fields Godwit does not model (logprobs, seed, metadata…)
 * reach the provider unchanged.
 */
import { APICallError } from '@ai-sdk/provider';
import { ProviderError } from '../../core/errors.ts';
import type { ChatCompletionsForwarder, ForwardedResponse } from '../../core/models.ts';
import type { CircuitBreakerRegistry, CircuitPermit } from '../resilience/circuit-breaker.ts';
import { isCancellation, toProviderError } from '../resilience/classify-error.ts';
import type { RateLimiter } from '../resilience/rate-limiter.ts';
import { type RetryOptions, runWithRetries } from '../resilience/retry-policy.ts';
import { timeoutError } from '../resilience/timeout-middleware.ts';
import { postUpstream, readBody, type UpstreamResponse } from './upstream-request.ts';

/** Where and how to send a Chat Completions request for one `provider:model-id`. */
export interface ChatCompletionsEndpoint {
  provider: string;
  /** The provider's own model id, sent as `model`. */
  modelId: string;
  /** The full URL of the provider's `POST …/chat/completions`. */
  url: string;
  /** Authentication and any other headers the provider needs. Never logged. */
  headers: Record<string, string>;
  /** The variable to check when the provider rejects the credentials. */
  credentialHint?: string;
}

export interface ChatCompletionsForwarderOptions {
  /**
   * The endpoint for a model name, or undefined when its provider does not speak Chat Completions.
   * Throws ConfigError when the provider lacks credentials.
   */
  endpoint: (name: string) => ChatCompletionsEndpoint | undefined;
  breakers?: CircuitBreakerRegistry;
  limiter?: (provider: string) => RateLimiter | undefined;
  /** Default: the resilience defaults (2 retries); false disables. */
  retry?: RetryOptions | false;
  /** Idle limit per attempt: waiting for headers, or between body bytes. Default 60 s; false disables. */
  timeoutMs?: number | false;
}

const ERROR_BODY_LIMIT = 64 * 1024;

/**
 * @example
 * const forwarder = createChatCompletionsForwarder({ endpoint: (name) => openai.chatCompletionsEndpoint(…) });
 * const { response, end } = await forwarder.forward('openai:gpt-4.1-mini', request, abort.signal);
 */
export function createChatCompletionsForwarder(
  options: ChatCompletionsForwarderOptions,
): ChatCompletionsForwarder {
  const timeoutMs = options.timeoutMs === undefined ? 60_000 : options.timeoutMs;
  const endpoints = new Map<string, ChatCompletionsEndpoint | undefined>();
  const endpointOf = (name: string) => {
    if (!endpoints.has(name)) endpoints.set(name, options.endpoint(name));
    return endpoints.get(name);
  };
  // One parsed URL per endpoint, reused by every call to it.
  const urls = new WeakMap<ChatCompletionsEndpoint, URL>();
  const urlOf = (endpoint: ChatCompletionsEndpoint) => {
    let url = urls.get(endpoint);
    if (!url) {
      url = new URL(endpoint.url);
      urls.set(endpoint, url);
    }
    return url;
  };

  const attempt = async (
    endpoint: ChatCompletionsEndpoint,
    payload: string,
    signal: AbortSignal,
  ): Promise<ForwardedResponse> => {
    const name = `${endpoint.provider}:${endpoint.modelId}`;
    const context = {
      provider: endpoint.provider,
      modelId: endpoint.modelId,
      credentialHint: endpoint.credentialHint,
    };
    const limiter = options.limiter?.(endpoint.provider);
    const release = limiter ? await limiter.acquire(signal) : () => {};
    let permit: CircuitPermit | undefined;
    try {
      permit = options.breakers?.get(name).acquire();
      const response = await postUpstream({
        url: urlOf(endpoint),
        headers: endpoint.headers,
        body: payload,
        timeoutMs: timeoutMs || 0,
        onTimeout: () => timeoutError(name, timeoutMs || 0),
        signal,
      });
      const status = response.statusCode;
      if (status >= 200 && status < 300) return settledOnce(response, release, permit);
      const text = await readBody(response.body, ERROR_BODY_LIMIT).catch(() => '');
      throw new APICallError({
        message: `HTTP ${status}`,
        url: endpoint.url,
        requestBodyValues: undefined,
        statusCode: status,
        responseHeaders: flattenHeaders(response.headers),
        responseBody: text,
      });
    } catch (error) {
      release();
      const mapped = signal.aborted ? signal.reason : mapFailure(error, endpoint, context);
      if (signal.aborted || isCancellation(mapped)) permit?.release();
      else permit?.failure(mapped);
      throw mapped;
    }
  };

  return {
    canForward: (name) => endpointOf(name) !== undefined,
    async forward(name, body, signal) {
      const endpoint = endpointOf(name);
      if (!endpoint)
        throw new ProviderError(`${name} cannot be forwarded: its provider does not speak Chat Completions.`);
      const payload = JSON.stringify({ ...body, model: endpoint.modelId });
      const retry = options.retry === false ? { maxRetries: 0 } : options.retry;
      return runWithRetries(() => attempt(endpoint, payload, signal), retry, signal);
    },
  };
}

function settledOnce(
  response: UpstreamResponse,
  release: () => void,
  permit: CircuitPermit | undefined,
): ForwardedResponse {
  let ended = false;
  return {
    body: response.body,
    close: () => response.body.destroy(),
    end({ error, cancelled }) {
      if (ended) return;
      ended = true;
      release();
      if (cancelled) permit?.release();
      else if (error !== undefined) permit?.failure(error);
      else permit?.success();
    },
  };
}

/** Connection failures become the same `connection` ProviderError the AI SDK path gives. */
function mapFailure(
  error: unknown,
  endpoint: ChatCompletionsEndpoint,
  context: Parameters<typeof toProviderError>[1],
): unknown {
  if (APICallError.isInstance(error) || error instanceof ProviderError)
    return toProviderError(error, context);
  const connection = new APICallError({
    message: error instanceof Error ? error.message : String(error),
    url: endpoint.url,
    requestBodyValues: undefined,
    cause: error,
    isRetryable: true,
  });
  return toProviderError(connection, context);
}

function flattenHeaders(headers: UpstreamResponse['headers']): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers)) {
    if (value !== undefined) flat[key] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}
