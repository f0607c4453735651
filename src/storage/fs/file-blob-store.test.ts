import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, ValidationError } from '../../core/errors.ts';
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
    expect(await readFile(join(root, 'store', 'types', 'acme', 'kb', 'handbook.md'), 'utf8')).toBe(
      'text/markdown',
    );
    expect(await readdir(join(root, 'store', '.partial'))).toEqual([]);
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
});
