/**
 * The app behind the real Node HTTP adapter on a loopback port: a client that disconnects mid-answer
 * aborts the turn, and the cut-off answer is stored as incomplete.
 */
import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from '../../src/server/index.ts';
import { createTestServices, type TestServices } from '../support/test-services.ts';
import { readUntil } from './http-helpers.ts';

let services: TestServices;
let server: ServerType;
let baseUrl: string;

beforeAll(async () => {
  services = await createTestServices();
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

it('aborts the turn when an HTTP client disconnects mid-stream', async () => {
  const client = new AbortController();
  const response = await fetch(`${baseUrl}/api/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ message: 'A very long story, please', model: 'mock:hang' }),
    signal: client.signal,
  });
  expect(response.headers.get('content-type')).toContain('text/event-stream');
  const reader = response.body!.getReader();
  const events = await readUntil(reader, 'delta');
  const settled = services.conversations.settled(events[0]?.data.messageId as string);
  client.abort();
  const message = await settled;
  expect(message).toMatchObject({ status: 'incomplete', content: 'Partial answer' });

  const after = await fetch(`${baseUrl}/healthz`);
  expect(after.status).toBe(200);
});

it('answers JSON over real HTTP with the request id header', async () => {
  const response = await fetch(`${baseUrl}/api/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': 'node-1' },
    body: JSON.stringify({ message: 'Hello' }),
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('x-request-id')).toBe('node-1');
  expect(((await response.json()) as { message: { status: string } }).message.status).toBe('complete');
});
