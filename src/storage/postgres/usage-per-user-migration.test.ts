import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  describeWithService,
  dropSchema,
  postgresUrl,
  uniqueSchemaName,
} from '../../../test/support/services.ts';
import type { UsageEntry } from '../../core/types.ts';
import { migrateSchema } from './migrate-schema.ts';
import { openNodePostgresClient } from './node-postgres-client.ts';
import { openPostgresStorage, type PostgresStorageOptions } from './open-postgres-storage.ts';
import { openPgliteClient } from './pglite-client.ts';
import { MIGRATIONS } from './schema-migrations.ts';
import type { SqlClient } from './sql-client.ts';

/** A database as Godwit left it before usage was kept per user, with two usage rows in it. */
async function writeOldLedger(client: SqlClient, schema?: string): Promise<void> {
  await migrateSchema(
    client,
    schema,
    MIGRATIONS.filter((migration) => migration.id < 8),
  );
  await client.execute(`
    INSERT INTO usage_ledger (tenant_id, id, api_key_id, model, operation, input_tokens, output_tokens,
                              cached_tokens, cost_usd, latency_ms, outcome, created_at)
    VALUES ('acme', 'old-1', NULL, 'openai:gpt-4.1-mini', 'chat', 100, 10, 0, 0.001, 50, 'ok',
            '2026-12-01T10:00:00Z'),
           ('acme', 'old-2', 'key-a', 'openai:gpt-4.1-mini', 'chat', 200, 20, 0, 0.002, 60, 'ok',
            '2026-12-01T11:00:00Z');
  `);
}

function newEntry(id: string, userId: string): UsageEntry {
  return {
    id,
    tenantId: 'acme',
    apiKeyId: null,
    userId,
    model: 'openai:gpt-4.1-mini',
    operation: 'chat',
    inputTokens: 300,
    outputTokens: 30,
    cachedTokens: 0,
    costUsd: 0.003,
    latencyMs: 70,
    outcome: 'ok',
    createdAt: new Date('2026-12-01T12:00:00Z'),
  };
}

/** Opens the old database with today's Godwit: migrations 8 and 9 run, the old rows stay, without a user. */
async function expectOldRowsKept(options: PostgresStorageOptions): Promise<void> {
  const storage = await openPostgresStorage(options);
  try {
    expect(storage.appliedMigrations).toEqual([
      'usage per user',
      'keyword frequencies per chunk',
      'small blobs',
    ]);
    await storage.usage.record(newEntry('new-1', 'discord:111'));
    const rows = await storage.usage.summarize('acme');
    expect(rows.map((row) => [row.apiKeyId, row.userId, row.calls, row.inputTokens])).toEqual([
      [null, null, 1, 100],
      [null, 'discord:111', 1, 300],
      ['key-a', null, 1, 200],
    ]);
    expect(await storage.usage.summarize('acme', { userId: 'discord:111' })).toEqual([
      expect.objectContaining({ userId: 'discord:111', calls: 1 }),
    ]);
  } finally {
    await storage.close();
  }
}

describe('usage per user migration on an existing PGlite data directory', () => {
  it('adds the user column and keeps the rows recorded before, without a user', async () => {
    const root = await mkdtemp(join(tmpdir(), 'godwit-usage-migration-'));
    const dataDir = join(root, 'db');
    try {
      const old = await openPgliteClient(dataDir, { template: false });
      try {
        await writeOldLedger(old);
      } finally {
        await old.close();
      }
      await expectOldRowsKept({ pglite: { dataDir } });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }, 120_000);
});

const describeWithPostgres = await describeWithService('postgres');

describeWithPostgres('usage per user migration on PostgreSQL', () => {
  const schema = uniqueSchemaName('usage_user');
  afterAll(async () => {
    await dropSchema(postgresUrl(), schema);
  });

  it('adds the user column and keeps the rows recorded before, without a user', async () => {
    const old = openNodePostgresClient({ url: postgresUrl(), schema });
    try {
      await writeOldLedger(old, schema);
    } finally {
      await old.close();
    }
    await expectOldRowsKept({ url: postgresUrl(), schema });
  });
});
