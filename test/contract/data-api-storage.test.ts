/**
 * The Postgres adapters over the RDS Data API client, driven through the official client against the Data
 * API emulator (test/support/rds-data-api-emulator.ts, PGlite with pgvector behind it), through the same
 * contract suites as PGlite and PostgreSQL.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { afterAll, describe, expect, it } from 'vitest';
import { ConflictError, DependencyError, ValidationError } from '../../src/core/errors.ts';
import {
  arrayLiteral,
  openDataApiClient,
  splitStatements,
  toNamedParameters,
} from '../../src/storage/postgres/data-api-client.ts';
import { migrateSchema } from '../../src/storage/postgres/migrate-schema.ts';
import { PostgresAuditLog } from '../../src/storage/postgres/postgres-audit-log.ts';
import { PostgresConversationStore } from '../../src/storage/postgres/postgres-conversation-store.ts';
import { PostgresKnowledgeStore } from '../../src/storage/postgres/postgres-knowledge-store.ts';
import { PostgresUsageLedger } from '../../src/storage/postgres/postgres-usage-ledger.ts';
import { PostgresVectorIndex } from '../../src/storage/postgres/postgres-vector-index.ts';
import { openPostingsMaintenance } from '../../src/storage/postgres/postings-maintenance.ts';
import type { SqlClient } from '../../src/storage/postgres/sql-client.ts';
import { startDataApiEmulator } from '../support/rds-data-api-emulator.ts';
import {
  describeAuditLogContract,
  describeConversationStoreContract,
  describeKnowledgeStoreContract,
  describeUsageLedgerContract,
  describeVectorIndexContract,
} from './index.ts';

const TARGET = {
  resourceArn: 'arn:aws:rds:us-east-1:123456789012:cluster:godwit',
  secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:godwit-db',
  database: 'godwit',
};
const CREDENTIALS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};

function rdsData(endpoint: string) {
  return new RDSDataClient({ region: 'us-east-1', endpoint, credentials: CREDENTIALS, maxAttempts: 1 });
}

async function open() {
  const emulator = await startDataApiEmulator(TARGET);
  const client = openDataApiClient({ ...TARGET, client: rdsData(emulator.url), resumeRetryDelayMs: 0 });
  const outcome = await migrateSchema(client, undefined);
  const maintenance = await openPostingsMaintenance(client);
  const stores = {
    knowledge: new PostgresKnowledgeStore(client, { maintenance }),
    index: new PostgresVectorIndex(client, outcome.vector, undefined, maintenance),
    conversations: new PostgresConversationStore(client),
    usage: new PostgresUsageLedger(client),
    audit: new PostgresAuditLog(client),
  };
  return { emulator, client, stores, vector: outcome.vector };
}

let opened: ReturnType<typeof open> | undefined;
const fixture = () => (opened ??= open());
const shared = async () => ({ stores: (await fixture()).stores, cleanup: async () => {} });
afterAll(async () => {
  const done = await opened;
  await done?.client.close();
  await done?.emulator.close();
});

describeKnowledgeStoreContract('RDS Data API (emulated)', shared, { upsertDocuments: true });
describeVectorIndexContract('RDS Data API (emulated)', shared, {
  vectors: 'supported',
  replaceManyDocumentChunks: true,
});
describeConversationStoreContract('RDS Data API (emulated)', shared);
describeUsageLedgerContract('RDS Data API (emulated)', shared, { recordMany: true });
describeAuditLogContract('RDS Data API (emulated)', shared);

describe('RDS Data API client', () => {
  it('turns $n placeholders into typed named parameters, leaving quotes, casts and slices alone', () => {
    const when = new Date('2026-11-23T06:05:13.123Z');
    const { sql, parameters } = toNamedParameters(
      "SELECT $1::text[], '$2 stays', ($3::int[])[a.lo:a.hi], $2, $4, $5::jsonb, $6 -- $7\n",
      [['a', 'b"c'], 2.5, [1, 2], when, '{"k":1}', null, 'unused'],
    );
    expect(sql).toBe(
      "SELECT :p1::text[], '$2 stays', (:p3::int[])[a.lo: a.hi], :p2, :p4, :p5::jsonb, :p6 -- $7\n",
    );
    expect(parameters).toEqual([
      { name: 'p1', value: { stringValue: '{"a","b\\"c"}' } },
      { name: 'p2', value: { doubleValue: 2.5 } },
      { name: 'p3', value: { stringValue: '{1,2}' } },
      { name: 'p4', value: { stringValue: '2026-11-23 06:05:13.123' }, typeHint: 'TIMESTAMP' },
      { name: 'p5', value: { stringValue: '{"k":1}' } },
      { name: 'p6', value: { isNull: true } },
    ]);
    expect(arrayLiteral([null, 'x\\y', [1, 2]])).toBe('{NULL,"x\\\\y",{1,2}}');
  });

  it('splits scripts on top-level semicolons only', () => {
    expect(
      splitStatements(
        "CREATE TABLE a (x text DEFAULT ';'); -- c;\nCREATE FUNCTION f() RETURNS void AS $$ BEGIN; END $$ LANGUAGE plpgsql;\n",
      ),
    ).toEqual([
      "CREATE TABLE a (x text DEFAULT ';')",
      '-- c;\nCREATE FUNCTION f() RETURNS void AS $$ BEGIN; END $$ LANGUAGE plpgsql',
    ]);
  });

  it('decodes column types into what node-postgres returns', async () => {
    const { client } = await fixture();
    const [row] = await client.query<Record<string, unknown>>(
      `SELECT 1::int4 AS i, 9007199254740991::int8 AS big, 0.5::float8 AS f, true AS b, 'x'::text AS t,
              '{"a":[1,2]}'::jsonb AS j, ARRAY['p','q'] AS arr, ARRAY[1,2] AS ints,
              '2026-11-23T06:05:13.123Z'::timestamptz AS at, '[1,2,3]'::vector::text AS v, NULL::text AS n`,
    );
    expect(row).toEqual({
      i: 1,
      big: 9007199254740991,
      f: 0.5,
      b: true,
      t: 'x',
      j: { a: [1, 2] },
      arr: ['p', 'q'],
      ints: [1, 2],
      at: new Date('2026-11-23T06:05:13.123Z'),
      v: '[1,2,3]',
      n: null,
    });
  });

  it('commits and rolls back transactions', async () => {
    const { client } = await fixture();
    await client.execute('CREATE TABLE IF NOT EXISTS data_api_probe (id text PRIMARY KEY)');
    await client.transaction(async (tx) => {
      await tx.query('INSERT INTO data_api_probe (id) VALUES ($1)', ['kept']);
    });
    await expect(
      client.transaction(async (tx) => {
        await tx.query('INSERT INTO data_api_probe (id) VALUES ($1)', ['dropped']);
        throw new Error('abandon');
      }),
    ).rejects.toThrow('abandon');
    const rows = await client.query<{ id: string }>('SELECT id FROM data_api_probe ORDER BY id');
    expect(rows.map((row) => row.id)).toEqual(['kept']);
    await expect(
      client.query('INSERT INTO data_api_probe (id) VALUES ($1)', ['kept']),
    ).rejects.toBeInstanceOf(ConflictError);
    await expect(client.query('SELECT $1::integer', ['not a number'])).rejects.toBeInstanceOf(
      ValidationError,
    );
  });

  it('waits for a paused cluster to resume, and gives up with a clear error', async () => {
    const { client, emulator } = await fixture();
    emulator.failNext(2, 400, 'DatabaseResumingException', 'The database is resuming');
    expect(await client.query<{ one: number }>('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    const impatient = openDataApiClient({
      ...TARGET,
      client: rdsData(emulator.url),
      resumeTimeoutMs: 0,
    });
    emulator.failNext(1, 400, 'DatabaseResumingException', 'The database is resuming');
    await expect(impatient.query('SELECT 1')).rejects.toThrow(/resuming from auto-pause/);
  });

  it('reports access problems and an unreachable endpoint as DependencyErrors', async () => {
    const { emulator } = await fixture();
    emulator.failNext(1, 403, 'ForbiddenException', 'not authorised');
    const client = openDataApiClient({ ...TARGET, client: rdsData(emulator.url) });
    await expect(client.query('SELECT 1')).rejects.toThrow(/Grant rds-data:ExecuteStatement/);
    const wrongSecret = openDataApiClient({
      ...TARGET,
      secretArn: 'arn:other',
      client: rdsData(emulator.url),
    });
    await expect(wrongSecret.query('SELECT 1')).rejects.toBeInstanceOf(DependencyError);
    const closed = createServer();
    await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((done) => closed.close(done));
    const unreachable: SqlClient = openDataApiClient({ ...TARGET, client: rdsData(url) });
    await expect(unreachable.query('SELECT 1')).rejects.toThrow(/cannot reach Aurora Data API/);
  });
});
