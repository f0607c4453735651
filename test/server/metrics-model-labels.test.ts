/**
 * Model names come from requests: `/metrics` keeps a series per model the server knows and counts every
 * other name under `<provider>:other`, so callers cannot grow the series without limit.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHAT_MODEL, type Gateway, startGateway } from '../support/openai-gateway-harness.ts';

let gateway: Gateway;
let client: OpenAI;

beforeAll(async () => {
  gateway = await startGateway();
  client = new OpenAI({ apiKey: 'sk-godwit-local', baseURL: `${gateway.url}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await gateway?.close();
});

const modelLabels = (text: string) =>
  new Set([...text.matchAll(/^godwit_[a-z_]+\{[^}]*model="([^"]*)"/gm)].map((match) => match[1]));

describe('GET /metrics model labels', () => {
  it('counts requests for unknown model names under one grouped label', async () => {
    gateway.emulator.script({ text: 'Known.' });
    await client.chat.completions.create({ model: CHAT_MODEL, messages: [{ role: 'user', content: 'Hi' }] });
    for (let index = 0; index < 12; index++) {
      await client.chat.completions
        .create({ model: `openai:made-up-${index}`, messages: [{ role: 'user', content: 'Hi' }] })
        .catch(() => {});
    }
    const text = await (await fetch(`${gateway.url}/metrics`)).text();
    const labels = modelLabels(text);
    expect(labels.has(CHAT_MODEL)).toBe(true);
    expect([...labels].filter((label) => label?.includes('made-up'))).toEqual([]);
    const grouped = text.match(
      /^godwit_model_calls_total\{provider="openai",model="openai:other",operation="chat",outcome="error"\} (\d+)$/m,
    );
    expect(Number(grouped?.[1])).toBe(12);
  });
});
