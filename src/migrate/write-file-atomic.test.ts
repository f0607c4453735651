import * as nodeFs from 'node:fs';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AtomicWriteFs, writeFileAtomic } from './write-file-atomic.ts';

let directory: string;

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'godwit-atomic-'));
});

afterEach(() => {
  rmSync(directory, { recursive: true, force: true });
});

/** node:fs itself, with each call written down in order. */
function recordingFs(): { fs: AtomicWriteFs; calls: string[] } {
  const calls: string[] = [];
  const paths = new Map<number, string>();
  const name = (path: unknown) =>
    String(path) === directory ? 'dir' : String(path).endsWith('.tmp') ? 'tmp' : 'target';
  const fs: AtomicWriteFs = {
    openSync: ((path: string, flags: string, mode?: number) => {
      const descriptor = nodeFs.openSync(path, flags, mode);
      paths.set(descriptor, name(path));
      calls.push(`open ${name(path)}`);
      return descriptor;
    }) as AtomicWriteFs['openSync'],
    writeSync: ((descriptor: number, data: string) => {
      calls.push(`write ${paths.get(descriptor)}`);
      return nodeFs.writeSync(descriptor, data);
    }) as AtomicWriteFs['writeSync'],
    fsyncSync: (descriptor) => {
      calls.push(`fsync ${paths.get(descriptor)}`);
      nodeFs.fsyncSync(descriptor);
    },
    closeSync: (descriptor) => {
      calls.push(`close ${paths.get(descriptor)}`);
      nodeFs.closeSync(descriptor);
    },
    renameSync: (from, to) => {
      calls.push(`rename ${name(from)} ${name(to)}`);
      nodeFs.renameSync(from, to);
    },
    rmSync: (path, options) => {
      calls.push(`rm ${name(path)}`);
      nodeFs.rmSync(path, options);
    },
  };
  return { fs, calls };
}

describe('writeFileAtomic', () => {
  it('flushes the new content to disk before the rename, and the directory after it', () => {
    const target = join(directory, 'checkpoint.json');
    writeFileSync(target, '{"old":true}');
    const { fs, calls } = recordingFs();
    writeFileAtomic(target, '{"new":true}', fs);
    expect(readFileSync(target, 'utf8')).toBe('{"new":true}');
    expect(calls).toEqual([
      'open tmp',
      'write tmp',
      'fsync tmp',
      'close tmp',
      'rename tmp target',
      'open dir',
      'fsync dir',
      'close dir',
    ]);
    expect(readdirSync(directory)).toEqual(['checkpoint.json']);
  });

  it('removes its temporary file and keeps the old file when the write fails', () => {
    // A directory where the file should be: the rename fails after the temporary file was written.
    const target = join(directory, 'manifest.json');
    mkdirSync(target);
    expect(() => writeFileAtomic(target, 'content')).toThrow(/EISDIR|EEXIST|ENOTEMPTY|EPERM/);
    expect(readdirSync(directory)).toEqual(['manifest.json']);
  });

  it('leaves nothing behind when the directory does not exist', () => {
    expect(() => writeFileAtomic(join(directory, 'missing', 'file.json'), 'x')).toThrow(/ENOENT/);
    expect(readdirSync(directory)).toEqual([]);
  });
});
