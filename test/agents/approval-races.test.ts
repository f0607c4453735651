/**
 * Concurrent decisions on one waiting answer, over HTTP against running apps that share a store: the same
 * call decided at once (a double click, two instances) runs the tool once and the others get 409
 * `approval_already_decided`; decisions on different calls of one answer made at once are all kept, and the
 * answer continues once. On PGlite (one instance), PostgreSQL and DynamoDB (dynalite) with two instances.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ServerType, serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { assembleServices } from '../../src/config/assemble-services.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { openAdapters } from '../../src/config/open-adapters.ts';
import type { ConversationStore } from '../../src/core/ports.ts';
import type { GodwitServices } from '../../src/core/services.ts';
import { createApp } from '../../src/server/index.ts';
import { startDynalite } from '../support/dynalite-server.ts';
import { type Emulator, startEmulator } from '../support/emulators/index.ts';
import { describeWithService, dropSchema, postgresUrl, uniqueSchemaName } from '../support/services.ts';

const DOCUMENT = join(import.meta.dirname, 'fixtures', 'scheduling-openapi.yaml');
const BOOK = {
  name: 'scheduling__createAppointment',
  input: { body: { providerId: 'dr-lee', start: '09:00' } },
};
const LATER = { ...BOOK, input: { body: { providerId: 'dr-lee', start: '10:30' } } };

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read field by field in assertions
type Body = Record<string, any>;

interface Instance {
  services: GodwitServices;
  baseUrl: string;
  close(): Promise<void>;
}

/**
 * Holds the next `count` reads of a conversation's messages until all of them have read, in every instance:
 * the decisions then all start from the same stored answer, so only the store's conditional write can keep
 * two of them from running the tool (without it, every one would).
 */
class ReadBarrier {
  private waiting: Array<() => void> = [];
  private remaining = 0;

  arm(count: number): void {
    this.remaining = count;
  }

  async pass(): Promise<void> {
    if (this.remaining === 0) return;
    this.remaining -= 1;
    const released = new Promise<void>((resolve) => this.waiting.push(resolve));
    if (this.remaining === 0) for (const release of this.waiting.splice(0)) release();
    await released;
  }

  wrap(store: ConversationStore): ConversationStore {
    return new Proxy(store, {
      get: (target, property, receiver) => {
        const value = Reflect.get(target, property, receiver);
        if (property !== 'listMessages') return typeof value === 'function' ? value.bind(target) : value;
        return async (tenantId: string, conversationId: string) => {
          const messages = await target.listMessages(tenantId, conversationId);
          await this.pass();
          return messages;
        };
      },
    });
  }
}

const barrier = new ReadBarrier();
let emulator: Emulator;
let api: Server;
let apiOrigin: string;
const booked: string[] = [];

beforeAll(async () => {
  emulator = await startEmulator();
  api = createServer(async (request, response) => {
    let body = '';
    for await (const chunk of request) body += chunk;
    if (request.method === 'POST') booked.push(body);
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ booked: true }));
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  apiOrigin = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  await emulator?.close();
  api?.close();
});

async function startInstance(storage: Record<string, unknown>): Promise<Instance> {
  const directory = mkdtempSync(join(tmpdir(), 'godwit-approval-race-'));
  const path = join(directory, 'godwit.config.yaml');
  writeFileSync(
    path,
    toYaml({
      dataDir: join(directory, 'data'),
      ...storage,
      models: { default: 'openai:gpt-4.1-mini' },
      tools: {
        approvalSecret: 'approval-secret-shared-by-instances-0123',
        openapi: { scheduling: { document: DOCUMENT, baseUrl: apiOrigin } },
      },
      assistants: { scheduler: { instructions: 'You book appointments.', tools: ['scheduling'] } },
    }),
  );
  const env = { OPENAI_API_KEY: 'sk-emulated', OPENAI_BASE_URL: emulator.baseURLs.openai };
  const { config } = loadConfig({ configPath: path, env, cwd: directory });
  const parts = await openAdapters(config, { env });
  parts.storage.conversations = barrier.wrap(parts.storage.conversations);
  const services = await assembleServices(parts);
  const server: ServerType = serve({ fetch: createApp({ services }).fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    services,
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      await new Promise((resolve) => server.close(resolve));
      await services.close();
    },
  };
}

