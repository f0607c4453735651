/** Vendor errors from the DynamoDB client, translated at the boundary into Godwit errors. */
import { ConflictError, DependencyError, GodwitError, ValidationError } from '../../core/errors.ts';

export interface DynamoDbTarget {
  tableName: string;
  /** Where the table lives, for messages: an endpoint URL or `region eu-west-1`. */
  location: string;
}

const THROTTLED = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'LimitExceededException',
]);

const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE']);

/**
 * A failed conditional write becomes a ConflictError (callers refine it: a duplicate id, a missing item);
 * a missing table becomes a DependencyError that says how to create it.
 */
export function translateDynamoDbError(error: unknown, target: DynamoDbTarget): GodwitError {
  if (GodwitError.isInstance(error)) return error;
  const name = (error as { name?: string } | null)?.name ?? '';
  const code = (error as { code?: string } | null)?.code ?? '';
  const message = error instanceof Error ? error.message : String(error);
  const table = `DynamoDB table "${target.tableName}" (${target.location})`;
  if (name === 'ConditionalCheckFailedException') {
    return new ConflictError(`A conditional write to ${table} did not hold.`, { cause: error });
  }
  if (name === 'ResourceNotFoundException') {
    return new DependencyError(
      `${table} does not exist. Create it: deploy the CDK stack, or set storage.dynamodb.createTables: true (GODWIT_STORAGE__DYNAMODB__CREATE_TABLES=true), or check storage.dynamodb.tablePrefix and the region.`,
      { cause: error, isRetryable: false },
    );
  }
  if (THROTTLED.has(name)) {
    return new DependencyError(`${table} is throttling or briefly unavailable (${name}); retry shortly.`, {
      cause: error,
    });
  }
  if (
    name === 'AccessDeniedException' ||
    name === 'UnrecognizedClientException' ||
    name === 'InvalidSignatureException' ||
    name === 'CredentialsProviderError'
  ) {
    return new DependencyError(
      `${table} refused the request (${name}); check the AWS credentials and that the role may use this table.`,
      { cause: error, isRetryable: false },
    );
  }
  if (name === 'ValidationException' && /item size|size has exceeded/i.test(message)) {
    return new ValidationError(
      `The record is larger than DynamoDB's 400 KB item limit (${table}); store less text in one record.`,
      { cause: error },
    );
  }
  if (NETWORK.has(code) || NETWORK.has(name) || /ECONNREFUSED|socket hang up/.test(message)) {
    return new DependencyError(
      `Cannot reach DynamoDB for ${table}: ${code || name || message}. Check storage.dynamodb.endpoint and region, and the network.`,
      { cause: error },
    );
  }
  return new DependencyError(`${table} failed: ${name || 'error'}: ${message}`, {
    cause: error,
    isRetryable: false,
  });
}

export function isConditionFailure(error: unknown): boolean {
  return (
    GodwitError.isInstance(error) &&
    error.code === 'conflict' &&
    (error.cause as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException'
  );
}
