/**
 * The fallback chain behind `/v1/chat/completions`: a provider failure before the answer starts hands
 * the call to the next model, for forwarded and AI SDK calls alike, and the usage row names and prices
 * the model that answered.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHAT_MODEL,
  FALLBACK_CHAT_MODEL,
  type Gateway,
  startGateway,
} from '../support/openai-gateway-harness.ts';

describe.each([
  { path: 'forwarded unchanged', forwarding: true },
  { path: 'through the AI SDK', forwarding: false },
])('fallback, chat $path', ({ forwarding }) => {
  let gateway: Gateway;
  let client: OpenAI;

  beforeAll(async () => {
    gateway = await startGateway({ forwarding, fallbackModels: [FALLBACK_CHAT_MODEL] });
    client = new OpenAI({ apiKey: 'sk-godwit-local', baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it('answers from the fallback model when the requested one fails, and records the fallback', async () => {
    gateway.emulator.script(
      { match: { dialect: 'openai', model: 'gpt-4.1-mini' }, error: { status: 503 } },
      { match: { dialect: 'openai', model: 'gpt-4o-mini' }, text: 'Answered by the fallback.' },
    );
    const recorded = gateway.nextUsage((entry) => entry.operation === 'chat');
    const completion = await client.chat.completions.create({
      model: CHAT_MODEL,
      messages: [{ role: 'user', content: 'Hello?' }],
    });
    expect(completion.choices[0]?.message.content).toBe('Answered by the fallback.');
    expect(gateway.emulator.requests.slice(-2).map((request) => request.model)).toEqual([
      'gpt-4.1-mini',
      'gpt-4o-mini',
    ]);
    const entry = await recorded;
    expect(entry).toMatchObject({ model: FALLBACK_CHAT_MODEL, outcome: 'ok' });
    expect(entry.costUsd).toBeCloseTo((entry.inputTokens * 0.1 + entry.outputTokens * 0.4) / 1000, 12);
  });

  it('streams from the fallback model when the requested one fails before its first token', async () => {
    gateway.emulator.script(
      { match: { dialect: 'openai', model: 'gpt-4.1-mini' }, error: { status: 500 } },
      { match: { dialect: 'openai', model: 'gpt-4o-mini' }, chunks: ['Streamed ', 'by the fallback.'] },
    );
    const recorded = gateway.nextUsage((entry) => entry.operation === 'chat');
    const stream = await client.chat.completions.create({
      model: CHAT_MODEL,
      messages: [{ role: 'user', content: 'Hello?' }],
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('Streamed by the fallback.');
    expect(await recorded).toMatchObject({ model: FALLBACK_CHAT_MODEL, outcome: 'ok' });
  });

  it('does not fall back from a request the provider refuses (HTTP 400)', async () => {
    gateway.emulator.script({ match: { dialect: 'openai', model: 'gpt-4.1-mini' }, error: { status: 400 } });
    const before = gateway.emulator.requests.length;
    await expect(
      client.chat.completions.create({ model: CHAT_MODEL, messages: [{ role: 'user', content: 'Hello?' }] }),
    ).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    expect(gateway.emulator.requests.length - before).toBe(1);
  });
});
