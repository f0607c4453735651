import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import {
  describeWithService,
  dropSchema,
  postgresHasPgvector,
  postgresUrl,
  uniqueSchemaName,
} from '../../../test/support/services.ts';
import { ConfigError, DependencyError } from '../../core/errors.ts';
import { openPostgresStorage, PGVECTOR_MISSING } from './index.ts';

const describeWithPostgres = await describeWithService('postgres');
const serverHasPgvector = await postgresHasPgvector();

describeWithPostgres('openPostgresStorage on PostgreSQL', () => {
  const schemas: string[] = [];
  afterAll(async () => {
    for (const schema of schemas) await dropSchema(postgresUrl(), schema);
  });

  it('applies each migration once when two processes open a new database at the same time', async () => {
    const schema = uniqueSchemaName('concurrent');
    schemas.push(schema);
    const [first, second] = await Promise.all([
      openPostgresStorage({ url: postgresUrl(), schema }),
      openPostgresStorage({ url: postgresUrl(), schema }),
    ]);
    try {
      const applied = [first.appliedMigrations, second.appliedMigrations];
      expect(applied.filter((names) => names.includes('relational schema'))).toHaveLength(1);
      expect(applied.filter((names) => names.length === 0)).toHaveLength(1);
      const client = new pg.Client({ connectionString: postgresUrl() });
      await client.connect();
      const rows = await client.query(`SELECT id FROM ${schema}.godwit_migrations ORDER BY id`);
      await client.end();
      expect(rows.rows.map((row) => row.id)).toEqual(
        serverHasPgvector ? [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] : [1, 3, 4, 5, 6, 7, 8, 9, 10],
      );
    } finally {
      await first.close();
      await second.close();
    }
    const reopened = await openPostgresStorage({ url: postgresUrl(), schema });
    expect(reopened.appliedMigrations).toEqual([]);
    await reopened.close();
  });

  it('says whether pgvector is there, in the health report too', async () => {
    const schema = uniqueSchemaName('health');
    schemas.push(schema);
    const storage = await openPostgresStorage({ url: postgresUrl(), schema });
    try {
      const report = await storage.health();
      expect(report).toMatchObject({ name: 'postgres', ok: true });
      expect(report.version).toMatch(/^\d+/);
      expect(report.detail).not.toContain('@@');
      if (serverHasPgvector) {
        expect(storage.vector).toEqual({ enabled: true });
        expect(report.detail).toContain('pgvector enabled');
      } else {
        expect(storage.vector).toEqual({ enabled: false, reason: PGVECTOR_MISSING });
        expect(report.detail).toContain('pgvector missing');
      }
    } finally {
      await storage.close();
    }
  });

  it('reports a closed store as unhealthy instead of throwing', async () => {
    const schema = uniqueSchemaName('closed');
    schemas.push(schema);
    const storage = await openPostgresStorage({ url: postgresUrl(), schema });
    await storage.close();
    const report = await storage.health();
    expect(report.ok).toBe(false);
    expect(report.detail).toMatch(/\S/);
  });
});

describe('openPostgresStorage failures', () => {
  it('names an unreachable server without its password', async () => {
    const opening = openPostgresStorage({ url: 'postgres://app:hunter2@127.0.0.1:1/godwit' });
    await expect(opening).rejects.toBeInstanceOf(DependencyError);
    await expect(opening).rejects.toThrow('postgres://app@127.0.0.1:1/godwit');
    await opening.catch((error: Error) => expect(error.message).not.toContain('hunter2'));
  });

  it('refuses a malformed URL or schema name', async () => {
    await expect(openPostgresStorage({ url: 'definitely not a url' })).rejects.toBeInstanceOf(ConfigError);
    await expect(
      openPostgresStorage({ url: postgresUrl(), schema: 'x; DROP TABLE y' }),
    ).rejects.toBeInstanceOf(ConfigError);
  });
});

describe('openPostgresStorage on PGlite', () => {
  it('keeps data on disk across reopen, creating the data directory parent', async () => {
    const root = await mkdtemp(join(tmpdir(), 'godwit-pglite-'));
    const dataDir = join(root, 'nested', 'db');
    try {
      const first = await openPostgresStorage({ pglite: { dataDir, template: false } });
      expect(first.engine).toBe('pglite');
      expect(first.vector).toEqual({ enabled: true });
      expect(first.appliedMigrations).toEqual([
        'relational schema',
        'pgvector embeddings',
        'keyword postings',
        'api keys',
        'interrupted turns',
        'degraded answers',
        'append-only audit log and counters',
        'usage per user',
        'keyword frequencies per chunk',
        'small blobs',
      ]);
      await first.knowledge.createKnowledgeBase('acme', { name: 'kept' });
      expect(await first.health()).toMatchObject({
        name: 'pglite',
        ok: true,
        detail: expect.stringContaining(dataDir),
      });
      await first.close();

      const second = await openPostgresStorage({ pglite: { dataDir } });
      expect(second.appliedMigrations).toEqual([]);
      expect((await second.knowledge.listKnowledgeBases('acme')).map((base) => base.name)).toEqual(['kept']);
      await second.close();
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }, 120_000);
});
