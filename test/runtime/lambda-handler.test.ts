import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '../../src/core/auth/index.ts';
import { ConfigError } from '../../src/core/errors.ts';
import { DEFAULT_TENANT } from '../../src/core/types.ts';
import { createApiHandler, createStreamHandler } from '../../src/runtime/lambda.ts';
import { MemoryApiKeyStore } from '../../src/storage/memory/memory-api-key-store.ts';
import { parseEvents } from '../server/http-helpers.ts';
import { ANSWER_PIECES, createTestServices, type TestServices } from '../support/test-services.ts';
import {
  apiGatewayV2Event,
  functionUrlEvent,
  installAwsLambdaShim,
  invokeStreaming,
} from './lambda-events.ts';

const HANDBOOK = '# Leave\n\nEmployees get 25 vacation days a year. Unused days carry over until March.\n';
const BOUNDARY = '----godwit-lambda-test';

let services: TestServices;
let restoreShim: () => void;
let apiKey: string;
const logs: string[] = [];

type EventInput = Parameters<typeof apiGatewayV2Event>[0];
/** Events as an authenticated client sends them: a deployed function always requires a key or token. */
const apiEvent = (input: EventInput) =>
  apiGatewayV2Event({ ...input, headers: { 'x-api-key': apiKey, ...input.headers } });
const urlEvent = (input: EventInput) =>
  functionUrlEvent({ ...input, headers: { 'x-api-key': apiKey, ...input.headers } });

