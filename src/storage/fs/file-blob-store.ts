/**
 * BlobStore on the local filesystem. Layout under the root: `objects/<key>` holds the bytes, as a plain
 * file; `types/<key>` the content type, written only when the key's extension does not give it (a key
 * ending `.md` stored as `text/markdown` has no `types/` file); `.partial/` the files being written. Writes
 * are atomic: a reader sees the old bytes or the new ones, never a partial file. A `types/` file, when
 * there is one, is always read first, so data dirs written before the extension rule read as they did.
 *
 * With `unnamedKeys` (the embedded data dir, which only one process writes), the store collects what a
 * process killed while ingesting left behind: the files of `.partial/`, and the blobs nothing names (an
 * original kept before its document was committed, or one a re-ingested document had just replaced). It
 * does so before its own first put, or earlier when `collectUnnamed` is called (the embedded default calls
 * it before the first original of any size is kept). Before then, nothing of this process is waiting to be
 * named. Commands that only read never pay for the walk.
 */
import { randomUUID } from 'node:crypto';
import { type Dirent, mkdirSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { blobKeySegments, requireBlobContentType } from '../../core/blob-key.ts';
import { ConflictError, DependencyError, GodwitError } from '../../core/errors.ts';
import type { BlobStore } from '../../core/ports.ts';
import { SynchronousBudget } from '../../core/synchronous-budget.ts';

export interface FileBlobStoreOptions {
  /** Directory that holds the blobs; created on first write. */
  root: string;
  /**
   * Longest time the synchronous writes of small blobs may hold the event loop in one turn, in
   * milliseconds. Default 4; 0 writes every blob with asynchronous calls.
   */
  synchronousBudgetMs?: number;
  /** Clock for that budget, in milliseconds (tests pass their own). */
  now?: () => number;
  /**
   * Only where no other process writes under `root`: given the keys of the stored blobs, the ones nothing
   * names any more. They are deleted, with `.partial/`'s leftovers, before the store's first put (or when
   * `collectUnnamed` is called, if that is earlier).
   */
  unnamedKeys?: (keys: readonly string[]) => Promise<readonly string[]>;
}

/** Keys asked about in one call of `unnamedKeys`, at most. */
const UNNAMED_KEYS_PER_CALL = 5_000;

const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/**
 * Blobs up to this size are written with synchronous calls while the turn's budget lasts. A small file's
 * four calls take tens of microseconds, several times less CPU than sending each to libuv's thread pool and
 * back; the embedded database already reads and writes the same data dir synchronously. Larger blobs are
 * written asynchronously, so a large upload does not hold the event loop. So are small ones once the writes
 * of this turn have taken `synchronousBudgetMs`: on a disk where creating a file takes most of a
 * millisecond, a batch of 200 small files would otherwise hold the event loop for hundreds of milliseconds.
 */
const SYNCHRONOUS_WRITE_BYTES = 64 * 1024;
const DEFAULT_SYNCHRONOUS_BUDGET_MS = 4;

/** The file operations a put makes, run on libuv's thread pool or on the calling thread. */
interface WriteCalls {
  writeFile(path: string, content: Uint8Array | string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  mkdir(path: string): Promise<unknown>;
  unlink(path: string): Promise<void>;
}

const ASYNCHRONOUS_CALLS: WriteCalls = {
  writeFile: (path, content) => writeFile(path, content),
  rename,
  mkdir: (path) => mkdir(path, { recursive: true }),
  unlink,
};

/**
 * Each call synchronous while `budget` has time left in this turn of the event loop (and charged to it),
 * asynchronous once it has none.
 */
function budgetedCalls(budget: SynchronousBudget): WriteCalls {
  return {
    writeFile: (path, content) =>
      budget.available
        ? settled(() => budget.run(() => writeFileSync(path, content)))
        : ASYNCHRONOUS_CALLS.writeFile(path, content),
    rename: (from, to) =>
      budget.available
        ? settled(() => budget.run(() => renameSync(from, to)))
        : ASYNCHRONOUS_CALLS.rename(from, to),
    mkdir: (path) =>
      budget.available
        ? settled(() => budget.run(() => mkdirSync(path, { recursive: true })))
        : ASYNCHRONOUS_CALLS.mkdir(path),
    unlink: (path) =>
      budget.available ? settled(() => budget.run(() => unlinkSync(path))) : ASYNCHRONOUS_CALLS.unlink(path),
  };
}

/** The outcome of a synchronous call as a promise, as the asynchronous calls report theirs. */
async function settled<T>(call: () => T): Promise<T> {
  return call();
}

/**
 * The content type a key's extension stands for, when a blob stored under it needs no `types/` file. Only
 * these: the formats Godwit ingests.
 */
const CONTENT_TYPE_OF_EXTENSION: ReadonlyMap<string, string> = new Map([
  ['.md', 'text/markdown'],
  ['.markdown', 'text/markdown'],
  ['.txt', 'text/plain'],
  ['.html', 'text/html'],
  ['.htm', 'text/html'],
  ['.pdf', 'application/pdf'],
  ['.docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
  ['.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
  ['.csv', 'text/csv'],
  ['.tsv', 'text/tab-separated-values'],
  ['.json', 'application/json'],
  ['.jsonl', 'application/x-ndjson'],
  ['.ndjson', 'application/x-ndjson'],
]);

/**
 * @example
 *   const blobs = new FileBlobStore({ root: './.godwit/blobs' });
 *   await blobs.put('default/handbook/leave.pdf', bytes, 'application/pdf');
 */
export class FileBlobStore implements BlobStore {
  private readonly root: string;
  /** Folders this store has made or found, so that a put does not ask the file system again. */
  private readonly folders = new Set<string>();
  private readonly budget: SynchronousBudget;
  private readonly budgetedCalls: WriteCalls;
  private readonly unnamedKeys: FileBlobStoreOptions['unnamedKeys'];
  private collected: Promise<void> | undefined;

  constructor(options: FileBlobStoreOptions) {
    this.root = resolve(options.root);
    this.unnamedKeys = options.unnamedKeys;
    this.budget = new SynchronousBudget(options.synchronousBudgetMs ?? DEFAULT_SYNCHRONOUS_BUDGET_MS, {
      ...(options.now ? { now: options.now } : {}),
      name: 'FileBlobStore synchronousBudgetMs',
    });
    this.budgetedCalls = budgetedCalls(this.budget);
  }

  async put(key: string, bytes: Uint8Array, contentType: string): Promise<void> {
    const segments = blobKeySegments(key);
    requireBlobContentType(key, contentType);
    await this.collectUnnamed();
    const partial = join(this.root, '.partial');
    const dataTemporary = join(partial, `${randomUUID()}.data`);
    const typeTemporary = join(partial, `${randomUUID()}.type`);
    const typed = contentTypeOfKey(segments) !== contentType;
    const calls = bytes.byteLength <= SYNCHRONOUS_WRITE_BYTES ? this.budgetedCalls : ASYNCHRONOUS_CALLS;
    try {
      await this.writeTemporary(calls, dataTemporary, bytes);
      if (typed) {
        await this.writeTemporary(calls, typeTemporary, contentType);
        await this.moveInto(calls, typeTemporary, this.typePath(segments));
      }
      await this.moveInto(calls, dataTemporary, this.dataPath(segments));
      // The extension gives the type now: a `types/` file from an earlier put of this key would contradict it.
      if (!typed) {
        await calls.unlink(this.typePath(segments)).catch((error: unknown) => {
          if (!isMissing(error)) throw error;
        });
      }
    } catch (error) {
      // Best effort: the write's own error is the one to report (a cleanup fails too if the root is a file).
      removeQuietly(dataTemporary);
      if (typed) removeQuietly(typeTemporary);
      throw this.translate(error, key);
    }
  }

  async get(key: string): Promise<{ bytes: Uint8Array; contentType: string } | undefined> {
    const segments = blobKeySegments(key);
    let bytes: Buffer;
    try {
      bytes = await readFile(this.dataPath(segments));
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw this.translate(error, key);
    }
    const contentType = await readFile(this.typePath(segments), 'utf8').catch(
      () => contentTypeOfKey(segments) ?? DEFAULT_CONTENT_TYPE,
    );
    return { bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), contentType };
  }

  /** Deleting a missing key is not an error. */
  async delete(key: string): Promise<void> {
    const segments = blobKeySegments(key);
    try {
      await rm(this.dataPath(segments), { force: true });
      await rm(this.typePath(segments), { force: true });
    } catch (error) {
      if (!isMissing(error)) throw this.translate(error, key);
    }
  }

  /**
   * Collects what a killed process left (see `unnamedKeys`), once per store; without `unnamedKeys`, does
   * nothing. Call it only before anything of this process can be waiting to be named: the store's own
   * first put does. Never fails: what cannot be read or deleted now stays for a later process.
   */
  collectUnnamed(): Promise<void> {
    if (!this.unnamedKeys) return Promise.resolve();
    this.collected ??= this.deleteUnnamed(this.unnamedKeys);
    return this.collected;
  }

  /** Runs before this store has written anything, so `.partial/` holds only a dead process's writes. */
  private async deleteUnnamed(unnamedKeys: NonNullable<FileBlobStoreOptions['unnamedKeys']>): Promise<void> {
    await rm(join(this.root, '.partial'), { recursive: true, force: true }).catch(() => {});
    try {
      const keys = [...new Set([...(await this.storedKeys('objects')), ...(await this.storedKeys('types'))])];
      for (let start = 0; start < keys.length; start += UNNAMED_KEYS_PER_CALL) {
        for (const key of await unnamedKeys(keys.slice(start, start + UNNAMED_KEYS_PER_CALL))) {
          await this.delete(key).catch(() => {});
        }
      }
    } catch {
      // Left for a later process.
    }
  }

  /** The keys of the files under `folder` (`objects` or `types`); none when it does not exist. */
  private async storedKeys(folder: 'objects' | 'types'): Promise<string[]> {
    const base = join(this.root, folder);
    let entries: Dirent[];
    try {
      entries = await readdir(base, { recursive: true, withFileTypes: true });
    } catch (error) {
      if (isMissing(error)) return [];
      throw error;
    }
    const keys: string[] = [];
    for (const entry of entries) {
      if (!entry.isFile()) continue;
      const key = relative(base, join(entry.parentPath, entry.name)).split(sep).join('/');
      try {
        blobKeySegments(key);
        keys.push(key);
      } catch {
        // Not a key this store writes (a file put there by hand): not this store's to delete.
      }
    }
    return keys;
  }

  /** Writes a file under `.partial/`, making that folder the first time (or again if it was removed). */
  private writeTemporary(calls: WriteCalls, path: string, content: Uint8Array | string): Promise<void> {
    return this.inFolder(calls, dirname(path), () => calls.writeFile(path, content));
  }

  /** Renames a finished temporary file into place, making its folder the first time (or again if removed). */
  private moveInto(calls: WriteCalls, temporary: string, destination: string): Promise<void> {
    return this.inFolder(calls, dirname(destination), () => calls.rename(temporary, destination));
  }

  /**
   * Runs a write into `folder`, making the folder first when this store has not seen it. When the folder
   * was removed since (ENOENT), it is made again and the write retried once.
   */
  private async inFolder(calls: WriteCalls, folder: string, write: () => Promise<void>): Promise<void> {
    if (!this.folders.has(folder)) await this.ensureFolder(calls, folder);
    try {
      await write();
    } catch (error) {
      if ((error as { code?: string }).code !== 'ENOENT') throw error;
      this.folders.delete(folder);
      await this.ensureFolder(calls, folder);
      await write();
    }
  }

  private async ensureFolder(calls: WriteCalls, folder: string): Promise<void> {
    if (this.folders.has(folder)) return;
    await calls.mkdir(folder);
    this.folders.add(folder);
  }

  private dataPath(segments: string[]): string {
    return join(this.root, 'objects', ...segments);
  }

  private typePath(segments: string[]): string {
    return join(this.root, 'types', ...segments);
  }

  private translate(error: unknown, key: string): GodwitError {
    if (GodwitError.isInstance(error)) return error;
    const code = (error as { code?: string }).code;
    if (code === 'EISDIR' || code === 'ENOTDIR' || code === 'EEXIST' || code === 'ENOTEMPTY') {
      return new ConflictError(
        `Blob key "${key}" clashes with another key used as a folder (or inside one); choose a key that is not a prefix of another.`,
        { cause: error },
      );
    }
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code === 'ENOSPC') {
      return new DependencyError(
        `Cannot write blobs under ${this.root} (${code}); check the directory's permissions and free space.`,
        {
          cause: error,
          isRetryable: code === 'ENOSPC',
        },
      );
    }
    return new GodwitError('internal', `Blob store at ${this.root} failed for "${key}": ${String(error)}`, {
      cause: error,
    });
  }
}

/** The content type the key's last segment's extension stands for (lower-cased), if it is one of ours. */
function contentTypeOfKey(segments: readonly string[]): string | undefined {
  const name = segments[segments.length - 1]!;
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? undefined : CONTENT_TYPE_OF_EXTENSION.get(name.slice(dot).toLowerCase());
}

/** Removes a temporary file if it is there; a failure is ignored (the caller reports its own error). */
function removeQuietly(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // Left in .partial/, which holds nothing but unfinished writes.
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR';
}
