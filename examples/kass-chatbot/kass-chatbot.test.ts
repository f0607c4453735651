/**
 * The kass-chatbot example as shipped: examples/kass-chatbot/godwit.yaml loaded by the real config loader,
 * with only endpoints and the Discord key overridden through the environment (DynamoDB on dynalite, S3 on
 * s3rver, OpenSearch and Bedrock on their wire emulators, the example's tools Lambda behind the Lambda Invoke
 * API, Discord's API faked). Seed 002's flow: upload a document, ask through Discord `/ask` (signed), the
 * deferred answer edited with numbered sources; a summarize request runs the summarize tool; a greeting is
 * routed to Haiku.
 */
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conversationIdFor } from '../../src/channels/index.ts';
import { type ConfiguredChannels, createConfiguredChannels } from '../../src/config/create-channels.ts';
import { createGodwit } from '../../src/config/create-godwit.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import type { GodwitServices } from '../../src/core/services.ts';
import { createApp } from '../../src/server/index.ts';
import { type ChannelApiFake, startChannelApiFake } from '../../test/support/channel-api-fake.ts';
import { type DynaliteServer, startDynalite } from '../../test/support/dynalite-server.ts';
import { type Emulator, startEmulator } from '../../test/support/emulators/index.ts';
import {
  type LambdaInvokeEmulator,
  startLambdaInvokeEmulator,
} from '../../test/support/lambda-invoke-emulator.ts';
import { type OpenSearchEmulator, startOpenSearchEmulator } from '../../test/support/opensearch-emulator.ts';
import { type S3rverServer, startS3rver } from '../../test/support/s3rver-server.ts';
import { handler, reviewCode, summarize } from './lambda/kass-tools-handler.ts';

const EXAMPLE = import.meta.dirname;
const REPOSITORY = join(EXAMPLE, '..', '..');
const CONFIG = join(EXAMPLE, 'godwit.yaml');
const DOCUMENTS = join(EXAMPLE, 'documents');
const GUIDE = 'kass-onboarding-guide.md';
const METRICS = 'sprint-metrics-2026-q4.csv';
const SONNET = 'anthropic.claude-3-5-sonnet-20241022-v2:0';
const HAIKU = 'anthropic.claude-3-5-haiku-20241022-v1:0';
const APPLICATION_ID = '1311000000000000001';
const ENDPOINT = '/channels/discord/interactions';

let emulator: Emulator;
let dynamo: DynaliteServer;
let s3: S3rverServer;
let opensearch: OpenSearchEmulator;
let lambda: LambdaInvokeEmulator;
let discord: ChannelApiFake;
let services: GodwitServices;
let channels: ConfiguredChannels;
let app: ReturnType<typeof createApp>;
const jobErrors: unknown[] = [];
const discordKey = generateKeyPairSync('ed25519');
const saved = { ...process.env };

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read field by field in assertions
type Json = any;

function publicKeyHex(): string {
  // The raw 32 key bytes follow the 12-byte SubjectPublicKeyInfo header.
  return discordKey.publicKey.export({ format: 'der', type: 'spki' }).subarray(12).toString('hex');
}

function signed(body: string, privateKey: KeyObject = discordKey.privateKey): RequestInit {
  const timestamp = String(Math.floor(Date.now() / 1000));
  return {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-signature-ed25519': sign(null, Buffer.from(timestamp + body), privateKey).toString('hex'),
      'x-signature-timestamp': timestamp,
    },
    body,
  };
}

let counter = 0;
function ask(question: string) {
  counter += 1;
  return {
    id: `kass-interaction-${counter}`,
    application_id: APPLICATION_ID,
    type: 2,
    token: `kass-token-${counter}`,
    guild_id: '700',
    channel_id: `80${counter}`,
    member: { user: { id: '555', username: 'mira' } },
    data: { name: 'ask', type: 1, options: [{ name: 'question', type: 3, value: question }] },
  };
}

/** Sends `/ask question` signed, checks the deferred acknowledgement, and returns the answer's webhook edit. */
async function askOnDiscord(question: string) {
  const interaction = ask(question);
  const before = discord.calls.length;
  const response = await app.request(ENDPOINT, signed(JSON.stringify(interaction)));
  expect(await response.json()).toEqual({ type: 5 });
  await channels.idle();
  expect(jobErrors.splice(0)).toEqual([]);
  const edit = discord.calls[before];
  expect(edit?.method).toBe('PATCH');
  expect(edit?.path).toBe(`/webhooks/${APPLICATION_ID}/${interaction.token}/messages/@original`);
  return edit?.body.content as string;
}

function chatModels(from: number): string[] {
  return emulator.requests
    .slice(from)
    .filter((request) => request.operation === 'chat')
    .map((request) => String(request.model));
}

