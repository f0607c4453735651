/**
 * Which model providers the environment configures, and why, for the startup banner and `godwit doctor`.
 * Asks each provider's descriptor (provider-descriptors.ts), which reads variables and checks whether the
 * shared AWS files exist; makes no network calls and never reports a secret's value.
 */
import type { DetectOptions, ProviderDetection } from './provider-descriptor.ts';
import { PROVIDER_DESCRIPTORS } from './provider-descriptors.ts';

export type { DetectOptions, ProviderDetection } from './provider-descriptor.ts';

/** One entry per provider, `local` first. */
export function detectProviders(
  env: Record<string, string | undefined>,
  options: DetectOptions = {},
): ProviderDetection[] {
  return [
    { provider: 'local', configured: true, reason: 'built in: local:extractive runs offline with no keys' },
    ...PROVIDER_DESCRIPTORS.map((descriptor) => descriptor.detect(env, options)),
  ];
}
