/**
 * Settings shared by the AWS SDK clients of Bedrock's managed services (Agent Runtime, Guardrails): the
 * region, an endpoint override (the SDK's own `AWS_ENDPOINT_URL_<SERVICE>` variables, read from the given
 * env), credentials from the env's access keys or else the SDK's default chain, and an HTTP/1.1 handler
 * for plain-HTTP endpoints (the SDK speaks HTTP/2 to Bedrock by default).
 */
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { ConfigError } from '../../core/errors.ts';
import { readVariable } from '../resilience/model-provider.ts';
import { bedrockRegion, detectBedrockCredentials } from './bedrock-credentials.ts';

export interface AwsClientSettings {
  /** Default: AWS_REGION / AWS_DEFAULT_REGION. */
  region?: string | null;
  /** Default: the env's service endpoint variable, then AWS_ENDPOINT_URL, then AWS's regional endpoint. */
  endpoint?: string | null;
  env: Record<string, string | undefined>;
  /** Attempts per call, retries of throttling and 5xx included. Default 3 (the SDK's). */
  maxAttempts?: number;
}

export interface AwsClientConfig {
  region: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  requestHandler?: NodeHttpHandler;
  maxAttempts?: number;
}

/**
 * @example awsClientConfig({ env: process.env }, 'AWS_ENDPOINT_URL_BEDROCK_AGENT_RUNTIME', 'assistants.support.bedrockAgent.region')
 */
export function awsClientConfig(
  settings: AwsClientSettings,
  endpointVariable: string,
  regionKey: string,
): AwsClientConfig {
  const region = settings.region ?? bedrockRegion(settings.env);
  if (!region) {
    throw new ConfigError(
      `${regionKey} is not set and neither is AWS_REGION: set one (for example us-east-1).`,
    );
  }
  const endpoint = settings.endpoint ?? readVariable(settings.env, endpointVariable, 'AWS_ENDPOINT_URL');
  const source = detectBedrockCredentials(settings.env);
  return {
    region,
    ...(endpoint ? { endpoint: endpoint.replace(/\/+$/, '') } : {}),
    ...(endpoint?.startsWith('http://') ? { requestHandler: new NodeHttpHandler() } : {}),
    ...(source.kind === 'keys'
      ? {
          credentials: {
            accessKeyId: readVariable(settings.env, 'AWS_ACCESS_KEY_ID')!,
            secretAccessKey: readVariable(settings.env, 'AWS_SECRET_ACCESS_KEY')!,
            ...(readVariable(settings.env, 'AWS_SESSION_TOKEN')
              ? { sessionToken: readVariable(settings.env, 'AWS_SESSION_TOKEN')! }
              : {}),
          },
        }
      : {}),
    ...(settings.maxAttempts ? { maxAttempts: settings.maxAttempts } : {}),
  };
}
