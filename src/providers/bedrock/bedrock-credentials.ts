/**
 * Where Bedrock credentials will come from, judged from the environment and the presence of the shared
 * AWS files only (no network, no file contents), in the AWS SDK's order of precedence: a Bedrock API key,
 * static keys, then the credential chain (profile, web identity, container role, shared files).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readVariable } from '../resilience/model-provider.ts';

export type BedrockCredentialSource =
  | { kind: 'api-key'; description: string }
  | { kind: 'keys'; description: string }
  | { kind: 'chain'; description: string }
  | { kind: 'missing'; description: string };

export const BEDROCK_CREDENTIALS_HINT =
  'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or AWS_BEARER_TOKEN_BEDROCK (a Bedrock API key)';

export function detectBedrockCredentials(
  env: Record<string, string | undefined>,
  fileExists: (path: string) => boolean = existsSync,
): BedrockCredentialSource {
  if (readVariable(env, 'AWS_BEARER_TOKEN_BEDROCK')) {
    return { kind: 'api-key', description: 'Bedrock API key from AWS_BEARER_TOKEN_BEDROCK' };
  }
  const keyId = readVariable(env, 'AWS_ACCESS_KEY_ID');
  const secret = readVariable(env, 'AWS_SECRET_ACCESS_KEY');
  if (keyId && secret)
    return { kind: 'keys', description: 'access keys from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY' };
  if (keyId || secret) {
    const missing = keyId ? 'AWS_SECRET_ACCESS_KEY' : 'AWS_ACCESS_KEY_ID';
    return {
      kind: 'missing',
      description: `${missing} is not set (the other half of the access key pair is)`,
    };
  }
  const profile = readVariable(env, 'AWS_PROFILE');
  if (profile) return { kind: 'chain', description: `AWS profile "${profile}" from AWS_PROFILE` };
  if (readVariable(env, 'AWS_WEB_IDENTITY_TOKEN_FILE')) {
    return { kind: 'chain', description: 'web identity token from AWS_WEB_IDENTITY_TOKEN_FILE' };
  }
  if (readVariable(env, 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_CREDENTIALS_FULL_URI')) {
    return { kind: 'chain', description: 'container role (ECS/EKS credentials endpoint)' };
  }
  const home = readVariable(env, 'HOME', 'USERPROFILE');
  const files = [
    readVariable(env, 'AWS_SHARED_CREDENTIALS_FILE') ?? (home && join(home, '.aws', 'credentials')),
    readVariable(env, 'AWS_CONFIG_FILE') ?? (home && join(home, '.aws', 'config')),
  ].filter((path): path is string => Boolean(path));
  const found = files.find((path) => fileExists(path));
  if (found) return { kind: 'chain', description: `default profile in ${found}` };
  return { kind: 'missing', description: 'no AWS credentials found' };
}

export function bedrockRegion(env: Record<string, string | undefined>): string | undefined {
  return readVariable(env, 'AWS_REGION', 'AWS_DEFAULT_REGION');
}

/** The Bedrock Runtime endpoint: explicit, then AWS_ENDPOINT_URL_BEDROCK_RUNTIME, AWS_ENDPOINT_URL, then the regional default. */
export function bedrockEndpoint(
  env: Record<string, string | undefined>,
  region: string,
  baseURL?: string,
): string {
  const endpoint =
    baseURL ??
    readVariable(env, 'AWS_ENDPOINT_URL_BEDROCK_RUNTIME', 'AWS_ENDPOINT_URL') ??
    `https://bedrock-runtime.${region}.amazonaws.com`;
  return endpoint.replace(/\/+$/, '');
}
