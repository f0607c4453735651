import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DependencyError } from '../../src/core/errors.ts';
import type { GodwitServices } from '../../src/core/services.ts';
import { createApp } from '../../src/server/index.ts';
import { createTestServices, type TestServices } from '../support/test-services.ts';
import { errorOf, postJson } from './http-helpers.ts';

let services: TestServices;
let app: ReturnType<typeof createApp>;
const logged: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  services = await createTestServices();
  app = createApp({
    services,
    options: { maxBodyBytes: 256, logger: (entry) => logged.push(entry as Record<string, unknown>) },
  });
});

afterAll(async () => {
  await services?.close();
});

async function expectStillServing(): Promise<void> {
  const response = await postJson(app, '/api/search', { query: 'anything', knowledgeBase: 'nothing-here' });
  expect(response.status).toBe(404);
  expect((await app.request('/healthz')).status).toBe(200);
}

describe('health', () => {
  it('is alive', async () => {
    const response = await app.request('/healthz');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('is ready when every dependency answers, and says which provider is in use', async () => {
    const response = await app.request('/readyz');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      status: 'ok',
      checks: [expect.objectContaining({ name: 'memory', ok: true, detail: expect.any(String) })],
      provider: { model: 'mock:answer', reason: 'test models' },
      version: '0.0.0-test',
    });
  });

  it('answers 503 when a dependency is down or the check itself throws', async () => {
    const down: GodwitServices = {
      ...services,
      health: async () => [{ name: 'database', ok: false, detail: 'connection refused' }],
    };
    const downResponse = await createApp({ services: down, options: { logger: () => {} } }).request(
      '/readyz',
    );
    expect(downResponse.status).toBe(503);
    expect(await downResponse.json()).toMatchObject({
      status: 'unavailable',
      checks: [{ name: 'database', ok: false }],
    });

    const broken: GodwitServices = {
      ...services,
      health: async () => {
        throw new Error('checker crashed');
      },
    };
    const brokenResponse = await createApp({ services: broken, options: { logger: () => {} } }).request(
      '/readyz',
    );
    expect(brokenResponse.status).toBe(503);
    expect(await brokenResponse.json()).toMatchObject({
      checks: [{ name: 'services', ok: false, detail: expect.stringContaining('checker crashed') }],
    });
  });
});

describe('request bodies', () => {
  it.each([
    [
      'malformed JSON',
      'application/json',
      '{"message": "hi",',
      400,
      'bad_request',
      'Request body is not valid JSON: ',
    ],
    ['an empty body', 'application/json', '', 400, 'bad_request', 'Request body is not valid JSON: '],
    [
      'a JSON array',
      'application/json',
      '[1, 2]',
      400,
      'validation_failed',
      'body: expected an object, got an array',
    ],
    [
      'plain text',
      'text/plain',
      'hello',
      415,
      'unsupported_media_type',
      'Content-Type must be application/json',
    ],
    ['no content type', '', 'hello', 415, 'unsupported_media_type', 'got none'],
    [
      'a form',
      'application/x-www-form-urlencoded',
      'message=hi',
      415,
      'unsupported_media_type',
      'application/x-www-form-urlencoded',
    ],
    [
      'an oversized body',
      'application/json',
      JSON.stringify({ message: 'x'.repeat(400) }),
      413,
      'payload_too_large',
      '256 bytes limit',
    ],
  ])(
    'answers %s with a JSON error and keeps serving',
    async (_name, contentType, body, status, code, fragment) => {
      const headers: Record<string, string> = contentType ? { 'content-type': contentType } : {};
      // Bytes, not a string: a string body would get a text/plain content type from the Request constructor.
      const response = await app.request('/api/chat', {
        method: 'POST',
        headers,
        body: new TextEncoder().encode(body),
      });
      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toContain('application/json');
      const error = await errorOf(response);
      expect(error.code).toBe(code);
      expect(error.message).toContain(fragment);
      await expectStillServing();
    },
  );

  it('refuses a declared Content-Length over the limit without reading the body', async () => {
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          pulled += 1;
          controller.enqueue(new TextEncoder().encode('{"message": "hi"}'));
          controller.close();
        },
      },
      { highWaterMark: 0 },
    );
    const response = await app.request('/api/chat', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': '100000' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
    expect(pulled).toBe(0);
    await expectStillServing();
  });

  it('lists every invalid field in one message and in details', async () => {
    const response = await postJson(app, '/api/chat', { message: 7, k: 500, stream: 'yes' });
    const error = await errorOf(response);
    expect(error.message).toBe(
      'message: expected a string, got a number; k: expected a whole number from 1 to 100; stream: expected true or false, got a string',
    );
    expect(error.details?.issues).toEqual([
      { path: 'message', message: 'message: expected a string, got a number' },
      { path: 'k', message: 'k: expected a whole number from 1 to 100' },
      { path: 'stream', message: 'stream: expected true or false, got a string' },
    ]);
  });
});

