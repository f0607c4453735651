/**
 * The document-agent example as shipped: examples/document-agent/godwit.yaml loaded by the real config
 * loader, with only endpoints overridden through the environment (DynamoDB on dynalite, S3 on s3rver, S3
 * Vectors and OpenAI on their wire emulators). Seed 004's flow over HTTP: upload documents, summarise one
 * (the turn restricted to it), answer a question, and write a short report from several.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGodwit } from '../../src/config/create-godwit.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import type { GodwitServices } from '../../src/core/services.ts';
import { createApp } from '../../src/server/index.ts';
import { type DynaliteServer, startDynalite } from '../../test/support/dynalite-server.ts';
import { type Emulator, type EmulatorRequest, startEmulator } from '../../test/support/emulators/index.ts';
import { type S3rverServer, startS3rver } from '../../test/support/s3rver-server.ts';
import { type S3VectorsEmulator, startS3VectorsEmulator } from '../../test/support/s3vectors-emulator.ts';

const EXAMPLE = import.meta.dirname;
const CONFIG = join(EXAMPLE, 'godwit.yaml');
const DOCUMENTS = join(EXAMPLE, 'documents');
const AGREEMENT = 'supplier-agreement-fernhill.md';
const REVIEW = 'q3-operations-review.md';
const INCIDENT = 'incident-report-ostrava-flood.md';

let emulator: Emulator;
let dynamo: DynaliteServer;
let s3: S3rverServer;
let vectors: S3VectorsEmulator;
let services: GodwitServices;
let app: ReturnType<typeof createApp>;
const ids: Record<string, string> = {};
const saved = { ...process.env };

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read field by field in assertions
type Json = any;

async function chat(body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const response = await app.request('/api/chat', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ knowledgeBase: 'documents', ...body }),
  });
  return { status: response.status, body: (await response.json()) as Json, headers: response.headers };
}

/** The prompt the model received in its last chat request, as text. */
function lastPrompt(): string {
  const request = emulator.requests.filter((entry: EmulatorRequest) => entry.operation === 'chat').at(-1);
  return JSON.stringify(request?.body);
}