function multipartBody(name: string, content: string): Uint8Array {
  return new TextEncoder().encode(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\n` +
      `Content-Type: text/markdown\r\n\r\n${content}\r\n--${BOUNDARY}--\r\n`,
  );
}

beforeAll(async () => {
  restoreShim = installAwsLambdaShim();
  services = { ...(await createTestServices()), apiKeys: new MemoryApiKeyStore() };
  apiKey = (await issueApiKey(services.apiKeys!, { tenantId: DEFAULT_TENANT, name: 'test', role: 'admin' }))
    .secret;
});

afterAll(async () => {
  restoreShim?.();
  await services?.close();
});

const options = () => ({
  env: { GODWIT_DATA_DIR: '/tmp/godwit-lambda-test' },
  createServices: async () => services,
  writeLog: (line: string) => logs.push(line),
});

describe('API Gateway HTTP API (payload 2.0), buffered', () => {
  const handler = createApiHandler(options());

  it('answers GET /healthz', async () => {
    const result = await handler(apiEvent({ method: 'GET', path: '/healthz' }));
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toMatchObject({ status: 'ok' });
  });

  it('accepts a base64 multipart upload and then answers a chat turn with citations', async () => {
    const created = await handler(
      apiEvent({
        method: 'POST',
        path: '/api/knowledge-bases',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'handbook' }),
      }),
    );
    expect(created.statusCode).toBe(201);
    const uploaded = await handler(
      apiEvent({
        method: 'POST',
        path: '/api/knowledge-bases/handbook/documents',
        headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
        body: multipartBody('leave.md', HANDBOOK),
      }),
    );
    expect(uploaded.statusCode).toBe(201);
    const chat = await handler(
      apiEvent({
        method: 'POST',
        path: '/api/chat',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ message: 'How many vacation days?', knowledgeBase: 'handbook' }),
      }),
    );
    expect(chat.statusCode).toBe(200);
    const body = JSON.parse(chat.body) as { answer: string; citations: Array<{ source: string }> };
    expect(body.answer).toBe(ANSWER_PIECES.join(''));
    expect(body.citations.map((citation) => citation.source)).toEqual(['leave.md']);
  });

  it('passes the query string through', async () => {
    const result = await handler(
      apiEvent({ method: 'GET', path: '/api/conversations', query: 'limit=notanumber' }),
    );
    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body).error.code).toBe('validation_failed');
  });

  it('maps bad JSON to a 400 error body without a stack', async () => {
    const result = await handler(
      apiEvent({
        method: 'POST',
        path: '/api/chat',
        headers: { 'content-type': 'application/json' },
        body: '{"message":',
      }),
    );
    expect(result.statusCode).toBe(400);
    expect(result.body).not.toContain('    at ');
    expect(JSON.parse(result.body).error.code).toBeTypeOf('string');
  });
});

describe('Function URL with RESPONSE_STREAM', () => {
  it('streams the chat answer as server-sent events, one write per event', async () => {
    const handler = createStreamHandler(options());
    const response = await invokeStreaming(
      handler,
      urlEvent({
        method: 'POST',
        path: '/api/chat',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ message: 'Vacation days?', knowledgeBase: 'handbook', stream: true }),
      }),
    );
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/event-stream');
    const events = parseEvents(response.body);
    expect(events.map((event) => event.event)).toEqual([
      'start',
      'citations',
      'delta',
      'delta',
      'delta',
      'done',
    ]);
    expect(events.filter((event) => event.event === 'delta').map((event) => event.data.text)).toEqual(
      ANSWER_PIECES,
    );
    // Streamed, not buffered: the events reached the runtime as separate writes.
    expect(response.writes.length).toBeGreaterThanOrEqual(events.length);
  });

  it('streams a plain JSON response with its status and headers', async () => {
    const handler = createStreamHandler(options());
    const response = await invokeStreaming(handler, urlEvent({ method: 'GET', path: '/api/nowhere' }));
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toContain('application/json');
    expect(JSON.parse(response.body).error.code).toBe('not_found');
  });
});

describe('authentication on a deployed function', () => {
  const handler = createApiHandler(options());

  it('requires a key or a token even though the server binds no host, and keeps /healthz open', async () => {
    const anonymous = await handler(apiGatewayV2Event({ method: 'GET', path: '/api/conversations' }));
    expect(anonymous.statusCode).toBe(401);
    expect(JSON.parse(anonymous.body).error.code).toBe('unauthorized');
    const health = await handler(apiGatewayV2Event({ method: 'GET', path: '/healthz' }));
    expect(health.statusCode).toBe(200);
    const signedIn = await handler(apiEvent({ method: 'GET', path: '/api/conversations' }));
    expect(signedIn.statusCode).toBe(200);
  });

  it('refuses to start with auth switched off', async () => {
    const open = createApiHandler({ ...options(), env: { ...options().env, GODWIT_AUTH__MODE: 'off' } });
    const result = await open(apiGatewayV2Event({ method: 'GET', path: '/healthz' }));
    expect(result.statusCode).toBe(503);
    expect(JSON.parse(result.body).error.message).toContain('GODWIT_AUTH__MODE=required');
  });
});

describe('start-up failures', () => {
  it('answers 503 while a dependency is down and recovers on the next request', async () => {
    let attempts = 0;
    const handler = createApiHandler({
      ...options(),
      createServices: async () => {
        attempts += 1;
        if (attempts === 1) throw new Error('connect ECONNREFUSED 10.0.0.5:5432 password=hunter2');
        return services;
      },
    });
    const failed = await handler(apiEvent({ method: 'GET', path: '/healthz' }));
    expect(failed.statusCode).toBe(503);
    expect(JSON.parse(failed.body).error.code).toBe('dependency_unavailable');
    expect(failed.body).not.toContain('hunter2');
    const recovered = await handler(apiEvent({ method: 'GET', path: '/healthz' }));
    expect(recovered.statusCode).toBe(200);
    expect(attempts).toBe(2);
  });

  it('names the configuration key when the environment is invalid', async () => {
    const handler = createApiHandler({ ...options(), env: { GODWIT_PORT: 'eighty' } });
    const result = await handler(urlEvent({ method: 'GET', path: '/healthz' }));
    expect(result.statusCode).toBe(503);
    expect(JSON.parse(result.body).error.message).toContain('GODWIT_PORT');
  });

  it('shows a configuration error raised while building services', async () => {
    const handler = createApiHandler({
      ...options(),
      createServices: async () => {
        throw new ConfigError('cache.backend is "redis" but redis.url is not set: set GODWIT_REDIS_URL.');
      },
    });
    const result = await handler(apiEvent({ method: 'GET', path: '/readyz' }));
    expect(result.statusCode).toBe(503);
    expect(JSON.parse(result.body).error.message).toContain('GODWIT_REDIS_URL');
    expect(logs.some((line) => line.includes('Godwit failed to start'))).toBe(true);
  });
});

describe('events that are not requests', () => {
  const notRequests: Array<[string, unknown]> = [
    ['a null event', null],
    ['an event without requestContext', { rawPath: '/healthz', headers: {} }],
    ['an event without rawPath or path', { version: '2.0', requestContext: { http: { method: 'GET' } } }],
    ['a scheduled event', { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} }],
  ];

  it.each(notRequests)('answers %s with a 400 naming what is missing (buffered)', async (_name, event) => {
    const handler = createApiHandler(options());
    const result = await handler(event as Parameters<typeof handler>[0]);
    expect(result.statusCode).toBe(400);
    const error = JSON.parse(result.body).error;
    expect(error.code).toBe('invalid_event');
    expect(error.message).toMatch(/API Gateway .* or a Function URL/);
  });

  it.each(notRequests)('answers %s with a 400 prelude and JSON body (streamed)', async (_name, event) => {
    const response = await invokeStreaming(createStreamHandler(options()), event);
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toBe('application/json');
    expect(JSON.parse(response.body).error.code).toBe('invalid_event');
  });

  it('answers a body marked base64 that does not decode with 400 invalid_body, streamed and buffered', async () => {
    const event = {
      ...urlEvent({ method: 'POST', path: '/api/chat', headers: { 'content-type': 'application/json' } }),
      body: '{"message":"not base64"}',
      isBase64Encoded: true,
    };
    const streamed = await invokeStreaming(createStreamHandler(options()), event);
    expect(streamed.statusCode).toBe(400);
    expect(JSON.parse(streamed.body).error).toMatchObject({
      code: 'invalid_body',
      message: expect.stringContaining('not valid base64'),
    });
    const buffered = await createApiHandler(options())(event);
    expect(buffered.statusCode).toBe(400);
    expect(JSON.parse(buffered.body).error.code).toBe('invalid_body');
  });

  it('keeps serving after a refused event', async () => {
    const handler = createStreamHandler(options());
    await invokeStreaming(handler, null);
    const response = await invokeStreaming(handler, urlEvent({ method: 'GET', path: '/healthz' }));
    expect(response.statusCode).toBe(200);
  });
});
