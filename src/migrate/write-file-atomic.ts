/**
 * Atomic file replacement for checkpoints and manifests: the content goes to a temporary file in the same
 * directory, is flushed to disk (fsync), renamed over the target, and the directory is flushed so the
 * rename itself survives a power loss. A reader, a crash or a power cut sees the old file or the new one,
 * never an empty or half-written one; a failed write removes its temporary file.
 */
import { randomBytes } from 'node:crypto';
import * as nodeFs from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** The file-system calls used; the default is node:fs (tests pass a recording wrapper). */
export type AtomicWriteFs = Pick<
  typeof nodeFs,
  'openSync' | 'writeSync' | 'fsyncSync' | 'closeSync' | 'renameSync' | 'rmSync'
>;

export function writeFileAtomic(path: string, content: string, fs: AtomicWriteFs = nodeFs): void {
  const directory = dirname(path);
  const temporary = join(
    directory,
    `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );
  try {
    const descriptor = fs.openSync(temporary, 'wx', 0o644);
    try {
      fs.writeSync(descriptor, content);
      fs.fsyncSync(descriptor);
    } finally {
      fs.closeSync(descriptor);
    }
    fs.renameSync(temporary, path);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw error;
  }
  syncDirectory(directory, fs);
}

/** Flushes the directory entry of the rename. Some platforms (Windows) cannot open a directory: skipped there. */
function syncDirectory(directory: string, fs: AtomicWriteFs): void {
  let descriptor: number;
  try {
    descriptor = fs.openSync(directory, 'r');
  } catch {
    return;
  }
  try {
    fs.fsyncSync(descriptor);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EPERM' && code !== 'EISDIR') throw error;
  } finally {
    fs.closeSync(descriptor);
  }
}
