import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postUpstream, readBody } from './upstream-request.ts';

interface Seen {
  url: string | undefined;
  authorization: string | undefined;
  contentType: string | undefined;
  body: string;
}

const seen: Seen[] = [];
const server = createServer(async (request: IncomingMessage, response) => {
  const body = await readBody(request);
  seen.push({
    url: request.url,
    authorization: request.headers.authorization,
    contentType: request.headers['content-type'],
    body,
  });
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ echoed: body }));
});
let port = 0;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const post = (url: URL, body: string) =>
  postUpstream({
    url,
    headers: { 'content-type': 'application/json' },
    body,
    timeoutMs: 5_000,
    onTimeout: () => new Error('timed out'),
    signal: new AbortController().signal,
  });

describe('postUpstream', () => {
  it('sends to the URL’s host, port, path and query, every time the same URL object is reused', async () => {
    seen.length = 0;
    const url = new URL(`http://127.0.0.1:${port}/v1/chat/completions?api-version=2024-10-21`);
    for (const text of ['{"n":1}', '{"n":2}', '{"n":"é"}']) {
      const response = await post(url, text);
      expect(response.statusCode).toBe(200);
      expect(JSON.parse(await readBody(response))).toEqual({ echoed: text });
    }
    expect(seen.map((entry) => entry.url)).toEqual(
      Array(3).fill('/v1/chat/completions?api-version=2024-10-21'),
    );
    expect(seen.map((entry) => entry.body)).toEqual(['{"n":1}', '{"n":2}', '{"n":"é"}']);
    expect(seen[0]!.contentType).toBe('application/json');
  });

  it('sends a URL’s user and password as basic credentials, as node:http does', async () => {
    seen.length = 0;
    const url = new URL(`http://user:p%40ss@127.0.0.1:${port}/chat`);
    const response = await post(url, '{}');
    await readBody(response);
    expect(seen[0]!.url).toBe('/chat');
    expect(seen[0]!.authorization).toBe(`Basic ${Buffer.from('user:p@ss').toString('base64')}`);
  });

  it('reaches a host written as an IPv6 literal', async () => {
    const v6 = createServer((_request, response) => response.end('v6'));
    const listening = await new Promise<boolean>((resolve) => {
      v6.once('error', () => resolve(false));
      v6.listen(0, '::1', () => resolve(true));
    });
    if (!listening) return; // no IPv6 loopback on this machine
    try {
      const v6Port = (v6.address() as AddressInfo).port;
      const response = await post(new URL(`http://[::1]:${v6Port}/x`), '{}');
      expect(await readBody(response)).toBe('v6');
    } finally {
      await new Promise((resolve) => v6.close(resolve));
    }
  });
});
