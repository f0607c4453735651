/**
 * BlobStore on the local filesystem. Layout under the root: `objects/<key>` holds the bytes,
 * `types/<key>` the content type, `.partial/` the files being written. Writes are atomic: a reader sees
 * the old bytes or the new ones, never a partial file.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { blobKeySegments } from '../../core/blob-key.ts';
import { ConflictError, DependencyError, GodwitError, ValidationError } from '../../core/errors.ts';
import type { BlobStore } from '../../core/ports.ts';

export interface FileBlobStoreOptions {
  /** Directory that holds the blobs; created on first write. */
  root: string;
}

const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/**
 * @example
 *   const blobs = new FileBlobStore({ root: './.godwit/blobs' });
 *   await blobs.put('default/handbook/leave.pdf', bytes, 'application/pdf');
 */
export class FileBlobStore implements BlobStore {
  private readonly root: string;

  constructor(options: FileBlobStoreOptions) {
    this.root = resolve(options.root);
  }

  async put(key: string, bytes: Uint8Array, contentType: string): Promise<void> {
    const segments = blobKeySegments(key);
    if (typeof contentType !== 'string' || contentType.trim() === '') {
      throw new ValidationError(
        `Content type for blob "${key}" is empty; pass a media type such as "application/pdf".`,
      );
    }
    const partial = join(this.root, '.partial');
    const dataTemporary = join(partial, `${randomUUID()}.data`);
    const typeTemporary = join(partial, `${randomUUID()}.type`);
    try {
      await mkdir(partial, { recursive: true });
      await writeFile(dataTemporary, bytes);
      await writeFile(typeTemporary, contentType, 'utf8');
      await this.moveInto(typeTemporary, this.typePath(segments));
      await this.moveInto(dataTemporary, this.dataPath(segments));
    } catch (error) {
      await rm(dataTemporary, { force: true });
      await rm(typeTemporary, { force: true });
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
    const contentType = await readFile(this.typePath(segments), 'utf8').catch(() => DEFAULT_CONTENT_TYPE);
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

  private async moveInto(temporary: string, destination: string): Promise<void> {
    await mkdir(dirname(destination), { recursive: true });
    await rename(temporary, destination);
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

function isMissing(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR';
}
