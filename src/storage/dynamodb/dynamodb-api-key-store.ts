/**
 * ApiKeyStore on DynamoDB. A tenant's keys share one partition; a second item keyed by the secret's hash
 * (the one key without a tenant) points at the key, so a request's key finds its tenant with two
 * strongly consistent reads and no scan.
 */
import { ConflictError, NotFoundError } from '../../core/errors.ts';
import type { ApiKeyStore } from '../../core/ports.ts';
import { requireText } from '../../core/storage-input.ts';
import type { ApiKey } from '../../core/types.ts';
import { keys, sortableTime } from './dynamodb-keys.ts';
import { type DynamoDbItem, type DynamoDbTable, nullableString, toDate } from './dynamodb-table.ts';

export class DynamoDbApiKeyStore implements ApiKeyStore {
  constructor(private readonly table: DynamoDbTable) {}

  /** Claims the hash first, then the id; a clash on either is a ConflictError and leaves nothing behind. */
  async createApiKey(key: ApiKey): Promise<ApiKey> {
    requireText(key.tenantId, 'tenant id');
    requireText(key.id, 'API key id');
    requireText(key.hash, 'API key hash');
    const hashKey = keys.apiKeyHash(key.hash);
    await this.table.putNew(
      { ...hashKey, kind: 'api-key-hash', tenantId: key.tenantId, keyId: key.id },
      (cause) =>
        new ConflictError('An API key with this secret already exists; generate a new secret.', { cause }),
    );
    try {
      await this.table.putNew(
        { ...keys.apiKey(key.tenantId, key.id), ...toItem(key) },
        (cause) => new ConflictError(`API key "${key.id}" already exists.`, { cause }),
      );
    } catch (error) {
      await this.table.deleteMany([hashKey]).catch(() => {});
      throw error;
    }
    return structuredClone(key);
  }

  async findApiKeyByHash(hash: string): Promise<ApiKey | undefined> {
    if (typeof hash !== 'string' || hash.length === 0) return undefined;
    const pointer = await this.table.get(keys.apiKeyHash(hash));
    if (!pointer) return undefined;
    const item = await this.table.get(keys.apiKey(String(pointer.tenantId), String(pointer.keyId)));
    // The pointer must agree with the key it names (a stale pointer never authenticates).
    return item && item.hash === hash ? toApiKey(item) : undefined;
  }

  async listApiKeys(tenantId: string): Promise<ApiKey[]> {
    const items = await this.table.queryAll({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.apiKeyPartition(tenantId) },
      ConsistentRead: true,
    });
    return items
      .map(toApiKey)
      .sort(
        (left, right) =>
          right.createdAt.getTime() - left.createdAt.getTime() || (left.id < right.id ? 1 : -1),
      );
  }

  async revokeApiKey(tenantId: string, keyId: string, at: Date): Promise<ApiKey> {
    const item = await this.table.updateExisting(
      keys.apiKey(tenantId, keyId),
      {
        // if_not_exists keeps the first revocation time; revokedAt is absent (not null) until revoked.
        UpdateExpression: 'SET revokedAt = if_not_exists(revokedAt, :at)',
        ExpressionAttributeValues: { ':at': sortableTime(at) },
        ReturnValues: 'ALL_NEW',
      },
      (cause) => new NotFoundError(`API key "${keyId}" does not exist.`, { cause }),
    );
    return toApiKey(item);
  }

  async touchApiKey(tenantId: string, keyId: string, at: Date): Promise<void> {
    await this.table.updateExisting(
      keys.apiKey(tenantId, keyId),
      { UpdateExpression: 'SET lastUsedAt = :at', ExpressionAttributeValues: { ':at': sortableTime(at) } },
      'skip',
    );
  }
}

function toItem(key: ApiKey): DynamoDbItem {
  return {
    kind: 'api-key',
    id: key.id,
    tenantId: key.tenantId,
    name: key.name,
    role: key.role,
    prefix: key.prefix,
    hash: key.hash,
    createdAt: sortableTime(key.createdAt),
    // Not `expiresAt`: that name is the table's TTL attribute, and a key must not vanish when it expires.
    keyExpiresAt: key.expiresAt ? sortableTime(key.expiresAt) : null,
    ...(key.revokedAt ? { revokedAt: sortableTime(key.revokedAt) } : {}),
    lastUsedAt: key.lastUsedAt ? sortableTime(key.lastUsedAt) : null,
  };
}

function toApiKey(item: DynamoDbItem): ApiKey {
  const date = (value: unknown) => (nullableString(value) === null ? null : toDate(value));
  return {
    id: String(item.id),
    tenantId: String(item.tenantId),
    name: String(item.name),
    role: item.role as ApiKey['role'],
    prefix: String(item.prefix),
    hash: String(item.hash),
    createdAt: toDate(item.createdAt),
    expiresAt: date(item.keyExpiresAt),
    revokedAt: date(item.revokedAt),
    lastUsedAt: date(item.lastUsedAt),
  };
}
