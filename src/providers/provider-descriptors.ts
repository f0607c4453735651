/**
 * The registry of model providers besides the built-in `local` one, in the order detection lists them and
 * the default model is chosen. To add a provider, add its folder with a descriptor and one line here.
 */
import { bedrockDescriptor } from './bedrock/bedrock-descriptor.ts';
import { googleDescriptor } from './google/google-descriptor.ts';
import { ollamaDescriptor } from './ollama/ollama-descriptor.ts';
import { openaiDescriptor } from './openai/openai-descriptor.ts';
import type { ProviderDescriptor } from './provider-descriptor.ts';

export const PROVIDER_DESCRIPTORS: readonly ProviderDescriptor[] = [
  bedrockDescriptor,
  openaiDescriptor,
  googleDescriptor,
  ollamaDescriptor,
];

/** The descriptor of `provider`, or undefined for `local` and unknown names. */
export function findProviderDescriptor(provider: string): ProviderDescriptor | undefined {
  return PROVIDER_DESCRIPTORS.find((descriptor) => descriptor.name === provider);
}
