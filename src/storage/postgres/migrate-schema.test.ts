/**
 * The schema check at open: one statement when the schema is current, the locked path otherwise. Counted
 * on the real PostgreSQL, on PGlite, and in HTTPS calls through the RDS Data API (emulated).
 */
import { RDSDataClient } from '@aws-sdk/client-rds-data';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startDataApiEmulator } from '../../../test/support/rds-data-api-emulator.ts';
import {
  describeWithService,
  dropSchema,
  postgresHasPgvector,
  postgresUrl,
  uniqueSchemaName,
} from '../../../test/support/services.ts';
import { DependencyError } from '../../core/errors.ts';
import { openDataApiClient } from './data-api-client.ts';
import { migrateSchema, PGVECTOR_MISSING } from './migrate-schema.ts';
import { openNodePostgresClient } from './node-postgres-client.ts';
import { openPostgresStorage } from './open-postgres-storage.ts';
import { openPgliteClient } from './pglite-client.ts';
import { MIGRATIONS, type Migration } from './schema-migrations.ts';
import type { SqlClient, SqlQueryable } from './sql-client.ts';

const describeWithPostgres = await describeWithService('postgres');
const serverHasPgvector = await postgresHasPgvector();

/** A migration this file adds after the real ones; applying it twice fails (the table exists). */
const EXTRA: Migration = {
  id: 100_000,
  name: 'schema probe test table',
  sql: 'CREATE TABLE schema_probe_extra (id integer PRIMARY KEY)',
};

/**
 * The real client, recording each statement it is given; a transaction is one entry (`transaction`)
 * followed by its statements.
 */
function counted(client: SqlClient): { client: SqlClient; statements: string[] } {
  const statements: string[] = [];
  const recording = (inner: SqlQueryable): SqlQueryable => ({
    query: <Row>(text: string, params?: readonly unknown[]) => {
      statements.push(text);
      return inner.query<Row>(text, params);
    },
    execute: (script: string) => {
      statements.push(script);
      return inner.execute(script);
    },
  });
  return {
    statements,
    client: {
      engine: client.engine,
      ...recording(client),
      transaction: <T>(work: (transaction: SqlQueryable) => Promise<T>) => {
        statements.push('transaction');
        return client.transaction((transaction) => work(recording(transaction)));
      },
      close: () => client.close(),
    },
  };
}

function expectedIds(migrations: readonly Migration[], vectors: boolean): number[] {
  return migrations
    .filter((migration) => vectors || migration.requires !== 'vector')
    .map((migration) => migration.id)
    .sort((left, right) => left - right);
}

