/**
 * The real PostgreSQL as a source: an application's conversation tables through a column mapping, and
 * rows → documents through a query and a template. Targets: Godwit's conversation store (PGlite data dir
 * and PostgreSQL), a dump, and a knowledge base.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEFAULT_TENANT } from '../../src/core/types.ts';
import { openPostgresStorage } from '../../src/storage/postgres/index.ts';
import { describeWithService, dropSchema, postgresUrl, uniqueSchemaName } from '../support/services.ts';
import { freshDir, runCli, withDataDir } from './migrate-helpers.ts';

const describeWithPostgres = await describeWithService('postgres');

describeWithPostgres('PostgreSQL sources', () => {
  const schema = uniqueSchemaName('migrate_src');
  const targetSchema = uniqueSchemaName('migrate_dst');
  const dataDir = join(freshDir('pg-source'), 'data');
  const mapFile = join(freshDir('pg-map'), 'conversations.yaml');
  const sourceUrl = `${postgresUrl()}?table=${schema}.conversations`;

  beforeAll(async () => {
    const client = new pg.Client({ connectionString: postgresUrl() });
    await client.connect();
    try {
      await client.query(`CREATE SCHEMA ${schema}`);
      await client.query(
        `CREATE TABLE ${schema}.conversations (id uuid PRIMARY KEY, user_id text, title text, created_at timestamptz NOT NULL)`,
      );
      await client.query(`CREATE TABLE ${schema}.messages (id serial PRIMARY KEY, conversation_id uuid REFERENCES ${schema}.conversations(id),
        role text NOT NULL, content text, created_at timestamptz NOT NULL, model text)`);
      for (let index = 0; index < 25; index++) {
        const id = `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`;
        const start = Date.UTC(2025, 9, 1, 9, index);
        await client.query(`INSERT INTO ${schema}.conversations VALUES ($1, $2, $3, $4)`, [
          id,
          `user-${index % 3}`,
          index === 0 ? null : `Scheduling question ${index} — ünïcode 🐦`,
          new Date(start),
        ]);
        for (let turn = 0; turn < 4; turn++) {
          await client.query(
            `INSERT INTO ${schema}.messages (conversation_id, role, content, created_at, model) VALUES ($1, $2, $3, $4, $5)`,
            [
              id,
              turn % 2 === 0 ? 'human' : 'ai',
              turn === 3 && index === 1 ? '' : `turn ${turn} of conversation ${index}`,
              new Date(start + turn * 1000),
              turn % 2 === 0 ? null : 'gpt-4.1',
            ],
          );
        }
      }
      await client.query(
        `CREATE TABLE ${schema}.users (id serial PRIMARY KEY, username text UNIQUE, full_name text, department text)`,
      );
      await client.query(`CREATE TABLE ${schema}.roles (id serial PRIMARY KEY, role_name text)`);
      await client.query(`CREATE TABLE ${schema}.user_roles (user_id int, role_id int)`);
      await client.query(`INSERT INTO ${schema}.roles (role_name) VALUES ('HR Analyst'), ('Payroll Admin')`);
      for (let index = 0; index < 12; index++) {
        await client.query(
          `INSERT INTO ${schema}.users (username, full_name, department) VALUES ($1, $2, $3)`,
          [`user${index}`, `Person ${index}`, index % 2 ? 'HR' : 'Finance'],
        );
        await client.query(`INSERT INTO ${schema}.user_roles VALUES ($1, $2)`, [index + 1, (index % 2) + 1]);
      }
    } finally {
      await client.end();
    }
    writeFileSync(
      mapFile,
      [
        'conversations:',
        '  id: id',
        '  user: user_id',
        '  title: title',
        '  created_at: created_at',
        'messages:',
        `  table: ${schema}.messages`,
        '  conversation: conversation_id',
        '  model: model',
        '  roles: { human: user, ai: assistant }',
      ].join('\n'),
    );
    await withDataDir(dataDir, async () => {});
  });

  afterAll(async () => {
    await dropSchema(postgresUrl(), schema);
    await dropSchema(postgresUrl(), targetSchema);
  });

  it('moves conversations into the Godwit conversation store through --map, and verifies them', async () => {
    const result = await runCli([
      '--data-dir',
      dataDir,
      'migrate',
      sourceUrl,
      'godwit://',
      '--map',
      mapFile,
      '--verify',
      '--json',
    ]);
    expect(result.stderr).not.toMatch(/error/);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.kind).toBe('conversations');
    expect(report.verification).toMatchObject({ ok: true, counts: { source: 25, target: 25 } });

    await withDataDir(dataDir, async (services) => {
      const conversation = await services.conversations.getConversation(
        DEFAULT_TENANT,
        '00000000-0000-4000-8000-000000000002',
      );
      expect(conversation).toMatchObject({ userId: 'user-2', title: 'Scheduling question 2 — ünïcode 🐦' });
      const messages = await services.conversations.listMessages(DEFAULT_TENANT, conversation!.id);
      expect(messages.map((message) => [message.role, message.content, message.model])).toEqual([
        ['user', 'turn 0 of conversation 2', null],
        ['assistant', 'turn 1 of conversation 2', 'gpt-4.1'],
        ['user', 'turn 2 of conversation 2', null],
        ['assistant', 'turn 3 of conversation 2', 'gpt-4.1'],
      ]);
      const untitled = await services.conversations.getConversation(
        DEFAULT_TENANT,
        '00000000-0000-4000-8000-000000000000',
      );
      expect(untitled!.title).toBe('turn 0 of conversation 0');
    });

    // Running it again replaces each conversation in place: still 25, still four messages each.
    const again = await runCli([
      '--data-dir',
      dataDir,
      'migrate',
      sourceUrl,
      'godwit://',
      '--map',
      mapFile,
      '--verify',
      '--json',
    ]);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).verification).toMatchObject({
      ok: true,
      counts: { target: 25 },
      duplicates: { count: 0 },
    });
  });

  it('writes conversations into Godwit on PostgreSQL, and through a dump', async () => {
    const target = `${postgresUrl()}?schema=${targetSchema}`;
    const direct = await runCli([
      '--data-dir',
      dataDir,
      'migrate',
      sourceUrl,
      target,
      '--map',
      mapFile,
      '--verify',
      '--json',
    ]);
    expect(direct.code).toBe(0);
    expect(JSON.parse(direct.stdout).verification.ok).toBe(true);
    const storage = await openPostgresStorage({ url: postgresUrl(), schema: targetSchema });
    try {
      const page = await storage.conversations.listConversations(DEFAULT_TENANT, { limit: 100 });
      expect(page.conversations).toHaveLength(25);
    } finally {
      await storage.close();
    }

    const dump = join(freshDir('pg-dump'), 'conversations');
    const exported = await runCli([
      '--data-dir',
      dataDir,
      'migrate',
      sourceUrl,
      `dir://${dump}`,
      '--map',
      mapFile,
      '--verify',
      '--json',
    ]);
    expect(exported.code).toBe(0);
    expect(JSON.parse(exported.stdout).verification).toMatchObject({
      ok: true,
      counts: { source: 25, target: 25 },
    });
    const otherDir = join(freshDir('pg-import'), 'data');
    const imported = await runCli(['--data-dir', otherDir, 'import', dump, '--verify', '--json']);
    expect(imported.code).toBe(0);
    expect(JSON.parse(imported.stdout).verification).toMatchObject({
      ok: true,
      counts: { source: 25, target: 25 },
    });
  });

  it('turns rows into documents with a template (rows → knowledge base)', async () => {
    const query = `SELECT u.username, u.full_name, u.department, string_agg(r.role_name, ', ') AS roles FROM ${schema}.users u JOIN ${schema}.user_roles ur ON ur.user_id = u.id JOIN ${schema}.roles r ON r.id = ur.role_id GROUP BY u.username, u.full_name, u.department`;
    const url = `${postgresUrl()}?query=${encodeURIComponent(query)}`;
    const result = await runCli([
      '--data-dir',
      dataDir,
      'migrate',
      url,
      'godwit://iam',
      '--template',
      '{{full_name}} ({{username}}) works in {{department}} with roles: {{roles}}.',
      '--id-column',
      'username',
      '--source-prefix',
      'users/',
      '--verify',
      '--json',
    ]);
    expect(result.stderr).not.toMatch(/error/);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).verification).toMatchObject({
      ok: true,
      counts: { source: 12, target: 12 },
    });
    const search = await runCli([
      '--data-dir',
      dataDir,
      'search',
      'Payroll Admin HR',
      '--kb',
      'iam',
      '--json',
    ]);
    const { results } = JSON.parse(search.stdout) as { results: Array<{ source: string; text: string }> };
    expect(results[0]!.text).toMatch(/works in HR with roles: Payroll Admin/);
    expect(results[0]!.source).toMatch(/^users\/user\d+$/);
  });

  it('fails clearly: no mapping, a bad mapping, an unmapped role, a template column the query lacks, an unreachable server', async () => {
    const noMap = await runCli(['--data-dir', dataDir, 'migrate', sourceUrl, 'godwit://']);
    expect(noMap.code).toBe(2);
    expect(noMap.stderr).toMatch(/needs --map FILE/);

    const badMap = join(freshDir('pg-badmap'), 'map.yaml');
    writeFileSync(badMap, 'messages:\n  conversation: conversation_id\n  colour: blue\n');
    const invalid = await runCli(['--data-dir', dataDir, 'migrate', sourceUrl, 'godwit://', '--map', badMap]);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/messages\.table/);

    const noRoles = join(freshDir('pg-noroles'), 'map.yaml');
    writeFileSync(noRoles, `messages:\n  table: ${schema}.messages\n  conversation: conversation_id\n`);
    const role = await runCli(['--data-dir', dataDir, 'migrate', sourceUrl, 'godwit://', '--map', noRoles]);
    expect(role.code).toBe(2);
    expect(role.stderr).toMatch(/role "human", which is not a Godwit role/);
    // Nothing was written, so nothing is left to resume: the next run starts without --resume.
    expect(role.stderr).not.toMatch(/--resume/);

    const wrongColumn = join(freshDir('pg-wrongcol'), 'map.yaml');
    writeFileSync(wrongColumn, `messages:\n  table: ${schema}.messages\n  conversation: conv_id\n`);
    const column = await runCli([
      '--data-dir',
      dataDir,
      'migrate',
      sourceUrl,
      'godwit://',
      '--map',
      wrongColumn,
    ]);
    expect(column.code).toBe(2);
    expect(column.stderr).toMatch(/conv_id/);

    const template = await runCli([
      '--data-dir',
      dataDir,
      'migrate',
      `${postgresUrl()}?query=${encodeURIComponent(`SELECT id, username FROM ${schema}.users`)}`,
      'godwit://iam2',
      '--template',
      '{{username}} in {{department}}',
    ]);
    expect(template.code).toBe(2);
    expect(template.stderr).toMatch(/\{\{department\}\}, but the query returns no such column/);

    const unreachable = await runCli([
      '--data-dir',
      dataDir,
      'migrate',
      'postgres://postgres:secret@127.0.0.1:1/x?table=c',
      'godwit://',
      '--map',
      mapFile,
    ]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(
      /PostgreSQL at postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/x is not reachable/,
    );
    expect(unreachable.stderr).not.toMatch(/secret/);
  });
});
