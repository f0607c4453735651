/**
 * Faults and bad input on the OpenAI-compatible API: every error arrives in OpenAI's shape with the
 * right status, so the official client raises its usual exception types; a client that disconnects
 * mid-stream aborts the provider call and the ledger records it as cancelled.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  CHAT_MODEL,
  CHAT_PATHS,
  type Gateway,
  openAIClient,
  startGateway,
} from '../support/openai-gateway-harness.ts';

describe.each(CHAT_PATHS)('chat $path', ({ forwarding }) => {
  let gateway: Gateway;
  let client: OpenAI;

  beforeAll(async () => {
    gateway = await startGateway({ forwarding });
    client = openAIClient(gateway);
  });

  afterAll(async () => {
    await gateway?.close();
  });

  type ErrorBody = { error: { message: string; type: string; param: string | null; code: string | null } };

  function post(path: string, body: string) {
    return fetch(`${gateway.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
  }

  function failure(promise: Promise<unknown>): Promise<unknown> {
    return promise.then(
      () => {
        throw new Error('expected the request to fail');
      },
      (error: unknown) => error,
    );
  }

  describe('bad input', () => {
    it('answers an unknown model with 404 model_not_found and lists what is available', async () => {
      const error = await failure(
        client.chat.completions.create({
          model: 'bedrock:anthropic.claude-3-5-haiku-20241022-v1:0',
          messages: [{ role: 'user', content: 'Hi' }],
        }),
      );
      expect(error).toBeInstanceOf(OpenAI.NotFoundError);
      expect(error).toMatchObject({
        status: 404,
        code: 'model_not_found',
        type: 'invalid_request_error',
        param: 'model',
      });
      expect((error as Error).message).toContain(CHAT_MODEL);
      for (const model of ['kb:no-such-base', 'local:nope', 'gpt-4o']) {
        const other = await failure(
          client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Hi' }] }),
        );
        expect(other).toMatchObject({ status: 404, code: 'model_not_found' });
      }
      expect(gateway.emulator.requests).toHaveLength(0);
    });

    it('answers malformed JSON with 400 invalid_request_error', async () => {
      const response = await post('/v1/chat/completions', '{"model": "openai:gpt-4.1-mini", "messages": [');
      expect(response.status).toBe(400);
      const body = (await response.json()) as ErrorBody;
      expect(body.error).toMatchObject({ type: 'invalid_request_error', param: null });
      expect(body.error.message).toContain('not valid JSON');
    });

    it('names a missing messages field as the param', async () => {
      const error = await failure(client.chat.completions.create({ model: CHAT_MODEL } as never));
      expect(error).toBeInstanceOf(OpenAI.BadRequestError);
      expect(error).toMatchObject({ status: 400, param: 'messages', code: 'missing_required_parameter' });
      expect((error as Error).message).toContain('messages: is required');
    });

    it('names the first invalid field', async () => {
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ messages: 'Hello' }, 'messages'],
        [{ messages: [{ role: 'robot', content: 'Hi' }] }, 'messages[0].role'],
        [{ messages: [{ role: 'user', content: 'Hi' }], temperature: 7 }, 'temperature'],
        [{ messages: [{ role: 'user', content: 'Hi' }], n: 2 }, 'n'],
        [{ messages: [{ role: 'tool', tool_call_id: 'call_x', content: '{}' }] }, 'messages[0].tool_call_id'],
        // Forwarded requests reach a provider that implements response_format itself.
        ...(forwarding
          ? []
          : ([
              [
                { messages: [{ role: 'user', content: 'Hi' }], response_format: { type: 'json_object' } },
                'response_format',
              ],
            ] as Array<[Record<string, unknown>, string]>)),
      ];
      for (const [fields, param] of cases) {
        const response = await post('/v1/chat/completions', JSON.stringify({ model: CHAT_MODEL, ...fields }));
        expect(response.status, param).toBe(400);
        const body = (await response.json()) as ErrorBody;
        expect(body.error.param, JSON.stringify(fields)).toBe(param);
        expect(body.error.type).toBe('invalid_request_error');
      }
    });

    it('answers an unknown /v1 route in the same shape', async () => {
      const response = await fetch(`${gateway.url}/v1/completions/legacy`);
      expect(response.status).toBe(404);
      expect(((await response.json()) as ErrorBody).error.type).toBe('invalid_request_error');
    });
  });

  describe('provider faults', () => {
    it('passes a provider 429 on as a RateLimitError with Retry-After', async () => {
      gateway.emulator.script({ match: { dialect: 'openai' }, error: { status: 429, retryAfter: 7 } });
      const error = await failure(
        client.chat.completions.create({ model: CHAT_MODEL, messages: [{ role: 'user', content: 'Hi' }] }),
      );
      expect(error).toBeInstanceOf(OpenAI.RateLimitError);
      expect((error as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after')).toBe('7');
      expect(gateway.usageRows.at(-1)).toMatchObject({ model: CHAT_MODEL, outcome: 'error' });
    });

    it('answers a provider failure before the first token with a plain 503, even when streaming', async () => {
      gateway.emulator.script({
        match: { dialect: 'openai' },
        error: { status: 500, message: 'upstream secret detail' },
      });
      const error = await failure(
        client.chat.completions.create({
          model: CHAT_MODEL,
          messages: [{ role: 'user', content: 'Hi' }],
          stream: true,
        }),
      );
      expect(error).toBeInstanceOf(OpenAI.InternalServerError);
      // A retryable upstream failure that outlived retries and fallbacks: the model is unavailable for now.
      expect(error).toMatchObject({ status: 503, type: 'server_error', code: 'server_error' });
      expect((error as Error).message).not.toContain('secret');
    });

    it('ends a stream cut mid-way with an error event the client raises', async () => {
      gateway.emulator.script({ chunks: ['One ', 'two ', 'three'], cutAfterChunks: 1 });
      const stream = await client.chat.completions.create({
        model: CHAT_MODEL,
        messages: [{ role: 'user', content: 'Count' }],
        stream: true,
      });
      const received: string[] = [];
      const error = await failure(
        (async () => {
          for await (const chunk of stream) received.push(chunk.choices[0]?.delta.content ?? '');
        })(),
      );
      expect(error).toBeInstanceOf(OpenAI.APIError);
      expect(received.join('')).toBe('One ');
      expect(gateway.usageRows.at(-1)).toMatchObject({ model: CHAT_MODEL, outcome: 'error' });
    });
  });

  describe('client disconnect', () => {
    it('aborts the provider call when the client goes away mid-stream and records it as cancelled', async () => {
      gateway.emulator.script({ chunks: ['First ', 'second ', 'third ', 'fourth'], chunkDelayMs: 2_000 });
      const cancelled = gateway.nextUsage((entry) => entry.outcome === 'cancelled');
      const client = new AbortController();
      const response = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: CHAT_MODEL,
          messages: [{ role: 'user', content: 'Long story' }],
          stream: true,
        }),
        signal: client.signal,
      });
      expect(response.headers.get('content-type')).toContain('text/event-stream');
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      let text = '';
      while (!text.includes('First ')) {
        const { done, value } = await reader.read();
        if (done) throw new Error(`stream ended early: ${text}`);
        text += decoder.decode(value, { stream: true });
      }
      client.abort();
      const entry = await cancelled;
      expect(entry).toMatchObject({ model: CHAT_MODEL, operation: 'chat' });
      const upstream = gateway.emulator.requests.at(-1)!;
      await vi.waitFor(() => expect(upstream.outcome).toBe('closed-early'));
      expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
    });
  });
});
