/**
 * A Chroma server behind token auth or a proxy: the credentials configured under storage.chroma reach
 * the server on every request, through the real config loading and composition root; without them the
 * error names the settings to set.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.ts';
import { openComposedStorage } from '../../src/config/open-storage.ts';

const TOKEN = 'chroma-secret-token';
let server: Server;
let url: string;
let directory: string;
const received: { path: string; headers: IncomingHttpHeaders }[] = [];

/** Answers Chroma's health calls, as a server with token auth does: 401 without the token. */
beforeAll(async () => {
  server = createServer((request, response) => {
    received.push({ path: request.url ?? '', headers: request.headers });
    const authorized =
      request.headers.authorization === `Bearer ${TOKEN}` || request.headers['x-chroma-token'] === TOKEN;
    response.writeHead(authorized ? 200 : 401, { 'content-type': 'application/json' });
    if (!authorized) return response.end(JSON.stringify({ error: 'AuthError', message: 'unauthorized' }));
    if (request.url === '/api/v2/version') return response.end(JSON.stringify('1.0.0'));
    response.end(JSON.stringify({ 'nanosecond heartbeat': 1 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  directory = mkdtempSync(join(tmpdir(), 'godwit-chroma-auth-'));
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  rmSync(directory, { recursive: true, force: true });
});

async function chromaHealth(name: string, chroma: string, env: Record<string, string> = {}) {
  const cwd = join(directory, name);
  const configFile = `dataDir: ${join(cwd, 'data')}\nstorage:\n  vectors: chroma\n  chroma:\n    url: ${url}\n${chroma}`;
  rmSync(cwd, { recursive: true, force: true });
  mkdirSync(cwd, { recursive: true });
  writeFileSync(join(cwd, 'godwit.config.yaml'), configFile);
  const { config } = loadConfig({ cwd, env });
  const storage = await openComposedStorage(config, env);
  try {
    received.length = 0;
    const check = storage.health.find((entry) => entry.name === 'chroma');
    return await check!.check();
  } finally {
    await storage.close();
  }
}

describe('Chroma credentials', () => {
  it('sends the token as a bearer token, and the configured headers, on every request', async () => {
    const report = await chromaHealth('bearer', '    headers:\n      x-proxy-key: proxy-secret\n', {
      GODWIT_STORAGE__CHROMA__TOKEN: TOKEN,
    });
    expect(report.ok).toBe(true);
    expect(received.length).toBeGreaterThanOrEqual(3);
    for (const request of received) {
      expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(request.headers['x-proxy-key']).toBe('proxy-secret');
    }
  }, 60_000);

  it('sends the token in X-Chroma-Token when the server reads that header', async () => {
    const report = await chromaHealth(
      'x-chroma-token',
      `    token: ${TOKEN}\n    tokenHeader: X-Chroma-Token\n`,
    );
    expect(report.ok).toBe(true);
    expect(received.every((request) => request.headers['x-chroma-token'] === TOKEN)).toBe(true);
    expect(received.every((request) => request.headers.authorization === undefined)).toBe(true);
  }, 60_000);

  it('names the settings to set when the server wants credentials', async () => {
    const report = await chromaHealth('none', '');
    expect(report.ok).toBe(false);
    expect(report.detail).toMatch(/HTTP 401.*storage\.chroma\.token \(GODWIT_STORAGE__CHROMA__TOKEN/);
  }, 60_000);
});
