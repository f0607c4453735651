/**
 * The askiam example as shipped: examples/askiam/godwit.yaml loaded by the real config loader, with only what a
 * user's environment sets overridden (the IAM database URL with a schema of its own on the test PostgreSQL,
 * Ollama or Bedrock on their wire emulators, the data dir). Seed 003's key flow: "what entitlements does jon
 * smith have in payroll?" → resolve_entity validates the user and the application → the named query → an
 * answer from the rows; two close names are asked back; policy questions cite the policies; the same
 * assistant over MCP with the official client; the Ollama profile and the Bedrock profile.
 */
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ServerType, serve } from '@hono/node-server';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { createGodwit } from '../../src/config/create-godwit.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import type { GodwitServices } from '../../src/core/services.ts';
import { createApp } from '../../src/server/index.ts';
import { captureOutput } from '../../test/support/capture-output.ts';
import { type Emulator, type EmulatorRequest, startEmulator } from '../../test/support/emulators/index.ts';
import {
  describeWithService,
  dropSchema,
  postgresUrl,
  uniqueSchemaName,
} from '../../test/support/services.ts';
import { seedIamDatabase } from './iam-database.ts';

const EXAMPLE = import.meta.dirname;
const CONFIG = join(EXAMPLE, 'godwit.yaml');
const LLAMA = 'llama3.1:8b';
const SONNET = 'anthropic.claude-3-5-sonnet-20241022-v2:0';
const QUESTION = 'What entitlements does jon smith have in payroll?';

const describeWithPostgres = await describeWithService('postgres');

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read field by field in assertions
type Json = any;

const schema = uniqueSchemaName('askiam');
const saved = { ...process.env };
let emulator: Emulator;
let services: GodwitServices | undefined;
let app: ReturnType<typeof createApp>;

/** The IAM database as a user points the example at it: the search_path option names the schema. */
function iamDatabaseUrl(): string {
  const url = new URL(postgresUrl());
  url.searchParams.set('options', `-c search_path=${schema},public`);
  return url.href;
}

async function cli(args: string[]) {
  const captured = captureOutput();
  const code = await main(['--config', CONFIG, ...args], captured.output);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

/** Sets a profile's environment, ingests the policies with the real CLI and starts Godwit on the shipped config. */
async function startProfile(env: Record<string, string>): Promise<void> {
  process.env = { ...saved, ...env };
  const ingested = await cli(['ingest', join(EXAMPLE, 'policies'), '--kb', 'policies']);
  expect(ingested.code, ingested.stderr).toBe(0);
  const { config } = loadConfig({ configPath: CONFIG, env: process.env });
  services = await createGodwit(config, { env: process.env });
  app = createApp({ services, options: { logger: () => {} } });
}

async function stopProfile(): Promise<void> {
  await services?.close();
  services = undefined;
  process.env = { ...saved };
}

async function chat(message: string, conversationId?: string) {
  const response = await app.request('/api/chat', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ assistant: 'askiam', message, ...(conversationId ? { conversationId } : {}) }),
  });
  return { status: response.status, body: (await response.json()) as Json };
}

function chatRequests(model: string, since: number): EmulatorRequest[] {
  return emulator.requests
    .slice(since)
    .filter((request) => request.operation === 'chat' && request.model === model);
}

/** The model's side of the key flow: validate both names, run the query with their ids, answer from the rows. */
function scriptKeyFlow(match: { dialect: 'ollama' | 'bedrock'; model: string }) {
  emulator.script(
    { match, toolCalls: [{ name: 'iam__resolve_entity', input: { entity: 'user', name: 'jon smith' } }] },
    {
      match,
      toolCalls: [{ name: 'iam__resolve_entity', input: { entity: 'application', name: 'payroll' } }],
    },
    {
      match,
      toolCalls: [
        { name: 'iam__entitlements_of_user_in_application', input: { user_id: 1, application_id: 1 } },
      ],
    },
    {
      match,
      text: 'Jon Smith (Finance) holds two Payroll roles: Payroll Clerk gives payroll:create, payroll:read and payroll:update; Payroll Approver adds payroll:approve.',
    },
  );
}

