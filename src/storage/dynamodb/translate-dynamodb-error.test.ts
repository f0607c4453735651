import { describe, expect, it } from 'vitest';
import { ConflictError, DependencyError, NotFoundError, ValidationError } from '../../core/errors.ts';
import { isConditionFailure, translateDynamoDbError } from './translate-dynamodb-error.ts';

const target = { tableName: 'prod-godwit-data', location: 'region eu-west-1' };

function vendorError(name: string, message = `the service said ${name}`) {
  return Object.assign(new Error(message), { name });
}

describe('translateDynamoDbError', () => {
  it('turns a failed condition into a ConflictError that callers can recognise', () => {
    const error = translateDynamoDbError(vendorError('ConditionalCheckFailedException'), target);
    expect(error).toBeInstanceOf(ConflictError);
    expect(isConditionFailure(error)).toBe(true);
    expect(isConditionFailure(new ConflictError('a different conflict'))).toBe(false);
  });

  it('names the missing table, where it was looked for, and how to create it', () => {
    const error = translateDynamoDbError(vendorError('ResourceNotFoundException'), target);
    expect(error).toBeInstanceOf(DependencyError);
    expect(error.isRetryable).toBe(false);
    expect(error.message).toMatch(/"prod-godwit-data" \(region eu-west-1\) does not exist/);
    expect(error.message).toMatch(/GODWIT_STORAGE__DYNAMODB__CREATE_TABLES=true/);
  });

  it('marks throttling retryable and refused credentials not', () => {
    for (const name of [
      'ProvisionedThroughputExceededException',
      'ThrottlingException',
      'InternalServerError',
    ]) {
      const error = translateDynamoDbError(vendorError(name), target);
      expect(error, name).toBeInstanceOf(DependencyError);
      expect(error.isRetryable, name).toBe(true);
    }
    const denied = translateDynamoDbError(vendorError('AccessDeniedException'), target);
    expect(denied.isRetryable).toBe(false);
    expect(denied.message).toMatch(/check the AWS credentials/);
  });

  it('reports an oversized item as a ValidationError and other validation faults as dependency faults', () => {
    const tooLarge = vendorError('ValidationException', 'Item size has exceeded the maximum allowed size');
    expect(translateDynamoDbError(tooLarge, target)).toBeInstanceOf(ValidationError);
    const other = translateDynamoDbError(vendorError('ValidationException', 'bad expression'), target);
    expect(other).toBeInstanceOf(DependencyError);
    expect(other.message).toContain('bad expression');
  });

  it('passes Godwit errors through unchanged', () => {
    const original = new NotFoundError('Conversation "c" does not exist.');
    expect(translateDynamoDbError(original, target)).toBe(original);
  });
});
