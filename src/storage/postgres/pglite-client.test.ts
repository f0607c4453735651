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

describe('parameters on the embedded database', () => {
  // Multi-byte characters (2, 3 and 4 bytes in UTF-8) and quotes, well past the size at which values go as
  // bytes in PostgreSQL's binary format.
  const unit = 'Müller’s 東京 report 📄 "quoted" \\ back\n';
  const large = unit.repeat(400);

  it('reads back large and small text, json, jsonb and bytea values exactly, in a statement and a transaction', async () => {
    const client = await openPgliteClient();
    try {
      await client.execute(
        'CREATE TABLE t (name text, doc json, docb jsonb, raw bytea, label varchar(20000))',
      );
      const document = { title: large, count: 3, nested: [unit, { deep: large }] };
      const raw = new Uint8Array(70_000).map((_, index) => (index * 7) % 256);
      const insert = 'INSERT INTO t VALUES ($1, $2, $3, $4, $5)';
      await client.query(insert, [large, JSON.stringify(document), document, raw, large.slice(0, 19_000)]);
      await client.transaction((transaction) =>
        transaction.query(insert, [
          'small',
          { a: 1 },
          JSON.stringify({ b: unit }),
          new Uint8Array([0, 255]),
          'x',
        ]),
      );
      const rows = await client.query<{
        name: string;
        doc: unknown;
        docb: unknown;
        raw: Uint8Array;
        label: string;
      }>('SELECT name, doc, docb, raw, label FROM t ORDER BY length(name) DESC');
      expect(rows[0]).toEqual({
        name: large,
        doc: document,
        docb: document,
        raw,
        label: large.slice(0, 19_000),
      });
      expect(rows[1]).toEqual({
        name: 'small',
        doc: { a: 1 },
        docb: { b: unit },
        raw: new Uint8Array([0, 255]),
        label: 'x',
      });
      const [unpacked] = await client.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM jsonb_to_recordset($1::jsonb) AS r(title text) WHERE r.title = $2',
        [JSON.stringify([{ title: large }, { title: large }]), large],
      );
      expect(unpacked?.n).toBe(2);
    } finally {
      await client.close();
    }
  });

  it('refuses a large text value PostgreSQL cannot store (a NUL character), as it refuses a small one', async () => {
    const client = await openPgliteClient();
    try {
      await client.execute('CREATE TABLE t (name text)');
      for (const value of ['a\u0000b', `${large}\u0000`]) {
        await expect(client.query('INSERT INTO t VALUES ($1)', [value])).rejects.toThrow();
      }
      await expect(
        client.query('INSERT INTO t VALUES ($1::json)', [`{"a": "${'x'.repeat(5000)}"`]),
      ).rejects.toThrow();
      const [count] = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM t');
      expect(count?.n).toBe(0);
    } finally {
      await client.close();
    }
  });
});

describe('copyRows on the embedded database', () => {
  it('appends every row exactly, or none when one is refused, and the client keeps working', async () => {
    const client = await openPgliteClient(undefined);
    const copyRows = client.copyRows?.bind(client);
    if (!copyRows) throw new Error('the embedded client has no copyRows');
    try {
      await client.execute(
        'CREATE TABLE t (id int PRIMARY KEY, label text NOT NULL, score float8, ok boolean, at timestamptz)',
      );
      const at = new Date('2026-12-07T10:00:00.123Z');
      await copyRows(
        't',
        ['id', 'label', 'score', 'ok', 'at'],
        [
          [1, 'a\tb\nc\\d\re', 0.5, true, at],
          [2, '\\N', null, false, null],
          [3, '', Number.NaN, null, at],
        ],
      );
      await copyRows('t', ['id', 'label'], []);
      const rows = await client.query<Record<string, unknown>>('SELECT * FROM t ORDER BY id');
      expect(rows).toEqual([
        { id: 1, label: 'a\tb\nc\\d\re', score: 0.5, ok: true, at },
        { id: 2, label: '\\N', score: null, ok: false, at: null },
        { id: 3, label: '', score: Number.NaN, ok: null, at },
      ]);
      // A repeated key refuses the whole group, as a conflict; a missing label, as bad input.
      await expect(
        copyRows(
          't',
          ['id', 'label'],
          [
            [4, 'new'],
            [1, 'again'],
          ],
        ),
      ).rejects.toMatchObject({
        name: 'ConflictError',
      });
      await expect(
        copyRows(
          't',
          ['id', 'label'],
          [
            [5, 'new'],
            [6, null],
          ],
        ),
      ).rejects.toThrow();
      await expect(copyRows('t', ['id', 'label'], [[7, { not: 'copyable' }]])).rejects.toThrow(
        /COPY takes strings, numbers, booleans, Dates and null; got object/,
      );
      const [count] = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM t');
      expect(count?.n).toBe(3);
    } finally {
      await client.close();
    }
  });
});
