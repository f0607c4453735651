import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { AppEnv } from '../app-env.ts';
import { loopbackGuard } from './loopback-guard.ts';

function guarded(settings: Parameters<typeof loopbackGuard>[0] = { bindHost: '127.0.0.1' }) {
  const app = new Hono<AppEnv>();
  app.use('*', loopbackGuard(settings));
  app.all('*', (c) => c.text('served'));
  // What @hono/node-server passes as the environment: the socket the request arrived on.
  const node = { incoming: { socket: { localPort: 8787 } } };
  return (path: string, init: RequestInit = {}) => app.request(path, init, node);
}

describe('the loopback guard', () => {
  it.each(['localhost:8787', '127.0.0.1:8787', '[::1]:8787', 'LOCALHOST:8787', 'localhost.:8787'])(
    'serves its own host name %s',
    async (host) => {
      const request = guarded();
      expect((await request('/healthz', { headers: { host } })).status).toBe(200);
    },
  );

  it.each(['evil.example:8787', 'evil.example', '127.0.0.1:9999', 'localhost', '10.0.0.5:8787', ''])(
    'answers 421 to the host name %s (DNS rebinding)',
    async (host) => {
      const response = await guarded()('/api/knowledge-bases', { headers: { host } });
      expect(response.status).toBe(421);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('misdirected_request');
      expect(body.error.message).toContain('server.allowedHosts');
    },
  );

  it('judges each request by its own Host, whatever the requests before it sent', async () => {
    const request = guarded();
    const hosts = [
      'localhost:8787',
      'evil.example:8787',
      'evil.example:8787',
      'localhost:8787',
      '',
      '[::1]:8787',
    ];
    const statuses: number[] = [];
    for (const host of hosts) statuses.push((await request('/healthz', { headers: { host } })).status);
    expect(statuses).toEqual([200, 421, 421, 200, 421, 200]);
  });

  it('serves configured extra names, with or without a port', async () => {
    const request = guarded({ bindHost: '127.0.0.1', allowedHosts: ['godwit.test', 'proxy.test:443'] });
    expect((await request('/', { headers: { host: 'godwit.test:8787' } })).status).toBe(200);
    expect((await request('/', { headers: { host: 'proxy.test:443' } })).status).toBe(200);
    expect((await request('/', { headers: { host: 'proxy.test:8787' } })).status).toBe(421);
  });

  it('refuses writes from another origin, form posts and multipart included', async () => {
    const request = guarded();
    const host = '127.0.0.1:8787';
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      const response = await request('/api/knowledge-bases', {
        method,
        headers: { host, origin: 'http://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
        body: 'name=owned',
      });
      expect(response.status).toBe(403);
      expect(((await response.json()) as { error: { message: string } }).error.message).toContain(
        'server.allowedOrigins',
      );
    }
    const form = new FormData();
    form.append('file', new Blob(['x']), 'x.txt');
    const multipart = await request('/api/knowledge-bases/kb/documents', {
      method: 'POST',
      headers: { host, origin: 'null' },
      body: form,
    });
    expect(multipart.status).toBe(403);
    const crossSite = await request('/api/chat', {
      method: 'POST',
      headers: { host, 'sec-fetch-site': 'cross-site' },
    });
    expect(crossSite.status).toBe(403);
    // Reads are not refused for their origin: a page cannot read the answer without CORS anyway.
    expect((await request('/healthz', { headers: { host, origin: 'http://evil.example' } })).status).toBe(
      200,
    );
  });

  it('lets its own pages, configured origins and clients without an Origin write', async () => {
    const request = guarded({ bindHost: '127.0.0.1', allowedOrigins: ['http://localhost:5173/'] });
    const host = '127.0.0.1:8787';
    const post = (headers: Record<string, string>) => request('/api/chat', { method: 'POST', headers });
    expect(
      (await post({ host, origin: 'http://127.0.0.1:8787', 'sec-fetch-site': 'same-origin' })).status,
    ).toBe(200);
    expect(
      (await post({ host, origin: 'http://localhost:5173', 'sec-fetch-site': 'same-site' })).status,
    ).toBe(200);
    expect((await post({ host })).status).toBe(200);
    expect((await post({ host, 'sec-fetch-site': 'none' })).status).toBe(200);
    expect((await post({ host, origin: 'http://localhost:8787' })).status).toBe(403);
  });
});
