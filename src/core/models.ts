/**
 * What core needs from the model layer: a language model (the AI SDK's own type) by name, and an
 * embedder that records which model and version produced its vectors.
 */
import type { LanguageModel } from 'ai';
import type { Usage } from './types.ts';

export interface ModelResolver {
  /** Throws ValidationError naming the model and the known providers when `name` is unknown. */
  languageModel(name: string): LanguageModel;
  /** The model used when a request names none. */
  readonly defaultModel: string;
  /** Models tried in order when the chosen one fails with a retryable error. */
  readonly fallbackModels: readonly string[];
}

export interface Embedder {
  /** `provider:model-id`. */
  readonly model: string;
  readonly version: string;
  readonly dimension: number;
  embed(texts: string[], options?: { abortSignal?: AbortSignal }): Promise<number[][]>;
}

/** Prices a model call in US dollars; null when the model has no known price (never treated as 0). */
export type Pricing = (model: string, usage: Usage) => number | null;

/** A successful (2xx) forwarded response whose body the caller now reads. */
export interface ForwardedResponse {
  /** The provider's response body, byte for byte. */
  body: AsyncIterable<Uint8Array>;
  /** Stops reading: closes the provider connection (the client went away). */
  close(): void;
  /**
   * Report how reading the body ended, exactly once (later calls do nothing): frees the rate-limit slot
   * and tells the circuit breaker. An error counts against the provider; a cancellation does not.
   */
  end(outcome: { error?: unknown; cancelled?: boolean }): void;
}

/**
 * Forwards OpenAI Chat Completions requests unchanged to providers that speak that API, under the same
 * rate limits, circuit breakers, retries and timeouts as every other model call.
 */
export interface ChatCompletionsForwarder {
  /** True when requests for `name` can be forwarded as they are. */
  canForward(name: string): boolean;
  /**
   * Sends `body` (with `model` replaced by the provider's own id); resolves once a 2xx response starts.
   * Failures before that are retried when retryable and end as a ProviderError, or with the signal's
   * reason when `signal` aborts.
   */
  forward(name: string, body: Record<string, unknown>, signal: AbortSignal): Promise<ForwardedResponse>;
}
