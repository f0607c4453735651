/**
 * A grounded answer while the embedding provider is down: the knowledge base is searched by keyword alone,
 * and every surface says the answer is degraded (the JSON answer, the SSE and UI streams, the `/v1`
 * extension field, the stored message). Runs the real configuration loading and composition root against
 * the OpenAI wire emulator, which is stopped to take the embedding provider away.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printAnswer } from '../../src/cli/commands/ask.ts';
import { RemoteBackend } from '../../src/cli/remote-backend.ts';
import { createGodwit } from '../../src/config/create-godwit.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import type { GodwitServices } from '../../src/core/services.ts';
import { createApp } from '../../src/server/index.ts';
import { captureOutput } from '../support/capture-output.ts';
import { type Emulator, startEmulator } from '../support/emulators/index.ts';
import { multipart, parseEvents, postJson, upload } from './http-helpers.ts';

const HANDBOOK = '# Leave\n\nEmployees get 25 vacation days a year. Unused days carry over until March.\n';
const REASON =
  /^The embedding model openai:text-embedding-3-small is unavailable, so knowledge base "handbook" was searched by keyword only\.$/;

let root: string;
let emulator: Emulator;
let services: GodwitServices;
let app: ReturnType<typeof createApp>;

interface ChatAnswer {
  conversationId: string;
  answer: string;
  citations: Array<{ source: string }>;
  degraded: { reason: string } | null;
  message: { id: string; degraded: { reason: string } | null };
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'godwit-degraded-'));
  emulator = await startEmulator({ requireAuth: false });
  const env = {
    GODWIT_DATA_DIR: join(root, 'data'),
    GODWIT_MODEL: 'local:extractive',
    GODWIT_EMBEDDING_MODEL: 'openai:text-embedding-3-small',
    OPENAI_API_KEY: 'sk-emulated',
    OPENAI_BASE_URL: emulator.baseURLs.openai,
  };
  const { config } = loadConfig({ env, cwd: root });
  services = await createGodwit(config, { env });
  app = createApp({ services, options: { logger: () => {} } });
  expect((await postJson(app, '/api/knowledge-bases', { name: 'handbook' })).status).toBe(201);
  const uploaded = await upload(app, 'handbook', multipart([{ name: 'leave.md', content: HANDBOOK }]));
  expect(uploaded.status).toBe(201);
}, 120_000);

afterAll(async () => {
  await services?.close();
  await emulator?.close();
  rmSync(root, { recursive: true, force: true });
});

// Each test asks its own question: query embeddings are cached, and a cached one needs no provider.
const ask = (message: string) => ({ message, knowledgeBase: 'handbook' });

describe('a grounded answer', () => {
  it('is not marked degraded while the embedding provider answers', async () => {
    const response = await postJson(app, '/api/chat', ask('How many vacation days do employees get?'));
    expect(response.status).toBe(200);
    const body = (await response.json()) as ChatAnswer;
    expect(body.degraded).toBeNull();
    expect(body.message.degraded).toBeNull();
    expect(emulator.requests.some((request) => request.operation === 'embed')).toBe(true);
  });

  describe('with the embedding provider down', () => {
    beforeAll(async () => {
      await emulator.close();
    });

    it('answers from keyword search and says why the JSON answer is degraded, and keeps it on the message', async () => {
      const response = await postJson(app, '/api/chat', ask('How many vacation days a year?'));
      expect(response.status).toBe(200);
      const body = (await response.json()) as ChatAnswer;
      expect(body.answer).toContain('25 vacation days');
      expect(body.citations.map((citation) => citation.source)).toContain('leave.md');
      expect(body.degraded?.reason).toMatch(REASON);
      expect(body.message.degraded).toEqual(body.degraded);
      const detail = (await (await app.request(`/api/conversations/${body.conversationId}`)).json()) as {
        messages: Array<{ id: string; degraded: { reason: string } | null }>;
      };
      expect(detail.messages.find((message) => message.id === body.message.id)?.degraded).toEqual(
        body.degraded,
      );
    });

    it('sends a degraded event before the citations on the SSE stream', async () => {
      const response = await postJson(app, '/api/chat', { ...ask('Vacation days per year?'), stream: true });
      expect(response.status).toBe(200);
      const events = parseEvents(await response.text());
      expect(events.map((event) => event.event).slice(0, 3)).toEqual(['start', 'degraded', 'citations']);
      expect(String(events[1]?.data.reason)).toMatch(REASON);
      const done = events.at(-1);
      expect(done?.event).toBe('done');
      expect((done?.data.degraded as { reason: string } | undefined)?.reason).toMatch(REASON);
    });

    it('puts the reason in the UI stream message metadata', async () => {
      const response = await postJson(app, '/api/ui/chat', {
        knowledgeBase: 'handbook',
        messages: [{ role: 'user', parts: [{ type: 'text', text: 'Do unused days carry over?' }] }],
      });
      expect(response.status).toBe(200);
      const chunks = (await response.text())
        .split('\n\n')
        .filter((block) => block.startsWith('data: {'))
        .map((block) => JSON.parse(block.slice('data: '.length)) as Record<string, unknown>);
      const finish = chunks.find((chunk) => chunk.type === 'finish') as {
        messageMetadata: { degraded?: { reason: string } };
      };
      expect(finish.messageMetadata.degraded?.reason).toMatch(REASON);
      const announced = chunks.findIndex(
        (chunk) => chunk.type === 'message-metadata' && JSON.stringify(chunk).includes('degraded'),
      );
      const firstText = chunks.findIndex((chunk) => chunk.type === 'text-delta');
      expect(announced).toBeGreaterThan(-1);
      expect(announced).toBeLessThan(firstText);
    });

    it('adds a degraded field to a /v1 answer from a knowledge base, streamed or not', async () => {
      const request = (content: string) => ({ model: 'kb:handbook', messages: [{ role: 'user', content }] });
      const whole = await postJson(app, '/v1/chat/completions', request('Until when do days carry over?'));
      expect(whole.status).toBe(200);
      const completion = (await whole.json()) as { degraded?: { reason: string } };
      expect(completion.degraded?.reason).toMatch(REASON);
      const streamed = await postJson(app, '/v1/chat/completions', {
        ...request('How long do unused days carry over?'),
        stream: true,
      });
      const chunks = (await streamed.text())
        .split('\n\n')
        .filter((block) => block.startsWith('data: {'))
        .map((block) => JSON.parse(block.slice('data: '.length)) as { degraded?: { reason: string } });
      expect(chunks.find((chunk) => chunk.degraded)?.degraded?.reason).toMatch(REASON);
    });

    it('reaches godwit ask through a server: the answer view carries the reason, and it is printed first', async () => {
      const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
      await new Promise((resolve) => server.once('listening', resolve));
      try {
        const backend = new RemoteBackend(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, null);
        const answer = await backend.ask({
          knowledgeBase: 'handbook',
          question: 'Vacation days carried over?',
        });
        expect(answer.degraded).toMatch(REASON);
        const captured = captureOutput();
        printAnswer(answer, captured.output);
        expect(captured.stderr()).toContain(`Degraded answer: ${answer.degraded}`);
        expect(captured.stdout()).toContain(answer.answer);
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    });

    it('still refuses a vector search, which has no keyword half to fall back on', async () => {
      const response = await postJson(app, '/api/search', {
        knowledgeBase: 'handbook',
        query: 'vacation days in March',
        mode: 'vector',
      });
      expect(response.status).toBe(503);
    });
  });
});
