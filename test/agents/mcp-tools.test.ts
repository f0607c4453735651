/**
 * MCP servers as tool sources, against a real MCP server process built with the official SDK (stdio, and
 * streamable HTTP): tools listed and namespaced, the admin allow-list, secrets in headers kept from the
 * model, approvals for MCP calls, errors reported by the server, and servers that cannot be reached or are
 * refused by the URL guard stopping startup with the key that names them.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ServerType, serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGodwit } from '../../src/config/create-godwit.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import type { AgentTool } from '../../src/core/agent/agent-tool.ts';
import type { GodwitServices } from '../../src/core/services.ts';
import { createUrlGuard } from '../../src/net/index.ts';
import { createApp } from '../../src/server/index.ts';
import { connectMcpSource, type McpSourceConfig } from '../../src/tools/mcp/mcp-tools.ts';
import { type Emulator, startEmulator } from '../support/emulators/index.ts';

const SERVER = join(import.meta.dirname, 'fixtures', 'mcp-iam-server.mjs');
const TOKEN = 'mcp-token-abcdef123456';
const directory = mkdtempSync(join(tmpdir(), 'godwit-mcp-'));
const CALL_LOG = join(directory, 'calls.jsonl');

let emulator: Emulator;
let httpServer: ChildProcess;
let httpUrl: string;
let services: GodwitServices;
let server: ServerType;
let baseUrl: string;

function calls(): Array<Record<string, unknown>> {
  try {
    return readFileSync(CALL_LOG, 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  } catch {
    return [];
  }
}

async function startHttpServer(): Promise<{ process: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [SERVER, '--http'], {
    env: { ...process.env, MCP_CALL_LOG: CALL_LOG },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`MCP server exited with ${code}`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      const match = /listening (\d+)/.exec(chunk.toString());
      if (match?.[1]) resolve(match[1]);
    });
  });
  return { process: child, url: `http://127.0.0.1:${port}/mcp` };
}

beforeAll(async () => {
  emulator = await startEmulator();
  ({ process: httpServer, url: httpUrl } = await startHttpServer());
  const path = join(directory, 'godwit.config.yaml');
  writeFileSync(
    path,
    `dataDir: ${join(directory, 'data')}
models:
  default: openai:gpt-4.1-mini
urlFetch:
  allowedHosts: [127.0.0.1]
tools:
  mcp:
    iam:
      command: ${process.execPath}
      args: [${SERVER}]
      env: { MCP_CALL_LOG: ${CALL_LOG} }
      tools: [lookup_user, grant_role]
    remote:
      url: ${httpUrl}
      auth: { header: Authorization, prefix: "Bearer ", secret: { env: IAM_MCP_TOKEN } }
assistants:
  access:
    instructions: You handle access requests.
    tools: [iam, remote__lookup_user]
    approval:
      tools: { iam__lookup_user: run, remote__lookup_user: run }
`,
  );
  const env = {
    OPENAI_API_KEY: 'sk-emulated',
    OPENAI_BASE_URL: emulator.baseURLs.openai,
    IAM_MCP_TOKEN: TOKEN,
  };
  const { config } = loadConfig({ configPath: path, env, cwd: directory });
  services = await createGodwit(config, { env });
  server = serve({ fetch: createApp({ services }).fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise((resolve) => server.once('listening', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await services?.close();
  await emulator?.close();
  httpServer?.kill();
});

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read field by field in assertions
type Body = Record<string, any>;

async function post(path: string, body: unknown): Promise<{ status: number; body: Body }> {
  const response = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Body };
}

describe('MCP tools in the loop', () => {
  it('calls a stdio server tool and stores its structured result', async () => {
    emulator.script(
      { match: { dialect: 'openai' }, toolCalls: [{ name: 'iam__lookup_user', input: { username: 'bob' } }] },
      { match: { dialect: 'openai' }, text: 'Bob is a reader and an admin.' },
    );
    const { status, body } = await post('/api/chat', { assistant: 'access', message: 'What can bob do?' });
    expect(status).toBe(200);
    expect(body.message.toolCalls).toEqual([
      expect.objectContaining({
        toolName: 'iam__lookup_user',
        state: 'complete',
        output: { username: 'bob', roles: ['reader', 'admin'] },
      }),
    ]);
    expect(body.answer).toBe('Bob is a reader and an admin.');
    const sentToModel = JSON.stringify(emulator.requests.at(-2)?.body);
    expect(sentToModel).toContain('iam__grant_role');
    expect(sentToModel).not.toContain('internal_reset');
  });

  it('asks before an MCP tool of unknown effect runs, then runs it once approved', async () => {
    emulator.script({
      match: { dialect: 'openai' },
      toolCalls: [{ name: 'iam__grant_role', input: { username: 'alice', role: 'admin' } }],
    });
    const waiting = await post('/api/chat', { assistant: 'access', message: 'Make alice an admin.' });
    const [call] = waiting.body.message.toolCalls;
    expect(call.state).toBe('awaiting-approval');
    expect(calls().filter((entry) => entry.tool === 'grant_role')).toEqual([]);
    emulator.script({ match: { dialect: 'openai' }, text: 'Alice is now an admin.' });
    const { body } = await post(`/api/conversations/${waiting.body.conversationId}/tool-approvals`, {
      approvals: [{ approvalId: call.approval.id, approved: true }],
    });
    expect(body.message.toolCalls[0]).toMatchObject({ state: 'complete', output: 'Granted admin to alice' });
    expect(calls().filter((entry) => entry.tool === 'grant_role')).toEqual([
      { tool: 'grant_role', username: 'alice', role: 'admin' },
    ]);
  });

  it('sends the secret header to an HTTP server and never to the model', async () => {
    emulator.script(
      {
        match: { dialect: 'openai' },
        toolCalls: [{ name: 'remote__lookup_user', input: { username: 'alice' } }],
      },
      { match: { dialect: 'openai' }, text: 'Alice reads.' },
    );
    const { body } = await post('/api/chat', { assistant: 'access', message: 'What can alice do?' });
    expect(body.message.toolCalls[0]).toMatchObject({ state: 'complete', output: { roles: ['reader'] } });
    expect(calls().at(-1)).toEqual({
      tool: 'lookup_user',
      username: 'alice',
      authorization: `Bearer ${TOKEN}`,
    });
    expect(JSON.stringify(emulator.requests.map((request) => request.body))).not.toContain(TOKEN);
  });

  it('stores an error the server reports as a failed call the model sees', async () => {
    emulator.script(
      {
        match: { dialect: 'openai' },
        toolCalls: [{ name: 'iam__lookup_user', input: { username: 'carol' } }],
      },
      { match: { dialect: 'openai' }, text: 'There is no carol.' },
    );
    const { body } = await post('/api/chat', { assistant: 'access', message: 'What can carol do?' });
    expect(body.message.toolCalls[0]).toMatchObject({
      state: 'failed',
      error: 'Tool "iam__lookup_user" failed: No user named carol',
    });
    expect(JSON.stringify(emulator.requests.at(-1)?.body)).toContain('No user named carol');
  });

  it('keeps tools off the allow-list away from the model', async () => {
    emulator.script(
      { match: { dialect: 'openai' }, toolCalls: [{ name: 'iam__internal_reset', input: {} }] },
      { match: { dialect: 'openai' }, text: 'I cannot.' },
    );
    const { body } = await post('/api/chat', { assistant: 'access', message: 'Reset everything.' });
    expect(body.message.toolCalls[0]).toMatchObject({
      state: 'failed',
      error: expect.stringMatching(/^There is no tool named "iam__internal_reset"/),
    });
    expect(calls().filter((entry) => entry.tool === 'internal_reset')).toEqual([]);
  });
});

describe('MCP servers checked at startup', () => {
  const guard = createUrlGuard({ allowedHosts: ['127.0.0.1'] });
  const base: McpSourceConfig = {
    url: null,
    transport: 'http',
    auth: null,
    command: null,
    args: [],
    env: {},
    tools: null,
  };

  it('names the key when an HTTP server cannot be reached', async () => {
    await expect(
      connectMcpSource({
        source: 'gone',
        settings: { ...base, url: 'http://127.0.0.1:9/mcp' },
        env: {},
        urlGuard: guard,
        secrets: [],
      }),
    ).rejects.toThrow(
      /^tools\.mcp\.gone: cannot reach the MCP server at http:\/\/127\.0\.0\.1:9\/mcp: .*Start the server or correct tools\.mcp\.gone\.url\.$/,
    );
  });

  it('names the key when a stdio command does not start', async () => {
    await expect(
      connectMcpSource({
        source: 'broken',
        settings: { ...base, command: join(directory, 'no-such-program') },
        env: {},
        urlGuard: guard,
        secrets: [],
      }),
    ).rejects.toThrow(/^tools\.mcp\.broken: cannot reach the MCP server at .*no-such-program/);
  });

  it('refuses an internal address the URL guard does not allow', async () => {
    await expect(
      connectMcpSource({
        source: 'internal',
        settings: { ...base, url: httpUrl },
        env: {},
        urlGuard: createUrlGuard(),
        secrets: [],
      }),
    ).rejects.toThrow(/127\.0\.0\.1 is a loopback address.*add it to urlFetch\.allowedHosts/);
  });

  it('names allow-listed tools the server does not list', async () => {
    await expect(
      connectMcpSource({
        source: 'iam',
        settings: { ...base, url: httpUrl, tools: ['lookup_user', 'delete_everything'] },
        env: {},
        urlGuard: guard,
        secrets: [],
      }),
    ).rejects.toThrow(
      'tools.mcp.iam.tools names "delete_everything", which the MCP server "iam" does not list. It lists: lookup_user, grant_role, internal_reset.',
    );
  });
});

describe('MCP resources and prompts as read-only tools', () => {
  const guard = createUrlGuard({ allowedHosts: ['127.0.0.1'] });
  const settings: McpSourceConfig = {
    url: null,
    transport: 'http',
    auth: null,
    command: null,
    args: [],
    env: {},
    tools: null,
  };
  const context = {
    tenantId: 't',
    userId: 'u',
    conversationId: 'c',
    toolCallId: 'call_1',
    abortSignal: new AbortController().signal,
  } as Parameters<AgentTool['execute']>[1];

  it('reads a listed resource and fills a prompt, over streamable HTTP', async () => {
    const source = await connectMcpSource({
      source: 'remote',
      settings: { ...settings, url: httpUrl },
      env: {},
      urlGuard: guard,
      secrets: [],
    });
    try {
      const read = source.tools.find((tool) => tool.name === 'remote__read_resource')!;
      const prompt = source.tools.find((tool) => tool.name === 'remote__get_prompt')!;
      expect(read).toMatchObject({ readOnly: true, kind: 'mcp' });
      expect(read.description).toContain('iam://policies/access: Access policy (Who may grant which role)');
      expect(await read.execute({ uri: 'iam://policies/access' }, context)).toEqual([
        {
          uri: 'iam://policies/access',
          mimeType: 'text/markdown',
          text: '# Access policy\nOnly admins grant admin.',
        },
      ]);
      expect(prompt.description).toContain('access_review(username): Review the access of one user');
      expect(
        await prompt.execute({ name: 'access_review', arguments: { username: 'bob' } }, context),
      ).toEqual({
        messages: [{ role: 'user', text: 'Review the roles of bob against the access policy.' }],
      });
    } finally {
      await source.close();
    }
  });

  it('offers them over stdio only when the allow-list names them', async () => {
    const source = await connectMcpSource({
      source: 'iam',
      settings: {
        ...settings,
        command: process.execPath,
        args: [SERVER],
        tools: ['lookup_user', 'read_resource'],
      },
      env: {},
      urlGuard: guard,
      secrets: [],
    });
    try {
      expect(source.tools.map((tool) => tool.name)).toEqual(['iam__lookup_user', 'iam__read_resource']);
    } finally {
      await source.close();
    }
  });
});
