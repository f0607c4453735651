/**
 * Two `godwit serve` processes on one PostgreSQL and one Redis, as two instances behind a load balancer:
 * a conversation's turns alternate between them, a tool call waiting on one is approved on the other,
 * and rate limits are one count across both. Each process holds one Redis connection (cache and limits
 * share it) and closes it on stop. Then Redis is killed: limited requests get 503 with Retry-After at
 * once (limits.onStoreDown: closed), never a 500 or a hang, and are served again once Redis is back.
 * The model is scripted on the OpenAI wire emulator; the tool is a real HTTP API.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../support/emulators/index.ts';
import { type GodwitProcess, startGodwit } from '../support/godwit-process.ts';
import {
  describeWithService,
  dropSchema,
  postgresUrl,
  servicesRequired,
  uniqueSchemaName,
} from '../support/services.ts';
import { findRedisServer, RedisInstance } from './support/redis-instance.ts';

const REQUESTS_PER_MINUTE = 30;
const DOCUMENT = join(import.meta.dirname, '..', 'agents', 'fixtures', 'scheduling-openapi.yaml');
const BOOK = {
  name: 'scheduling__createAppointment',
  input: { body: { providerId: 'dr-lee', start: '09:00' } },
};

const redisServer = findRedisServer();
const describeWithPostgres = await describeWithService('postgres');
// Without redis-server the suite is skipped visibly, unless services are required (CI), where it fails.
const describeInstances = redisServer
  ? describeWithPostgres
  : servicesRequired()
    ? (name: string) =>
        describe(name, () => {
          it('needs redis-server to start a Redis of its own', () => {
            throw new Error('redis-server not found; install Redis or set GODWIT_FAULTS_REDIS_SERVER');
          });
        })
    : (name: string, body: () => void) => {
        console.warn('[skipped] two instances: redis-server not found');
        describe.skip(name, body);
      };

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read field by field in assertions
type Body = Record<string, any>;

describeInstances('two instances on one PostgreSQL and Redis', () => {
  let redis: RedisInstance;
  let emulator: Emulator;
  let api: Server;
  let directory: string;
  const schema = uniqueSchemaName('instances');
  const booked: string[] = [];
  let a: GodwitProcess;
  let b: GodwitProcess;

  beforeAll(async () => {
    redis = await RedisInstance.create(redisServer as string);
    emulator = await startEmulator();
    api = createServer(async (request, response) => {
      let body = '';
      for await (const chunk of request) body += chunk;
      if (request.method === 'POST') booked.push(body);
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ booked: true }));
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    directory = mkdtempSync(join(tmpdir(), 'godwit-instances-'));
    const config = join(directory, 'godwit.config.yaml');
    writeFileSync(
      config,
      `models:
  default: openai:gpt-4.1-mini
limits:
  caller: { requestsPerMinute: ${REQUESTS_PER_MINUTE} }
tools:
  approvalSecret: approval-secret-shared-by-both-instances
  openapi:
    scheduling:
      document: ${DOCUMENT}
      baseUrl: http://127.0.0.1:${(api.address() as AddressInfo).port}
assistants:
  scheduler:
    instructions: You book appointments for patients.
    tools: [scheduling]
`,
    );
    const env = {
      GODWIT_CONFIG: config,
      GODWIT_DATABASE_URL: postgresUrl(),
      GODWIT_DATABASE__SCHEMA: schema,
      GODWIT_REDIS_URL: redis.url,
      GODWIT_SAMPLE: 'false',
      OPENAI_API_KEY: 'sk-emulated',
      OPENAI_BASE_URL: emulator.baseURLs.openai,
    };
    // One after the other: the first creates the schema, the second finds it.
    a = await startGodwit({ env });
    b = await startGodwit({ env });
  }, 240_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await redis?.destroy();
    await emulator?.close();
    api?.close();
    await dropSchema(postgresUrl(), schema).catch(() => {});
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  async function post(server: GodwitProcess, path: string, body: unknown) {
    const response = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as Body };
  }

  it('serves one conversation with turns alternating between the instances', async () => {
    emulator.script({ match: { dialect: 'openai' }, text: 'Blue is the first colour.' });
    const first = await post(a, '/api/chat', { message: 'Name a colour.', knowledgeBase: null });
    expect(first.status).toBe(200);
    const conversationId = first.body.conversationId as string;
    emulator.script({ match: { dialect: 'openai' }, text: 'Green is the second.' });
    const second = await post(b, '/api/chat', { message: 'Another one?', conversationId });
    expect(second.status).toBe(200);
    expect(second.body.conversationId).toBe(conversationId);
    emulator.script({ match: { dialect: 'openai' }, text: 'Blue, then green.' });
    const third = await post(a, '/api/chat', { message: 'Which did you say?', conversationId });
    expect(third.status).toBe(200);
    // Instance A was sent the turn B answered: the history comes from the store, not from memory.
    const sent = JSON.stringify(emulator.requests.at(-1)?.body);
    expect(sent).toContain('Green is the second.');
    expect(sent).toContain('Name a colour.');
    const stored = (await (await fetch(`${b.url}/api/conversations/${conversationId}`)).json()) as Body;
    expect(stored.messages.map((message: Body) => message.content)).toEqual([
      'Name a colour.',
      'Blue is the first colour.',
      'Another one?',
      'Green is the second.',
      'Which did you say?',
      'Blue, then green.',
    ]);
  });

  it('runs a tool call requested on one instance once it is approved on the other', async () => {
    emulator.script({ match: { dialect: 'openai' }, toolCalls: [BOOK] });
    const asked = await post(a, '/api/chat', { assistant: 'scheduler', message: 'Book me at 09:00.' });
    expect(asked.status).toBe(200);
    const call = asked.body.message.toolCalls[0] as Body;
    expect(call.state).toBe('awaiting-approval');
    const before = booked.length;
    emulator.script({ match: { dialect: 'openai' }, text: 'Booked with Dr Lee at 09:00.' });
    const approvals = [{ approvalId: call.approval.id, approved: true }];
    const decided = await post(b, `/api/conversations/${asked.body.conversationId}/tool-approvals`, {
      approvals,
    });
    expect(decided.status).toBe(200);
    expect(decided.body.answer).toBe('Booked with Dr Lee at 09:00.');
    expect(booked.length).toBe(before + 1);
    // The first instance sees the decision: nothing waits any more.
    const again = await post(a, `/api/conversations/${asked.body.conversationId}/tool-approvals`, {
      approvals,
    });
    expect(again.status).toBe(409);
    expect(booked.length).toBe(before + 1);
  });

  it('counts requests against one limit across both instances', async () => {
    const resetSeconds = (headers: Headers) => {
      const value = headers.get('x-ratelimit-reset-requests') ?? '';
      const [, minutes = '0', seconds = '0'] = /^(?:(\d+)m)?(\d+)s$/.exec(value) ?? [];
      return value.endsWith('ms') ? 0 : Number(minutes) * 60 + Number(seconds);
    };
    let previous: { remaining: number; reset: number } | undefined;
    let refusedBy: string | undefined;
    for (let index = 0; index < 3 * REQUESTS_PER_MINUTE && !refusedBy; index++) {
      const server = index % 2 === 0 ? a : b;
      const response = await fetch(`${server.url}/api/knowledge-bases`);
      await response.arrayBuffer();
      if (response.status === 429) {
        expect(response.headers.get('retry-after')).not.toBeNull();
        refusedBy = server === a ? 'a' : 'b';
        break;
      }
      expect(response.status).toBe(200);
      const current = {
        remaining: Number(response.headers.get('x-ratelimit-remaining-requests')),
        reset: resetSeconds(response.headers),
      };
      // Within one window, each request on either instance takes one from the same count.
      if (previous && current.reset <= previous.reset) expect(current.remaining).toBe(previous.remaining - 1);
      previous = current;
    }
    expect(refusedBy).toBeDefined();
  });

  it('holds one Redis connection per process, for the cache and the limits together', async () => {
    const admin = new Redis(redis.url);
    try {
      const names = ((await admin.call('CLIENT', 'LIST')) as string)
        .split('\n')
        .map((line) => /name=(\S*)/.exec(line)?.[1])
        .filter((name): name is string => Boolean(name));
      expect(names.filter((name) => name === `godwit-${a.pid}`)).toHaveLength(1);
      expect(names.filter((name) => name === `godwit-${b.pid}`)).toHaveLength(1);
    } finally {
      admin.disconnect();
    }
  });

  it('answers 503 with Retry-After while Redis is down, at once, and serves again once it is back', async () => {
    await redis.kill();
    for (const server of [a, b]) {
      const response = await fetch(`${server.url}/api/knowledge-bases`, {
        signal: AbortSignal.timeout(10_000),
      });
      const body = (await response.json()) as Body;
      expect(response.status).toBe(503);
      expect(body.error.code).toBe('dependency_unavailable');
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    }
    const logged = a
      .logEntries()
      .filter((entry) => entry.message === 'counter store unavailable; limited request refused');
    expect(logged.length).toBeGreaterThan(0);
    await redis.start();
    // The client reconnects in the background; the first answers after that are served again.
    let status = 0;
    for (let attempt = 0; attempt < 50 && status !== 200; attempt++) {
      status = (await fetch(`${a.url}/api/conversations`)).status;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(status).toBe(200);
  });

  it('closes its Redis connection when it stops', async () => {
    const pid = a.pid;
    await a.stop();
    const admin = new Redis(redis.url);
    try {
      const list = (await admin.call('CLIENT', 'LIST')) as string;
      expect(list).not.toContain(`name=godwit-${pid} `);
    } finally {
      admin.disconnect();
    }
  });
});