function script(model: string, reply: { text?: string; toolCalls?: Array<{ name: string; input: Json }> }) {
  emulator.script({ match: { dialect: 'bedrock', model }, ...reply });
}

beforeAll(async () => {
  [emulator, dynamo, s3, opensearch, lambda, discord] = await Promise.all([
    startEmulator(),
    startDynalite(),
    startS3rver('kass-chatbot-dev-documents'),
    startOpenSearchEmulator({ service: 'aoss' }),
    startLambdaInvokeEmulator({ 'kass-chatbot-dev-tools': handler as never }),
    startChannelApiFake(),
  ]);
  // What a user sets for local stand-ins: credentials, region, endpoints and the Discord key. The rest is godwit.yaml.
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_ENDPOINT_URL_BEDROCK_RUNTIME: emulator.url,
    GODWIT_STORAGE__DYNAMODB__ENDPOINT: dynamo.endpoint,
    GODWIT_STORAGE__S3__ENDPOINT: s3.endpoint,
    GODWIT_STORAGE__S3__FORCE_PATH_STYLE: 'true',
    GODWIT_STORAGE__OPENSEARCH__ENDPOINT: opensearch.url,
    GODWIT_TOOLS__LAMBDA__KASS__ENDPOINT: lambda.endpoint,
    GODWIT_CHANNELS__DISCORD__PUBLIC_KEY: publicKeyHex(),
    GODWIT_CHANNELS__DISCORD__API_BASE_URL: discord.url,
  });
  // The action-group document path in godwit.yaml is relative to the repository root, where the example runs.
  const previous = process.cwd();
  process.chdir(REPOSITORY);
  try {
    const { config } = loadConfig({ configPath: CONFIG, env: process.env });
    services = await createGodwit(config, { env: process.env });
    channels = createConfiguredChannels(config, {
      chat: services.chat,
      conversations: services.conversations,
      reportError: (error) => jobErrors.push(error),
    });
    app = createApp({
      services,
      channels,
      options: { logger: () => {}, maxUploadBytes: config.server.maxUploadBytes },
    });
  } finally {
    process.chdir(previous);
  }
}, 120_000);

afterAll(async () => {
  await channels?.idle();
  await services?.close();
  process.env = saved;
  await Promise.all([
    emulator?.close(),
    dynamo?.stop(),
    s3?.stop(),
    opensearch?.close(),
    lambda?.close(),
    discord?.close(),
  ]);
});

