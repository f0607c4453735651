/**
 * A BlobStore that keeps blobs up to `smallBytes` in one store and larger ones in another: on the embedded
 * database, small originals as rows of the database and large ones as files. Reading looks in the small tier
 * first, then in the large one (where every blob of a data dir written before the tiers is). Writing a large
 * blob removes the key from the small tier, so the new bytes are the ones read. Writing a small one does not
 * touch the large tier: the small tier is read first anyway, and the knowledge service's keys name their
 * content, so a key never comes back at another size there. Deleting removes the key from both.
 *
 * @example
 *   const blobs = new TieredBlobStore({ small: new PostgresBlobTable(client), large: new FileBlobStore({ root }) });
 */
import type { BlobStore } from '../core/ports.ts';

export interface TieredBlobStoreOptions {
  small: BlobStore;
  large: BlobStore;
  /** Largest blob kept in the small tier, in bytes. Default 64 KiB. */
  smallBytes?: number;
  /**
   * Runs once, before the first put of either tier, and that put waits for it; a failure fails that put
   * and the next put runs it again. The embedded default collects the large tier's leftovers here, so
   * that a process that only ever keeps small originals collects them too.
   */
  beforeFirstPut?: () => Promise<void>;
}

export const DEFAULT_SMALL_BLOB_BYTES = 64 * 1024;

export class TieredBlobStore implements BlobStore {
  private readonly small: BlobStore;
  private readonly large: BlobStore;
  private readonly smallBytes: number;
  private beforeFirstPut: (() => Promise<void>) | undefined;
  private prepared: Promise<void> | undefined;

  constructor(options: TieredBlobStoreOptions) {
    this.small = options.small;
    this.large = options.large;
    this.smallBytes = options.smallBytes ?? DEFAULT_SMALL_BLOB_BYTES;
    this.beforeFirstPut = options.beforeFirstPut;
  }

  async put(key: string, bytes: Uint8Array, contentType: string): Promise<void> {
    if (this.beforeFirstPut) await this.prepare(this.beforeFirstPut);
    if (bytes.byteLength <= this.smallBytes) {
      await this.small.put(key, bytes, contentType);
    } else {
      await this.large.put(key, bytes, contentType);
      await this.small.delete(key);
    }
  }

  private async prepare(run: () => Promise<void>): Promise<void> {
    this.prepared ??= run();
    try {
      await this.prepared;
      this.beforeFirstPut = undefined;
    } catch (error) {
      this.prepared = undefined;
      throw error;
    }
  }

  async get(key: string): Promise<{ bytes: Uint8Array; contentType: string } | undefined> {
    return (await this.small.get(key)) ?? this.large.get(key);
  }

  async delete(key: string): Promise<void> {
    await this.small.delete(key);
    await this.large.delete(key);
  }
}
