/**
 * AWS errors of Bedrock's managed services (Agent Runtime, Guardrails) as GodwitErrors: what failed, on
 * which resource, and what to do. AWS messages and request ids stay in the cause, for operator logs.
 */
import { GodwitError, ProviderError } from '../../core/errors.ts';

export interface ServiceTarget {
  /** `Bedrock agent AGENT123 (alias ALIAS1) in us-east-1`. */
  what: string;
  /** The config key to check: `assistants.support.bedrockAgent`. */
  key: string;
  /** The IAM permission the caller needs, with its resource. */
  permission: string;
}

export function translateBedrockServiceError(error: unknown, target: ServiceTarget): GodwitError {
  if (GodwitError.isInstance(error)) return error;
  const name = errorName(error);
  if (name === 'resourcenotfoundexception') {
    return new ProviderError(
      `${target.what} does not exist (or this account cannot see it): check ${target.key} (ids and region).`,
      { cause: error },
    );
  }
  if (name === 'accessdeniedexception' || name === 'unrecognizedclientexception') {
    return new ProviderError(
      `${target.what} refused the call: the AWS credentials need ${target.permission}.`,
      { cause: error },
    );
  }
  if (name === 'throttlingexception' || name === 'servicequotaexceededexception') {
    return new GodwitError('rate_limited', `${target.what} is throttling requests; try again shortly.`, {
      cause: error,
      isRetryable: true,
    });
  }
  if (name === 'validationexception') {
    const detail = error instanceof Error ? ` (${error.message.slice(0, 300)})` : '';
    return new ProviderError(`${target.what} rejected the request${detail}.`, { cause: error });
  }
  if (name === 'credentialsprovidererror') {
    return new ProviderError(
      `${target.what} could not be called: no AWS credentials were found. Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or run with a role.`,
      { cause: error },
    );
  }
  return new ProviderError(`${target.what} failed (${name || 'unknown error'}); try again.`, {
    cause: error,
    unavailable: true,
    isRetryable: true,
  });
}

function errorName(error: unknown): string {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name.toLowerCase() : '';
}