describe('examples/kass-chatbot (seed 002)', () => {
  it('runs on DynamoDB, OpenSearch and S3 with no relational database', async () => {
    const health = await services.health();
    expect(Object.fromEntries(health.map((report) => [report.name, report.ok]))).toEqual({
      dynamodb: true,
      opensearch: true,
      s3: true,
    });
  });

  it('uploads the documents: files to S3, passages to OpenSearch, embedded with Titan', async () => {
    const created = await app.request('/api/knowledge-bases', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'documents' }),
    });
    expect(created.status).toBe(201);
    const form = new FormData();
    for (const name of readdirSync(DOCUMENTS)) {
      const type = name.endsWith('.csv') ? 'text/csv' : 'text/markdown';
      form.append('file', new File([readFileSync(join(DOCUMENTS, name))], name, { type }));
    }
    const uploaded = await app.request('/api/knowledge-bases/documents/documents', {
      method: 'POST',
      body: form,
    });
    expect(uploaded.status, await uploaded.clone().text()).toBe(201);
    const listed = (await (await app.request('/api/knowledge-bases/documents/documents')).json()) as Json;
    expect(listed.documents.map((document: Json) => [document.source, document.status]).sort()).toEqual([
      [GUIDE, 'ready'],
      [METRICS, 'ready'],
    ]);
    expect(emulator.requests.some((request) => request.model === 'amazon.titan-embed-text-v2:0')).toBe(true);
    expect(opensearch.requests.some((request) => request.path.endsWith('/_bulk'))).toBe(true);
  });

  it('answers /ask on Discord: deferred at once, then the original response edited with numbered sources', async () => {
    const from = emulator.requests.length;
    script(SONNET, {
      toolCalls: [{ name: 'search_knowledge_base', input: { query: 'release approving reviews' } }],
    });
    script(SONNET, { text: 'A release needs two approving reviews, green CI and an updated changelog [1].' });
    const question = 'What does a release need before it goes out?';
    const content = await askOnDiscord(question);
    expect(content).toContain(
      'A release needs two approving reviews, green CI and an updated changelog [1].',
    );
    expect(content).toMatch(new RegExp(`\\*\\*Sources\\*\\*\\n\\[1\\] ${GUIDE.replace('.', '\\.')}`));
    // The question was not simple: both steps ran on Sonnet, and the passages came from OpenSearch.
    expect(chatModels(from)).toEqual([SONNET, SONNET]);
    expect(opensearch.requests.some((request) => request.path.endsWith('/_search'))).toBe(true);
    // The Discord user's conversation in that channel is stored in DynamoDB.
    const conversationId = conversationIdFor(['discord', '700', `80${counter}`, 'discord:555']);
    const messages = await services.conversations.listMessages('default', conversationId);
    expect(messages.map((message) => message.content)).toEqual([
      question,
      'A release needs two approving reviews, green CI and an updated changelog [1].',
    ]);
  });

  it('runs the summarize tool in the Lambda for a summarize request', async () => {
    const from = emulator.requests.length;
    const text = readFileSync(join(DOCUMENTS, GUIDE), 'utf8');
    script(SONNET, { toolCalls: [{ name: 'kass__summarize', input: { body: { text, maxSentences: 2 } } }] });
    script(SONNET, { text: 'The guide covers accounts, releases and the support rota.' });
    const content = await askOnDiscord('Summarize the onboarding guide in two sentences.');
    expect(content).toContain('The guide covers accounts, releases and the support rota.');
    const event = lambda.events.at(-1)?.event as Json;
    expect(event).toMatchObject({ actionGroup: 'KassTools', apiPath: '/summarize', httpMethod: 'POST' });
    // The function's summary went back to the model as the tool result.
    const expected = summarize(text, 2).summary;
    expect(expected.length).toBeGreaterThan(0);
    const lastChat = emulator.requests.filter((request) => request.operation === 'chat').at(-1);
    expect(JSON.stringify(lastChat?.body)).toContain(JSON.stringify(expected).slice(1, 40));
    expect(chatModels(from)).toEqual([SONNET, SONNET]);
  });

  it('routes a simple greeting to Haiku, not Sonnet', async () => {
    const from = emulator.requests.length;
    script(HAIKU, {
      text: 'Hello! Ask me about the team documents, or for a summary, a report or a code review.',
    });
    const content = await askOnDiscord('Hello!');
    expect(content).toContain('Hello! Ask me about the team documents');
    expect(chatModels(from)).toEqual([HAIKU]);
  });

  it('refuses an /ask signed with another key with 401, and asks no model', async () => {
    const from = emulator.requests.length;
    const response = await app.request(
      ENDPOINT,
      signed(JSON.stringify(ask('Hello?')), generateKeyPairSync('ed25519').privateKey),
    );
    expect(response.status).toBe(401);
    await channels.idle();
    expect(chatModels(from)).toEqual([]);
  });
});

describe('the KASS tools Lambda', () => {
  const event = (apiPath: string, properties: Record<string, string>) => ({
    messageVersion: '1.0',
    actionGroup: 'KassTools',
    apiPath,
    httpMethod: 'POST',
    requestBody: {
      content: {
        'application/json': {
          properties: Object.entries(properties).map(([name, value]) => ({ name, value })),
        },
      },
    },
  });
  const answer = async (apiPath: string, properties: Record<string, string>) => {
    const result = (await handler(event(apiPath, properties))) as Json;
    return {
      status: result.response.httpStatusCode as number,
      body: JSON.parse(result.response.responseBody['application/json'].body),
    };
  };

  it('writes a report with the findings numbered and their citations kept', async () => {
    const { status, body } = await answer('/reports', {
      title: 'Q4 delivery',
      findings: JSON.stringify(['S43 completed 27 of 36 points [1].', 'S44 had no incidents [1].']),
    });
    expect(status).toBe(200);
    expect(body.markdown).toBe(
      '# Q4 delivery\n\n## Findings\n\n1. S43 completed 27 of 36 points [1].\n2. S44 had no incidents [1].',
    );
  });

  it('reviews code: secrets, debugging output, bare except, each with its line', () => {
    const code = ['password = "hunter22"', 'try:', '    run()', 'except:', '    print("failed")'].join('\n');
    expect(reviewCode(code).findings.map((finding) => [finding.line, finding.rule])).toEqual([
      [1, 'hard-coded-secret'],
      [4, 'bare-except'],
      [5, 'debug-output'],
    ]);
    expect(reviewCode('const total = 1 + 2;\n').findings).toEqual([]);
  });

  it('answers bad input with 400 naming the field, and an unknown route with 404', async () => {
    expect(await answer('/summarize', { text: 'Too short.' })).toEqual({
      status: 400,
      body: { error: 'text has no sentences to summarize.' },
    });
    expect(
      (await answer('/summarize', { text: 'One long enough sentence here.', maxSentences: '0' })).body.error,
    ).toContain('maxSentences "0"');
    expect((await answer('/reports', { title: 'Empty', findings: '[]' })).body.error).toContain('findings');
    expect((await answer('/code-reviews', { code: '  ' })).status).toBe(400);
    expect((await answer('/nowhere', {})).status).toBe(404);
  });
});
