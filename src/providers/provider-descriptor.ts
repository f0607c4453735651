/**
 * What a model provider declares about itself, in one object per provider folder: how the environment
 * configures it, how its adapter loads, its default model and its list prices. The registry
 * (provider-descriptors.ts) lists them; detection, loading, the default model and the price table read it,
 * so adding a provider means one folder and one line there.
 *
 * A descriptor must not import its vendor SDK: `load` does, when the provider is used.
 */
import type { ConfigError } from '../core/errors.ts';
import type { ModelPrice } from './price-figures.ts';
import type { ModelProvider } from './resilience/model-provider.ts';

export type Environment = Record<string, string | undefined>;

export interface ProviderDetection {
  provider: string;
  configured: boolean;
  /** Safe to print: names variables and sources, never their secret values. */
  reason: string;
  /** Where calls will go, without credentials in it. */
  endpoint?: string;
  /** Variables to set to enable the provider. */
  missing?: string[];
}

export interface DetectOptions {
  fileExists?: (path: string) => boolean;
}

export interface ProviderDescriptor {
  /** The `provider` of `provider:model-id`. */
  name: string;
  /** Whether the environment configures the provider, and why; reads variables and files only. */
  detect(env: Environment, options?: DetectOptions): ProviderDetection;
  /** Imports the adapter (and its SDK) and builds it. */
  load(env: Environment): Promise<ModelProvider>;
  /** The model used when none is configured and this is the first configured provider. */
  defaultModel: string;
  /** List prices by `provider:model-id` (or `provider:*`), per 1,000 tokens. */
  prices: Record<string, ModelPrice>;
  /**
   * Why `model` cannot run with this environment (a ConfigError naming what to set), or undefined when the
   * credentials are there. Absent for a provider that needs none: its adapter loads when first used.
   */
  missingCredentials?(model: string, env: Environment): ConfigError | undefined;
  /** The adapter forwards `/v1/chat/completions` unchanged. */
  forwardsChatCompletions?: boolean;
}

/** Drops user info and query strings, which may carry credentials. */
export function safeEndpoint(value: string): string {
  try {
    const url = new URL(value);
    return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  } catch {
    return '(invalid URL)';
  }
}