describe('errors', () => {
  it('answers unknown routes with a JSON 404', async () => {
    const response = await app.request('/api/nope');
    expect(response.status).toBe(404);
    expect(await errorOf(response)).toEqual({
      code: 'not_found',
      message: 'No route for GET /api/nope. See GET /openapi.json for the API.',
    });
  });

  it('hides unexpected errors behind a 500 that names the request id, and logs the details', async () => {
    const failing: GodwitServices = {
      ...services,
      usage: {
        record: services.usage.record.bind(services.usage),
        summarize: async () => {
          throw new Error('password=hunter2 at /srv/secret/path');
        },
      },
    };
    const failingApp = createApp({
      services: failing,
      options: { logger: (entry) => logged.push(entry as Record<string, unknown>) },
    });
    const response = await failingApp.request('/api/usage', { headers: { 'x-request-id': 'trace-123' } });
    expect(response.status).toBe(500);
    expect(response.headers.get('x-request-id')).toBe('trace-123');
    const text = await response.text();
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('/srv/');
    expect(JSON.parse(text).error).toMatchObject({
      code: 'internal',
      message: expect.stringContaining('trace-123'),
    });
    const entry = logged.find((line) => line.requestId === 'trace-123' && line.level === 'error');
    expect(entry?.error).toMatchObject({
      message: expect.stringContaining('hunter2'),
      stack: expect.any(String),
    });
    expect((await failingApp.request('/healthz')).status).toBe(200);
  });

  it('maps an unreachable dependency to 503', async () => {
    const unreachable: GodwitServices = {
      ...services,
      knowledgeStore: {
        ...services.knowledgeStore,
        listKnowledgeBases: async () => {
          throw new DependencyError(
            'The database at 127.0.0.1:5432 is not reachable; start it or fix GODWIT_DATABASE_URL.',
          );
        },
      },
    };
    const response = await createApp({ services: unreachable, options: { logger: () => {} } }).request(
      '/api/knowledge-bases',
    );
    expect(response.status).toBe(503);
    expect(await errorOf(response)).toMatchObject({
      code: 'dependency_unavailable',
      message: expect.stringContaining('not reachable'),
    });
  });

  it('echoes a safe x-request-id and replaces an unsafe one', async () => {
    const given = await app.request('/healthz', { headers: { 'x-request-id': 'abc-123' } });
    expect(given.headers.get('x-request-id')).toBe('abc-123');
    const unsafe = await app.request('/healthz', { headers: { 'x-request-id': 'bad id\twith spaces' } });
    expect(unsafe.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const failed = await app.request('/api/nope', { headers: { 'x-request-id': 'on-error-too' } });
    expect(failed.headers.get('x-request-id')).toBe('on-error-too');
    expect(logged).toContainEqual(
      expect.objectContaining({ message: 'request', requestId: 'on-error-too', status: 404 }),
    );
  });
});

describe('API documentation', () => {
  it('serves an OpenAPI document generated from the request schemas', async () => {
    const response = await app.request('/openapi.json');
    expect(response.status).toBe(200);
    const document = (await response.json()) as {
      info: { version: string };
      paths: Record<string, Record<string, unknown>>;
      components: {
        schemas: Record<string, { properties?: Record<string, { minimum?: number; maximum?: number }> }>;
        securitySchemes?: Record<string, { type: string; name?: string; scheme?: string }>;
      };
      security?: Array<Record<string, string[]>>;
    };
    expect(document.info.version).toBe('0.0.0-test');
    expect(document.components.securitySchemes).toMatchObject({
      apiKey: { type: 'apiKey', name: 'x-api-key' },
      bearer: { type: 'http', scheme: 'bearer' },
    });
    expect(document.security).toEqual([{ apiKey: [] }, { bearer: [] }]);
    expect(Object.keys(document.paths).sort()).toEqual([
      '/api/audit',
      '/api/chat',
      '/api/conversations',
      '/api/conversations/{id}',
      '/api/conversations/{id}/tool-approvals',
      '/api/healthz',
      '/api/keys',
      '/api/keys/{id}',
      '/api/knowledge-bases',
      '/api/knowledge-bases/{name}',
      '/api/knowledge-bases/{name}/documents',
      '/api/knowledge-bases/{name}/documents/{id}',
      '/api/knowledge-bases/{name}/documents/{id}/file',
      '/api/knowledge-bases/{name}/documents/{id}/reindex',
      '/api/knowledge-bases/{name}/uploads',
      '/api/knowledge-bases/{name}/uploads/{id}',
      '/api/search',
      '/api/ui/chat',
      '/api/uploads',
      '/api/usage',
      '/healthz',
      '/metrics',
      '/readyz',
      '/v1/chat/completions',
      '/v1/embeddings',
      '/v1/models',
      '/v1/models/{model}',
    ]);
    expect(Object.keys(document.paths['/api/conversations/{id}'] ?? {}).sort()).toEqual([
      'delete',
      'get',
      'patch',
    ]);
    expect(document.components.schemas.SearchRequest?.properties?.k).toMatchObject({
      minimum: 1,
      maximum: 100,
    });
  });

  it('serves Swagger UI from local files only', async () => {
    const page = await app.request('/docs');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('docs/assets/swagger-ui-bundle.js');
    expect(html).not.toMatch(/https?:\/\//);

    const bundle = await app.request('/docs/assets/swagger-ui-bundle.js');
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toContain('text/javascript');
    expect((await bundle.text()).length).toBeGreaterThan(100_000);
    const css = await app.request('/docs/assets/swagger-ui.css');
    expect(css.headers.get('content-type')).toContain('text/css');
    const init = await (await app.request('/docs/assets/godwit-docs.js')).text();
    expect(init).toContain("'openapi.json'");

    for (const name of ['package.json', '..%2F..%2Fpackage.json', 'index.html']) {
      const response = await app.request(`/docs/assets/${name}`);
      expect(response.status).toBe(404);
      expect((await errorOf(response)).code).toBe('not_found');
    }
  });
});
