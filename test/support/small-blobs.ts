/**
 * The embedded database's table of small originals (`small_blobs`) in tests: its keys in order, and an
 * in-memory database whose table starts empty for each case.
 */
import { afterAll, beforeAll, beforeEach } from 'vitest';
import {
  openPostgresStorage,
  type PostgresStorage,
  type SqlClient,
} from '../../src/storage/postgres/index.ts';

/** The keys of every row of `small_blobs`, in key order. */
export async function smallBlobKeys(client: Pick<SqlClient, 'query'>): Promise<string[]> {
  const rows = await client.query<{ key: string }>('SELECT key FROM small_blobs ORDER BY key');
  return rows.map((row) => row.key);
}

/** An in-memory embedded database for the file's cases, its `small_blobs` emptied before each. */
export function useEmbeddedStorage(): () => PostgresStorage {
  let storage: PostgresStorage | undefined;
  beforeAll(async () => {
    storage = await openPostgresStorage({ pglite: {} });
  });
  afterAll(async () => {
    await storage?.close();
  });
  beforeEach(async () => {
    await storage!.client.query('DELETE FROM small_blobs');
  });
  return () => storage!;
}
