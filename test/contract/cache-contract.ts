/** The Cache contract: get/set/delete, and expiry where the fixture declares it can move the adapter's clock. */
import { describe, expect, it } from 'vitest';
import type { Cache } from '../../src/core/ports.ts';
import {
  type Capabilities,
  type FixtureFactory,
  itHasDeclaredCapabilities,
  newId,
  useContractFixture,
} from './contract-fixture.ts';

export interface CacheStores {
  cache: Cache;
  /** Moves the cache's clock forward; adapters whose clock cannot be moved omit it. */
  advanceSeconds?: (seconds: number) => void | Promise<void>;
}

/** `expiry`: the fixture gives `advanceSeconds`, so values set with a TTL are seen to expire. */
export type CacheCapabilities = Capabilities<'expiry'>;

function advance(stores: CacheStores, seconds: number): void | Promise<void> {
  if (!stores.advanceSeconds)
    throw new Error('The suite declared expiry, but the fixture has no advanceSeconds.');
  return stores.advanceSeconds(seconds);
}

export function describeCacheContract(
  name: string,
  factory: FixtureFactory<CacheStores>,
  capabilities: CacheCapabilities,
): void {
  describe(`Cache contract: ${name}`, () => {
    const stores = useContractFixture(factory);

    itHasDeclaredCapabilities(stores, capabilities, ({ advanceSeconds }) => ({
      expiry: typeof advanceSeconds === 'function',
    }));

    it('stores, overwrites and deletes values', async () => {
      const { cache } = stores();
      const key = newId('key');
      expect(await cache.get(key)).toBeUndefined();
      await cache.set(key, 'one');
      expect(await cache.get(key)).toBe('one');
      await cache.set(key, '');
      expect(await cache.get(key)).toBe('');
      await cache.delete(key);
      expect(await cache.get(key)).toBeUndefined();
      await expect(cache.delete(key)).resolves.toBeUndefined();
    });

    it('keeps keys that share a prefix apart', async () => {
      const { cache } = stores();
      const key = newId('key');
      await cache.set(key, 'short');
      await cache.set(`${key}:long`, 'long');
      expect(await cache.get(key)).toBe('short');
      expect(await cache.get(`${key}:long`)).toBe('long');
    });

    it.runIf(capabilities.expiry)('keeps a value with a TTL until it expires', async () => {
      const { cache } = stores();
      const key = newId('ttl');
      await cache.set(key, 'fresh', 60);
      expect(await cache.get(key)).toBe('fresh');
      await advance(stores(), 59);
      expect(await cache.get(key)).toBe('fresh');
      await advance(stores(), 2);
      expect(await cache.get(key)).toBeUndefined();
    });

    it.runIf(capabilities.expiry)('forgets the old TTL when a value is set again without one', async () => {
      const { cache } = stores();
      const key = newId('ttl');
      await cache.set(key, 'short-lived', 1);
      await cache.set(key, 'kept');
      await advance(stores(), 3600);
      expect(await cache.get(key)).toBe('kept');
    });
  });
}