function sourcesIn(prompt: string): string[] {
  return [...new Set([...prompt.matchAll(/name=\\"([^"\\]+)\\"/g)].map((match) => match[1]!))].sort();
}

beforeAll(async () => {
  [emulator, dynamo, s3, vectors] = await Promise.all([
    startEmulator(),
    startDynalite(),
    startS3rver('document-agent-files'),
    startS3VectorsEmulator({ buckets: ['document-agent-vectors'] }),
  ]);
  // What a user sets for local stand-ins: credentials, region and endpoints. The rest is godwit.yaml.
  Object.assign(process.env, {
    OPENAI_API_KEY: 'sk-emulated',
    OPENAI_BASE_URL: emulator.baseURLs.openai,
    AWS_REGION: 'eu-central-1',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    GODWIT_STORAGE__DYNAMODB__ENDPOINT: dynamo.endpoint,
    GODWIT_STORAGE__S3__ENDPOINT: s3.endpoint,
    GODWIT_STORAGE__S3__FORCE_PATH_STYLE: 'true',
    GODWIT_STORAGE__S3VECTORS__ENDPOINT: vectors.url,
  });
  const { config } = loadConfig({ configPath: CONFIG, env: process.env });
  services = await createGodwit(config, { env: process.env });
  // The options `godwit serve` takes from the config's server section.
  app = createApp({
    services,
    options: {
      logger: () => {},
      maxUploadBytes: config.server.maxUploadBytes,
      loopback: { bindHost: config.server.host, allowedOrigins: config.server.allowedOrigins },
      cors: config.server.cors,
    },
  });
});

afterAll(async () => {
  await services?.close();
  process.env = saved;
  await Promise.all([emulator?.close(), dynamo?.stop(), s3?.stop(), vectors?.close()]);
});

describe('examples/document-agent (seed 004)', () => {
  it('runs on DynamoDB, S3 and S3 Vectors with no relational database', async () => {
    const health = await services.health();
    expect(health.map((report) => [report.name, report.ok])).toEqual([
      ['dynamodb', true],
      ['s3vectors', true],
      ['s3', true],
    ]);
  });

  it('uploads the documents and keeps their metadata and original files', async () => {
    const created = await app.request('/api/knowledge-bases', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'documents' }),
    });
    expect(created.status).toBe(201);
    const form = new FormData();
    for (const name of readdirSync(DOCUMENTS)) {
      form.append('file', new File([readFileSync(join(DOCUMENTS, name))], name, { type: 'text/markdown' }));
    }
    const uploaded = await app.request('/api/knowledge-bases/documents/documents', {
      method: 'POST',
      body: form,
    });
    expect(uploaded.status).toBe(201);
    const listed = (await (await app.request('/api/knowledge-bases/documents/documents')).json()) as Json;
    for (const document of listed.documents) ids[document.source] = document.id;
    expect(Object.keys(ids).sort()).toEqual([AGREEMENT, INCIDENT, REVIEW].sort());
    expect(listed.documents.every((document: Json) => document.status === 'ready')).toBe(true);

    const file = await app.request(`/api/knowledge-bases/documents/documents/${ids[AGREEMENT]}/file`);
    expect(file.status).toBe(200);
    expect(await file.text()).toBe(readFileSync(join(DOCUMENTS, AGREEMENT), 'utf8'));
    // Passages were embedded with the configured OpenAI model and written to S3 Vectors.
    expect(emulator.requests.some((request) => request.model === 'text-embedding-3-small')).toBe(true);
    expect(vectors.operations).toContain('PutVectors');
  });

  it('summarises one document: the turn reads only the chosen document', async () => {
    const summary =
      'The Fernhill agreement runs to 31 January 2028 at EUR 0.42 a box, with 2% credits for late delivery [1][2].';
    emulator.script({ match: { model: 'gpt-4.1-mini' }, text: summary });
    const { status, body } = await chat({
      message: 'Summarise this document in three bullet points.',
      documentIds: [ids[AGREEMENT]],
    });
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.answer).toBe(summary);
    expect(sourcesIn(lastPrompt())).toEqual([AGREEMENT]);
    expect(new Set(body.citations.map((citation: Json) => citation.source))).toEqual(new Set([AGREEMENT]));
  });

  it('answers a question across all documents with citations, and stores the conversation', async () => {
    emulator.script({
      match: { model: 'gpt-4.1-mini' },
      text: 'Shipping from Ostrava stopped for 36 hours after the flood [1].',
    });
    const { status, body } = await chat({
      message: 'How long did shipping from Ostrava stop after the flood?',
    });
    expect(status).toBe(200);
    expect(body.citations[0]).toMatchObject({ source: INCIDENT, documentId: ids[INCIDENT] });
    const stored = (await (await app.request(`/api/conversations/${body.conversationId}`)).json()) as Json;
    expect(stored.messages.map((message: Json) => message.role)).toEqual(['user', 'assistant']);
    expect(stored.messages[1].citations[0].source).toBe(INCIDENT);
  });

  it('writes a short report from several documents', async () => {
    const report = [
      '## Packaging report, Q3 2026',
      '- Fernhill delivered late twice; each late order earns a 2% credit [1][2].',
      '- The Ostrava flood damaged about 3,400 boxes of packaging stock [3].',
    ].join('\n');
    emulator.script({ match: { model: 'gpt-4.1-mini' }, text: report });
    const { status, body } = await chat({
      message:
        'Write a short report on packaging supply in Q3: deliveries, credits and stock losses, with citations.',
      documentIds: [ids[AGREEMENT], ids[REVIEW], ids[INCIDENT]],
      k: 12,
    });
    expect(status).toBe(200);
    expect(body.answer).toBe(report);
    expect(sourcesIn(lastPrompt())).toEqual([AGREEMENT, INCIDENT, REVIEW].sort());
    expect(body.message.status).toBe('complete');
  });

  it('refuses a document id that is not in the knowledge base, naming it, before calling the model', async () => {
    const before = emulator.requests.length;
    const { status, body } = await chat({
      message: 'Summarise this document.',
      documentIds: [ids[AGREEMENT], 'not-a-document'],
    });
    expect(status).toBe(400);
    expect(body.error.message).toContain('"not-a-document" is not a document of knowledge base "documents"');
    expect(emulator.requests.length).toBe(before);
  });

  it('takes writes from the configured front-end origin and refuses other sites', async () => {
    emulator.script({ match: { model: 'gpt-4.1-mini' }, text: 'EUR 0.42 per box [1].' });
    const allowed = await chat(
      { message: 'What is the box price?', documentIds: [ids[AGREEMENT]] },
      { origin: 'http://localhost:3000' },
    );
    expect(allowed.status).toBe(200);
    // The browser may read the answer: the CORS header names the front end's origin.
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    const refused = await chat(
      { message: 'What is the box price?' },
      { origin: 'https://elsewhere.example' },
    );
    expect(refused.status).toBe(403);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers the browser preflight of the front end, and only its origin', async () => {
    const preflight = (origin: string) =>
      app.request('/api/chat', {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type',
        },
      });
    const allowed = await preflight('http://localhost:3000');
    expect(allowed.status).toBeLessThan(300);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    expect(allowed.headers.get('access-control-allow-methods')).toContain('POST');
    expect(allowed.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('content-type');
    const other = await preflight('https://elsewhere.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});
