/** The CounterStore contract: atomic fixed-window counters shared by every caller of one store. */
import { describe, expect, it } from 'vitest';
import type { CounterStore } from '../../src/core/ports.ts';
import { type FixtureFactory, newId, useContractFixture } from './contract-fixture.ts';

export interface CounterStores {
  counters: CounterStore;
}

const inAMinute = () => new Date(Date.now() + 60_000);

export function describeCounterStoreContract(name: string, factory: FixtureFactory<CounterStores>): void {
  describe(`CounterStore contract: ${name}`, () => {
    const stores = useContractFixture(factory);

    it('adds to each key and returns the values after, in order', async () => {
      const { counters } = stores();
      const [a, b] = [newId('requests'), newId('tokens')];
      expect(
        await counters.increment([
          { key: a, by: 1, expiresAt: inAMinute() },
          { key: b, by: 250, expiresAt: inAMinute() },
        ]),
      ).toEqual([1, 250]);
      expect(
        await counters.increment([
          { key: b, by: 50, expiresAt: inAMinute() },
          { key: a, by: 1, expiresAt: inAMinute() },
        ]),
      ).toEqual([300, 2]);
    });

    it('takes negative amounts (a released reservation) and zero (a look)', async () => {
      const { counters } = stores();
      const key = newId('budget');
      await counters.increment([{ key, by: 900, expiresAt: inAMinute() }]);
      expect(await counters.increment([{ key, by: -400, expiresAt: inAMinute() }])).toEqual([500]);
      expect(await counters.increment([{ key, by: 0, expiresAt: inAMinute() }])).toEqual([500]);
    });

    it('counts every one of many concurrent increments exactly once', async () => {
      const { counters } = stores();
      const key = newId('concurrent');
      const results = await Promise.all(
        Array.from({ length: 40 }, () => counters.increment([{ key, by: 1, expiresAt: inAMinute() }])),
      );
      const values = results.map(([value]) => value).sort((left, right) => left! - right!);
      expect(values).toEqual(Array.from({ length: 40 }, (_, index) => index + 1));
    });

    it('keeps keys apart, whatever characters they hold', async () => {
      const { counters } = stores();
      const base = newId('keys');
      const keys = [`${base}#a`, `${base}%23a`, `${base}:a`, `${base}/ä ✓`];
      const values = await counters.increment(
        keys.map((key, index) => ({ key, by: index + 1, expiresAt: inAMinute() })),
      );
      expect(values).toEqual([1, 2, 3, 4]);
    });

    it('answers an empty call with no values', async () => {
      expect(await stores().counters.increment([])).toEqual([]);
    });

    it('refuses fractional amounts, empty keys and repeated keys, changing nothing', async () => {
      const { counters } = stores();
      const key = newId('bad');
      await expect(counters.increment([{ key, by: 1.5, expiresAt: inAMinute() }])).rejects.toThrow(
        /whole number/,
      );
      await expect(counters.increment([{ key: '', by: 1, expiresAt: inAMinute() }])).rejects.toThrow(/key/);
      await expect(
        counters.increment([
          { key, by: 1, expiresAt: inAMinute() },
          { key, by: 1, expiresAt: inAMinute() },
        ]),
      ).rejects.toThrow(/twice/);
      expect(await counters.increment([{ key, by: 0, expiresAt: inAMinute() }])).toEqual([0]);
    });
  });
}
