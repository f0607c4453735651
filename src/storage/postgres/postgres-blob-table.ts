/**
 * Small blobs as rows of the relational schema (`small_blobs`): on the embedded database, the originals of
 * small documents live in the data dir's database instead of one new file each. Creating a file is the
 * costliest step of keeping a small original on some disks (0.45–0.8 ms on a virtual disk in its slow
 * spells); see docs/decisions/2026-12-07-small-originals-in-the-database.md.
 *
 * A statement costs far more on the embedded database than a row does, so puts are group-committed
 * (core/group-commit.ts): the puts made in one turn of the event loop (a batch's originals, kept as its files
 * are parsed) go in one statement, and each caller's promise settles when that statement has. A group the
 * database refuses is retried row by row, so one bad row fails alone. A read or a delete waits for the puts
 * before it.
 *
 * Originals are kept before their documents' catalogue rows are committed, so a process that died in
 * between left rows that no document names. With `collectUnnamed` (the embedded database, which only one
 * process opens), the first put of the process deletes them first: before it, nothing of this process is
 * waiting for its catalogue row. It runs at the first put, not at open, so commands that only read never
 * pay for it (about 5 ms at 5,000 documents, 100 ms at 50,000).
 */
import { blobKeySegments, requireBlobContentType } from '../../core/blob-key.ts';
import { GroupCommit } from '../../core/group-commit.ts';
import type { BlobStore } from '../../core/ports.ts';
import type { SqlClient } from './sql-client.ts';

interface BlobRow {
  key: string;
  contentType: string;
  bytes: Uint8Array;
}

/** Rows and bytes per statement at most: a group of a batch's originals, without one huge parameter. */
const MAX_GROUP_ROWS = 500;
const MAX_GROUP_BYTES = 8 * 1024 * 1024;

export interface PostgresBlobTableOptions {
  /** Delete the rows no document names before the first put. Only where no other process writes. */
  collectUnnamed?: boolean;
}

export class PostgresBlobTable implements BlobStore {
  private readonly puts: GroupCommit<BlobRow>;
  private collected: Promise<void> | undefined;

  constructor(
    private readonly client: SqlClient,
    private readonly options: PostgresBlobTableOptions = {},
  ) {
    this.puts = new GroupCommit<BlobRow>({
      writeOne: (row) => this.insert(row),
      writeMany: (rows) => this.insertMany(rows),
      maxEntries: MAX_GROUP_ROWS,
      maxBytes: MAX_GROUP_BYTES,
      sizeOf: (row) => row.bytes.byteLength,
    });
  }

  /** Writing a key again replaces its bytes and type. */
  async put(key: string, bytes: Uint8Array, contentType: string): Promise<void> {
    blobKeySegments(key);
    requireBlobContentType(key, contentType);
    if (this.options.collectUnnamed) {
      this.collected ??= this.deleteUnnamed();
      await this.collected;
    }
    await this.puts.add({ key, contentType, bytes });
  }

  /**
   * Of `keys`, those no document names (in the order given): on the embedded database, the larger originals
   * kept as files are collected with this (FileBlobStore's `unnamedKeys`).
   */
  async unnamedKeys(keys: readonly string[]): Promise<string[]> {
    if (keys.length === 0) return [];
    const rows = await this.client.query<{ key: string }>(
      `SELECT candidate.key FROM unnest($1::text[]) WITH ORDINALITY AS candidate(key, position)
        WHERE NOT EXISTS (SELECT 1 FROM documents WHERE documents.blob_key COLLATE "C" = candidate.key)
        ORDER BY candidate.position`,
      [keys],
    );
    return rows.map((row) => row.key);
  }

  /** Best effort: rows it cannot delete now stay until a later process's first put. */
  private async deleteUnnamed(): Promise<void> {
    await this.client
      .query(
        `DELETE FROM small_blobs AS blob
          WHERE NOT EXISTS (SELECT 1 FROM documents WHERE documents.blob_key COLLATE "C" = blob.key)`,
      )
      .catch(() => {});
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
  flush(): Promise<void> {
    return this.puts.flush();
  }

  private async insert(row: BlobRow): Promise<void> {
    await this.client.query(
      `INSERT INTO small_blobs (key, content_type, bytes) VALUES ($1, $2, $3)
       ON CONFLICT (key) DO UPDATE SET content_type = EXCLUDED.content_type, bytes = EXCLUDED.bytes`,
      [row.key, row.contentType, row.bytes],
    );
  }

  /**
   * One statement for the group; the bytes travel base64-encoded in one JSON parameter. A key put twice in
   * the group keeps its last bytes: one statement cannot update a row twice.
   */
  private async insertMany(rows: BlobRow[]): Promise<void> {
    const last = new Map<string, BlobRow>();
    for (const row of rows) last.set(row.key, row);
    const values = [...last.values()].map((row) => ({
      key: row.key,
      content_type: row.contentType,
      bytes: Buffer.from(row.bytes.buffer, row.bytes.byteOffset, row.bytes.byteLength).toString('base64'),
    }));
    await this.client.query(
      `INSERT INTO small_blobs (key, content_type, bytes)
       SELECT key, content_type, decode(bytes, 'base64')
         FROM json_to_recordset($1::json) AS row (key text, content_type text, bytes text)
       ON CONFLICT (key) DO UPDATE SET content_type = EXCLUDED.content_type, bytes = EXCLUDED.bytes`,
      [JSON.stringify(values)],
    );
  }
}
