/**
 * Per-tool rate limits across instances: two apps on one Redis (limits.store) share each tool's count, so
 * a limit of two calls a minute allows two calls in all, not two per instance.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ServerType, serve } from '@hono/node-server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { createGodwit } from '../../src/config/create-godwit.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import type { GodwitServices } from '../../src/core/services.ts';
import { createApp } from '../../src/server/index.ts';
import { type Emulator, startEmulator } from '../support/emulators/index.ts';
import { describeWithService, redisUrl } from '../support/services.ts';

const DOCUMENT = join(import.meta.dirname, 'fixtures', 'scheduling-openapi.yaml');
// A source name of its own: counts live in Redis for a minute, and another run must not see them.
const SOURCE = `limited${randomBytes(4).toString('hex')}`;
const LOOKUP = { name: `${SOURCE}__getAvailability`, input: { providerId: 'dr-lee', date: '2026-12-08' } };

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read field by field in assertions
type Body = Record<string, any>;

interface Instance {
  services: GodwitServices;
  baseUrl: string;
  server: ServerType;
}

const describeWithRedis = await describeWithService('redis');

describeWithRedis('per-tool rate limits on Redis, two instances', () => {
  let emulator: Emulator;
  let api: Server;
  const lookups: string[] = [];
  const instances: Instance[] = [];

  beforeAll(async () => {
    emulator = await startEmulator();
    api = createServer((request, response) => {
      lookups.push(request.url ?? '');
      response.setHeader('content-type', 'application/json');
      response.end('[{"start":"09:00"}]');
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
    for (let index = 0; index < 2; index++) {
      const directory = mkdtempSync(join(tmpdir(), 'godwit-tool-limit-'));
      const path = join(directory, 'godwit.config.yaml');
      writeFileSync(
        path,
        toYaml({
          dataDir: join(directory, 'data'),
          redis: { url: redisUrl() },
          limits: { store: 'redis' },
          models: { default: 'openai:gpt-4.1-mini' },
          tools: {
            rateLimit: { tools: { [LOOKUP.name]: 2 } },
            openapi: { [SOURCE]: { document: DOCUMENT, baseUrl: origin } },
          },
          assistants: { scheduler: { tools: [SOURCE] } },
        }),
      );
      const env = { OPENAI_API_KEY: 'sk-emulated', OPENAI_BASE_URL: emulator.baseURLs.openai };
      const { config } = loadConfig({ configPath: path, env, cwd: directory });
      const services = await createGodwit(config, { env });
      const server = serve({ fetch: createApp({ services }).fetch, hostname: '127.0.0.1', port: 0 });
      await new Promise((resolve) => server.once('listening', resolve));
      instances.push({
        services,
        server,
        baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      });
    }
  }, 60_000);

  afterAll(async () => {
    for (const instance of instances) {
      await new Promise((resolve) => instance.server.close(resolve));
      await instance.services.close();
    }
    await emulator?.close();
    api?.close();
  });

  async function lookUp(instance: Instance): Promise<Body> {
    emulator.script(
      { match: { dialect: 'openai' }, toolCalls: [LOOKUP] },
      { match: { dialect: 'openai' }, text: 'Here is what I found.' },
    );
    const response = await fetch(`${instance.baseUrl}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ assistant: 'scheduler', message: 'When is Dr Lee free?' }),
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as Body).message.toolCalls[0];
  }

  it('counts the calls of both instances against one limit', async () => {
    const [first, second] = instances as [Instance, Instance];
    // Counts are kept per clock minute: each call is judged against the calls before it in its own minute.
    const minute = () => Math.floor(Date.now() / 60_000);
    const calls: Array<{ call: Body; minute: number | null }> = [];
    for (const instance of [first, second, first, second]) {
      const before = minute();
      const call = await lookUp(instance);
      calls.push({ call, minute: minute() === before ? before : null });
    }
    const seen = new Map<number, number>();
    for (const { call, minute: at } of calls) {
      if (at === null) continue;
      const earlier = seen.get(at) ?? 0;
      seen.set(at, earlier + 1);
      if (earlier < 2) {
        expect(call.state).toBe('complete');
      } else {
        expect(call.state).toBe('failed');
        expect(call.error).toMatch(
          new RegExp(`^Tool "${LOOKUP.name}" reached its limit of 2 calls per minute; it did not run\\.`),
        );
      }
    }
    expect(lookups).toHaveLength(calls.filter(({ call }) => call.state === 'complete').length);
  });
});
