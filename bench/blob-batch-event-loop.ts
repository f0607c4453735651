/**
 * The event loop while a batch of small originals is kept: 200 blobs of 1.5 KB put at once through
 * `FileBlobStore` (as a folder ingest keeps a batch's originals), on a fresh folder. Reports the batch's time and
 * the longest turn of the event loop during it, read by a chain of `setImmediate` callbacks (a turn that
 * never yields shows as one long gap).
 *
 *   npx tsx bench/blob-batch-event-loop.ts [--repo /path/to/other/checkout] [--dir /folder/on/the/disk] [--repetitions 3]
 *
 * --repo runs another checkout's `FileBlobStore` (its sources, this process), for a before/after in one run;
 * --dir says where the blobs go (default: the system's temporary folder). File creation speed varies a lot
 * between disks, and on a virtual disk also over time, so runs of two builds should alternate.
 * Prints one JSON document on stdout.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { describeMachine, describeSource, median, printResult, round } from './support/index.ts';

const REPOSITORY = resolve(fileURLToPath(new URL('..', import.meta.url)));
const BLOBS = 200;
const BLOB_BYTES = 1500;

interface BlobStoreLike {
  put(key: string, bytes: Uint8Array, contentType: string): Promise<void>;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      repo: { type: 'string', default: REPOSITORY },
      dir: { type: 'string', default: tmpdir() },
      repetitions: { type: 'string', default: '3' },
    },
  });
  const repository = resolve(values.repo);
  const { FileBlobStore } = (await import(join(repository, 'src', 'storage', 'fs', 'index.ts'))) as {
    FileBlobStore: new (options: { root: string }) => BlobStoreLike;
  };
  const samples: { batchMs: number; longestTurnMs: number }[] = [];
  for (let repetition = 0; repetition < Number(values.repetitions); repetition++) {
    const folder = mkdtempSync(join(values.dir, 'godwit-blob-batch-'));
    try {
      samples.push(await oneBatch(new FileBlobStore({ root: join(folder, 'blobs') })));
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  }
  printResult({
    benchmark: 'blob-batch-event-loop',
    date: new Date().toISOString(),
    machine: describeMachine(),
    source: describeSource(),
    repository,
    folder: values.dir,
    workload: { blobs: BLOBS, bytesEach: BLOB_BYTES },
    median: {
      batchMs: round(median(samples.map((sample) => sample.batchMs)), 1),
      longestTurnMs: round(median(samples.map((sample) => sample.longestTurnMs)), 1),
    },
    samples,
  });
}

async function oneBatch(store: BlobStoreLike): Promise<{ batchMs: number; longestTurnMs: number }> {
  const bytes = new TextEncoder().encode('x'.repeat(BLOB_BYTES));
  // The store's folders exist, as they do after a first batch.
  await store.put('kb/warm-up.md', bytes, 'text/markdown');
  await new Promise((resolveTurn) => setImmediate(resolveTurn));
  let last = performance.now();
  let longestTurnMs = 0;
  let running = true;
  const tick = () => {
    const now = performance.now();
    longestTurnMs = Math.max(longestTurnMs, now - last);
    last = now;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: BLOBS }, (_, index) => store.put(`kb/note-${index}.md`, bytes, 'text/markdown')),
  );
  const batchMs = performance.now() - started;
  // One more turn, so that a batch that never yielded is measured as the turn it held.
  await new Promise((resolveTurn) => setImmediate(resolveTurn));
  running = false;
  return { batchMs: round(batchMs, 1), longestTurnMs: round(longestTurnMs, 1) };
}

await main();
