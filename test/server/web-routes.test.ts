/** The web app's static files: cache headers, the index.html fallback, reserved paths, and the unbuilt app. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/index.ts';
import { createTestServices, type TestServices } from '../support/test-services.ts';

let services: TestServices;
let distDir: string;
let app: ReturnType<typeof createApp>;
let unbuilt: ReturnType<typeof createApp>;

const INDEX = '<!doctype html><title>Godwit</title><div id="root"></div>';

beforeAll(async () => {
  services = await createTestServices();
  distDir = mkdtempSync(join(tmpdir(), 'godwit-web-'));
  mkdirSync(join(distDir, 'assets'));
  writeFileSync(join(distDir, 'index.html'), INDEX);
  writeFileSync(join(distDir, 'assets', 'index-AbC123.js'), 'console.log("app")');
  writeFileSync(join(distDir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(join(tmpdir(), 'godwit-web-secret.txt'), 'outside');
  app = createApp({ services, options: { logger: () => {} }, web: { distDir } });
  unbuilt = createApp({
    services,
    options: { logger: () => {} },
    web: { distDir: join(distDir, 'missing') },
  });
});

afterAll(async () => {
  rmSync(distDir, { recursive: true, force: true });
  await services?.close();
});

describe('web app routes', () => {
  it('serves index.html at / without long caching', async () => {
    const response = await app.request('/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(await response.text()).toBe(INDEX);
  });

  it('serves hashed assets as immutable with their media type', async () => {
    const response = await app.request('/assets/index-AbC123.js');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await response.text()).toBe('console.log("app")');
    const icon = await app.request('/favicon.svg');
    expect(icon.headers.get('content-type')).toBe('image/svg+xml');
    expect(icon.headers.get('cache-control')).toBe('no-cache');
  });

  it('answers client routes with index.html so a reload keeps the page', async () => {
    for (const path of ['/knowledge', '/usage', '/chat/3f2a', '/status']) {
      const response = await app.request(path);
      expect(response.status, path).toBe(200);
      expect(await response.text()).toBe(INDEX);
    }
  });

  it('answers HEAD without a body', async () => {
    const response = await app.request('/assets/index-AbC123.js', { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe('18');
    expect(await response.text()).toBe('');
  });

  it('gives 404 for a missing asset instead of the app', async () => {
    const response = await app.request('/assets/index-old.js');
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: 'not_found' } });
    expect((await app.request('/robots.txt')).status).toBe(404);
  });

  it('never serves a file outside the build folder', async () => {
    for (const path of [
      '/../godwit-web-secret.txt',
      '/%2e%2e/godwit-web-secret.txt',
      '/assets/%2e%2e%2f..%2fgodwit-web-secret.txt',
    ]) {
      const response = await app.request(path);
      expect(await response.text(), path).not.toContain('outside');
    }
    const malformed = await app.request('/%E0%A4%A');
    expect(malformed.status).toBe(200);
    expect(await malformed.text()).toBe(INDEX);
  });

  it('leaves API and operations paths to their routes', async () => {
    expect((await app.request('/api/nothing-here')).status).toBe(404);
    expect(await (await app.request('/api/nothing-here')).json()).toMatchObject({
      error: { code: 'not_found' },
    });
    expect((await app.request('/v1/nothing')).status).toBe(404);
    expect((await app.request('/healthz')).headers.get('content-type')).toContain('application/json');
    expect((await app.request('/openapi.json')).headers.get('content-type')).toContain('application/json');
    expect((await app.request('/docs')).status).toBe(200);
    expect(await (await app.request('/docs')).text()).not.toBe(INDEX);
    expect((await app.request('/metrics')).status).toBe(200);
  });

  it('explains how to build the app when it is not built', async () => {
    const response = await unbuilt.request('/');
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toContain('text/html');
    const page = await response.text();
    expect(page).toContain('npm run build');
    expect((await unbuilt.request('/knowledge')).status).toBe(404);
    expect((await unbuilt.request('/healthz')).status).toBe(200);
  });
});
