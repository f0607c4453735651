import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { GodwitError } from '../../core/errors.ts';
import type { AppEnv } from '../app-env.ts';
import { jsonBody } from './body-limits.ts';

function app() {
  const hono = new Hono<AppEnv>();
  hono.onError((error, c) =>
    c.json(
      { code: GodwitError.isInstance(error) ? error.code : 'internal' },
      GodwitError.isInstance(error) ? 400 : 500,
    ),
  );
  hono.post('/echo', jsonBody(1024), async (c) => {
    const first = await c.req.json();
    const second = await c.req.json();
    return c.json({ body: first, sameValue: first === second });
  });
  return hono;
}

const post = (body: string, contentType = 'application/json') =>
  app().request('/echo', { method: 'POST', headers: { 'content-type': contentType }, body });

describe('jsonBody', () => {
  it('parses the body once: every later c.req.json() of the request gets that value', async () => {
    const response = await post('{"model":"openai:gpt-4.1-mini","messages":[{"role":"user","content":"é"}]}');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      body: { model: 'openai:gpt-4.1-mini', messages: [{ role: 'user', content: 'é' }] },
      sameValue: true,
    });
  });

  it('still refuses a body that is not JSON, and a body that is not declared as JSON', async () => {
    expect((await post('{"model":')).status).toBe(400);
    const wrongType = await post('{}', 'text/plain');
    expect(await wrongType.json()).toEqual({ code: 'unsupported_media_type' });
  });
});
