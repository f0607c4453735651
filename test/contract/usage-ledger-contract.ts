/** The UsageLedger contract: daily totals, honest about unpriced calls, per tenant. */
import { describe, expect, it } from 'vitest';
import type { UsageLedger } from '../../src/core/ports.ts';
import type { UsageEntry } from '../../src/core/types.ts';
import {
  type Capabilities,
  declaredMethod,
  type FixtureFactory,
  itHasDeclaredCapabilities,
  newId,
  newTenant,
  useContractFixture,
} from './contract-fixture.ts';

export interface UsageStores {
  usage: UsageLedger;
}

/** `recordMany`: the ledger writes several entries in one call. */
export type UsageLedgerCapabilities = Capabilities<'recordMany'>;

function entry(tenantId: string, overrides: Partial<UsageEntry>): UsageEntry {
  return {
    id: newId('usage'),
    tenantId,
    apiKeyId: null,
    userId: null,
    model: 'openai:gpt-4.1-mini',
    operation: 'chat',
    inputTokens: 100,
    outputTokens: 10,
    cachedTokens: 0,
    costUsd: 0.001,
    latencyMs: 250,
    outcome: 'ok',
    createdAt: new Date('2026-03-01T12:00:00Z'),
    ...overrides,
  };
}

export function describeUsageLedgerContract(
  name: string,
  factory: FixtureFactory<UsageStores>,
  capabilities: UsageLedgerCapabilities,
): void {
  describe(`UsageLedger contract: ${name}`, () => {
    const stores = useContractFixture(factory);

    itHasDeclaredCapabilities(stores, capabilities, ({ usage }) => ({
      recordMany: typeof usage.recordMany === 'function',
    }));

    it('groups by UTC day, model and API key, ordered by day, model and key (no key first)', async () => {
      const { usage } = stores();
      const tenant = newTenant();
      await usage.record(
        entry(tenant, { createdAt: new Date('2026-03-01T23:59:59.999Z'), inputTokens: 5, outputTokens: 1 }),
      );
      await usage.record(
        entry(tenant, { createdAt: new Date('2026-03-01T00:00:00Z'), inputTokens: 7, outputTokens: 2 }),
      );
      await usage.record(entry(tenant, { createdAt: new Date('2026-03-02T00:00:00Z') }));
      await usage.record(entry(tenant, { apiKeyId: 'key-b' }));
      await usage.record(entry(tenant, { apiKeyId: 'key-a', model: 'bedrock:titan', costUsd: 0.5 }));
      const rows = await usage.summarize(tenant);
      expect(rows.map((row) => [row.day, row.model, row.apiKeyId, row.calls])).toEqual([
        ['2026-03-01', 'bedrock:titan', 'key-a', 1],
        ['2026-03-01', 'openai:gpt-4.1-mini', null, 2],
        ['2026-03-01', 'openai:gpt-4.1-mini', 'key-b', 1],
        ['2026-03-02', 'openai:gpt-4.1-mini', null, 1],
      ]);
      expect(rows[1]).toMatchObject({ inputTokens: 12, outputTokens: 3, unpricedCalls: 0 });
      expect(rows[1]!.costUsd).toBeCloseTo(0.002, 12);
      expect(rows[0]!.costUsd).toBeCloseTo(0.5, 12);
    });

    it.runIf(capabilities.recordMany)(
      'records several rows in one write, keeping the first of a repeated id, all or none',
      async () => {
        const { usage } = stores();
        const recordMany = declaredMethod(usage, 'recordMany');
        const tenant = newTenant();
        const repeated = entry(tenant, { inputTokens: 1 });
        await recordMany([repeated, entry(tenant, { inputTokens: 2 }), { ...repeated, inputTokens: 50 }]);
        await recordMany([{ ...repeated, inputTokens: 100 }]);
        expect((await usage.summarize(tenant))[0]).toMatchObject({ calls: 2, inputTokens: 3 });
        await expect(recordMany([entry(tenant, {}), entry(tenant, { id: '' })])).rejects.toThrow();
        expect((await usage.summarize(tenant))[0]).toMatchObject({ calls: 2 });
      },
    );

    it.runIf(capabilities.recordMany)(
      'records text exactly as given in one write, whatever characters it holds',
      async () => {
        const { usage } = stores();
        const recordMany = declaredMethod(usage, 'recordMany');
        const tenant = newTenant();
        const odd = ['tab\there', 'line\nbreak\r\n', 'back\\slash', '\\N', '\\.', 'ünï 🐦', ''];
        await recordMany(
          odd.map((text, i) =>
            entry(tenant, {
              model: `m${i}:${text}`,
              apiKeyId: text,
              userId: text,
              costUsd: i === 0 ? null : 1e-7 * i,
              latencyMs: 0.125,
            }),
          ),
        );
        const rows = await usage.summarize(tenant);
        const seen = rows.map((row) => [row.model, row.apiKeyId, row.userId, row.unpricedCalls]);
        expect(seen).toEqual(odd.map((text, i) => [`m${i}:${text}`, text, text, i === 0 ? 1 : 0]));
        expect(rows[0]!.costUsd).toBeNull();
        expect(rows[3]!.costUsd).toBeCloseTo(3e-7, 15);
      },
    );

    it('keeps usage per user: rows by user, one user on request, older rows without a user', async () => {
      const { usage } = stores();
      const tenant = newTenant();
      await usage.record(entry(tenant, { userId: 'discord:111', inputTokens: 3 }));
      await usage.record(entry(tenant, { userId: 'discord:111', inputTokens: 4 }));
      await usage.record(entry(tenant, { userId: 'slack:T1:U2', inputTokens: 5 }));
      await usage.record(entry(tenant, { userId: 'key:k1', apiKeyId: 'k1', inputTokens: 6 }));
      await usage.record(entry(tenant, { inputTokens: 7 }));
      const rows = await usage.summarize(tenant);
      expect(rows.map((row) => [row.apiKeyId, row.userId, row.calls, row.inputTokens])).toEqual([
        [null, null, 1, 7],
        [null, 'discord:111', 2, 7],
        [null, 'slack:T1:U2', 1, 5],
        ['k1', 'key:k1', 1, 6],
      ]);
      const mine = await usage.summarize(tenant, { userId: 'discord:111' });
      expect(mine).toEqual([expect.objectContaining({ userId: 'discord:111', calls: 2, inputTokens: 7 })]);
      expect(await usage.summarize(tenant, { userId: 'discord:999' })).toEqual([]);
      expect(await usage.summarize(newTenant(), { userId: 'discord:111' })).toEqual([]);
    });

    it.runIf(capabilities.recordMany)('keeps the user of rows written together', async () => {
      const { usage } = stores();
      const recordMany = declaredMethod(usage, 'recordMany');
      const tenant = newTenant();
      await recordMany([entry(tenant, { userId: 'discord:1' }), entry(tenant, { userId: 'slack:T:U' })]);
      expect((await usage.summarize(tenant)).map((row) => row.userId)).toEqual(['discord:1', 'slack:T:U']);
    });

    it('never counts an unknown price as zero', async () => {
      const { usage } = stores();
      const tenant = newTenant();
      await usage.record(entry(tenant, { model: 'mixed', costUsd: 0.25 }));
      await usage.record(entry(tenant, { model: 'mixed', costUsd: null }));
      await usage.record(entry(tenant, { model: 'mixed', costUsd: 0 }));
      await usage.record(entry(tenant, { model: 'unpriced', costUsd: null }));
      await usage.record(entry(tenant, { model: 'unpriced', costUsd: null }));
      const rows = await usage.summarize(tenant);
      expect(rows).toEqual([
        expect.objectContaining({ model: 'mixed', calls: 3, costUsd: 0.25, unpricedCalls: 1 }),
        expect.objectContaining({ model: 'unpriced', calls: 2, costUsd: null, unpricedCalls: 2 }),
      ]);
    });

    it('limits to a window, from inclusive and to exclusive', async () => {
      const { usage } = stores();
      const tenant = newTenant();
      for (const day of ['2026-04-01', '2026-04-02', '2026-04-03']) {
        await usage.record(entry(tenant, { createdAt: new Date(`${day}T00:00:00Z`) }));
      }
      const rows = await usage.summarize(tenant, {
        from: new Date('2026-04-02T00:00:00Z'),
        to: new Date('2026-04-03T00:00:00Z'),
      });
      expect(rows.map((row) => row.day)).toEqual(['2026-04-02']);
      expect(
        (await usage.summarize(tenant, { from: new Date('2026-04-02T00:00:00Z') })).map((row) => row.day),
      ).toEqual(['2026-04-02', '2026-04-03']);
    });

    it('records an entry id once, so a retried write does not double-count', async () => {
      const { usage } = stores();
      const tenant = newTenant();
      const once = entry(tenant, {});
      await usage.record(once);
      await usage.record({ ...once, inputTokens: 999 });
      expect(await usage.summarize(tenant)).toEqual([
        expect.objectContaining({ calls: 1, inputTokens: 100 }),
      ]);
    });

    it("keeps each tenant's usage to itself", async () => {
      const { usage } = stores();
      const tenantA = newTenant();
      const tenantB = newTenant();
      await usage.record(entry(tenantA, {}));
      expect(await usage.summarize(tenantB)).toEqual([]);
      const shared = entry(tenantB, {});
      await usage.record(shared);
      await usage.record({ ...shared, tenantId: tenantA });
      expect((await usage.summarize(tenantA))[0]!.calls).toBe(2);
      expect((await usage.summarize(tenantB))[0]!.calls).toBe(1);
    });
  });
}
