/** The OpenAI endpoint, kept free of the SDK import so detection and the banner stay light. */
import { readVariable } from '../resilience/model-provider.ts';

export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/** Explicit base URL, then OPENAI_BASE_URL, then api.openai.com; no trailing slash. */
export function openaiBaseURL(env: Record<string, string | undefined>, baseURL?: string): string {
  return (baseURL ?? readVariable(env, 'OPENAI_BASE_URL') ?? OPENAI_DEFAULT_BASE_URL).replace(/\/+$/, '');
}
