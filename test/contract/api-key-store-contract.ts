/**
 * The ApiKeyStore contract: keys stored by hash, looked up by hash across tenants, listed and revoked per
 * tenant. The store keeps whatever it is given; deciding whether a revoked or expired key may still be
 * used is the caller's job, so lookups return such keys unchanged.
 */
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, ValidationError } from '../../src/core/errors.ts';
import type { ApiKeyStore } from '../../src/core/ports.ts';
import type { ApiKey } from '../../src/core/types.ts';
import { type FixtureFactory, newId, newTenant, useContractFixture } from './contract-fixture.ts';

export interface ApiKeyStores {
  apiKeys: ApiKeyStore;
}

/** A key as an adapter would receive it: a fresh id and a random secret's hash. */
function apiKey(tenantId: string, minute: number, overrides: Partial<ApiKey> = {}): ApiKey {
  const secret = `gw_${randomBytes(32).toString('base64url')}`;
  return {
    id: newId('key'),
    tenantId,
    name: `key ${minute}`,
    role: 'user',
    prefix: secret.slice(0, 10),
    hash: createHash('sha256').update(secret).digest('hex'),
    createdAt: new Date(Date.UTC(2026, 4, 1, 10, minute)),
    expiresAt: null,
    revokedAt: null,
    lastUsedAt: null,
    ...overrides,
  };
}

