/**
 * askiam on its serverless AWS profile: examples/askiam/godwit.aws.yaml loaded by the real config loader, with
 * only what a user's environment sets overridden — DynamoDB on dynalite, S3 on s3rver, OpenSearch Serverless
 * and Bedrock on their wire emulators, the IAM database on the test PostgreSQL. The same flow as the shipped
 * profile's test: the policies ingested by the real CLI, "what entitlements does jon smith have in payroll?"
 * validated with resolve_entity and answered from the named query's rows, a policy question cited, the same
 * assistant over MCP; the conversations in DynamoDB, the files in S3, the passages in OpenSearch.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ServerType, serve } from '@hono/node-server';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse } from 'yaml';
import { main } from '../../src/cli/main.ts';
import { createGodwit } from '../../src/config/create-godwit.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import type { GodwitServices } from '../../src/core/services.ts';
import { createApp } from '../../src/server/index.ts';
import { captureOutput } from '../../test/support/capture-output.ts';
import { type DynaliteServer, startDynalite } from '../../test/support/dynalite-server.ts';
import { type Emulator, startEmulator } from '../../test/support/emulators/index.ts';
import { type OpenSearchEmulator, startOpenSearchEmulator } from '../../test/support/opensearch-emulator.ts';
import { type S3rverServer, startS3rver } from '../../test/support/s3rver-server.ts';
import {
  describeWithService,
  dropSchema,
  postgresUrl,
  uniqueSchemaName,
} from '../../test/support/services.ts';
import { seedIamDatabase } from './iam-database.ts';

const EXAMPLE = import.meta.dirname;
const CONFIG = join(EXAMPLE, 'godwit.aws.yaml');
const SONNET = 'anthropic.claude-3-5-sonnet-20241022-v2:0';
const TITAN = 'amazon.titan-embed-text-v2:0';
const QUESTION = 'What entitlements does jon smith have in payroll?';

const describeWithPostgres = await describeWithService('postgres');

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read field by field in assertions
type Json = any;

const schema = uniqueSchemaName('askiam_aws');
const saved = { ...process.env };
let emulator: Emulator;
let dynamo: DynaliteServer;
let s3: S3rverServer;
let opensearch: OpenSearchEmulator;
let services: GodwitServices;
let app: ReturnType<typeof createApp>;
let server: ServerType;
let mcpUrl: URL;
let ingestOutput: { code: number; stdout: string; stderr: string };

function iamDatabaseUrl(): string {
  const url = new URL(postgresUrl());
  url.searchParams.set('options', `-c search_path=${schema},public`);
  return url.href;
}

async function chat(message: string) {
  const response = await app.request('/api/chat', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ assistant: 'askiam', message }),
  });
  return { status: response.status, body: (await response.json()) as Json };
}

function sonnet(...replies: Array<{ text?: string; toolCalls?: Array<{ name: string; input: Json }> }>) {
  emulator.script(
    ...replies.map((reply) => ({ match: { dialect: 'bedrock' as const, model: SONNET }, ...reply })),
  );
}

function scriptKeyFlow() {
  sonnet(
    { toolCalls: [{ name: 'iam__resolve_entity', input: { entity: 'user', name: 'jon smith' } }] },
    { toolCalls: [{ name: 'iam__resolve_entity', input: { entity: 'application', name: 'payroll' } }] },
    {
      toolCalls: [
        { name: 'iam__entitlements_of_user_in_application', input: { user_id: 1, application_id: 1 } },
      ],
    },
    {
      text: 'Jon Smith (Finance) holds two Payroll roles: Payroll Clerk gives payroll:create, payroll:read and payroll:update; Payroll Approver adds payroll:approve.',
    },
  );
}

function expectKeyFlow(message: Json) {
  const calls = message.toolCalls as Json[];
  expect(calls.map((call) => [call.toolName, call.state])).toEqual([
    ['iam__resolve_entity', 'complete'],
    ['iam__resolve_entity', 'complete'],
    ['iam__entitlements_of_user_in_application', 'complete'],
  ]);
  expect(calls[0].output).toMatchObject({ match: 'exact', entity: { id: 1, full_name: 'Jon Smith' } });
  expect(calls[1].output).toMatchObject({ match: 'exact', entity: { id: 1, name: 'Payroll' } });
  expect((calls[2].output.rows as Json[]).map((row) => `${row.role} ${row.entitlement}`)).toEqual([
    'Payroll Approver payroll:approve',
    'Payroll Approver payroll:create',
    'Payroll Approver payroll:read',
    'Payroll Approver payroll:update',
    'Payroll Clerk payroll:create',
    'Payroll Clerk payroll:read',
    'Payroll Clerk payroll:update',
  ]);
  expect(message.content).toContain('Payroll Approver adds payroll:approve');
}

describeWithPostgres('examples/askiam on the serverless profile (godwit.aws.yaml)', () => {
  beforeAll(async () => {
    [emulator, dynamo, s3, opensearch] = await Promise.all([
      startEmulator(),
      startDynalite(),
      startS3rver('askiam-dev-policies'),
      startOpenSearchEmulator({ service: 'aoss' }),
    ]);
    await seedIamDatabase({ url: postgresUrl(), schema });
    // What a user sets for local stand-ins: credentials, region, endpoints, the IAM database. The rest is the file.
    process.env = {
      ...saved,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_ENDPOINT_URL_BEDROCK_RUNTIME: emulator.url,
      GODWIT_STORAGE__DYNAMODB__ENDPOINT: dynamo.endpoint,
      GODWIT_STORAGE__S3__ENDPOINT: s3.endpoint,
      GODWIT_STORAGE__S3__FORCE_PATH_STYLE: 'true',
      GODWIT_STORAGE__OPENSEARCH__ENDPOINT: opensearch.url,
      ASKIAM_DATABASE_URL: iamDatabaseUrl(),
      GODWIT_DATA_DIR: join(mkdtempSync(join(tmpdir(), 'godwit-askiam-aws-')), 'data'),
    };
    delete process.env.GODWIT_DATABASE_URL;
    const captured = captureOutput();
    const code = await main(
      ['--config', CONFIG, 'ingest', join(EXAMPLE, 'policies'), '--kb', 'policies'],
      captured.output,
    );
    ingestOutput = { code, stdout: captured.stdout(), stderr: captured.stderr() };
    expect(code, ingestOutput.stderr).toBe(0);
    const { config } = loadConfig({ configPath: CONFIG, env: process.env });
    services = await createGodwit(config, { env: process.env });
    app = createApp({ services, options: { logger: () => {} } });
    server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
    await new Promise((resolve) => server.once('listening', resolve));
    mcpUrl = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`);
  }, 180_000);

  afterAll(async () => {
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    await services?.close();
    process.env = saved;
    await Promise.all([emulator?.close(), dynamo?.stop(), s3?.stop(), opensearch?.close()]);
    await dropSchema(postgresUrl(), schema).catch(() => {});
  });

  it('keeps the assistant, SQL tools and queries of godwit.yaml, on DynamoDB, S3 and OpenSearch', async () => {
    const aws = parse(readFileSync(CONFIG, 'utf8'));
    const local = parse(readFileSync(join(EXAMPLE, 'godwit.yaml'), 'utf8'));
    expect(aws.tools).toEqual(local.tools);
    expect(aws.assistants).toEqual(local.assistants);
    const health = await services.health();
    expect(Object.fromEntries(health.map((report) => [report.name, report.ok]))).toEqual({
      dynamodb: true,
      opensearch: true,
      s3: true,
    });
  });

  it('ingested the policies with the CLI: files in S3, passages in OpenSearch embedded with Titan', async () => {
    const listed = (await (await app.request('/api/knowledge-bases/policies/documents')).json()) as Json;
    expect(listed.documents.map((document: Json) => [document.source, document.status]).sort()).toEqual([
      ['access-request-policy.md', 'ready'],
      ['access-reviews.md', 'ready'],
      ['segregation-of-duties.md', 'ready'],
    ]);
    const knowledgeBase = await services.knowledge.requireKnowledgeBase('default', 'policies');
    expect(knowledgeBase.embeddingModel).toBe(`bedrock:${TITAN}`);
    expect(emulator.requests.some((request) => request.model === TITAN)).toBe(true);
    expect(opensearch.requests.some((request) => request.path.endsWith('/_bulk'))).toBe(true);
    // The original file comes back from S3.
    const policy = listed.documents.find((document: Json) => document.source === 'access-reviews.md');
    const file = await app.request(`/api/knowledge-bases/policies/documents/${policy.id}/file`);
    expect(file.status).toBe(200);
    expect(await file.text()).toBe(readFileSync(join(EXAMPLE, 'policies', 'access-reviews.md'), 'utf8'));
  });

  it('answers "what entitlements does jon smith have in payroll?" from validated rows, stored in DynamoDB', async () => {
    scriptKeyFlow();
    const { status, body } = await chat(QUESTION);
    expect(status, JSON.stringify(body)).toBe(200);
    expectKeyFlow(body.message);
    expect(body.message.model).toBe(`bedrock:${SONNET}`);
    // Read back from the conversation store, which on this profile is DynamoDB (no PostgreSQL is opened).
    const messages = await services.conversations.listMessages('default', body.conversationId);
    expect(messages.map((message) => message.role)).toEqual(['user', 'assistant']);
    const stored = (await (await app.request(`/api/conversations/${body.conversationId}`)).json()) as Json;
    expectKeyFlow(stored.messages.at(-1));
  });

  it('asks back when two users have close names, and runs no query', async () => {
    sonnet(
      { toolCalls: [{ name: 'iam__resolve_entity', input: { entity: 'user', name: 'maria garcia' } }] },
      { text: 'I found two people: Mariah Garcia and Marie Garcia. Which one do you mean?' },
    );
    const { status, body } = await chat('Which roles does maria garcia have?');
    expect(status).toBe(200);
    const calls = body.message.toolCalls as Json[];
    expect(calls).toHaveLength(1);
    expect(calls[0].output).toMatchObject({ match: 'ambiguous', similarity: 'pg_trgm' });
    expect(calls[0].output.candidates.map((candidate: Json) => candidate.full_name)).toEqual([
      'Mariah Garcia',
      'Marie Garcia',
    ]);
  });

  it('answers a policy question from the policies in OpenSearch with a citation', async () => {
    sonnet(
      {
        toolCalls: [
          { name: 'search_knowledge_base', input: { query: 'Payroll Clerk Payroll Administrator combined' } },
        ],
      },
      { text: 'No: Payroll Clerk may not be combined with Payroll Administrator [1].' },
    );
    const { status, body } = await chat('Can Jon Smith also get Payroll Administrator?');
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.message.toolCalls[0]).toMatchObject({ toolName: 'search_knowledge_base', state: 'complete' });
    expect(body.citations[0]).toMatchObject({ source: 'segregation-of-duties.md' });
    expect(opensearch.requests.some((request) => request.path.endsWith('/_search'))).toBe(true);
  });

  it('is an MCP server on this profile too: the official client asks the same question', async () => {
    const client = new Client({ name: 'askiam-aws-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(mcpUrl));
    try {
      scriptKeyFlow();
      const result = await client.callTool({ name: 'assistant_askiam', arguments: { message: QUESTION } });
      expect(result.isError ?? false).toBe(false);
      const structured = result.structuredContent as Json;
      expect(structured).toMatchObject({ status: 'complete' });
      const conversation = (await (
        await app.request(`/api/conversations/${structured.conversationId}`)
      ).json()) as Json;
      expectKeyFlow(conversation.messages.at(-1));
    } finally {
      await client.close();
    }
  });
});
