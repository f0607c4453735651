/**
 * kass-chatbot as a laptop runs it (`npm run example:kass-chatbot -- --laptop`): godwit.laptop.yaml loaded by
 * the real config loader, the tools Lambda served by the example's own local Lambda Invoke API (the one
 * start.ts starts), OpenAI on its wire emulator with scripted tool calls, storage in a fresh data dir. The
 * report and code-review tools run end to end through `POST /api/chat {assistant: "kass"}`: the model calls
 * the tool, the action group's OpenAPI schema checks the arguments, the handler runs, its answer goes back
 * to the model, and the call is stored with the conversation.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGodwit } from '../../src/config/create-godwit.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import type { GodwitServices } from '../../src/core/services.ts';
import { createApp } from '../../src/server/index.ts';
import { type Emulator, startEmulator } from '../../test/support/emulators/index.ts';
import { startLocalInvokeApi } from '../scheduling-agent/lambda/local-invoke-api.ts';
import { generateReport, handler, reviewCode } from './lambda/kass-tools-handler.ts';

const EXAMPLE = import.meta.dirname;
const REPOSITORY = join(EXAMPLE, '..', '..');
const CONFIG = join(EXAMPLE, 'godwit.laptop.yaml');

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read field by field in assertions
type Json = any;

let emulator: Emulator;
let lambda: { endpoint: string; close(): Promise<void> };
let services: GodwitServices;
let app: ReturnType<typeof createApp>;
const events: Json[] = [];
const saved = { ...process.env };

function gpt(reply: { text?: string; toolCalls?: Array<{ name: string; input: Json }> }) {
  emulator.script({ match: { dialect: 'openai', model: 'gpt-4.1' }, ...reply });
}

async function chat(message: string) {
  const response = await app.request('/api/chat', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ assistant: 'kass', message }),
  });
  return { status: response.status, body: (await response.json()) as Json };
}

/** The body of the last chat request the model received, as text (to find the tool result in it). */
function lastModelRequest(): string {
  const request = emulator.requests.filter((entry) => entry.operation === 'chat').at(-1);
  return JSON.stringify(request?.body);
}

beforeAll(async () => {
  emulator = await startEmulator();
  // start.ts serves the handler on :3002; here on a free port, recording each event it is invoked with.
  lambda = await startLocalInvokeApi(
    {
      'kass-chatbot-dev-tools': async (event: never) => {
        events.push(event);
        return handler(event);
      },
    },
    { port: 0 },
  );
  Object.assign(process.env, {
    OPENAI_API_KEY: 'sk-emulated',
    OPENAI_BASE_URL: emulator.baseURLs.openai,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    GODWIT_TOOLS__LAMBDA__KASS__ENDPOINT: lambda.endpoint,
    GODWIT_DATA_DIR: join(mkdtempSync(join(tmpdir(), 'godwit-kass-laptop-')), 'data'),
  });
  for (const name of Object.keys(process.env)) {
    if (name.startsWith('AWS_ENDPOINT_URL') || name === 'GODWIT_DATABASE_URL') delete process.env[name];
  }
  const previous = process.cwd();
  process.chdir(REPOSITORY);
  try {
    const { config } = loadConfig({ configPath: CONFIG, env: process.env });
    services = await createGodwit(config, { env: process.env });
  } finally {
    process.chdir(previous);
  }
  app = createApp({ services, options: { logger: () => {} } });
}, 120_000);

afterAll(async () => {
  await services?.close();
  process.env = saved;
  await Promise.all([emulator?.close(), lambda?.close()]);
});

