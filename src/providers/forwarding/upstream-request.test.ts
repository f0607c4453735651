import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPoolClass, postUpstream, readBody } from './upstream-request.ts';

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
      expect(JSON.parse(await readBody(response.body))).toEqual({ echoed: text });
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
    await readBody(response.body);
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
      expect(await readBody(response.body)).toBe('v6');
    } finally {
      await new Promise((resolve) => v6.close(resolve));
    }
  });

  it('keeps connections open between calls and reuses them', async () => {
    const url = new URL(`http://127.0.0.1:${port}/reuse`);
    const before = await connectionCount();
    for (let i = 0; i < 5; i++) await readBody((await post(url, '{}')).body);
    expect((await connectionCount()) - before).toBeLessThanOrEqual(1);
  });

  it('refuses an address that is not http or https, naming the fix', async () => {
    await expect(post(new URL('ftp://127.0.0.1/x'), '{}')).rejects.toThrow(
      /ftp: is not an HTTP address; use http/,
    );
  });
});

describe('postUpstream: timeouts, aborts and early stops', () => {
  // /stall-headers never answers; /stall-body sends its headers and one chunk, then nothing; /slow sends a
  // chunk every 20 ms for a second. Each records when the gateway closed its connection.
  const closed: string[] = [];
  const received: string[] = [];
  const stalling = createServer((request, response) => {
    received.push(request.url ?? '');
    request.resume();
    response.on('close', () => closed.push(request.url ?? ''));
    if (request.url?.startsWith('/stall-headers')) return;
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.write('data: first\n\n');
    if (request.url?.startsWith('/slow')) {
      const timer = setInterval(() => response.write('data: more\n\n'), 20);
      response.on('close', () => clearInterval(timer));
      setTimeout(() => response.end(), 1_000);
    }
  });
  let base = '';
  beforeAll(async () => {
    await new Promise<void>((resolve) => stalling.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(stalling.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    stalling.closeAllConnections();
    await new Promise((resolve) => stalling.close(resolve));
  });

  const timedOut = new Error('no answer in time');
  const call = (path: string, signal = new AbortController().signal, timeoutMs = 150) =>
    postUpstream({
      url: new URL(`${base}${path}`),
      headers: {},
      body: '{}',
      timeoutMs,
      onTimeout: () => timedOut,
      signal,
    });
  const waitFor = async (check: () => boolean) => {
    for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    return check();
  };

  it('rejects with the timeout error when no headers come in time', async () => {
    await expect(call('/stall-headers')).rejects.toBe(timedOut);
  });

  it('fails the body with the timeout error when the upstream stops sending', async () => {
    const response = await call('/stall-body');
    expect(response.statusCode).toBe(200);
    await expect(readBody(response.body)).rejects.toBe(timedOut);
  });

  it('does not time out a body that keeps arriving, however long it takes in all', async () => {
    const response = await call('/slow', new AbortController().signal, 200);
    const text = await readBody(response.body);
    expect(text.split('data: more').length).toBeGreaterThan(10);
  });

  it('rejects with the abort reason before the headers, and fails the body with it after', async () => {
    const reason = new Error('client went away');
    const early = new AbortController();
    const pending = call('/stall-headers', early.signal, 0);
    setTimeout(() => early.abort(reason), 30);
    await expect(pending).rejects.toBe(reason);

    const late = new AbortController();
    const response = await call('/slow', late.signal, 0);
    setTimeout(() => late.abort(reason), 30);
    await expect(readBody(response.body)).rejects.toBe(reason);
    expect(await waitFor(() => closed.includes('/slow'))).toBe(true);
  });

  it('rejects at once for a signal already aborted, sending nothing', async () => {
    const aborted = new AbortController();
    aborted.abort(new Error('already gone'));
    await expect(call('/already-aborted', aborted.signal)).rejects.toThrow('already gone');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(received).not.toContain('/already-aborted');
  });

  it('rejects at once when aborted while waiting for a free connection, and never sends it', async () => {
    // Every connection of the pool held by a call that gets no answer; one more call waits for one.
    const stalled = Array.from({ length: 256 }, () => {
      const pending = call('/stall-headers?pool', new AbortController().signal, 0);
      pending.catch(() => {});
      return pending;
    });
    expect(await waitFor(() => received.filter((url) => url === '/stall-headers?pool').length === 256)).toBe(
      true,
    );
    const waiting = new AbortController();
    const queued = call('/queued', waiting.signal, 0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    waiting.abort(new Error('client went away'));
    await expect(queued).rejects.toThrow('client went away');
    stalling.closeAllConnections();
    await Promise.allSettled(stalled);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(received).not.toContain('/queued');
  });

  it('closes the connection when the reader stops early', async () => {
    const response = await call('/slow?early-stop', new AbortController().signal, 0);
    response.body.destroy();
    expect(await waitFor(() => closed.includes('/slow?early-stop'))).toBe(true);
  });
});

function connectionCount(): Promise<number> {
  return new Promise((resolve, reject) =>
    server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
  );
}

describe('loadPoolClass', () => {
  it("loads undici's Pool from its own module, the same class as the package's", async () => {
    const { Pool } = await import('undici');
    expect(await loadPoolClass()).toBe(Pool);
  });

  it('falls back to the package entry when the module has moved or exports something else', async () => {
    const { Pool } = await import('undici');
    const moved = () => Promise.reject(new Error("Cannot find module 'undici/lib/dispatcher/pool.js'"));
    expect(await loadPoolClass(moved)).toBe(Pool);
    expect(await loadPoolClass(async () => ({ default: undefined as never }))).toBe(Pool);
  });

  it('reports the entry’s own failure when neither loads', async () => {
    const moved = () => Promise.reject(new Error('moved'));
    await expect(
      loadPoolClass(moved, () => Promise.reject(new Error('undici is not installed'))),
    ).rejects.toThrow('undici is not installed');
  });
});
