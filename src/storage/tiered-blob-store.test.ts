import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { smallBlobKeys, useEmbeddedStorage } from '../../test/support/small-blobs.ts';
import { FileBlobStore } from './fs/index.ts';
import { PostgresBlobTable } from './postgres/index.ts';
import { TieredBlobStore } from './tiered-blob-store.ts';

describe('TieredBlobStore: small blobs as rows of the embedded database, larger ones as files', () => {
  const embedded = useEmbeddedStorage();
  let root: string;
  let files: FileBlobStore;
  let blobs: TieredBlobStore;
  const small = new TextEncoder().encode('# Leave policy');
  const large = new Uint8Array(100 * 1024).map((_, index) => index % 251);

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'godwit-tiers-'));
    files = new FileBlobStore({ root });
    blobs = new TieredBlobStore({ small: new PostgresBlobTable(embedded().client), large: files });
    return () => rm(root, { recursive: true, force: true });
  });

  const rows = () => smallBlobKeys(embedded().client);
  const fileOf = (key: string) => join(root, 'objects', ...key.split('/'));

  it('keeps a blob of up to 64 KiB as a row and creates no file for it', async () => {
    await blobs.put('acme/kb/leave.md', small, 'text/markdown');
    expect(await rows()).toEqual(['acme/kb/leave.md']);
    expect(existsSync(fileOf('acme/kb/leave.md'))).toBe(false);
    expect(await blobs.get('acme/kb/leave.md')).toEqual({ bytes: small, contentType: 'text/markdown' });
  });

  it('keeps a larger blob as a file', async () => {
    await blobs.put('acme/kb/report.pdf', large, 'application/pdf');
    expect(await rows()).toEqual([]);
    expect(existsSync(fileOf('acme/kb/report.pdf'))).toBe(true);
    expect(await blobs.get('acme/kb/report.pdf')).toEqual({ bytes: large, contentType: 'application/pdf' });
  });

  it('reads the last bytes written under a key, whichever tier each write went to', async () => {
    await blobs.put('acme/kb/notes.txt', large, 'text/plain');
    await blobs.put('acme/kb/notes.txt', small, 'text/markdown');
    expect(await rows()).toEqual(['acme/kb/notes.txt']);
    expect(await blobs.get('acme/kb/notes.txt')).toEqual({ bytes: small, contentType: 'text/markdown' });
    await blobs.put('acme/kb/notes.txt', large, 'text/plain');
    expect(await rows()).toEqual([]);
    expect(await blobs.get('acme/kb/notes.txt')).toEqual({ bytes: large, contentType: 'text/plain' });
    await blobs.delete('acme/kb/notes.txt');
    expect(await blobs.get('acme/kb/notes.txt')).toBeUndefined();
    expect(existsSync(fileOf('acme/kb/notes.txt'))).toBe(false);
  });

  it('reads a small blob that a data dir written before the tiers keeps as a file', async () => {
    await files.put('acme/kb/old.md', small, 'text/markdown');
    expect(await blobs.get('acme/kb/old.md')).toEqual({ bytes: small, contentType: 'text/markdown' });
    await blobs.delete('acme/kb/old.md');
    expect(await blobs.get('acme/kb/old.md')).toBeUndefined();
    expect(existsSync(fileOf('acme/kb/old.md'))).toBe(false);
  });

  it('deletes from both tiers, and a missing key is not an error', async () => {
    await blobs.put('acme/kb/leave.md', small, 'text/markdown');
    await blobs.delete('acme/kb/leave.md');
    await blobs.delete('acme/kb/never-written.md');
    expect(await rows()).toEqual([]);
    expect(await blobs.get('acme/kb/leave.md')).toBeUndefined();
  });

  it('refuses an unsafe key or an empty content type and stores nothing', async () => {
    await expect(blobs.put('../outside', small, 'text/plain')).rejects.toThrow(/key/i);
    await expect(blobs.put('acme/kb/x.md', small, ' ')).rejects.toThrow(
      /Content type for blob "acme\/kb\/x.md" is empty/,
    );
    expect(await rows()).toEqual([]);
  });

  describe('beforeFirstPut', () => {
    it('runs once, before the first put of either tier, and every put waits for it', async () => {
      const events: string[] = [];
      let release = () => {};
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const prepared = new TieredBlobStore({
        small: new PostgresBlobTable(embedded().client),
        large: files,
        beforeFirstPut: async () => {
          events.push('prepare');
          await gate;
          events.push('prepared');
        },
      });
      const puts = [
        prepared.put('acme/kb/a.md', small, 'text/markdown').then(() => events.push('small')),
        prepared.put('acme/kb/b.pdf', large, 'application/pdf').then(() => events.push('large')),
      ];
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(events).toEqual(['prepare']);
      expect(await rows()).toEqual([]);
      expect(existsSync(fileOf('acme/kb/b.pdf'))).toBe(false);
      release();
      await Promise.all(puts);
      expect(events.slice(0, 2)).toEqual(['prepare', 'prepared']);
      await prepared.put('acme/kb/c.md', small, 'text/markdown');
      expect(events.filter((event) => event === 'prepare')).toHaveLength(1);
      expect(await rows()).toEqual(['acme/kb/a.md', 'acme/kb/c.md']);
    });

    it('a failure fails that put, which keeps nothing, and the next put runs it again', async () => {
      let calls = 0;
      const prepared = new TieredBlobStore({
        small: new PostgresBlobTable(embedded().client),
        large: files,
        beforeFirstPut: async () => {
          calls += 1;
          if (calls === 1) throw new Error('the data dir cannot be read');
        },
      });
      await expect(prepared.put('acme/kb/a.md', small, 'text/markdown')).rejects.toThrow(
        'the data dir cannot be read',
      );
      expect(await rows()).toEqual([]);
      await prepared.put('acme/kb/a.md', small, 'text/markdown');
      expect(calls).toBe(2);
      expect(await blobs.get('acme/kb/a.md')).toEqual({ bytes: small, contentType: 'text/markdown' });
    });
  });
});
