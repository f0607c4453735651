/**
 * A Lambda function's services write each usage row at once. An instance serves one request at a time and
 * each answer waits for its own row, so the server's grouping window (rows of 20 ms share a write) could
 * only delay the next answer. The services are built as the function builds them (`lambdaGodwitOptions`
 * through `openAdapters` and `assembleServices`), over an in-memory ledger. The window waits on
 * `setTimeout`, which the test holds still: nothing here is timed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  assembleServices,
  type CreateGodwitOptions,
  loadConfig,
  openAdapters,
} from '../../src/config/index.ts';
import type { GodwitServices } from '../../src/core/services.ts';
import type { UsageEntry } from '../../src/core/types.ts';
import { lambdaGodwitOptions } from '../../src/runtime/lambda.ts';
import { MemoryUsageLedger } from '../../src/storage/memory/memory-usage-ledger.ts';

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'godwit-ledger-window-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});
afterEach(() => {
  vi.useRealTimers();
});

let sequence = 0;
const entry = (): UsageEntry => ({
  id: `usage-${++sequence}`,
  tenantId: 'default',
  apiKeyId: null,
  userId: null,
  model: 'openai:gpt-4.1-mini',
  operation: 'chat',
  inputTokens: 10,
  outputTokens: 2,
  cachedTokens: 0,
  costUsd: 0.001,
  latencyMs: 5,
  outcome: 'ok',
  createdAt: new Date('2026-12-07T12:00:00Z'),
});

/** Services on a new data dir, their ledger rows kept in memory, built with `options`. */
async function servicesWith(options: CreateGodwitOptions) {
  const dataDir = join(directory, `data-${++sequence}`);
  const env = { GODWIT_DATA_DIR: dataDir, GODWIT_SAMPLE: 'false' };
  const { config } = loadConfig({ env, cwd: directory });
  const parts = await openAdapters(config, { ...options, env });
  const ledger = new MemoryUsageLedger();
  parts.storage.usage = ledger;
  return { services: await assembleServices(parts), ledger };
}

/** Lets a held window end (a row still waiting would hold `close()`), then gives the real timers back. */
async function releaseTimers(): Promise<void> {
  if (vi.isFakeTimers()) await vi.advanceTimersByTimeAsync(20);
  vi.useRealTimers();
}

/** Whether `promise` settles within two turns of the event loop (timers held still). */
async function settlesAtOnce(promise: Promise<unknown>): Promise<boolean> {
  const turns = new Promise<false>((resolve) => setImmediate(() => setImmediate(() => resolve(false))));
  return Promise.race([promise.then(() => true), turns]);
}

/** Records one row, then a second right after it, as two back-to-back requests would. */
async function backToBack(services: GodwitServices): Promise<{ second: Promise<void> }> {
  await services.usage.record(entry());
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  return { second: services.usage.record(entry()) };
}

describe('the usage ledger of a Lambda function', () => {
  it('writes a row that follows another at once, with no grouping window', async () => {
    const { services, ledger } = await servicesWith(lambdaGodwitOptions({}));
    try {
      const { second } = await backToBack(services);
      expect(await settlesAtOnce(second)).toBe(true);
      expect((await ledger.summarize('default'))[0]).toMatchObject({ calls: 2 });
    } finally {
      await releaseTimers();
      await services.close();
    }
  }, 30_000);

  it('while a server lets the next row wait for its window, so that rows under load share writes', async () => {
    const { services, ledger } = await servicesWith({ env: {} });
    try {
      const { second } = await backToBack(services);
      expect(await settlesAtOnce(second)).toBe(false);
      await vi.advanceTimersByTimeAsync(20);
      await second;
      expect((await ledger.summarize('default'))[0]).toMatchObject({ calls: 2 });
    } finally {
      await releaseTimers();
      await services.close();
    }
  }, 30_000);
});
