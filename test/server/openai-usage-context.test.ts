/**
 * What `/v1` calls carry into their usage rows and logs: the caller's tenant, API key and user on each
 * row, and a refused row logged with the request's id while the answer still goes out.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TENANT, DEFAULT_USER } from '../../src/core/types.ts';
import {
  CHAT_MODEL,
  EMBEDDING_MODEL,
  type Gateway,
  startGateway,
} from '../support/openai-gateway-harness.ts';

describe.each([
  { path: 'forwarded unchanged', forwarding: true },
  { path: 'through the AI SDK', forwarding: false },
])('usage context, chat $path', ({ forwarding }) => {
  let gateway: Gateway;
  let client: OpenAI;
  const logged: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    gateway = await startGateway({
      forwarding,
      app: { logger: (entry) => void logged.push(entry as Record<string, unknown>) },
    });
    client = new OpenAI({ apiKey: 'sk-godwit-local', baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it('records the call under the caller’s tenant and user, without an API key when none was used', async () => {
    gateway.emulator.script({ text: 'Recorded.' });
    const recorded = gateway.nextUsage((entry) => entry.operation === 'chat');
    await client.chat.completions.create({ model: CHAT_MODEL, messages: [{ role: 'user', content: 'Hi' }] });
    expect(await recorded).toMatchObject({
      tenantId: DEFAULT_TENANT,
      userId: DEFAULT_USER,
      apiKeyId: null,
      model: CHAT_MODEL,
      outcome: 'ok',
    });
  });

  it.each([
    { what: 'a completion', stream: false },
    { what: 'a stream', stream: true },
  ])(
    'answers $what when the ledger refuses its row, and logs the refusal with the request id',
    async ({ stream }) => {
      const usage = gateway.services.usage;
      const record = usage.record.bind(usage);
      usage.record = async () => {
        throw new Error('ledger down');
      };
      try {
        gateway.emulator.script(stream ? { chunks: ['Still ', 'answered.'] } : { text: 'Still answered.' });
        logged.length = 0;
        const response = await fetch(`${gateway.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-request-id': 'req-ledger-down' },
          body: JSON.stringify({ model: CHAT_MODEL, messages: [{ role: 'user', content: 'Hi' }], stream }),
        });
        expect(response.status).toBe(200);
        expect(await response.text()).toContain(stream ? 'answered.' : 'Still answered.');
        await expect
          .poll(() => logged.find((entry) => entry.message === 'usage ledger write failed'))
          .toMatchObject({ level: 'error', requestId: 'req-ledger-down' });
      } finally {
        usage.record = record;
      }
    },
  );

  it('records embeddings under the caller too', async () => {
    const recorded = gateway.nextUsage((entry) => entry.operation === 'embedding');
    await client.embeddings.create({ model: EMBEDDING_MODEL, input: 'hello' });
    expect(await recorded).toMatchObject({ tenantId: DEFAULT_TENANT, userId: DEFAULT_USER, apiKeyId: null });
  });
});
