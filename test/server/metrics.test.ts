/**
 * `GET /metrics` on a running Godwit: the Prometheus text format, and values that move with the traffic
 * (request durations by route and status, model latency, tokens, cost, errors by kind, circuit states,
 * cache hit ratio).
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/index.ts';
import {
  CHAT_MODEL,
  EMBEDDING_MODEL,
  type Gateway,
  startGateway,
} from '../support/openai-gateway-harness.ts';
import { createTestServices } from '../support/test-services.ts';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE_LINE =
  /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (-?[0-9.e+-]+|\+Inf|-Inf|NaN)$/;

function parseSamples(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = SAMPLE_LINE.exec(line);
      if (!match) throw new Error(`not a valid exposition line: ${line}`);
      const labels = Object.fromEntries(
        [...(match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((pair) => [
          pair[1]!,
          pair[2]!,
        ]),
      );
      return { name: match[1]!, labels, value: Number(match[3]) };
    });
}

/** The value of the one sample with this name whose labels include `labels`; 0 when absent. */
function sampleValue(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.filter(
    (sample) =>
      sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return found[0]?.value ?? 0;
}

let gateway: Gateway;
let client: OpenAI;

async function scrape(): Promise<{ text: string; samples: Sample[] }> {
  const response = await fetch(`${gateway.url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  const text = await response.text();
  return { text, samples: parseSamples(text) };
}

beforeAll(async () => {
  gateway = await startGateway();
  client = new OpenAI({ apiKey: 'sk-godwit-local', baseURL: `${gateway.url}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await gateway?.close();
});

describe('GET /metrics', () => {
  it('counts requests, model calls, tokens, cost and errors as they happen', async () => {
    const before = (await scrape()).samples;
    gateway.emulator.script({ text: 'Measured.', usage: { inputTokens: 20, outputTokens: 5 } });
    await client.chat.completions.create({ model: CHAT_MODEL, messages: [{ role: 'user', content: 'Hi' }] });
    await client.chat.completions
      .create({ model: 'google:gemini-2.0-flash', messages: [{ role: 'user', content: 'Hi' }] })
      .catch(() => {});
    await client.chat.completions
      .create({ model: 'kb:missing', messages: [{ role: 'user', content: 'Hi' }] })
      .catch(() => {});
    await client.embeddings.create({ model: EMBEDDING_MODEL, input: 'measure me' });
    await fetch(`${gateway.url}/api/no/such/path`);
    const after = (await scrape()).samples;

    const delta = (name: string, labels: Record<string, string>) =>
      sampleValue(after, name, labels) - sampleValue(before, name, labels);
    const chatRoute = { method: 'POST', route: '/v1/chat/completions' };
    expect(delta('godwit_http_request_duration_seconds_count', { ...chatRoute, status: '200' })).toBe(1);
    expect(delta('godwit_http_request_duration_seconds_count', { ...chatRoute, status: '404' })).toBe(2);
    expect(delta('godwit_http_request_duration_seconds_count', { route: 'unmatched', status: '404' })).toBe(
      1,
    );
    expect(
      sampleValue(after, 'godwit_http_request_duration_seconds_bucket', {
        ...chatRoute,
        status: '200',
        le: '+Inf',
      }),
    ).toBe(sampleValue(after, 'godwit_http_request_duration_seconds_count', { ...chatRoute, status: '200' }));

    const model = { provider: 'openai', model: CHAT_MODEL };
    expect(delta('godwit_model_tokens_total', { ...model, direction: 'input' })).toBe(20);
    expect(delta('godwit_model_tokens_total', { ...model, direction: 'output' })).toBe(5);
    expect(delta('godwit_model_cost_usd_total', model)).toBeCloseTo((20 * 0.4 + 5 * 1.6) / 1000, 12);
    expect(delta('godwit_model_calls_total', { ...model, operation: 'chat', outcome: 'ok' })).toBe(1);
    expect(
      delta('godwit_model_call_duration_seconds_count', { ...model, operation: 'chat', outcome: 'ok' }),
    ).toBe(1);
    // The embedding model has no price in this gateway: its calls are flagged, not counted as free.
    expect(delta('godwit_model_unpriced_calls_total', { provider: 'openai', model: EMBEDDING_MODEL })).toBe(
      1,
    );
    expect(delta('godwit_errors_total', { kind: 'not_found' })).toBe(3);
  });

  it('shows each circuit breaker state and counts model failures by outcome', async () => {
    gateway.emulator.script({ match: { dialect: 'openai' }, error: { status: 500 } });
    await client.chat.completions
      .create({ model: CHAT_MODEL, messages: [{ role: 'user', content: 'Hi' }] })
      .catch(() => {});
    const { samples } = await scrape();
    const breakers = samples.filter((sample) => sample.name === 'godwit_circuit_breaker_state');
    const chatBreaker = breakers.filter((sample) => sample.labels.model?.endsWith(':gpt-4.1-mini'));
    expect(chatBreaker.map((sample) => sample.labels.state).sort()).toEqual(['closed', 'half-open', 'open']);
    expect(chatBreaker.find((sample) => sample.labels.state === 'closed')?.value).toBe(1);
    expect(sampleValue(samples, 'godwit_model_calls_total', { model: CHAT_MODEL, outcome: 'error' })).toBe(1);
    expect(sampleValue(samples, 'godwit_errors_total', { kind: 'provider_unavailable' })).toBe(1);
  });

  it('reports the cache hit ratio when the services expose cache counts', async () => {
    gateway.cacheCounts.hits = 3;
    gateway.cacheCounts.misses = 1;
    const { samples } = await scrape();
    expect(sampleValue(samples, 'godwit_cache_hits_total', { cache: 'embedding' })).toBe(3);
    expect(sampleValue(samples, 'godwit_cache_misses_total', { cache: 'embedding' })).toBe(1);
    expect(sampleValue(samples, 'godwit_cache_hit_ratio', { cache: 'embedding' })).toBe(0.75);
  });

  it('leaves out cache and circuit metrics when the services have neither', async () => {
    const services = await createTestServices();
    try {
      const app = createApp({ services, options: { logger: () => {} } });
      await app.request('/healthz');
      const text = await (await app.request('/metrics')).text();
      expect(
        sampleValue(parseSamples(text), 'godwit_http_request_duration_seconds_count', { route: '/healthz' }),
      ).toBe(1);
      expect(text).not.toContain('godwit_cache_');
      expect(text).not.toContain('godwit_circuit_breaker_state');
    } finally {
      await services.close();
    }
  });
});
