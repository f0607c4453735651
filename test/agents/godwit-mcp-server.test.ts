/**
 * Godwit as an MCP server at /mcp, driven by the official MCP client (streamable HTTP) against the app as
 * shipped: config loader, composition root, API-key authentication, two tenants, an assistant whose model
 * is scripted on the OpenAI wire emulator.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ServerType, serve } from '@hono/node-server';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGodwit } from '../../src/config/create-godwit.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { issueApiKey } from '../../src/core/auth/index.ts';
import type { GodwitServices } from '../../src/core/services.ts';
import { createApp } from '../../src/server/index.ts';
import { type Emulator, startEmulator } from '../support/emulators/index.ts';

let emulator: Emulator;
let services: GodwitServices;
let server: ServerType;
let mcpUrl: URL;
let acmeKey: string;
let otherKey: string;
const clients: Client[] = [];

beforeAll(async () => {
  emulator = await startEmulator();
  const directory = mkdtempSync(join(tmpdir(), 'godwit-mcp-server-'));
  const path = join(directory, 'godwit.config.yaml');
  writeFileSync(
    path,
    `dataDir: ${join(directory, 'data')}
sample: false
models:
  default: openai:gpt-4.1-mini
assistants:
  helper:
    instructions: You help with arithmetic.
    tools: [calculator]
  careful:
    tools: [calculator]
    approval: { mode: always }
`,
  );
  const env = { OPENAI_API_KEY: 'sk-emulated', OPENAI_BASE_URL: emulator.baseURLs.openai };
  const { config } = loadConfig({ configPath: path, env, cwd: directory });
  services = await createGodwit(config, { env });
  acmeKey = (await issueApiKey(services.apiKeys!, { tenantId: 'acme', name: 'acme', role: 'user' })).secret;
  otherKey = (await issueApiKey(services.apiKeys!, { tenantId: 'other', name: 'other', role: 'user' }))
    .secret;
  const handbook = await services.knowledge.ensureKnowledgeBase('acme', 'handbook');
  await services.knowledge.ingest('acme', handbook, {
    source: 'leave-policy.md',
    bytes: new TextEncoder().encode('# Leave\n\nNew employees get 20 vacation days a year.\n'),
  });
  const app = createApp({
    services,
    options: { logger: () => {}, auth: { mode: 'required', apiKeys: true, jwt: null } },
  });
  server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise((resolve) => server.once('listening', resolve));
  mcpUrl = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`);
}, 60_000);

afterAll(async () => {
  await Promise.allSettled(clients.map((client) => client.close()));
  await new Promise((resolve) => server?.close(resolve));
  await services?.close();
  await emulator?.close();
});

async function connect(key: string | null): Promise<Client> {
  const client = new Client({ name: 'godwit-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(mcpUrl, {
    requestInit: { headers: key ? { authorization: `Bearer ${key}` } : {} },
  });
  await client.connect(transport);
  clients.push(client);
  return client;
}

// biome-ignore lint/suspicious/noExplicitAny: tool results are read field by field in assertions
type Structured = Record<string, any>;

describe('/mcp with the official MCP client', () => {
  it('lists the knowledge tools and one tool per assistant', async () => {
    const client = await connect(acmeKey);
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual([
      'ask',
      'assistant_careful',
      'assistant_helper',
      'get_document',
      'list_knowledge_bases',
      'search_knowledge_base',
    ]);
    expect(tools.find((tool) => tool.name === 'search_knowledge_base')?.annotations?.readOnlyHint).toBe(true);
  });

  it("searches and reads the caller's knowledge base", async () => {
    const client = await connect(acmeKey);
    const listed = await client.callTool({ name: 'list_knowledge_bases', arguments: {} });
    expect(listed.structuredContent).toEqual({ knowledgeBases: [{ name: 'handbook' }] });
    const found = await client.callTool({
      name: 'search_knowledge_base',
      arguments: { knowledgeBase: 'handbook', query: 'vacation days' },
    });
    const results = (found.structuredContent as Structured).results;
    expect(results[0]).toMatchObject({
      source: 'leave-policy.md',
      text: expect.stringContaining('20 vacation days'),
    });
    const document = await client.callTool({
      name: 'get_document',
      arguments: { knowledgeBase: 'handbook', source: 'leave-policy.md' },
    });
    expect((document.structuredContent as Structured).passages).toHaveLength(1);
    const missing = await client.callTool({
      name: 'get_document',
      arguments: { knowledgeBase: 'handbook', source: 'salaries.xlsx' },
    });
    expect(missing.isError).toBe(true);
    expect(missing.content).toEqual([
      {
        type: 'text',
        text: 'There is no document "salaries.xlsx" in knowledge base "handbook" (or it has no text).',
      },
    ]);
  });

  it("lists the caller's knowledge bases as resources and reads one, another tenant's not", async () => {
    const client = await connect(acmeKey);
    const { resources } = await client.listResources();
    expect(resources).toEqual([
      expect.objectContaining({
        uri: 'godwit://knowledge-bases/handbook',
        name: 'handbook',
        mimeType: 'application/json',
      }),
    ]);
    const read = await client.readResource({ uri: 'godwit://knowledge-bases/handbook' });
    const content = read.contents[0];
    expect(JSON.parse(content && 'text' in content ? content.text : '')).toMatchObject({
      name: 'handbook',
      documents: [{ source: 'leave-policy.md', status: 'ready', chunks: 1 }],
    });
    const other = await connect(otherKey);
    expect((await other.listResources()).resources).toEqual([]);
    await expect(other.readResource({ uri: 'godwit://knowledge-bases/handbook' })).rejects.toThrow(
      /handbook/,
    );
  });

  it("keeps tenants apart: another tenant's key sees none of it", async () => {
    const client = await connect(otherKey);
    const listed = await client.callTool({ name: 'list_knowledge_bases', arguments: {} });
    expect(listed.structuredContent).toEqual({ knowledgeBases: [] });
    const found = await client.callTool({
      name: 'search_knowledge_base',
      arguments: { knowledgeBase: 'handbook', query: 'vacation days' },
    });
    expect(found.isError).toBe(true);
    expect(JSON.stringify(found.content)).toMatch(/handbook/);
    expect(JSON.stringify(found.content)).not.toContain('20 vacation days');
  });

  it('runs an assistant, its tool loop included, and returns the answer with its conversation', async () => {
    emulator.script(
      { match: { dialect: 'openai' }, toolCalls: [{ name: 'calculator', input: { expression: '6*7' } }] },
      { match: { dialect: 'openai' }, text: 'It is 42.' },
    );
    const client = await connect(acmeKey);
    const answered = await client.callTool({
      name: 'assistant_helper',
      arguments: { message: 'What is 6*7?' },
    });
    const result = answered.structuredContent as Structured;
    expect(result).toMatchObject({ answer: 'It is 42.', status: 'complete' });
    const stored = await services.conversations.listMessages('acme', result.conversationId);
    expect(stored.at(-1)?.parts.some((part) => part.type === 'tool-result')).toBe(true);
  });

  it('returns the calls an assistant waits on, for the user to decide in Godwit', async () => {
    emulator.script({
      match: { dialect: 'openai' },
      toolCalls: [{ name: 'calculator', input: { expression: '2*21' } }],
    });
    const client = await connect(acmeKey);
    const answered = await client.callTool({
      name: 'assistant_careful',
      arguments: { message: 'What is 2*21?' },
    });
    expect(answered.structuredContent).toMatchObject({
      awaitingApproval: [{ toolName: 'calculator', input: { expression: '2*21' } }],
      note: expect.stringContaining('/tool-approvals'),
    });
  });

  it('reports bad arguments as a tool error', async () => {
    const client = await connect(acmeKey);
    const result = await client.callTool({ name: 'search_knowledge_base', arguments: { query: 42 } });
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toMatch(/knowledgeBase|Invalid/);
  });

  it('refuses a client without credentials with 401', async () => {
    await expect(connect(null)).rejects.toThrow(/Missing credentials: send an API key/);
    const response = await fetch(mcpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(response.status).toBe(401);
  });

  it('answers GET with 405: the server is stateless', async () => {
    const response = await fetch(mcpUrl, { headers: { authorization: `Bearer ${acmeKey}` } });
    expect(response.status).toBe(405);
  });
});