export function describeApiKeyStoreContract(name: string, factory: FixtureFactory<ApiKeyStores>): void {
  describe(`ApiKeyStore contract: ${name}`, () => {
    const stores = useContractFixture(factory);

    it('stores a key with every field and finds it by hash', async () => {
      const { apiKeys } = stores();
      const key = apiKey(newTenant(), 1, {
        role: 'admin',
        name: 'ci pipeline',
        expiresAt: new Date('2027-01-01T00:00:00.123Z'),
      });
      expect(await apiKeys.createApiKey(key)).toEqual(key);
      expect(await apiKeys.findApiKeyByHash(key.hash)).toEqual(key);
    });

    it('finds nothing for an unknown hash', async () => {
      const { apiKeys } = stores();
      const unknown = createHash('sha256').update(newId('nothing')).digest('hex');
      expect(await apiKeys.findApiKeyByHash(unknown)).toBeUndefined();
    });

    it('finds a key by hash whatever its tenant, so a request can learn its tenant from its key', async () => {
      const { apiKeys } = stores();
      const keyA = apiKey(newTenant(), 1);
      const keyB = apiKey(newTenant(), 2);
      await apiKeys.createApiKey(keyA);
      await apiKeys.createApiKey(keyB);
      expect((await apiKeys.findApiKeyByHash(keyA.hash))?.tenantId).toBe(keyA.tenantId);
      expect((await apiKeys.findApiKeyByHash(keyB.hash))?.tenantId).toBe(keyB.tenantId);
    });

    it('lists only the tenant’s keys, newest first, revoked ones included', async () => {
      const { apiKeys } = stores();
      const tenant = newTenant();
      const keys = [apiKey(tenant, 1), apiKey(tenant, 3), apiKey(tenant, 2)];
      for (const key of keys) await apiKeys.createApiKey(key);
      await apiKeys.createApiKey(apiKey(newTenant(), 4));
      const revokedAt = new Date(Date.UTC(2026, 4, 2));
      await apiKeys.revokeApiKey(tenant, keys[0]!.id, revokedAt);
      const listed = await apiKeys.listApiKeys(tenant);
      expect(listed.map((key) => key.id)).toEqual([keys[1]!.id, keys[2]!.id, keys[0]!.id]);
      expect(listed[2]).toEqual({ ...keys[0], revokedAt });
      expect(await apiKeys.listApiKeys(newTenant())).toEqual([]);
    });

    it('rejects a second key with the same hash, even in another tenant', async () => {
      const { apiKeys } = stores();
      const first = apiKey(newTenant(), 1);
      await apiKeys.createApiKey(first);
      const copy = apiKey(newTenant(), 2, { hash: first.hash });
      await expect(apiKeys.createApiKey(copy)).rejects.toBeInstanceOf(ConflictError);
      expect(await apiKeys.findApiKeyByHash(first.hash)).toEqual(first);
      expect(await apiKeys.listApiKeys(copy.tenantId)).toEqual([]);
    });

    it('rejects a second key with the same id in the tenant', async () => {
      const { apiKeys } = stores();
      const tenant = newTenant();
      const first = apiKey(tenant, 1);
      await apiKeys.createApiKey(first);
      const copy = apiKey(tenant, 2, { id: first.id });
      await expect(apiKeys.createApiKey(copy)).rejects.toBeInstanceOf(ConflictError);
      expect(await apiKeys.findApiKeyByHash(copy.hash)).toBeUndefined();
      expect(await apiKeys.listApiKeys(tenant)).toEqual([first]);
    });

    it('rejects a key without a tenant, id or hash', async () => {
      const { apiKeys } = stores();
      const tenant = newTenant();
      await expect(apiKeys.createApiKey(apiKey('', 1))).rejects.toBeInstanceOf(ValidationError);
      await expect(apiKeys.createApiKey(apiKey(tenant, 1, { id: ' ' }))).rejects.toBeInstanceOf(
        ValidationError,
      );
      await expect(apiKeys.createApiKey(apiKey(tenant, 1, { hash: '' }))).rejects.toBeInstanceOf(
        ValidationError,
      );
      expect(await apiKeys.listApiKeys(tenant)).toEqual([]);
    });

    it('revokes a key and keeps the first revocation time when revoked again', async () => {
      const { apiKeys } = stores();
      const key = apiKey(newTenant(), 1);
      await apiKeys.createApiKey(key);
      const first = new Date(Date.UTC(2026, 4, 2, 8));
      const revoked = await apiKeys.revokeApiKey(key.tenantId, key.id, first);
      expect(revoked).toEqual({ ...key, revokedAt: first });
      const again = await apiKeys.revokeApiKey(key.tenantId, key.id, new Date(Date.UTC(2026, 4, 3)));
      expect(again.revokedAt).toEqual(first);
      // The store still finds a revoked key by hash; the caller refuses it, and can say why.
      expect((await apiKeys.findApiKeyByHash(key.hash))?.revokedAt).toEqual(first);
    });

    it('refuses to revoke an unknown key or another tenant’s key', async () => {
      const { apiKeys } = stores();
      const key = apiKey(newTenant(), 1);
      await apiKeys.createApiKey(key);
      const at = new Date(Date.UTC(2026, 4, 2));
      await expect(apiKeys.revokeApiKey(key.tenantId, newId('missing'), at)).rejects.toBeInstanceOf(
        NotFoundError,
      );
      await expect(apiKeys.revokeApiKey(newTenant(), key.id, at)).rejects.toBeInstanceOf(NotFoundError);
      expect((await apiKeys.findApiKeyByHash(key.hash))?.revokedAt).toBeNull();
    });

    it('records the last use, and ignores a missing key or the wrong tenant', async () => {
      const { apiKeys } = stores();
      const key = apiKey(newTenant(), 1);
      await apiKeys.createApiKey(key);
      const used = new Date(Date.UTC(2026, 4, 5, 9, 30));
      await apiKeys.touchApiKey(key.tenantId, key.id, used);
      expect((await apiKeys.findApiKeyByHash(key.hash))?.lastUsedAt).toEqual(used);

      await apiKeys.touchApiKey(key.tenantId, newId('missing'), used);
      await apiKeys.touchApiKey(newTenant(), key.id, new Date(Date.UTC(2026, 4, 6)));
      expect((await apiKeys.findApiKeyByHash(key.hash))?.lastUsedAt).toEqual(used);
      expect(await apiKeys.listApiKeys(key.tenantId)).toHaveLength(1);
    });

    it('returns copies: changing a returned key does not change the stored one', async () => {
      const { apiKeys } = stores();
      const key = apiKey(newTenant(), 1);
      const created = await apiKeys.createApiKey(key);
      created.name = 'changed';
      created.createdAt.setUTCFullYear(2000);
      const found = await apiKeys.findApiKeyByHash(key.hash);
      expect(found?.name).toBe('key 1');
      expect(found?.createdAt).toEqual(new Date(Date.UTC(2026, 4, 1, 10, 1)));
    });
  });
}