describeWithPostgres('migrateSchema on PostgreSQL', () => {
  const schemas: string[] = [];
  const newSchema = (prefix: string) => {
    const schema = uniqueSchemaName(prefix);
    schemas.push(schema);
    return schema;
  };
  // One connection each, so a failed probe and the locked path after it share the connection.
  const connect = (schema: string) => openNodePostgresClient({ url: postgresUrl(), schema, poolSize: 1 });
  afterAll(async () => {
    for (const schema of schemas) await dropSchema(postgresUrl(), schema);
  });

  async function appliedIds(schema: string): Promise<number[]> {
    const client = new pg.Client({ connectionString: postgresUrl() });
    await client.connect();
    try {
      const result = await client.query(`SELECT id FROM ${schema}.godwit_migrations ORDER BY id`);
      return result.rows.map((row) => row.id as number);
    } finally {
      await client.end();
    }
  }

  async function serverAutovacuum(): Promise<boolean> {
    const client = new pg.Client({ connectionString: postgresUrl() });
    await client.connect();
    try {
      const result = await client.query("SELECT current_setting('autovacuum') AS setting");
      return result.rows[0]?.setting === 'on';
    } finally {
      await client.end();
    }
  }

  it('checks a current schema with one statement and returns what the locked path returned', async () => {
    const schema = newSchema('probe_current');
    const first = counted(connect(schema));
    const migrated = await migrateSchema(first.client, schema);
    await first.client.close();
    // The probe fails on the new schema (no table yet), and the locked path runs.
    expect(first.statements[1]).toBe('transaction');
    expect(migrated.applied).toEqual(
      MIGRATIONS.filter((migration) => serverHasPgvector || migration.requires !== 'vector').map(
        (migration) => migration.name,
      ),
    );

    const second = counted(connect(schema));
    const checked = await migrateSchema(second.client, schema);
    await second.client.close();
    expect(second.statements).toHaveLength(1);
    expect(checked).toEqual({ applied: [], vector: migrated.vector, autovacuum: await serverAutovacuum() });
    expect(checked.vector).toEqual(
      serverHasPgvector ? { enabled: true } : { enabled: false, reason: PGVECTOR_MISSING },
    );
  });

  it('opens storage on a current schema with one statement, the autovacuum setting included', async () => {
    const schema = newSchema('probe_open');
    await (await openPostgresStorage({ url: postgresUrl(), schema })).close();
    const reopened = counted(connect(schema));
    const storage = await openPostgresStorage({ client: reopened.client, target: 'test' });
    try {
      expect(reopened.statements).toHaveLength(1);
      expect(storage.appliedMigrations).toEqual([]);
    } finally {
      await storage.close();
    }
  });

  it('takes the locked path for a pending migration, and one statement again after it', async () => {
    const schema = newSchema('probe_pending');
    const setup = connect(schema);
    await migrateSchema(setup, schema);
    await setup.close();

    const pending = counted(connect(schema));
    expect((await migrateSchema(pending.client, schema, [...MIGRATIONS, EXTRA])).applied).toEqual([
      EXTRA.name,
    ]);
    await pending.client.close();
    expect(pending.statements).toContain('transaction');

    const after = counted(connect(schema));
    expect((await migrateSchema(after.client, schema, [...MIGRATIONS, EXTRA])).applied).toEqual([]);
    await after.client.close();
    expect(after.statements).toHaveLength(1);
    expect(await appliedIds(schema)).toEqual(expectedIds([...MIGRATIONS, EXTRA], serverHasPgvector));
  });

  it('migrates once when two processes open an empty database at the same time', async () => {
    const schema = newSchema('probe_empty_race');
    const clients = [connect(schema), connect(schema)];
    try {
      const outcomes = await Promise.all(clients.map((client) => migrateSchema(client, schema)));
      const applied = outcomes.map((outcome) => outcome.applied);
      expect(applied.filter((names) => names.length === 0)).toHaveLength(1);
      expect(applied.flat()).toHaveLength(expectedIds(MIGRATIONS, serverHasPgvector).length);
      expect(outcomes[0]!.vector).toEqual(outcomes[1]!.vector);
    } finally {
      await Promise.all(clients.map((client) => client.close()));
    }
    expect(await appliedIds(schema)).toEqual(expectedIds(MIGRATIONS, serverHasPgvector));
  });

  it('applies a pending migration once when two processes open an old schema at the same time', async () => {
    const schema = newSchema('probe_old_race');
    const setup = connect(schema);
    await migrateSchema(setup, schema);
    await setup.close();
    const clients = [connect(schema), connect(schema)];
    try {
      // Both probes see the migration pending; the lock lets one apply it, the other then finds it done.
      const outcomes = await Promise.all(
        clients.map((client) => migrateSchema(client, schema, [...MIGRATIONS, EXTRA])),
      );
      expect(outcomes.map((outcome) => outcome.applied).sort()).toEqual([[], [EXTRA.name]]);
    } finally {
      await Promise.all(clients.map((client) => client.close()));
    }
    expect(await appliedIds(schema)).toEqual(expectedIds([...MIGRATIONS, EXTRA], serverHasPgvector));
  });

  it('fails once, with the connection error, when the server cannot be reached', async () => {
    const unreachable = counted(
      openNodePostgresClient({ url: 'postgres://app:hunter2@127.0.0.1:1/godwit', schema: 'anything' }),
    );
    const opening = migrateSchema(unreachable.client, 'anything');
    await expect(opening).rejects.toBeInstanceOf(DependencyError);
    await expect(opening).rejects.toThrow('postgres://app@127.0.0.1:1/godwit');
    await unreachable.client.close();
    // The probe's error is the answer: the locked path would only wait for the same failure again.
    expect(unreachable.statements).toHaveLength(1);
  });
});

