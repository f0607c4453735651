/**
 * The event loop stays free while a large upload is indexed on the embedded database: PGlite runs each
 * statement on the main thread, so the write is cut into statements with a turn of the loop between
 * them, and the keyword-table vacuum runs after the request. Served over real HTTP on a loopback port;
 * the assertions are about order (how many /healthz answers arrived while the index write was under way),
 * never about time.
 */
import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { VectorIndex } from '../../src/core/ports.ts';
import { createApp } from '../../src/server/index.ts';
import { createTestServices, type TestServices } from '../support/test-services.ts';

const UPLOAD_BYTES = 8 * 1024 * 1024;

type Event = 'index-start' | 'index-end' | 'health';

let services: TestServices;
let server: ServerType;
let baseUrl: string;
const events: Event[] = [];

/** The index, recording when each document's chunk write starts and ends. */
function observed(index: VectorIndex): VectorIndex {
  const wrapper: VectorIndex = Object.create(index);
  wrapper.replaceDocumentChunks = async (...args) => {
    events.push('index-start');
    try {
      return await index.replaceDocumentChunks(...args);
    } finally {
      events.push('index-end');
    }
  };
  return wrapper;
}

/** About `bytes` of Markdown: numbered sections of words from a 5,000-word vocabulary. */
function largeMarkdown(bytes: number): string {
  const parts = ['# Large handbook\n\n'];
  let length = 0;
  let seed = 7;
  for (let section = 0; length < bytes; section++) {
    const words: string[] = [];
    for (let word = 0; word < 300; word++) {
      seed = (seed * 48_271) % 2_147_483_647;
      words.push(`term${seed % 5000}`);
    }
    const text = `## Section ${section}\n\n${words.join(' ')}.\n\n`;
    parts.push(text);
    length += text.length;
  }
  return parts.join('');
}

beforeAll(async () => {
  services = await createTestServices({ storage: 'pglite', wrapIndex: observed });
  const app = createApp({ services, options: { logger: () => {} } });
  await new Promise<void>((resolve) => {
    server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info: AddressInfo) => {
      baseUrl = `http://127.0.0.1:${info.port}`;
      resolve();
    });
  });
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await services?.close();
});

it('answers /healthz again and again while an 8 MiB upload is being indexed', async () => {
  const created = await fetch(`${baseUrl}/api/knowledge-bases`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'large' }),
  });
  expect(created.status).toBe(201);
  const form = new FormData();
  form.append('file', new File([largeMarkdown(UPLOAD_BYTES)], 'large.md', { type: 'text/markdown' }));

  let settled = false;
  const uploaded = fetch(`${baseUrl}/api/knowledge-bases/large/documents`, { method: 'POST', body: form })
    .then(async (response) => ({ status: response.status, body: await response.text() }))
    .finally(() => {
      settled = true;
    });
  while (!settled) {
    // A keep-alive connection the server closed while busy fails the request: it is not an answer.
    const health = await fetch(`${baseUrl}/healthz`).catch(() => undefined);
    await health?.arrayBuffer();
    if (health?.ok) events.push('health');
  }
  const response = await uploaded;
  expect(response.status, response.body).toBe(201);

  const start = events.indexOf('index-start');
  const end = events.indexOf('index-end');
  expect(start).toBeGreaterThanOrEqual(0);
  expect(end).toBeGreaterThan(start);
  const answeredDuringWrite = events.slice(start, end).filter((event) => event === 'health').length;
  // Thousands of chunks are many statements: /healthz got in between them, not only before and after.
  expect(answeredDuringWrite).toBeGreaterThanOrEqual(5);

  const list = (await (await fetch(`${baseUrl}/api/knowledge-bases/large/documents`)).json()) as {
    documents: Array<{ status: string; chunkCount: number }>;
  };
  expect(list.documents).toEqual([expect.objectContaining({ status: 'ready' })]);
  expect(list.documents[0]!.chunkCount).toBeGreaterThan(2000);
}, 600_000);
