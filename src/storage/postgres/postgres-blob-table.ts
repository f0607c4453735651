/**
 * Small blobs as rows of the relational schema (`small_blobs`): on the embedded database, the originals of
 * small documents live in the data dir's database instead of one new file each. Creating a file is the
 * costliest step of keeping a small original on some disks (0.45–0.8 ms on a virtual disk in its slow
 * spells); see docs/decisions/2026-12-07-small-originals-in-the-database.md.
 *
 * A statement costs far more on the embedded database than a row does, so puts are written in groups: the
 * puts made in one turn of the event loop (a batch's originals, kept as its files are parsed) go in one
 * statement, and each caller's promise settles when that statement has. A group the database refuses is
 * retried row by row, so one bad row fails alone. A read or a delete waits for the puts before it.
 */
import { blobKeySegments } from '../../core/blob-key.ts';
import { ValidationError } from '../../core/errors.ts';
import type { BlobStore } from '../../core/ports.ts';
import type { SqlClient } from './sql-client.ts';

interface PendingPut {
  key: string;
  contentType: string;
  bytes: Uint8Array;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Rows and bytes per statement at most: a group of a batch's originals, without one huge parameter. */
const MAX_GROUP_ROWS = 500;
const MAX_GROUP_BYTES = 8 * 1024 * 1024;

export class PostgresBlobTable implements BlobStore {
  private pending: PendingPut[] = [];
  private writing: Promise<void> | undefined;

  constructor(private readonly client: SqlClient) {}

  /** Writing a key again replaces its bytes and type. */
  put(key: string, bytes: Uint8Array, contentType: string): Promise<void> {
    try {
      blobKeySegments(key);
      if (typeof contentType !== 'string' || contentType.trim() === '') {
        throw new ValidationError(
          `Content type for blob "${key}" is empty; pass a media type such as "application/pdf".`,
        );
      }
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      this.pending.push({ key, contentType, bytes, resolve, reject });
      this.writing ??= this.drain();
    });
  }

  async get(key: string): Promise<{ bytes: Uint8Array; contentType: string } | undefined> {
    blobKeySegments(key);
    await this.flush();
    const [row] = await this.client.query<{ content_type: string; bytes: Uint8Array }>(
      'SELECT content_type, bytes FROM small_blobs WHERE key = $1',
      [key],
    );
    return row ? { bytes: new Uint8Array(row.bytes), contentType: row.content_type } : undefined;
  }

  /** Deleting a missing key is not an error. */
  async delete(key: string): Promise<void> {
    blobKeySegments(key);
    await this.flush();
    await this.client.query('DELETE FROM small_blobs WHERE key = $1', [key]);
  }

  /** Resolves once every put made so far is written (or has failed). */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        // The other puts of this turn join the group.
        await new Promise((resolve) => setImmediate(resolve));
        await this.write(this.takeGroup());
      }
    } finally {
      this.writing = undefined;
    }
  }

  private takeGroup(): PendingPut[] {
    let bytes = 0;
    let count = 0;
    while (count < this.pending.length && count < MAX_GROUP_ROWS) {
      bytes += this.pending[count]!.bytes.byteLength;
      count++;
      if (bytes >= MAX_GROUP_BYTES) break;
    }
    return this.pending.splice(0, count);
  }

  private async write(group: PendingPut[]): Promise<void> {
    // A key put twice in one group keeps its last bytes: one statement cannot update a row twice.
    const last = new Map<string, PendingPut>();
    for (const put of group) last.set(put.key, put);
    try {
      if (last.size === 1) {
        const [put] = last.values();
        await this.insert(put!);
      } else {
        await this.insertMany([...last.values()]);
      }
      for (const put of group) put.resolve();
      return;
    } catch (error) {
      if (last.size === 1) {
        for (const put of group) put.reject(error);
        return;
      }
    }
    for (const put of group) {
      try {
        await this.insert(put);
        put.resolve();
      } catch (error) {
        put.reject(error);
      }
    }
  }

  private async insert(put: PendingPut): Promise<void> {
    await this.client.query(
      `INSERT INTO small_blobs (key, content_type, bytes) VALUES ($1, $2, $3)
       ON CONFLICT (key) DO UPDATE SET content_type = EXCLUDED.content_type, bytes = EXCLUDED.bytes`,
      [put.key, put.contentType, put.bytes],
    );
  }

  /** One statement for the group; the bytes travel base64-encoded in one JSON parameter. */
  private async insertMany(puts: PendingPut[]): Promise<void> {
    const rows = puts.map((put) => ({
      key: put.key,
      content_type: put.contentType,
      bytes: Buffer.from(put.bytes.buffer, put.bytes.byteOffset, put.bytes.byteLength).toString('base64'),
    }));
    await this.client.query(
      `INSERT INTO small_blobs (key, content_type, bytes)
       SELECT key, content_type, decode(bytes, 'base64')
         FROM json_to_recordset($1::json) AS row (key text, content_type text, bytes text)
       ON CONFLICT (key) DO UPDATE SET content_type = EXCLUDED.content_type, bytes = EXCLUDED.bytes`,
      [JSON.stringify(rows)],
    );
  }
}
