/**
 * Which model providers the environment configures, and why, for the startup banner and `godwit doctor`.
 * Reads variables and checks whether the shared AWS files exist; makes no network calls and never
 * reports a secret's value.
 */
// Deep imports on purpose: detection must not load any vendor SDK.
import {
  BEDROCK_CREDENTIALS_HINT,
  bedrockEndpoint,
  bedrockRegion,
  detectBedrockCredentials,
} from './bedrock/bedrock-credentials.ts';
import { GOOGLE_API_KEY_VARIABLES } from './google/google-api-key.ts';
import { ollamaHostURL } from './ollama/ollama-host.ts';
import { openaiBaseURL } from './openai/openai-endpoint.ts';
import { readVariable } from './resilience/model-provider.ts';

export type DetectedProvider = 'local' | 'bedrock' | 'openai' | 'google' | 'ollama';

export interface ProviderDetection {
  provider: DetectedProvider;
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

/** One entry per provider, `local` first. */
export function detectProviders(
  env: Record<string, string | undefined>,
  options: DetectOptions = {},
): ProviderDetection[] {
  return [
    { provider: 'local', configured: true, reason: 'built in: local:extractive runs offline with no keys' },
    detectBedrock(env, options),
    detectOpenAI(env),
    detectGoogle(env),
    detectOllama(env),
  ];
}

function detectBedrock(env: Record<string, string | undefined>, options: DetectOptions): ProviderDetection {
  const credentials = detectBedrockCredentials(env, options.fileExists);
  const region = bedrockRegion(env);
  if (credentials.kind === 'missing') {
    return {
      provider: 'bedrock',
      configured: false,
      reason: `${credentials.description}; ${BEDROCK_CREDENTIALS_HINT}`,
      missing: ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', ...(region ? [] : ['AWS_REGION'])],
    };
  }
  if (!region) {
    return {
      provider: 'bedrock',
      configured: false,
      reason: `credentials found (${credentials.description}) but no region: set AWS_REGION`,
      missing: ['AWS_REGION'],
    };
  }
  return {
    provider: 'bedrock',
    configured: true,
    reason: `region ${region}; ${credentials.description}`,
    endpoint: safeEndpoint(bedrockEndpoint(env, region)),
  };
}

function detectOpenAI(env: Record<string, string | undefined>): ProviderDetection {
  const endpoint = safeEndpoint(openaiBaseURL(env));
  if (!readVariable(env, 'OPENAI_API_KEY')) {
    return {
      provider: 'openai',
      configured: false,
      reason: 'OPENAI_API_KEY is not set',
      missing: ['OPENAI_API_KEY'],
      endpoint,
    };
  }
  const where = readVariable(env, 'OPENAI_BASE_URL') ? 'OPENAI_BASE_URL' : 'the default endpoint';
  return {
    provider: 'openai',
    configured: true,
    reason: `OPENAI_API_KEY is set; calls go to ${where}`,
    endpoint,
  };
}

function detectGoogle(env: Record<string, string | undefined>): ProviderDetection {
  const variable = GOOGLE_API_KEY_VARIABLES.find((name) => readVariable(env, name));
  if (!variable) {
    return {
      provider: 'google',
      configured: false,
      reason: 'GOOGLE_GENERATIVE_AI_API_KEY is not set',
      missing: ['GOOGLE_GENERATIVE_AI_API_KEY'],
    };
  }
  return { provider: 'google', configured: true, reason: `${variable} is set` };
}

function detectOllama(env: Record<string, string | undefined>): ProviderDetection {
  const host = readVariable(env, 'OLLAMA_HOST');
  if (!host) {
    return {
      provider: 'ollama',
      configured: false,
      reason: 'OLLAMA_HOST is not set (a server on the default 127.0.0.1:11434 is not probed)',
      missing: ['OLLAMA_HOST'],
    };
  }
  try {
    const endpoint = safeEndpoint(ollamaHostURL(host));
    return {
      provider: 'ollama',
      configured: true,
      reason: 'OLLAMA_HOST is set (the server is not contacted here)',
      endpoint,
    };
  } catch (error) {
    return {
      provider: 'ollama',
      configured: false,
      reason: (error as Error).message,
      missing: ['OLLAMA_HOST'],
    };
  }
}

/** Drops user info and query strings, which may carry credentials. */
function safeEndpoint(value: string): string {
  try {
    const url = new URL(value);
    return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  } catch {
    return '(invalid URL)';
  }
}