async function post(instance: Instance, path: string, body: unknown) {
  const response = await fetch(`${instance.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Body };
}

async function waiting(instance: Instance, calls: (typeof BOOK)[]) {
  emulator.script({ match: { dialect: 'openai' }, text: 'Booking it now.', toolCalls: calls });
  const { status, body } = await post(instance, '/api/chat', { assistant: 'scheduler', message: 'Book me.' });
  expect(status).toBe(200);
  return {
    conversationId: body.conversationId as string,
    approvalIds: (body.message.toolCalls as Body[]).map((call) => call.approval.id as string),
  };
}

function decide(instance: Instance, conversationId: string, approvals: unknown[]) {
  return post(instance, `/api/conversations/${conversationId}/tool-approvals`, { approvals });
}

function describeRaces(name: string, instances: () => [Instance, Instance]) {
  describe(`concurrent approval decisions: ${name}`, () => {
    it('runs the tool once when the same call is decided six times at once', async () => {
      const [first, second] = instances();
      const { conversationId, approvalIds } = await waiting(first, [BOOK]);
      emulator.script({ match: { dialect: 'openai' }, text: 'You are booked.' });
      const before = booked.length;
      barrier.arm(6);
      const replies = await Promise.all(
        [first, second, first, second, first, second].map((instance) =>
          decide(instance, conversationId, [{ approvalId: approvalIds[0], approved: true }]),
        ),
      );
      const statuses = replies.map((reply) => reply.status).sort();
      expect(statuses).toEqual([200, 409, 409, 409, 409, 409]);
      // A loser reads the call decided (`approval_already_decided`), or, once the winner's turn has moved the
      // conversation on, finds nothing waiting (`conflict`); either way it ran nothing.
      for (const reply of replies.filter((candidate) => candidate.status === 409)) {
        expect(['approval_already_decided', 'conflict'], JSON.stringify(reply.body)).toContain(
          reply.body.error?.code,
        );
      }
      expect(booked.length).toBe(before + 1);
      const winner = replies.find((reply) => reply.status === 200)!;
      expect(winner.body.answer).toBe('Booking it now.\n\nYou are booked.');
      const [, answer] = await second.services.conversations.listMessages('default', conversationId);
      expect(answer?.status).toBe('complete');
      expect(answer?.parts.filter((part) => part.type === 'tool-result')).toHaveLength(1);
    });

    it('keeps decisions on two calls made at once and continues the answer once', async () => {
      const [first, second] = instances();
      const { conversationId, approvalIds } = await waiting(first, [BOOK, LATER]);
      emulator.script({ match: { dialect: 'openai' }, text: 'Booked 09:00; 10:30 declined.' });
      const before = booked.length;
      barrier.arm(2);
      const replies = await Promise.all([
        decide(first, conversationId, [{ approvalId: approvalIds[0], approved: true }]),
        decide(second, conversationId, [{ approvalId: approvalIds[1], approved: false, reason: 'busy' }]),
      ]);
      expect(replies.map((reply) => reply.status).sort()).toEqual([200, 202]);
      const resumed = replies.find((reply) => reply.status === 200)!;
      expect(resumed.body.message.toolCalls.map((call: Body) => call.state)).toEqual(['complete', 'denied']);
      expect(booked.slice(before).map((body) => JSON.parse(body))).toEqual([BOOK.input.body]);
      const [, answer] = await first.services.conversations.listMessages('default', conversationId);
      expect(answer?.status).toBe('complete');
      expect(
        answer?.parts.flatMap((part) => (part.type === 'tool-call' ? [part.approval?.state] : [])),
      ).toEqual(['approved', 'denied']);
    });
  });
}

describe('PGlite', () => {
  let instance: Instance;
  beforeAll(async () => {
    instance = await startInstance({});
  }, 60_000);
  afterAll(() => instance?.close());
  describeRaces('PGlite, one instance', () => [instance, instance]);
});

const describeWithPostgres = await describeWithService('postgres');
describeWithPostgres('PostgreSQL', () => {
  const schema = uniqueSchemaName('approval_races');
  let instances: [Instance, Instance];
  beforeAll(async () => {
    const storage = { database: { url: postgresUrl(), schema } };
    const first = await startInstance(storage);
    instances = [first, await startInstance(storage)];
  }, 60_000);
  afterAll(async () => {
    await Promise.all(instances?.map((instance) => instance.close()) ?? []);
    await dropSchema(postgresUrl(), schema);
  });
  describeRaces('PostgreSQL, two instances', () => instances);
});

describe('DynamoDB', () => {
  let instances: [Instance, Instance];
  let stop: () => Promise<void>;
  beforeAll(async () => {
    const dynamo = await startDynalite();
    stop = dynamo.stop;
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
    const storage = {
      storage: {
        conversations: 'dynamodb',
        dynamodb: { endpoint: dynamo.endpoint, region: 'us-east-1', createTables: true },
      },
    };
    const first = await startInstance(storage);
    instances = [first, await startInstance(storage)];
  }, 60_000);
  afterAll(async () => {
    await Promise.all(instances?.map((instance) => instance.close()) ?? []);
    await stop?.();
    vi.unstubAllEnvs();
  });
  describeRaces('DynamoDB (dynalite), two instances', () => instances);
});
