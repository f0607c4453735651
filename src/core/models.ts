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
