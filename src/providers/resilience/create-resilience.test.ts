import type { LanguageModelV4StreamPart } from '@ai-sdk/provider';
import { streamText } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../core/errors.ts';
import { createResilience } from './create-resilience.ts';

const usage = {
  inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: 1, text: 1, reasoning: 0 },
};

function stream(parts: LanguageModelV4StreamPart[]) {
  return new ReadableStream<LanguageModelV4StreamPart>({
    start(controller) {
      for (const part of parts) controller.enqueue(part);
      controller.close();
    },
  });
}

const brokenStart: LanguageModelV4StreamPart[] = [
  { type: 'stream-start', warnings: [] },
  {
    type: 'error',
    error: new ProviderError('garbled', { isRetryable: true, details: { reason: 'malformed_response' } }),
  },
];
const answer: LanguageModelV4StreamPart[] = [
  { type: 'text-start', id: 't' },
  { type: 'text-delta', id: 't', delta: 'ok' },
  { type: 'text-end', id: 't' },
  { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage },
];

describe('createResilience', () => {
  it('retries a stream that failed before its first token, and counts the failure for the breaker', async () => {
    const sleeps: number[] = [];
    const resilience = createResilience({
      sleep: async (ms) => void sleeps.push(ms),
      random: () => 0,
      circuitBreaker: { failureThreshold: 2 },
    });
    const inner = new MockLanguageModelV4({
      provider: 'openai',
      modelId: 'gpt-4.1-mini',
      doStream: [{ stream: stream(brokenStart) }, { stream: stream(answer) }],
    });
    const result = streamText({ model: resilience.languageModel(inner), prompt: 'x', maxRetries: 0 });
    expect(await result.text).toBe('ok');
    expect(sleeps).toEqual([250]);
    expect(inner.doStreamCalls).toHaveLength(2);
    expect(resilience.breakers?.states()).toEqual({ 'openai:gpt-4.1-mini': 'closed' });
  });

  it('opens the breaker after stream attempts that keep failing before their first token', async () => {
    const resilience = createResilience({
      retry: { maxRetries: 1 },
      sleep: async () => {},
      circuitBreaker: { failureThreshold: 2 },
    });
    const inner = new MockLanguageModelV4({
      provider: 'openai',
      modelId: 'gpt-4.1-mini',
      doStream: [{ stream: stream(brokenStart) }, { stream: stream(brokenStart) }],
    });
    const result = streamText({
      model: resilience.languageModel(inner),
      prompt: 'x',
      maxRetries: 0,
      onError: () => {},
    });
    const errors: unknown[] = [];
    for await (const part of result.fullStream) if (part.type === 'error') errors.push(part.error);
    expect(errors.map((error) => (error as ProviderError).message)).toEqual(['garbled']);
    expect(inner.doStreamCalls).toHaveLength(2);
    expect(resilience.breakers?.states()).toEqual({ 'openai:gpt-4.1-mini': 'open' });
  });

  it('limits each provider separately', () => {
    const resilience = createResilience({ limits: { bedrock: { requestsPerSecond: 0.8 } } });
    expect(resilience.limiter('bedrock')).toBe(resilience.limiter('bedrock'));
    expect(resilience.limiter('openai')).toBeUndefined();
  });
});
