import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, GodwitError, ValidationError } from '../../core/errors.ts';
import { FileBlobStore } from './file-blob-store.ts';

describe('FileBlobStore', () => {
  let root: string;
  let blobs: FileBlobStore;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'godwit-fs-'));
    blobs = new FileBlobStore({ root: join(root, 'store') });
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('keeps the bytes as a plain file under objects/ and leaves no partial files behind', async () => {
    await blobs.put('acme/kb/handbook.md', new TextEncoder().encode('# Handbook'), 'text/markdown');
    expect(await readFile(join(root, 'store', 'objects', 'acme', 'kb', 'handbook.md'), 'utf8')).toBe(
      '# Handbook',
    );
    expect(await readdir(join(root, 'store', '.partial'))).toEqual([]);
  });

  it('writes one file when the extension gives the content type, a types/ file beside it otherwise', async () => {
    await blobs.put('acme/kb/handbook.md', new TextEncoder().encode('# Handbook'), 'text/markdown');
    await blobs.put('acme/kb/REPORT.PDF', new Uint8Array([37, 80, 68, 70]), 'application/pdf');
    await blobs.put('acme/kb/notes.txt', new TextEncoder().encode('# Notes'), 'text/markdown');
    await blobs.put('acme/kb/no-extension', new TextEncoder().encode('a,b'), 'text/csv');
    expect((await readdir(join(root, 'store', 'types', 'acme', 'kb'))).sort()).toEqual([
      'no-extension',
      'notes.txt',
    ]);
    expect(await readFile(join(root, 'store', 'types', 'acme', 'kb', 'notes.txt'), 'utf8')).toBe(
      'text/markdown',
    );
    expect((await blobs.get('acme/kb/handbook.md'))?.contentType).toBe('text/markdown');
    expect((await blobs.get('acme/kb/REPORT.PDF'))?.contentType).toBe('application/pdf');
    expect((await blobs.get('acme/kb/notes.txt'))?.contentType).toBe('text/markdown');
    expect((await blobs.get('acme/kb/no-extension'))?.contentType).toBe('text/csv');
  });

  it('drops the types/ file when a key is written again with the type its extension gives', async () => {
    await blobs.put('kb/notes.txt', new TextEncoder().encode('# Notes'), 'text/markdown');
    await blobs.put('kb/notes.txt', new TextEncoder().encode('plain now'), 'text/plain');
    expect(await readdir(join(root, 'store', 'types', 'kb'))).toEqual([]);
    const stored = await blobs.get('kb/notes.txt');
    expect(stored?.contentType).toBe('text/plain');
    expect(new TextDecoder().decode(stored!.bytes)).toBe('plain now');
  });

  it('reads, overwrites and deletes blobs of a data dir written with a types/ file for every blob', async () => {
    // The layout before the extension rule: the bytes under objects/, the type under types/, whatever
    // the key (Godwit's keys then ended in a hash, with no extension).
    const store = join(root, 'store');
    const key = 'default/kb-1/0123456789abcdef-'.concat('a'.repeat(64));
    await mkdir(join(store, 'objects', 'default', 'kb-1'), { recursive: true });
    await mkdir(join(store, 'types', 'default', 'kb-1'), { recursive: true });
    await writeFile(join(store, 'objects', key), '# Leave');
    await writeFile(join(store, 'types', key), 'text/markdown');
    await writeFile(join(store, 'objects', 'default', 'kb-1', 'old.md'), 'plain text, named .md');
    await writeFile(join(store, 'types', 'default', 'kb-1', 'old.md'), 'text/plain');

    expect((await blobs.get(key))?.contentType).toBe('text/markdown');
    expect(new TextDecoder().decode((await blobs.get(key))!.bytes)).toBe('# Leave');
    // Its types/ file wins over the extension.
    expect((await blobs.get('default/kb-1/old.md'))?.contentType).toBe('text/plain');

    await blobs.delete(key);
    expect(await blobs.get(key)).toBeUndefined();
    await expect(readFile(join(store, 'types', key))).rejects.toMatchObject({ code: 'ENOENT' });
    await blobs.put('default/kb-1/old.md', new TextEncoder().encode('# Now Markdown'), 'text/markdown');
    expect((await blobs.get('default/kb-1/old.md'))?.contentType).toBe('text/markdown');
  });

  it('writes small and large blobs alike, each replacing the other under one key', async () => {
    const large = new Uint8Array(300 * 1024).map((_, index) => index % 251);
    await blobs.put('kb/big.pdf', large, 'application/pdf');
    await blobs.put('kb/big-typed', large, 'application/pdf');
    expect(Array.from((await blobs.get('kb/big.pdf'))!.bytes)).toEqual(Array.from(large));
    expect((await blobs.get('kb/big-typed'))?.contentType).toBe('application/pdf');
    await blobs.put('kb/big.pdf', new Uint8Array([1, 2]), 'application/pdf');
    expect(Array.from((await blobs.get('kb/big.pdf'))!.bytes)).toEqual([1, 2]);
    await blobs.put('kb/big.pdf', large, 'text/plain');
    expect((await blobs.get('kb/big.pdf'))?.contentType).toBe('text/plain');
    expect((await blobs.get('kb/big.pdf'))!.bytes.byteLength).toBe(large.byteLength);
    expect(await readdir(join(root, 'store', '.partial'))).toEqual([]);
  });

  describe('the event loop during a batch of small blobs', () => {
    const small = new TextEncoder().encode('# Note');

    /**
     * A store whose clock moves `stepMs` at each reading, and counts them: the budget reads it before and
     * after each synchronous call, so every such call looks like `stepMs` of disk time.
     */
    function storeWithClock(folder: string, stepMs: number, synchronousBudgetMs?: number) {
      const clock = { now: 0, readings: 0 };
      const store = new FileBlobStore({
        root: join(root, folder),
        ...(synchronousBudgetMs === undefined ? {} : { synchronousBudgetMs }),
        now: () => {
          clock.readings++;
          clock.now += stepMs;
          return clock.now;
        },
      });
      return { store, clock };
    }

    /** Puts `count` small blobs at once, as a batch does; what had happened when the next turn began. */
    async function firstTurnOfBatch(
      store: FileBlobStore,
      clock: { readings: number },
      count: number,
    ): Promise<{ finished: number; synchronousCalls: number }> {
      // The store's folders exist, and the turn the batch starts in has spent nothing yet.
      await store.put('kb/warm-up.md', small, 'text/markdown');
      await new Promise((resolve) => setImmediate(resolve));
      const readingsBefore = clock.readings;
      let finished = 0;
      let firstTurn = { finished: -1, synchronousCalls: -1 };
      setImmediate(() => {
        firstTurn = { finished, synchronousCalls: (clock.readings - readingsBefore) / 2 };
      });
      await Promise.all(
        Array.from({ length: count }, (_, index) =>
          store.put(`kb/note-${index}.md`, small, 'text/markdown').then(() => {
            finished++;
          }),
        ),
      );
      await new Promise((resolve) => setImmediate(resolve));
      for (let index = 0; index < count; index++) {
        expect(new TextDecoder().decode((await store.get(`kb/note-${index}.md`))!.bytes)).toBe('# Note');
      }
      return firstTurn;
    }

    it('writes them synchronously while the turn has budget left', async () => {
      const { store, clock } = storeWithClock('fast', 0);
      // Three calls a put: write, rename, and the removal of a stale types/ file.
      expect(await firstTurnOfBatch(store, clock, 20)).toEqual({ finished: 20, synchronousCalls: 60 });
    });

    it('makes the remaining calls asynchronously once the turn has spent its budget, so other work runs', async () => {
      // Half a millisecond a call on a slow disk: a budget of 4 ms allows eight calls in a turn.
      const { store, clock } = storeWithClock('slow', 0.5, 4);
      const firstTurn = await firstTurnOfBatch(store, clock, 20);
      expect(firstTurn.synchronousCalls).toBe(8);
      expect(firstTurn.finished).toBeLessThan(20);
    });

    it('writes every blob asynchronously with a budget of 0', async () => {
      const { store, clock } = storeWithClock('none', 0.5, 0);
      expect(await firstTurnOfBatch(store, clock, 5)).toEqual({ finished: 0, synchronousCalls: 0 });
    });

    it('refuses a budget that is not a number of milliseconds, naming the option', () => {
      expect(() => new FileBlobStore({ root, synchronousBudgetMs: -1 })).toThrow(
        /FileBlobStore synchronousBudgetMs must be a number of milliseconds, 0 or more; got -1/,
      );
    });
  });

  it('makes its folders again when they are removed between two writes', async () => {
    await blobs.put('kb/a.md', new TextEncoder().encode('a'), 'text/markdown');
    await rm(join(root, 'store'), { recursive: true });
    await blobs.put('kb/b.md', new TextEncoder().encode('b'), 'text/markdown');
    await blobs.put('kb/c', new TextEncoder().encode('c'), 'text/plain');
    await rm(join(root, 'store'), { recursive: true });
    await blobs.put('kb/large', new Uint8Array(100 * 1024), 'text/plain');
    expect((await blobs.get('kb/large'))?.bytes.byteLength).toBe(100 * 1024);
    await blobs.put('kb/b.md', new TextEncoder().encode('b'), 'text/markdown');
    await blobs.put('kb/c', new TextEncoder().encode('c'), 'text/plain');
    expect(new TextDecoder().decode((await blobs.get('kb/b.md'))!.bytes)).toBe('b');
    expect((await blobs.get('kb/c'))?.contentType).toBe('text/plain');
    expect(await blobs.get('kb/a.md')).toBeUndefined();
  });

  it('never writes outside its root, whatever the key', async () => {
    for (const key of ['../escape', 'a/../../escape', '/tmp/escape']) {
      await expect(blobs.put(key, new Uint8Array([1]), 'text/plain')).rejects.toBeInstanceOf(ValidationError);
    }
    expect(await readdir(root)).toEqual([]);
  });

  it('falls back to application/octet-stream when the content type file is gone', async () => {
    await blobs.put('a.bin', new Uint8Array([7]), 'image/png');
    await rm(join(root, 'store', 'types', 'a.bin'));
    expect((await blobs.get('a.bin'))?.contentType).toBe('application/octet-stream');
  });

  it('reports a key that clashes with a folder of another key as a conflict', async () => {
    await blobs.put('reports/2026', new Uint8Array([1]), 'text/plain');
    await expect(blobs.put('reports/2026/q1', new Uint8Array([2]), 'text/plain')).rejects.toBeInstanceOf(
      ConflictError,
    );
    await blobs.put('folder/inner', new Uint8Array([3]), 'text/plain');
    await expect(blobs.put('folder', new Uint8Array([4]), 'text/plain')).rejects.toBeInstanceOf(
      ConflictError,
    );
    expect(await blobs.get('folder')).toBeUndefined();
    expect(Array.from((await blobs.get('reports/2026'))!.bytes)).toEqual([1]);
    expect(await readdir(join(root, 'store', '.partial'))).toEqual([]);
  });

  it('reports a root that is not a folder as its own error, not a cleanup failure', async () => {
    await writeFile(join(root, 'store'), 'a file where the folder should be');
    await expect(blobs.put('kb/a.md', new Uint8Array([1]), 'text/markdown')).rejects.toBeInstanceOf(
      GodwitError,
    );
    await expect(blobs.put('kb/a', new Uint8Array([1]), 'text/plain')).rejects.toBeInstanceOf(GodwitError);
  });

  it('requires a content type', async () => {
    await expect(blobs.put('a', new Uint8Array([1]), ' ')).rejects.toBeInstanceOf(ValidationError);
  });

  it('reads a blob written by another instance on the same root', async () => {
    await blobs.put('shared/file.txt', new TextEncoder().encode('hello'), 'text/plain');
    const other = new FileBlobStore({ root: join(root, 'store') });
    expect(new TextDecoder().decode((await other.get('shared/file.txt'))!.bytes)).toBe('hello');
    await writeFile(join(root, 'store', 'objects', 'shared', 'file.txt'), 'changed on disk');
    expect(new TextDecoder().decode((await other.get('shared/file.txt'))!.bytes)).toBe('changed on disk');
  });

  describe('collecting what a killed process left (unnamedKeys)', () => {
    const bytes = (text: string) => new TextEncoder().encode(text);
    /** What a process killed mid-ingest leaves: two blobs, one with a types/ file, and a partial write. */
    const leaveBehind = async () => {
      await blobs.put('acme/kb/named.pdf', bytes('%PDF named'), 'application/pdf');
      await blobs.put('acme/kb/lost.pdf', bytes('%PDF lost'), 'application/pdf');
      await blobs.put('acme/kb/lost-typed', bytes('a,b'), 'text/csv');
      await mkdir(join(root, 'store', '.partial'), { recursive: true });
      await writeFile(join(root, 'store', '.partial', 'left.data'), 'half a file');
    };
    const text = async (store: FileBlobStore, key: string) => {
      const blob = await store.get(key);
      return blob && new TextDecoder().decode(blob.bytes);
    };

    it('deletes the blobs nothing names and the partial writes before its first put, once', async () => {
      await leaveBehind();
      const asked: string[][] = [];
      const store = new FileBlobStore({
        root: join(root, 'store'),
        unnamedKeys: async (keys) => {
          asked.push([...keys].sort());
          return keys.filter((key) => key !== 'acme/kb/named.pdf');
        },
      });
      // Reading collects nothing.
      expect(await text(store, 'acme/kb/lost.pdf')).toBe('%PDF lost');
      expect(asked).toEqual([]);

      await store.put('acme/kb/next.md', bytes('# Next'), 'text/markdown');
      await store.put('acme/kb/after.md', bytes('# After'), 'text/markdown');
      expect(asked).toEqual([['acme/kb/lost-typed', 'acme/kb/lost.pdf', 'acme/kb/named.pdf']]);
      expect(await text(store, 'acme/kb/named.pdf')).toBe('%PDF named');
      expect(await text(store, 'acme/kb/next.md')).toBe('# Next');
      expect(await text(store, 'acme/kb/after.md')).toBe('# After');
      expect(await store.get('acme/kb/lost.pdf')).toBeUndefined();
      expect(await store.get('acme/kb/lost-typed')).toBeUndefined();
      expect(await readdir(join(root, 'store', 'types', 'acme', 'kb'))).toEqual([]);
      expect(await readdir(join(root, 'store', '.partial'))).toEqual([]);
    });

    it('collects when asked before any put, once, and then its own first put asks nothing', async () => {
      await leaveBehind();
      let calls = 0;
      const store = new FileBlobStore({
        root: join(root, 'store'),
        unnamedKeys: async (keys) => {
          calls++;
          return keys.filter((key) => key !== 'acme/kb/named.pdf');
        },
      });
      await Promise.all([store.collectUnnamed(), store.collectUnnamed()]);
      expect(calls).toBe(1);
      expect(await store.get('acme/kb/lost.pdf')).toBeUndefined();
      expect(await text(store, 'acme/kb/named.pdf')).toBe('%PDF named');
      expect(existsSync(join(root, 'store', '.partial'))).toBe(false);
      await store.put('acme/kb/next.md', bytes('# Next'), 'text/markdown');
      expect(calls).toBe(1);
      expect(await text(store, 'acme/kb/next.md')).toBe('# Next');
    });

    it('without unnamedKeys, collecting does nothing', async () => {
      await leaveBehind();
      await blobs.collectUnnamed();
      expect(await text(blobs, 'acme/kb/lost.pdf')).toBe('%PDF lost');
      expect(await readdir(join(root, 'store', '.partial'))).toEqual(['left.data']);
    });

    it('asks about a types/ file whose blob was never moved into place', async () => {
      await mkdir(join(root, 'store', 'types', 'acme', 'kb'), { recursive: true });
      await writeFile(join(root, 'store', 'types', 'acme', 'kb', 'orphan'), 'text/csv');
      const store = new FileBlobStore({ root: join(root, 'store'), unnamedKeys: async (keys) => keys });
      await store.put('acme/kb/next.md', bytes('# Next'), 'text/markdown');
      expect(await readdir(join(root, 'store', 'types', 'acme', 'kb'))).toEqual([]);
    });

    it('keeps everything, and still writes, when the question fails', async () => {
      await leaveBehind();
      const store = new FileBlobStore({
        root: join(root, 'store'),
        unnamedKeys: async () => {
          throw new Error('database closed');
        },
      });
      await store.put('acme/kb/next.md', bytes('# Next'), 'text/markdown');
      expect(await text(store, 'acme/kb/next.md')).toBe('# Next');
      expect(await text(store, 'acme/kb/lost.pdf')).toBe('%PDF lost');
      expect(await text(store, 'acme/kb/named.pdf')).toBe('%PDF named');
    });

    it('asks in groups on a large store, and on a new root asks nothing', async () => {
      const many = Array.from(
        { length: 5_003 },
        (_, index) => `acme/kb/${String(index).padStart(5, '0')}.md`,
      );
      const objects = join(root, 'store', 'objects', 'acme', 'kb');
      await mkdir(objects, { recursive: true });
      for (const key of many) await writeFile(join(objects, key.split('/')[2]!), '#');
      const groups: number[] = [];
      const store = new FileBlobStore({
        root: join(root, 'store'),
        unnamedKeys: async (keys) => {
          groups.push(keys.length);
          return keys.filter((key) => key.endsWith('1.md'));
        },
      });
      await store.put('acme/kb/next.md', bytes('# Next'), 'text/markdown');
      expect(groups.sort((a, b) => a - b)).toEqual([3, 5_000]);
      expect((await readdir(objects)).length).toBe(5_003 - 501 + 1);

      let calls = 0;
      const fresh = new FileBlobStore({
        root: join(root, 'fresh'),
        unnamedKeys: async (keys) => {
          calls++;
          return keys;
        },
      });
      await fresh.put('acme/kb/first.md', bytes('# First'), 'text/markdown');
      expect(calls).toBe(0);
      expect(await text(fresh, 'acme/kb/first.md')).toBe('# First');
    });
  });
});
