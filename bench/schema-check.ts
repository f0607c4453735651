/**
 * The schema check a store makes at open when its schema is current: `migrateSchema` plus the autovacuum
 * setting that `openPostingsMaintenance` needs, timed and counted on PostgreSQL (GODWIT_TEST_POSTGRES_URL,
 * default the local test database; a schema of its own, dropped at the end), on PGlite in memory, and
 * through the RDS Data API (its emulator, PGlite behind it), where each statement is an HTTPS call.
 *
 *   npx tsx bench/schema-check.ts [--runs 31] [--baseline /path/to/other/checkout]
 *
 * `--baseline DIR` runs DIR's migrate-schema.ts and postings-maintenance.ts too, alternating with this
 * build's (the order flips each run) over the same clients, and reports the ratio of the medians. The
 * connection is opened before each timing (PostgreSQL: one connection, opened by a `SELECT 1`), so what is
 * timed is the check alone. Prints one JSON document on stdout.
 */
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { openDataApiClient } from '../src/storage/postgres/data-api-client.ts';
import * as current from '../src/storage/postgres/migrate-schema.ts';
import { openNodePostgresClient } from '../src/storage/postgres/node-postgres-client.ts';
import { openPgliteClient } from '../src/storage/postgres/pglite-client.ts';
import * as currentMaintenance from '../src/storage/postgres/postings-maintenance.ts';
import type { SqlClient, SqlQueryable } from '../src/storage/postgres/sql-client.ts';
import { startDataApiEmulator } from '../test/support/rds-data-api-emulator.ts';

const args = process.argv.slice(2);
const runsFlag = args.indexOf('--runs');
const runs = runsFlag >= 0 ? Number(args[runsFlag + 1]) : 31;
const baselineFlag = args.indexOf('--baseline');
const baselineRoot = baselineFlag >= 0 ? resolve(args[baselineFlag + 1] ?? '') : undefined;
const postgresUrl = process.env.GODWIT_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `godwit_bench_schema_check_${process.pid}`;

interface Build {
  name: 'current' | 'baseline';
  /** The check as `openPostgresStorage` makes it: migrations, then the maintenance's autovacuum question. */
  check(client: SqlClient, schema: string | undefined): Promise<unknown>;
}

const builds: Build[] = [
  {
    name: 'current',
    check: async (client, schemaName) => {
      const outcome = await current.migrateSchema(client, schemaName);
      await currentMaintenance.openPostingsMaintenance(client, outcome.autovacuum);
      return outcome;
    },
  },
];
if (baselineRoot) {
  const migrate = (await import(
    join(baselineRoot, 'src/storage/postgres/migrate-schema.ts')
  )) as typeof current;
  const maintenance = (await import(
    join(baselineRoot, 'src/storage/postgres/postings-maintenance.ts')
  )) as typeof currentMaintenance;
  builds.push({
    name: 'baseline',
    check: async (client, schemaName) => {
      const outcome = await migrate.migrateSchema(client, schemaName);
      await maintenance.openPostingsMaintenance(client, outcome.autovacuum);
      return outcome;
    },
  });
}

/** The client, counting the statements it is given (a transaction's BEGIN and COMMIT included). */
function counting(client: SqlClient): { client: SqlClient; statements: () => number; reset: () => void } {
  let statements = 0;
  const wrap = (inner: SqlQueryable): SqlQueryable => ({
    query: <Row>(text: string, params?: readonly unknown[]) => {
      statements += 1;
      return inner.query<Row>(text, params);
    },
    execute: (script: string) => {
      statements += 1;
      return inner.execute(script);
    },
  });
  return {
    statements: () => statements,
    reset: () => {
      statements = 0;
    },
    client: {
      engine: client.engine,
      ...wrap(client),
      transaction: <T>(work: (transaction: SqlQueryable) => Promise<T>) => {
        statements += 2;
        return client.transaction((transaction) => work(wrap(transaction)));
      },
      close: () => client.close(),
    },
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

interface Engine {
  label: string;
  schema: string | undefined;
  /** A client for one timed check, already connected; `calls` counts its HTTPS calls where there are any. */
  open(): Promise<{ client: SqlClient; calls?: () => number; done: () => Promise<void> }>;
}

async function measure(engine: Engine) {
  const setup = await engine.open();
  await current.migrateSchema(setup.client, engine.schema);
  await setup.done();
  const samples = new Map(builds.map((build) => [build.name, [] as number[]]));
  const counts = new Map<string, { statements: number; calls?: number }>();
  for (let run = 0; run < runs; run += 1) {
    for (const build of run % 2 === 0 ? builds : [...builds].reverse()) {
      const opened = await engine.open();
      const counted = counting(opened.client);
      const callsBefore = opened.calls?.() ?? 0;
      const started = performance.now();
      await build.check(counted.client, engine.schema);
      samples.get(build.name)!.push(performance.now() - started);
      counts.set(build.name, {
        statements: counted.statements(),
        ...(opened.calls ? { calls: opened.calls() - callsBefore } : {}),
      });
      await opened.done();
    }
  }
  const figures = Object.fromEntries(
    builds.map((build) => [
      build.name,
      { medianMs: Math.round(median(samples.get(build.name)!) * 100) / 100, ...counts.get(build.name) },
    ]),
  ) as Record<string, { medianMs: number; statements: number; calls?: number }>;
  const ratio = figures.baseline
    ? Math.round((figures.current!.medianMs / figures.baseline.medianMs) * 100) / 100
    : undefined;
  return { ...figures, ...(ratio === undefined ? {} : { ratio }) };
}

const results: Record<string, unknown> = {};
const emulatorTarget = {
  resourceArn: 'arn:aws:rds:us-east-1:123456789012:cluster:godwit-bench',
  secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:godwit-bench',
  database: 'godwit',
};
const emulator = await startDataApiEmulator(emulatorTarget);
let dataApiCalls = 0;
const rds = new RDSDataClient({
  region: 'us-east-1',
  endpoint: emulator.url,
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
  maxAttempts: 1,
});
rds.middlewareStack.add(
  (next) => (input) => {
    dataApiCalls += 1;
    return next(input);
  },
  { step: 'initialize', name: 'countCalls' },
);
const pglite = await openPgliteClient();
try {
  const engines: Engine[] = [
    {
      label: 'postgres',
      schema,
      open: async () => {
        const client = openNodePostgresClient({ url: postgresUrl, schema, poolSize: 1 });
        await client.query('SELECT 1');
        return { client, done: () => client.close() };
      },
    },
    {
      label: 'pglite',
      schema: undefined,
      open: async () => ({ client: pglite, done: async () => {} }),
    },
    {
      label: 'dataApi',
      schema: undefined,
      open: async () => ({
        client: openDataApiClient({ ...emulatorTarget, client: rds }),
        calls: () => dataApiCalls,
        done: async () => {},
      }),
    },
  ];
  for (const engine of engines) {
    process.stderr.write(`${engine.label}…\n`);
    results[engine.label] = await measure(engine);
  }
  process.stdout.write(
    `${JSON.stringify({ date: new Date().toISOString(), node: process.version, runs, baseline: baselineRoot ?? null, ...results }, null, 2)}\n`,
  );
} finally {
  const cleanup = openNodePostgresClient({ url: postgresUrl });
  await cleanup.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
  await cleanup.close();
  await pglite.close();
  rds.destroy();
  await emulator.close();
}
