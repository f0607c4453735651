/** ApiKeyStore in memory: keys by tenant and id, with a hash index for the one unscoped lookup. */
import { ConflictError, NotFoundError } from '../../core/errors.ts';
import type { ApiKeyStore } from '../../core/ports.ts';
import { requireText } from '../../core/storage-input.ts';
import type { ApiKey } from '../../core/types.ts';
import { copy, tenantKey } from './memory-knowledge-state.ts';

export class MemoryApiKeyStore implements ApiKeyStore {
  private readonly keys = new Map<string, ApiKey>();
  /** Hash → `tenantKey(tenantId, id)`. */
  private readonly byHash = new Map<string, string>();

  async createApiKey(key: ApiKey): Promise<ApiKey> {
    requireText(key.tenantId, 'tenant id');
    requireText(key.id, 'API key id');
    requireText(key.hash, 'API key hash');
    const storageKey = tenantKey(key.tenantId, key.id);
    if (this.keys.has(storageKey)) throw new ConflictError('an API key with this id already exists');
    if (this.byHash.has(key.hash)) throw new ConflictError('an API key with this hash already exists');
    this.keys.set(storageKey, copy(key));
    this.byHash.set(key.hash, storageKey);
    return copy(key);
  }

  async findApiKeyByHash(hash: string): Promise<ApiKey | undefined> {
    const storageKey = this.byHash.get(hash);
    const key = storageKey === undefined ? undefined : this.keys.get(storageKey);
    return key && copy(key);
  }

  async listApiKeys(tenantId: string): Promise<ApiKey[]> {
    return [...this.keys.values()]
      .filter((key) => key.tenantId === tenantId)
      .sort((left, right) => right.createdAt.getTime() - left.createdAt.getTime())
      .map((key) => copy(key));
  }

  async revokeApiKey(tenantId: string, keyId: string, at: Date): Promise<ApiKey> {
    const key = this.keys.get(tenantKey(tenantId, keyId));
    if (!key) throw new NotFoundError(`API key ${keyId} not found; list keys with \`godwit keys list\`.`);
    key.revokedAt ??= new Date(at);
    return copy(key);
  }

  async touchApiKey(tenantId: string, keyId: string, at: Date): Promise<void> {
    const key = this.keys.get(tenantKey(tenantId, keyId));
    if (key) key.lastUsedAt = new Date(at);
  }
}