describe('migrateSchema on PGlite', () => {
  it('checks a current schema with one statement', async () => {
    const client = await openPgliteClient();
    try {
      const migrated = await migrateSchema(client, undefined);
      expect(migrated.applied).toHaveLength(MIGRATIONS.length);
      const second = counted(client);
      const checked = await migrateSchema(second.client, undefined);
      expect(second.statements).toHaveLength(1);
      expect(checked).toEqual({ applied: [], vector: { enabled: true }, autovacuum: expect.any(Boolean) });
    } finally {
      await client.close();
    }
  });

  it('creates pgvector when it becomes needed, and checks in one statement when no migration needs it', async () => {
    const client = await openPgliteClient();
    try {
      const relational = MIGRATIONS.filter((migration) => migration.requires !== 'vector');
      const missing = { enabled: false, reason: PGVECTOR_MISSING };
      expect((await migrateSchema(client, undefined, relational)).vector).toEqual(missing);
      const again = counted(client);
      expect(await migrateSchema(again.client, undefined, relational)).toMatchObject({
        applied: [],
        vector: missing,
      });
      expect(again.statements).toHaveLength(1);

      // pgvector is available but not created yet: the probe leaves that to the locked path.
      const all = counted(client);
      const outcome = await migrateSchema(all.client, undefined);
      expect(outcome.vector).toEqual({ enabled: true });
      expect(outcome.applied).toEqual(
        MIGRATIONS.filter((migration) => migration.requires === 'vector').map((migration) => migration.name),
      );
      expect(all.statements).toContain('transaction');
    } finally {
      await client.close();
    }
  });

  it("reads the named schema's migrations, not those of a schema further down the search_path", async () => {
    const client = await openPgliteClient();
    try {
      await migrateSchema(client, undefined);
      await client.execute('SET search_path = tenant_probe, public');
      // Unqualified, godwit_migrations would find public's table and call the new schema current.
      const outcome = await migrateSchema(client, 'tenant_probe');
      expect(outcome.applied).toHaveLength(MIGRATIONS.length);
      const [row] = await client.query<{ count: number }>(
        'SELECT count(*)::int AS count FROM tenant_probe.godwit_migrations',
      );
      expect(row?.count).toBe(MIGRATIONS.length);
    } finally {
      await client.close();
    }
  });
});

describe('migrateSchema through the RDS Data API (emulated)', () => {
  const target = {
    resourceArn: 'arn:aws:rds:us-east-1:123456789012:cluster:godwit',
    secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:godwit-db',
    database: 'godwit',
  };

  it('opens storage on a current schema with one HTTPS call', async () => {
    const emulator = await startDataApiEmulator(target);
    const calls: string[] = [];
    const rds = new RDSDataClient({
      region: 'us-east-1',
      endpoint: emulator.url,
      credentials: {
        accessKeyId: 'AKIDEXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      },
      maxAttempts: 1,
    });
    rds.middlewareStack.add(
      (next, context) => (args) => {
        calls.push(context.commandName ?? 'unknown');
        return next(args);
      },
      { step: 'initialize', name: 'countCalls' },
    );
    const open = () =>
      openPostgresStorage({
        client: openDataApiClient({ ...target, client: rds }),
        target: 'Aurora (emulated)',
      });
    try {
      const first = await open();
      expect(first.appliedMigrations).toHaveLength(MIGRATIONS.length);
      await first.close();
      expect(calls.length).toBeGreaterThan(1);

      calls.length = 0;
      const second = await open();
      expect(second.appliedMigrations).toEqual([]);
      expect(second.vector).toEqual(first.vector);
      await second.close();
      expect(calls).toEqual(['ExecuteStatementCommand']);
    } finally {
      rds.destroy();
      await emulator.close();
    }
  });
});
