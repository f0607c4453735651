import { describe, expect, it } from 'vitest';
import { readAhead } from './run-migration.ts';

/** A source of numbered batches that logs when each read starts and whether it was closed. */
function source(count: number, failAt?: number) {
  const log: string[] = [];
  async function* read(): AsyncGenerator<number> {
    try {
      for (let batch = 0; batch < count; batch++) {
        log.push(`read ${batch}`);
        await Promise.resolve();
        if (batch === failAt) throw new Error(`batch ${batch} is unreadable`);
        yield batch;
      }
    } finally {
      log.push('closed');
    }
  }
  return { log, batches: read() };
}

describe('readAhead', () => {
  it('yields every batch in order, reading the next one before the consumer asks', async () => {
    const { log, batches } = source(3);
    const seen: number[] = [];
    for await (const batch of readAhead(batches)) {
      // While batch n is being written, batch n + 1 is already being read.
      await new Promise((resolve) => setImmediate(resolve));
      if (batch < 2) expect(log).toContain(`read ${batch + 1}`);
      seen.push(batch);
      log.push(`wrote ${batch}`);
    }
    expect(seen).toEqual([0, 1, 2]);
    expect(log.indexOf('read 1')).toBeLessThan(log.indexOf('wrote 0'));
    expect(log.filter((entry) => entry === 'closed')).toHaveLength(1);
  });

  it('closes the source when the consumer stops early', async () => {
    const { log, batches } = source(5);
    await expect(
      (async () => {
        for await (const batch of readAhead(batches)) {
          if (batch === 1) throw new Error('the sink failed');
        }
      })(),
    ).rejects.toThrow('the sink failed');
    expect(log).toContain('closed');
    expect(log).not.toContain('read 3');
  });

  it('surfaces a failed read when its batch is due, after the batches before it', async () => {
    const { batches } = source(4, 2);
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const batch of readAhead(batches)) seen.push(batch);
      })(),
    ).rejects.toThrow('batch 2 is unreadable');
    expect(seen).toEqual([0, 1]);
  });
});
