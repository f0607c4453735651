/** CORS: no cross-origin access by default; listed origins get answered preflights on every route. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/index.ts';
import { MemoryApiKeyStore } from '../../src/storage/memory/memory-api-key-store.ts';
import { createTestServices, type TestServices } from '../support/test-services.ts';

const FRONT_END = 'https://app.example.com';
let services: TestServices;

beforeAll(async () => {
  services = await createTestServices();
});

afterAll(async () => {
  await services.close();
});

function preflight(origin = FRONT_END, method = 'POST') {
  return {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': method,
      'access-control-request-headers': 'content-type,authorization',
    },
  } satisfies RequestInit;
}

/** Every documented route with its parameters filled in, and the method it is first declared for. */
async function documentedRoutes(app: ReturnType<typeof createApp>): Promise<Array<[string, string]>> {
  const document = (await (await app.request('/openapi.json')).json()) as { paths: Record<string, object> };
  return Object.entries(document.paths).map(([path, operations]) => [
    path.replace(/\{[^}]+\}/g, 'x'),
    Object.keys(operations)[0]?.toUpperCase() ?? 'GET',
  ]);
}

describe('CORS', () => {
  it('sends no CORS header when no origin is configured', async () => {
    const app = createApp({ services, options: { logger: () => {} } });
    const response = await app.request('/api/chat', preflight());
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    const get = await app.request('/healthz', { headers: { origin: FRONT_END } });
    expect(get.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers the preflight of every documented route for an allowed origin', async () => {
    const app = createApp({
      services,
      options: { logger: () => {}, cors: { allowedOrigins: [FRONT_END], maxAgeSeconds: 120 } },
    });
    const routes = await documentedRoutes(app);
    expect(routes.length).toBeGreaterThan(10);
    for (const [path, method] of [...routes, ['/v1/chat/completions', 'POST'] as [string, string]]) {
      const response = await app.request(path, preflight(FRONT_END, method));
      expect(response.status, path).toBe(204);
      expect(response.headers.get('access-control-allow-origin'), path).toBe(FRONT_END);
      expect(response.headers.get('access-control-allow-methods'), path).toContain(method);
      expect(response.headers.get('access-control-allow-headers'), path).toContain('authorization');
      expect(response.headers.get('access-control-max-age'), path).toBe('120');
    }
  });

  it('gives another origin no access', async () => {
    const app = createApp({ services, options: { logger: () => {}, cors: { allowedOrigins: [FRONT_END] } } });
    const response = await app.request('/api/chat', preflight('https://evil.example.com'));
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    const write = await app.request('/api/chat', {
      method: 'POST',
      headers: { origin: 'https://evil.example.com', 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'hi' }),
    });
    expect(write.status).toBe(403);
  });

  it('lets an allowed origin write with auth off, and read the answer', async () => {
    const app = createApp({ services, options: { logger: () => {}, cors: { allowedOrigins: [FRONT_END] } } });
    const response = await app.request('/api/chat', {
      method: 'POST',
      headers: { origin: FRONT_END, 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'How many vacation days?', knowledgeBase: null }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(FRONT_END);
    expect(response.headers.get('access-control-expose-headers')).toContain('x-request-id');
  });

  it('answers preflights before authentication, and lets the page read a 401', async () => {
    const app = createApp({
      services: { ...services, apiKeys: new MemoryApiKeyStore() },
      options: {
        logger: () => {},
        auth: { mode: 'required', apiKeys: true, jwt: null },
        cors: { allowedOrigins: [FRONT_END] },
      },
    });
    const response = await app.request('/api/conversations', preflight(FRONT_END, 'GET'));
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(FRONT_END);
    const unauthenticated = await app.request('/api/conversations', { headers: { origin: FRONT_END } });
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.headers.get('access-control-allow-origin')).toBe(FRONT_END);
  });
});
