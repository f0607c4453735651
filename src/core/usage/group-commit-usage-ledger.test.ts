import { describe, expect, it } from 'vitest';
import { MemoryUsageLedger } from '../../storage/memory/memory-usage-ledger.ts';
import type { UsageLedger } from '../ports.ts';
import type { UsageEntry } from '../types.ts';
import { GroupCommitUsageLedger } from './group-commit-usage-ledger.ts';

let sequence = 0;
function entry(overrides: Partial<UsageEntry> = {}): UsageEntry {
  sequence += 1;
  return {
    id: `usage-${sequence}`,
    tenantId: 'tenant-a',
    apiKeyId: null,
    userId: null,
    model: 'openai:gpt-4.1-mini',
    operation: 'chat',
    inputTokens: 10,
    outputTokens: 1,
    cachedTokens: 0,
    costUsd: 0.001,
    latencyMs: 5,
    outcome: 'ok',
    createdAt: new Date('2026-03-01T12:00:00Z'),
    ...overrides,
  };
}

/** A ledger that records how it was written to. */
function observedLedger(): { ledger: UsageLedger; writes: number[] } {
  const inner = new MemoryUsageLedger();
  const writes: number[] = [];
  return {
    writes,
    ledger: {
      record: async (row) => {
        writes.push(1);
        await inner.record(row);
      },
      recordMany: async (rows) => {
        writes.push(rows.length);
        await inner.recordMany(rows);
      },
      summarize: (tenantId, query) => inner.summarize(tenantId, query),
    },
  };
}

describe('GroupCommitUsageLedger', () => {
  it('writes the rows recorded in the same moment as one batch, and each caller learns its row is stored', async () => {
    const { ledger, writes } = observedLedger();
    const grouped = new GroupCommitUsageLedger(ledger);
    await Promise.all(Array.from({ length: 20 }, () => grouped.record(entry())));
    expect(writes).toEqual([20]);
    expect((await grouped.summarize('tenant-a'))[0]).toMatchObject({ calls: 20 });
  });

  it("keeps each row's user through a batch", async () => {
    const { ledger, writes } = observedLedger();
    const grouped = new GroupCommitUsageLedger(ledger);
    await Promise.all([
      grouped.record(entry({ userId: 'discord:111' })),
      grouped.record(entry({ userId: 'slack:T1:U1' })),
      grouped.record(entry({ userId: 'discord:111' })),
    ]);
    expect(writes).toEqual([3]);
    const rows = await grouped.summarize('tenant-a', { userId: 'discord:111' });
    expect(rows).toEqual([expect.objectContaining({ userId: 'discord:111', calls: 2 })]);
  });

  it('writes a lone row on its own, and rows arriving during a write in the next one', async () => {
    const { ledger, writes } = observedLedger();
    const grouped = new GroupCommitUsageLedger(ledger);
    const first = grouped.record(entry());
    await new Promise((resolve) => setImmediate(resolve));
    const later = Promise.all([grouped.record(entry()), grouped.record(entry())]);
    await Promise.all([first, later]);
    expect(writes).toEqual([1, 2]);
  });

  it('fails only the row the store refuses when a batch is rejected', async () => {
    const { ledger } = observedLedger();
    const grouped = new GroupCommitUsageLedger(ledger);
    const results = await Promise.allSettled([
      grouped.record(entry()),
      grouped.record(entry({ id: '' })),
      grouped.record(entry()),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((await grouped.summarize('tenant-a'))[0]).toMatchObject({ calls: 2 });
  });

  it('includes every row recorded before a summary in that summary', async () => {
    const { ledger } = observedLedger();
    const grouped = new GroupCommitUsageLedger(ledger);
    void grouped.record(entry({ tenantId: 'tenant-b' }));
    expect((await grouped.summarize('tenant-b'))[0]).toMatchObject({ calls: 1 });
  });

  it('splits a large burst into batches of at most maxBatch rows', async () => {
    const { ledger, writes } = observedLedger();
    const grouped = new GroupCommitUsageLedger(ledger, { maxBatch: 8 });
    await Promise.all(Array.from({ length: 20 }, () => grouped.record(entry())));
    expect(writes).toEqual([8, 8, 4]);
  });

  it('under load, lets the rows of a window share one write; after a quiet spell, writes at once', async () => {
    const { ledger, writes } = observedLedger();
    let clock = 0;
    const grouped = new GroupCommitUsageLedger(ledger, { windowMs: 5, now: () => clock });
    await grouped.record(entry());
    clock = 1;
    const during = [grouped.record(entry())];
    await new Promise((resolve) => setImmediate(resolve));
    during.push(grouped.record(entry()), grouped.record(entry()));
    clock = 6;
    await Promise.all(during);
    clock = 100;
    await grouped.record(entry());
    expect(writes).toEqual([1, 3, 1]);
  });
});
