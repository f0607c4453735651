/**
 * The headers set before a route runs (security headers, the request id, rate-limit counts) reach the
 * client the same way through Node's HTTP server, where they are set on the Node response, as through
 * `app.request`, where Hono adds them: same names, same values, and a route's own header still wins.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KnowledgeService } from '../../src/core/knowledge/knowledge-service.ts';
import { createDocumentParser } from '../../src/ingest/index.ts';
import { type NodeServer, startNodeServer } from '../../src/runtime/node.ts';
import { createApp } from '../../src/server/index.ts';
import { SECURITY_HEADERS } from '../../src/server/middleware/security-headers.ts';
import { FileBlobStore } from '../../src/storage/fs/index.ts';
import { createTestServices, type TestServices } from '../support/test-services.ts';
import { createGovernedApp, withKey } from './governed-app.ts';
import { multipart, postJson, upload } from './http-helpers.ts';

let services: TestServices;
let app: ReturnType<typeof createApp>;
let server: NodeServer;
let blobRoot: string;
let documentId: string;

beforeAll(async () => {
  services = await createTestServices();
  blobRoot = mkdtempSync(join(tmpdir(), 'godwit-headers-'));
  services.knowledge = new KnowledgeService({
    knowledge: services.knowledgeStore,
    index: services.index,
    parser: createDocumentParser(),
    blobs: new FileBlobStore({ root: blobRoot }),
    generateId: () => crypto.randomUUID(),
  });
  app = createApp({ services, options: { logger: () => {} } });
  await postJson(app, '/api/knowledge-bases', { name: 'handbook' });
  const uploaded = await upload(
    app,
    'handbook',
    multipart([{ name: 'leave.md', content: '# Leave\n\n25 days.\n' }]),
  );
  documentId = ((await uploaded.json()) as { results: Array<{ documentId: string }> }).results[0]!.documentId;
  server = await startNodeServer({ fetch: app.fetch, host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await server?.close({ graceMs: 1_000 });
  await services?.close();
  rmSync(blobRoot, { recursive: true, force: true });
});

const securityHeaders = (response: Response) =>
  Object.fromEntries(SECURITY_HEADERS.map(([name]) => [name, response.headers.get(name)]));

const requests: Array<[string, string, RequestInit]> = [
  ['a health check', '/healthz', {}],
  ['a JSON answer', '/api/knowledge-bases', {}],
  ['an unknown API path (404)', '/api/nope', {}],
  [
    'a refused body (400)',
    '/api/knowledge-bases',
    { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":' },
  ],
  ['the OpenAI model list', '/v1/models', {}],
  ['the web app', '/', {}],
];

describe('headers set before the route, on Node’s server', () => {
  for (const [what, path, init] of requests) {
    it(`sends the same security headers as app.request for ${what}`, async () => {
      const viaNode = await fetch(`${server.url}${path}`, init);
      const viaHono = await app.request(path, init);
      expect(viaNode.status).toBe(viaHono.status);
      const expected = Object.fromEntries(SECURITY_HEADERS);
      expect(securityHeaders(viaNode)).toEqual(expected);
      expect(securityHeaders(viaHono)).toEqual(expected);
      await viaNode.arrayBuffer();
    });
  }

  it('keeps the sandboxing CSP a route sets itself, and still adds the others', async () => {
    const path = `/api/knowledge-bases/handbook/documents/${documentId}/file`;
    for (const response of [await fetch(`${server.url}${path}`), await app.request(path)]) {
      expect(response.status).toBe(200);
      expect(response.headers.get('content-security-policy')).toBe("sandbox; default-src 'none'");
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(await response.text()).toContain('25 days');
    }
  });

  it('echoes a safe x-request-id and replaces an unsafe or overlong one, as app.request does', async () => {
    const cases: Array<[string, (id: string | null) => void]> = [
      ['req-42_abc=', (id) => expect(id).toBe('req-42_abc=')],
      ['has space', (id) => expect(id).toMatch(/^[0-9a-f-]{36}$/)],
      ['x'.repeat(129), (id) => expect(id).toMatch(/^[0-9a-f-]{36}$/)],
    ];
    for (const [sent, check] of cases) {
      const viaNode = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': sent } });
      const viaHono = await app.request('/healthz', { headers: { 'x-request-id': sent } });
      check(viaNode.headers.get('x-request-id'));
      check(viaHono.headers.get('x-request-id'));
      await viaNode.arrayBuffer();
    }
    const fresh = await fetch(`${server.url}/healthz`);
    expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sends the rate-limit counts, and refuses past the limit with them', async () => {
    const governed = await createGovernedApp({
      limits: { caller: { requestsPerMinute: 2, tokensPerMinute: null } },
    });
    const limited = await startNodeServer({ fetch: governed.app.fetch, host: '127.0.0.1', port: 0 });
    try {
      const seen: Array<[number, string | null, string | null]> = [];
      for (let i = 0; i < 3; i++) {
        const response = await fetch(`${limited.url}/api/knowledge-bases`, {
          headers: withKey(governed.user.secret),
        });
        seen.push([
          response.status,
          response.headers.get('x-ratelimit-limit-requests'),
          response.headers.get('x-ratelimit-remaining-requests'),
        ]);
        expect(response.headers.get('x-content-type-options')).toBe('nosniff');
        await response.arrayBuffer();
      }
      expect(seen).toEqual([
        [200, '2', '1'],
        [200, '2', '0'],
        [429, '2', '0'],
      ]);
    } finally {
      await limited.close({ graceMs: 1_000 });
      await governed.services.close();
    }
  });
});