function expectKeyFlow(body: Json) {
  const calls = body.message.toolCalls as Json[];
  expect(calls.map((call) => [call.toolName, call.state])).toEqual([
    ['iam__resolve_entity', 'complete'],
    ['iam__resolve_entity', 'complete'],
    ['iam__entitlements_of_user_in_application', 'complete'],
  ]);
  expect(calls[0].output).toMatchObject({
    match: 'exact',
    entity: { id: 1, username: 'jsmith', full_name: 'Jon Smith', department: 'Finance', status: 'active' },
  });
  expect(calls[1].output).toMatchObject({ match: 'exact', entity: { id: 1, name: 'Payroll' } });
  const rows = calls[2].output.rows as Json[];
  expect(rows.map((row) => `${row.role} ${row.entitlement}`)).toEqual([
    'Payroll Approver payroll:approve',
    'Payroll Approver payroll:create',
    'Payroll Approver payroll:read',
    'Payroll Approver payroll:update',
    'Payroll Clerk payroll:create',
    'Payroll Clerk payroll:read',
    'Payroll Clerk payroll:update',
  ]);
  expect(rows.every((row) => row.application === 'Payroll')).toBe(true);
  expect(body.message.content).toContain('Payroll Approver adds payroll:approve');
}

describeWithPostgres('examples/askiam (seed 003)', () => {
  beforeAll(async () => {
    emulator = await startEmulator();
    const counts = await seedIamDatabase({ url: postgresUrl(), schema });
    expect(counts.users + counts.roles + counts.entitlements + counts.userRoles).toBeGreaterThan(300);
  }, 60_000);

  afterAll(async () => {
    await stopProfile();
    await emulator?.close();
    await dropSchema(postgresUrl(), schema).catch(() => {});
  });

  describe('Ollama profile (the shipped file as is)', () => {
    let server: ServerType;
    let mcpUrl: URL;
    const clients: Client[] = [];

    beforeAll(async () => {
      await startProfile({
        OLLAMA_HOST: emulator.url,
        ASKIAM_DATABASE_URL: iamDatabaseUrl(),
        GODWIT_DATA_DIR: join(mkdtempSync(join(tmpdir(), 'godwit-askiam-ollama-')), 'data'),
      });
      server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
      await new Promise((resolve) => server.once('listening', resolve));
      mcpUrl = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`);
    }, 120_000);

    afterAll(async () => {
      await Promise.allSettled(clients.map((client) => client.close()));
      await new Promise((resolve) => server?.close(resolve));
      await stopProfile();
    });

    async function connect(): Promise<Client> {
      const client = new Client({ name: 'askiam-test', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(mcpUrl));
      clients.push(client);
      return client;
    }

    it('ships the assistant with the SQL tools, pg_trgm similarity and the policies on Ollama', async () => {
      const { config } = loadConfig({ configPath: CONFIG, env: process.env });
      expect(config.models).toMatchObject({
        default: `ollama:${LLAMA}`,
        embedding: 'ollama:nomic-embed-text',
      });
      expect(config.tools.sql.iam?.url).toEqual({ env: 'ASKIAM_DATABASE_URL' });
      expect(config.assistants.askiam).toMatchObject({
        tools: ['iam', 'search_knowledge_base'],
        knowledgeBases: ['policies'],
      });
      const knowledgeBase = await services!.knowledge.requireKnowledgeBase('default', 'policies');
      expect(knowledgeBase.embeddingModel).toBe('ollama:nomic-embed-text');
    });

    it('answers "what entitlements does jon smith have in payroll?" from validated rows', async () => {
      const since = emulator.requests.length;
      scriptKeyFlow({ dialect: 'ollama', model: LLAMA });
      const { status, body } = await chat(QUESTION);
      expect(status, JSON.stringify(body)).toBe(200);
      expectKeyFlow(body);
      // The model answered with the rows in front of it: the last request carries the query's result.
      const requests = chatRequests(LLAMA, since);
      expect(requests).toHaveLength(4);
      expect(JSON.stringify(requests[3]!.body)).toContain('payroll:approve');
      expect(JSON.stringify(requests[0]!.body)).not.toContain('payroll:approve');
    });

    it('asks back when two users have close names, and runs no query', async () => {
      emulator.script(
        {
          match: { dialect: 'ollama', model: LLAMA },
          toolCalls: [{ name: 'iam__resolve_entity', input: { entity: 'user', name: 'maria garcia' } }],
        },
        {
          match: { dialect: 'ollama', model: LLAMA },
          text: 'I found two people: Mariah Garcia (Human Resources) and Marie Garcia (Finance). Which one do you mean?',
        },
      );
      const { status, body } = await chat('Which roles does maria garcia have?');
      expect(status).toBe(200);
      const calls = body.message.toolCalls as Json[];
      expect(calls).toHaveLength(1);
      expect(calls[0].output).toMatchObject({
        match: 'ambiguous',
        similarity: 'pg_trgm',
        question: 'Several user records match "maria garcia". Ask the user which one they mean.',
      });
      expect(calls[0].output.candidates.map((candidate: Json) => candidate.full_name)).toEqual([
        'Mariah Garcia',
        'Marie Garcia',
      ]);
      expect(body.message.content).toContain('Which one do you mean?');
    });

    it('takes a misspelt application as the clear best match, and says when nothing matches', async () => {
      emulator.script(
        {
          match: { dialect: 'ollama', model: LLAMA },
          toolCalls: [
            { name: 'iam__resolve_entity', input: { entity: 'application', name: 'Source Contrl' } },
            { name: 'iam__resolve_entity', input: { entity: 'application', name: 'Quantum Ledger' } },
          ],
        },
        {
          match: { dialect: 'ollama', model: LLAMA },
          text: 'Source Control exists; Quantum Ledger does not.',
        },
      );
      const { body } = await chat('Who owns Source Contrl and Quantum Ledger?');
      const calls = body.message.toolCalls as Json[];
      expect(calls[0].output).toMatchObject({
        match: 'similar',
        entity: { name: 'Source Control', owner: 'Engineering' },
      });
      expect(calls[1].output).toMatchObject({
        match: 'none',
        note: 'No application is named like "Quantum Ledger". Ask the user for the exact name.',
      });
    });

    it('stores a query called with the wrong argument types as a failed call the model sees', async () => {
      emulator.script(
        {
          match: { dialect: 'ollama', model: LLAMA },
          toolCalls: [{ name: 'iam__roles_of_user', input: { user_id: 'jon smith' } }],
        },
        { match: { dialect: 'ollama', model: LLAMA }, text: 'I need to look the user up first.' },
      );
      const { status, body } = await chat('Roles of jon smith?');
      expect(status).toBe(200);
      const [call] = body.message.toolCalls as Json[];
      expect(call).toMatchObject({ toolName: 'iam__roles_of_user', state: 'failed' });
      expect(call.error).toContain('do not match its input schema');
    });

    it('answers a policy question from the policy documents with a citation', async () => {
      emulator.script(
        {
          match: { dialect: 'ollama', model: LLAMA },
          toolCalls: [
            {
              name: 'search_knowledge_base',
              input: { query: 'Payroll Clerk Payroll Administrator combined' },
            },
          ],
        },
        {
          match: { dialect: 'ollama', model: LLAMA },
          text: 'No: Payroll Clerk may not be combined with Payroll Administrator [1].',
        },
      );
      const { status, body } = await chat('Can Jon Smith also get Payroll Administrator?');
      expect(status, JSON.stringify(body)).toBe(200);
      expect(body.message.toolCalls[0]).toMatchObject({
        toolName: 'search_knowledge_base',
        state: 'complete',
      });
      expect(body.citations[0]).toMatchObject({ source: 'segregation-of-duties.md' });
    });

    it('is an MCP server: the official client asks the assistant the same question at /mcp', async () => {
      const client = await connect();
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).toEqual(
        expect.arrayContaining(['assistant_askiam', 'search_knowledge_base', 'list_knowledge_bases']),
      );
      scriptKeyFlow({ dialect: 'ollama', model: LLAMA });
      const result = await client.callTool({ name: 'assistant_askiam', arguments: { message: QUESTION } });
      expect(result.isError ?? false).toBe(false);
      const structured = result.structuredContent as Json;
      expect(structured).toMatchObject({ status: 'complete' });
      expect(structured.answer).toContain('Payroll Clerk gives payroll:create');
      // The turn is stored like any other, with the validated rows behind the answer.
      const response = await app.request(`/api/conversations/${structured.conversationId}`);
      const conversation = (await response.json()) as Json;
      const answer = conversation.messages.at(-1);
      expectKeyFlow({ message: answer });

      const listed = await client.callTool({ name: 'list_knowledge_bases', arguments: {} });
      expect(listed.structuredContent).toEqual({ knowledgeBases: [{ name: 'policies' }] });
      const found = await client.callTool({
        name: 'search_knowledge_base',
        arguments: { knowledgeBase: 'policies', query: 'who approves high-risk roles' },
      });
      expect((found.structuredContent as Json).results.map((hit: Json) => hit.source)).toContain(
        'access-request-policy.md',
      );
    });

    it('refuses to start without the IAM database URL, naming the key and the variable', async () => {
      const env = { ...process.env, ASKIAM_DATABASE_URL: undefined };
      const { config } = loadConfig({ configPath: CONFIG, env });
      await expect(createGodwit(config, { env })).rejects.toThrow(
        /tools\.sql\.iam\.url.*ASKIAM_DATABASE_URL/,
      );
    });
  });

  describe('Bedrock profile (the same file, models chosen by the environment)', () => {
    beforeAll(async () => {
      await startProfile({
        GODWIT_MODEL: `bedrock:${SONNET}`,
        GODWIT_EMBEDDING_MODEL: 'bedrock:amazon.titan-embed-text-v2:0',
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'emulated-secret',
        AWS_ENDPOINT_URL_BEDROCK_RUNTIME: emulator.url,
        ASKIAM_DATABASE_URL: iamDatabaseUrl(),
        GODWIT_DATA_DIR: join(mkdtempSync(join(tmpdir(), 'godwit-askiam-bedrock-')), 'data'),
      });
    }, 120_000);

    afterAll(stopProfile);

    it('answers the same question with Claude on Bedrock and Titan embeddings', async () => {
      const knowledgeBase = await services!.knowledge.requireKnowledgeBase('default', 'policies');
      expect(knowledgeBase.embeddingModel).toBe('bedrock:amazon.titan-embed-text-v2:0');
      const since = emulator.requests.length;
      scriptKeyFlow({ dialect: 'bedrock', model: SONNET });
      const { status, body } = await chat(QUESTION);
      expect(status, JSON.stringify(body)).toBe(200);
      expectKeyFlow(body);
      expect(body.message.model).toBe(`bedrock:${SONNET}`);
      const requests = chatRequests(SONNET, since);
      expect(requests).toHaveLength(4);
      // Converse carries the assistant's instructions as the system prompt for Claude.
      expect(JSON.stringify((requests[0]!.body as Json).system)).toContain('call iam__resolve_entity first');
      expect(emulator.requests.slice(since).some((request) => request.dialect === 'ollama')).toBe(false);
    });
  });
});
