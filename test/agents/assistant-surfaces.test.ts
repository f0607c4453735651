/**
 * Assistants as users run them: a godwit.config.yaml with an assistant and an OpenAPI tool source, loaded
 * by the real config loader and composition root, answering through POST /api/chat and /v1 with the
 * OpenAI wire-format emulator scripting the model's tool calls, and a real HTTP API behind the tool.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ServerType, serve } from '@hono/node-server';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGodwit } from '../../src/config/create-godwit.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import type { GodwitServices } from '../../src/core/services.ts';
import { createApp } from '../../src/server/index.ts';
import { type Emulator, startEmulator } from '../support/emulators/index.ts';

const API_KEY = 'pf360-secret-key-123456';
const DOCUMENT = join(import.meta.dirname, 'fixtures', 'scheduling-openapi.yaml');

let emulator: Emulator;
let api: Server;
let apiUrl: string;
const apiRequests: Array<{ method: string; url: string; key: string | undefined; body: string }> = [];
let services: GodwitServices;
let server: ServerType;
let baseUrl: string;

function configFile(directory: string, assistants: string): string {
  const path = join(directory, 'godwit.config.yaml');
  writeFileSync(
    path,
    `dataDir: ${join(directory, 'data')}
models:
  default: openai:gpt-4.1-mini
tools:
  openapi:
    scheduling:
      document: ${DOCUMENT}
      baseUrl: ${apiUrl}
      auth: { header: X-Api-Key, secret: { env: PF360_API_KEY } }
assistants:
${assistants}`,
  );
  return path;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

beforeAll(async () => {
  emulator = await startEmulator();
  api = createServer(async (request, response) => {
    const body = await readBody(request);
    apiRequests.push({
      method: request.method ?? '',
      url: request.url ?? '',
      key: request.headers['x-api-key'] as string,
      body,
    });
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify([{ start: '2026-12-08T09:00' }, { start: '2026-12-08T10:30' }]));
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  const directory = mkdtempSync(join(tmpdir(), 'godwit-agents-'));
  const env = {
    OPENAI_API_KEY: 'sk-emulated',
    OPENAI_BASE_URL: emulator.baseURLs.openai,
    PF360_API_KEY: API_KEY,
  };
  const { config } = loadConfig({
    configPath: configFile(
      directory,
      `  scheduler:
    instructions: You book appointments for patients.
    knowledgeBases: [handbook]
    tools: [search_knowledge_base, calculator, scheduling]
  offline:
    model: local:extractive
    tools: [calculator]`,
    ),
    env,
    cwd: directory,
  });
  services = await createGodwit(config, { env });
  const handbook = await services.knowledge.ensureKnowledgeBase('default', 'handbook');
  await services.knowledge.ingest('default', handbook, {
    source: 'leave-policy.md',
    bytes: new TextEncoder().encode('# Leave\n\nNew employees get 20 vacation days a year.\n'),
  });
  server = serve({ fetch: createApp({ services }).fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise((resolve) => server.once('listening', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await services?.close();
  await emulator?.close();
  api?.close();
});

async function chat(body: Record<string, unknown>) {
  const response = await fetch(`${baseUrl}/api/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are read field by field in assertions
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

describe('assistants through the composition root', () => {
  it('runs the tool loop for POST /api/chat and stores every call with the answer', async () => {
    emulator.script(
      {
        match: { dialect: 'openai' },
        toolCalls: [{ name: 'search_knowledge_base', input: { query: 'vacation days' } }],
      },
      {
        match: { dialect: 'openai' },
        toolCalls: [
          { name: 'scheduling__getAvailability', input: { providerId: 'dr-lee', date: '2026-12-08' } },
        ],
      },
      { match: { dialect: 'openai' }, text: 'Dr Lee is free at 09:00 and 10:30; vacation rules are in [1].' },
    );
    const { status, body } = await chat({
      assistant: 'scheduler',
      message: 'When is Dr Lee free on Tuesday?',
    });
    expect(status).toBe(200);
    expect(body.answer).toBe('Dr Lee is free at 09:00 and 10:30; vacation rules are in [1].');
    expect(
      body.message.toolCalls.map((call: { toolName: string; state: string }) => [call.toolName, call.state]),
    ).toEqual([
      ['search_knowledge_base', 'complete'],
      ['scheduling__getAvailability', 'complete'],
    ]);
    expect(body.citations).toHaveLength(1);
    expect(apiRequests.at(-1)).toMatchObject({
      method: 'GET',
      url: '/availability/dr-lee?date=2026-12-08',
      key: API_KEY,
    });
    const sentToModel = JSON.stringify(emulator.requests.map((request) => request.body));
    expect(sentToModel).toContain('Source 1');
    expect(sentToModel).not.toContain(API_KEY);
    const stored = await services.conversations.listMessages('default', body.conversationId);
    expect(stored.at(-1)?.parts.filter((part) => part.type === 'tool-result')).toHaveLength(2);
  });

  it('asks before a write operation runs and stores the turn as waiting', async () => {
    const before = apiRequests.length;
    emulator.script({
      match: { dialect: 'openai' },
      toolCalls: [
        { name: 'scheduling__createAppointment', input: { body: { providerId: 'dr-lee', start: '09:00' } } },
      ],
    });
    const { status, body } = await chat({ assistant: 'scheduler', message: 'Book me at 09:00.' });
    expect(status).toBe(200);
    const [call] = body.message.toolCalls;
    expect(call).toMatchObject({ toolName: 'scheduling__createAppointment', state: 'awaiting-approval' });
    expect(call.approval.signature).toEqual(expect.any(String));
    expect(apiRequests.length).toBe(before);
  });

  it('streams tool calls as server-sent events', async () => {
    emulator.script(
      { match: { dialect: 'openai' }, toolCalls: [{ name: 'calculator', input: { expression: '6*7' } }] },
      { match: { dialect: 'openai' }, text: 'It is 42.' },
    );
    const response = await fetch(`${baseUrl}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ assistant: 'scheduler', message: 'What is 6 times 7?' }),
    });
    const text = await response.text();
    expect(text).toContain('event: tool\ndata: {"toolCallId"');
    expect(text).toContain('"state":"complete","output":{"expression":"6*7","result":42}');
    expect(text).toContain('event: done');
  });

  it('refuses an assistant on local:extractive with a 400 that points to Ollama or a provider', async () => {
    const { status, body } = await chat({ assistant: 'offline', message: 'What is 1+1?' });
    expect(status).toBe(400);
    expect(body.error.message).toMatch(
      /local:extractive, which cannot call tools.*ollama:llama3\.1:8b.*openai:/,
    );
  });

  it('answers an unknown assistant with a 404 that lists the assistants', async () => {
    const { status, body } = await chat({ assistant: 'nobody', message: 'Hi' });
    expect(status).toBe(404);
    expect(body.error.message).toBe('There is no assistant "nobody". Assistants: scheduler, offline.');
  });

  it('is a model on /v1 for the official OpenAI client, streamed too', async () => {
    const client = new OpenAI({ apiKey: 'unused', baseURL: `${baseUrl}/v1` });
    const models = await client.models.list();
    expect(models.data.map((model) => model.id)).toContain('assistant:scheduler');
    emulator.script(
      { match: { dialect: 'openai' }, toolCalls: [{ name: 'calculator', input: { expression: '2+2' } }] },
      { match: { dialect: 'openai' }, text: 'Four.' },
    );
    const completion = await client.chat.completions.create({
      model: 'assistant:scheduler',
      messages: [{ role: 'user', content: 'What is 2+2?' }],
    });
    expect(completion.choices[0]?.message.content).toBe('Four.');
    emulator.script(
      { match: { dialect: 'openai' }, toolCalls: [{ name: 'calculator', input: { expression: '3+3' } }] },
      { match: { dialect: 'openai' }, text: 'Six.' },
    );
    const stream = await client.chat.completions.create({
      model: 'assistant:scheduler',
      messages: [{ role: 'user', content: 'What is 3+3?' }],
      stream: true,
    });
    let streamed = '';
    for await (const chunk of stream) streamed += chunk.choices[0]?.delta.content ?? '';
    expect(streamed).toBe('Six.');
  });
});

describe('tool sources checked at startup', () => {
  it('stops with an error naming the key when the OpenAPI document is invalid', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'godwit-agents-bad-'));
    const document = join(directory, 'broken.yaml');
    writeFileSync(document, 'swagger: "2.0"\npaths: {}\n');
    writeFileSync(
      join(directory, 'godwit.config.yaml'),
      `dataDir: ${join(directory, 'data')}
tools:
  openapi:
    legacy: { document: ${document}, baseUrl: http://127.0.0.1:9 }
assistants:
  helper: { tools: [legacy] }
`,
    );
    const { config } = loadConfig({
      configPath: join(directory, 'godwit.config.yaml'),
      env: {},
      cwd: directory,
    });
    await expect(createGodwit(config, { env: {} })).rejects.toThrow(
      /^tools\.openapi\.legacy\.document: ".*broken\.yaml" is a Swagger 2 document; Godwit reads OpenAPI 3\.0 and 3\.1/,
    );
  });
});
