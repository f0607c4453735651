/**
 * SQL tools against the real PostgreSQL (127.0.0.1:5432, database `test`) in a schema of their own: named
 * read-only queries with parameters, row limits, statement timeouts, writes refused by the READ ONLY
 * transaction, and resolve_entity with pg_trgm (exact, clear winner, ambiguous, none) and with the lexical
 * fallback used when the database has no pg_trgm.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AgentTool } from '../../src/core/agent/agent-tool.ts';
import { CitationCollector } from '../../src/core/agent/citation-collector.ts';
import { connectSqlSource, type SqlSource, type SqlSourceConfig } from '../../src/tools/sql/sql-tools.ts';
import { describeWithService, postgresUrl } from '../support/services.ts';

const describeWithPostgres = await describeWithService('postgres');
const schema = `godwit_sql_${randomBytes(4).toString('hex')}`;
const sources: SqlSource[] = [];
let admin: pg.Client;
let trigramSchema: string;

const SETTINGS: SqlSourceConfig = {
  url: null,
  statementTimeoutMs: 500,
  maxRows: 3,
  minSimilarity: 0.3,
  queries: {
    roles_of_user: {
      description: 'Roles granted to a user',
      sql: `SELECT r.name AS role FROM ${schema}.user_roles ur JOIN ${schema}.roles r ON r.id = ur.role_id JOIN ${schema}.users u ON u.id = ur.user_id WHERE u.username = $1 ORDER BY r.name`,
      parameters: { username: { type: 'string', description: 'Exact username' } },
    },
    all_users: {
      description: 'Every user',
      sql: `SELECT username FROM ${schema}.users ORDER BY username`,
      parameters: {},
    },
    slow: { description: 'Sleeps', sql: 'SELECT pg_sleep(5)', parameters: {} },
    sneaky_write: {
      description: 'Tries to write',
      sql: `DELETE FROM ${schema}.users RETURNING username`,
      parameters: {},
    },
  },
  entities: {
    user: { table: `${schema}.users`, column: 'full_name', returns: ['id', 'username', 'full_name'] },
    application: { table: `${schema}.applications`, column: 'name', returns: ['id', 'name'] },
  },
};

function urlWithSearchPath(searchPath: string): string {
  const url = new URL(postgresUrl());
  url.searchParams.set('options', `-c search_path=${searchPath}`);
  return url.href;
}

function context() {
  return {
    tenantId: 't',
    userId: 'u',
    conversationId: 'c',
    toolCallId: 'call',
    abortSignal: new AbortController().signal,
    citations: new CitationCollector(),
  };
}

function toolOf(source: SqlSource, name: string): AgentTool {
  const found = source.tools.find((tool) => tool.name === name);
  if (!found) throw new Error(`no tool ${name}`);
  return found;
}

describeWithPostgres('SQL tools on PostgreSQL', () => {
  let trigram: SqlSource;
  let lexical: SqlSource;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: postgresUrl() });
    await admin.connect();
    await admin.query('CREATE EXTENSION IF NOT EXISTS pg_trgm');
    const { rows } = await admin.query<{ schema: string }>(
      "SELECT extnamespace::regnamespace::text AS schema FROM pg_extension WHERE extname = 'pg_trgm'",
    );
    trigramSchema = rows[0]!.schema;
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.query(`
      CREATE TABLE ${schema}.users (id int PRIMARY KEY, username text NOT NULL, full_name text NOT NULL);
      CREATE TABLE ${schema}.roles (id int PRIMARY KEY, name text NOT NULL);
      CREATE TABLE ${schema}.user_roles (user_id int, role_id int);
      CREATE TABLE ${schema}.applications (id int PRIMARY KEY, name text NOT NULL);
      INSERT INTO ${schema}.users VALUES (1, 'jsmith', 'John Smith'), (2, 'jsmyth', 'Jon Smyth'),
        (3, 'adoe', 'Alice Doe'), (4, 'bdoe', 'Bob Doe'), (5, 'cdoe', 'Carol Doe');
      INSERT INTO ${schema}.roles VALUES (1, 'reader'), (2, 'admin');
      INSERT INTO ${schema}.user_roles VALUES (1, 1), (1, 2), (3, 1);
      INSERT INTO ${schema}.applications VALUES (1, 'Payroll'), (2, 'Payroll Archive'), (3, 'Expenses');
    `);
    trigram = await connectSqlSource({
      source: 'iam',
      settings: SETTINGS,
      url: urlWithSearchPath(`${schema},${trigramSchema}`),
    });
    lexical = await connectSqlSource({ source: 'iam', settings: SETTINGS, url: urlWithSearchPath(schema) });
    sources.push(trigram, lexical);
  }, 30_000);

  afterAll(async () => {
    await Promise.allSettled(sources.map((source) => source.close()));
    await admin?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin?.end();
  });

  it('builds one tool per named query plus resolve_entity, all read-only', () => {
    expect(trigram.tools.map((tool) => [tool.name, tool.readOnly, tool.kind])).toEqual([
      ['iam__roles_of_user', true, 'sql'],
      ['iam__all_users', true, 'sql'],
      ['iam__slow', true, 'sql'],
      ['iam__sneaky_write', true, 'sql'],
      ['iam__resolve_entity', true, 'sql'],
    ]);
    expect(trigram.similarity).toBe('pg_trgm');
    expect(lexical.similarity).toBe('lexical');
  });

  it('runs a named query with the model’s parameters as bound values', async () => {
    const output = await toolOf(trigram, 'iam__roles_of_user').execute({ username: 'jsmith' }, context());
    expect(output).toEqual({ rows: [{ role: 'admin' }, { role: 'reader' }], rowCount: 2 });
    const injected = await toolOf(trigram, 'iam__roles_of_user').execute(
      { username: "x' OR '1'='1" },
      context(),
    );
    expect(injected).toEqual({ rows: [], rowCount: 0 });
  });

  it('cuts results at maxRows and says so', async () => {
    const output = await toolOf(trigram, 'iam__all_users').execute({}, context());
    expect(output).toEqual({
      rows: [{ username: 'adoe' }, { username: 'bdoe' }, { username: 'cdoe' }],
      rowCount: 3,
      truncated: true,
    });
  });

  it('stops a statement at the timeout', async () => {
    await expect(toolOf(trigram, 'iam__slow').execute({}, context())).rejects.toThrow(
      'The query took longer than 500 ms and was stopped.',
    );
  });

  it('refuses a write: the transaction is read-only, and nothing changes', async () => {
    await expect(toolOf(trigram, 'iam__sneaky_write').execute({}, context())).rejects.toThrow(
      'The query tried to change data; SQL tools only read.',
    );
    const { rows } = await admin.query(`SELECT count(*)::int AS count FROM ${schema}.users`);
    expect(rows[0].count).toBe(5);
  });

  it('resolves an exact name, case-insensitively', async () => {
    const output = await toolOf(trigram, 'iam__resolve_entity').execute(
      { entity: 'user', name: 'alice doe' },
      context(),
    );
    expect(output).toEqual({ match: 'exact', entity: { id: 3, username: 'adoe', full_name: 'Alice Doe' } });
  });

  it('returns the clear winner by pg_trgm similarity with its score and the other candidates', async () => {
    const output = (await toolOf(trigram, 'iam__resolve_entity').execute(
      { entity: 'application', name: 'Expences' },
      context(),
    )) as Record<string, unknown>;
    expect(output).toMatchObject({
      match: 'similar',
      entity: { id: 3, name: 'Expenses' },
      similarity: 'pg_trgm',
    });
  });

  it('asks back when candidates are close', async () => {
    const output = (await toolOf(trigram, 'iam__resolve_entity').execute(
      { entity: 'user', name: 'Jon Smith' },
      context(),
    )) as { match: string; candidates: Array<{ username: string; score: number }>; question: string };
    expect(output.match).toBe('ambiguous');
    expect(output.candidates.map((candidate) => candidate.username).sort()).toEqual(['jsmith', 'jsmyth']);
    expect(output.candidates[0]!.score).toBeGreaterThan(0.3);
    expect(output.question).toBe('Several user records match "Jon Smith". Ask the user which one they mean.');
  });

  it('says when nothing is close', async () => {
    const output = await toolOf(trigram, 'iam__resolve_entity').execute(
      { entity: 'application', name: 'Zebra' },
      context(),
    );
    expect(output).toEqual({
      match: 'none',
      note: 'No application is named like "Zebra". Ask the user for the exact name.',
      similarity: 'pg_trgm',
    });
  });

  it('falls back to lexical containment without pg_trgm', async () => {
    const output = (await toolOf(lexical, 'iam__resolve_entity').execute(
      { entity: 'application', name: 'payroll arch' },
      context(),
    )) as Record<string, unknown>;
    expect(output).toMatchObject({
      match: 'similar',
      entity: { id: 2, name: 'Payroll Archive' },
      similarity: 'lexical',
    });
  });

  it('refuses a query whose $n do not match its declared parameters, naming the key', async () => {
    await expect(
      connectSqlSource({
        source: 'bad',
        settings: {
          ...SETTINGS,
          entities: {},
          queries: {
            broken: {
              description: 'x',
              sql: 'SELECT $1, $2',
              parameters: { a: { type: 'string', description: '' } },
            },
          },
        },
        url: postgresUrl(),
      }),
    ).rejects.toThrow(
      'tools.sql.bad.queries.broken: the SQL uses parameters up to $2 but 1 are declared in parameters; declare one per $n, in order.',
    );
  });

  it('names the key when the database cannot be reached', async () => {
    await expect(
      connectSqlSource({ source: 'gone', settings: SETTINGS, url: 'postgres://postgres@127.0.0.1:9/test' }),
    ).rejects.toThrow(/^tools\.sql\.gone: cannot reach the database: .*Check tools\.sql\.gone\.url\.$/);
  });
});
