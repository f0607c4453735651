import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../core/errors.ts';
import { MemoryCache } from './memory-cache.ts';

describe('MemoryCache', () => {
  it('evicts the least recently used entry beyond maxEntries', async () => {
    const cache = new MemoryCache({ maxEntries: 2 });
    await cache.set('a', '1');
    await cache.set('b', '2');
    expect(await cache.get('a')).toBe('1');
    await cache.set('c', '3');
    expect(await cache.get('b')).toBeUndefined();
    expect(await cache.get('a')).toBe('1');
    expect(await cache.get('c')).toBe('3');
  });

  it('expires on the injected clock, at the TTL boundary', async () => {
    let now = 1_000;
    const cache = new MemoryCache({ now: () => now });
    await cache.set('k', 'v', 2);
    now += 1_999;
    expect(await cache.get('k')).toBe('v');
    now += 1;
    expect(await cache.get('k')).toBeUndefined();
  });

  it('rejects a TTL that is not a positive number and a bad size', async () => {
    const cache = new MemoryCache();
    for (const ttl of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      await expect(cache.set('k', 'v', ttl)).rejects.toBeInstanceOf(ValidationError);
    }
    expect(await cache.get('k')).toBeUndefined();
    expect(() => new MemoryCache({ maxEntries: 0 })).toThrow(ValidationError);
  });
});
