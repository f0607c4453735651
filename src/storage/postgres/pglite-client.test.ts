/**
 * The embedded database's buffer pool: smaller than PostgreSQL's default 128 MB, which PostgreSQL zero-fills at
 * start (docs/decisions/2026-12-07-embedded-buffer-pool.md); in memory and on disk alike.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openPgliteClient, PGLITE_SHARED_BUFFERS } from './pglite-client.ts';

const scratch = mkdtempSync(join(tmpdir(), 'godwit-pglite-client-'));

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe('openPgliteClient', () => {
  it.each([
    ['in memory', undefined],
    ['on disk', join(scratch, 'data')],
  ])(
    'runs PostgreSQL with a %s buffer pool of 32 MB, and queries work beyond it',
    async (_label, dataDir) => {
      const client = await openPgliteClient(dataDir);
      try {
        const [setting] = await client.query<{ shared_buffers: string }>('SHOW shared_buffers');
        expect(PGLITE_SHARED_BUFFERS).toBe('32MB');
        expect(setting?.shared_buffers).toBe('32MB');
        // A table several times the pool: every row is still read back, through the evicted pages.
        await client.execute(
          'CREATE TABLE big AS SELECT g AS id, repeat(md5(g::text), 40) AS body FROM generate_series(1, 40000) g',
        );
        const [count] = await client.query<{ n: number; bytes: number }>(
          "SELECT count(*)::int AS n, pg_total_relation_size('big')::float8 AS bytes FROM big WHERE length(body) = 1280",
        );
        expect(count?.n).toBe(40_000);
        expect(count?.bytes).toBeGreaterThan(32 * 1024 * 1024);
      } finally {
        await client.close();
      }
    },
  );
});