describe('examples/kass-chatbot on a laptop (godwit.laptop.yaml)', () => {
  it('stores everything locally: no DynamoDB, S3 or OpenSearch', async () => {
    const health = await services.health();
    const names = health.map((report) => report.name);
    expect(names.length).toBeGreaterThan(0);
    expect(names.some((name) => /dynamodb|opensearch|s3/.test(name))).toBe(false);
    expect(health.every((report) => report.ok)).toBe(true);
  });

  it('writes a report with the generateReport tool, run by the local function', async () => {
    const findings = [
      'Velocity rose from 41 to 48 points over the quarter [1].',
      'Two releases slipped by a week because of the payments migration [1].',
    ];
    gpt({
      toolCalls: [{ name: 'kass__generateReport', input: { body: { title: 'Q4 delivery', findings } } }],
    });
    gpt({ text: 'Here is the Q4 delivery report: velocity rose, two releases slipped [1].' });
    const before = events.length;
    const { status, body } = await chat('Write a report on Q4 delivery.');
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.answer).toBe('Here is the Q4 delivery report: velocity rose, two releases slipped [1].');
    const [call] = body.message.toolCalls as Json[];
    const expected = generateReport('Q4 delivery', findings);
    expect(call).toMatchObject({ toolName: 'kass__generateReport', state: 'complete', output: expected });
    expect(expected.markdown).toContain('1. Velocity rose from 41 to 48 points');
    // The function got the Bedrock Agents action-group event for POST /reports, with the conversation.
    expect(events.slice(before)).toEqual([
      expect.objectContaining({
        actionGroup: 'KassTools',
        apiPath: '/reports',
        httpMethod: 'POST',
        sessionId: body.conversationId,
      }),
    ]);
    // Its report went back to the model as the tool result.
    expect(lastModelRequest()).toContain('# Q4 delivery');
    // And the call is stored with the conversation.
    const messages = await services.conversations.listMessages('default', body.conversationId);
    const stored = JSON.stringify(messages.at(-1));
    expect(stored).toContain('kass__generateReport');
    expect(stored).toContain('Two releases slipped by a week');
  });

  it('reviews code with the reviewCode tool, and the model sees the findings', async () => {
    const code = [
      'def connect():',
      '    password = "hunter22"',
      '    print("connecting")',
      '    try:',
      '        return open_db(password)',
      '    except:',
      '        return None',
    ].join('\n');
    gpt({ toolCalls: [{ name: 'kass__reviewCode', input: { body: { code, language: 'python' } } }] });
    gpt({ text: 'Three problems: a hard-coded password, a debug print and a bare except.' });
    const before = events.length;
    const { status, body } = await chat(`Review this code:\n${code}`);
    expect(status, JSON.stringify(body)).toBe(200);
    const [call] = body.message.toolCalls as Json[];
    const expected = reviewCode(code);
    expect(expected.findings.map((finding) => finding.rule)).toEqual([
      'hard-coded-secret',
      'debug-output',
      'bare-except',
    ]);
    expect(call).toMatchObject({ toolName: 'kass__reviewCode', state: 'complete', output: expected });
    expect(events.slice(before)).toEqual([
      expect.objectContaining({ apiPath: '/code-reviews', httpMethod: 'POST' }),
    ]);
    expect(lastModelRequest()).toContain('hard-coded-secret');
    expect(body.answer).toBe('Three problems: a hard-coded password, a debug print and a bare except.');
  });

  it('reports arguments the schema refuses as a failed call, without invoking the function', async () => {
    gpt({ toolCalls: [{ name: 'kass__generateReport', input: { body: { title: 'Empty', findings: [] } } }] });
    gpt({ text: 'I need at least one finding to write a report.' });
    const before = events.length;
    const { status, body } = await chat('Write a report with no findings.');
    expect(status).toBe(200);
    expect(body.message.toolCalls[0]).toMatchObject({ toolName: 'kass__generateReport', state: 'failed' });
    expect(events.length).toBe(before);
  });

  it('reports an error answer of the function (status 400 for an empty title) as a failed call the model sees', async () => {
    gpt({
      toolCalls: [{ name: 'kass__generateReport', input: { body: { title: '  ', findings: ['one'] } } }],
    });
    gpt({ text: 'The report needs a title.' });
    const before = events.length;
    const { body } = await chat('Write a report without a title.');
    expect(body.message.toolCalls[0]).toMatchObject({ toolName: 'kass__generateReport', state: 'failed' });
    expect(events.length).toBe(before + 1);
    // The function's own reason reaches the model, so it can correct the call.
    expect(lastModelRequest()).toContain('the function answered with status 400: title is empty.');
  });
});
