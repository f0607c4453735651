import type { LanguageModelV4CallOptions, LanguageModelV4StreamPart } from '@ai-sdk/provider';
import { generateText, streamText } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { GodwitError, ProviderError } from '../../core/errors.ts';
import { createFallbackModel } from './fallback-model.ts';

const outage = () => new ProviderError('down', { isRetryable: true, details: { reason: 'server_error' } });
const rejected = () =>
  new ProviderError('bad request', { isRetryable: false, details: { reason: 'bad_request' } });

const usage = {
  inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: 1, text: 1, reasoning: 0 },
};

function answering(modelId: string, text: string) {
  return new MockLanguageModelV4({
    provider: 'mock',
    modelId,
    doGenerate: async () => ({
      content: [{ type: 'text', text }],
      finishReason: { unified: 'stop', raw: 'stop' },
      usage,
      warnings: [],
    }),
    doStream: async () => ({ stream: partsStream(textParts(text)) }),
  });
}

function failing(modelId: string, error: () => Error) {
  return new MockLanguageModelV4({
    provider: 'mock',
    modelId,
    doGenerate: async () => Promise.reject(error()),
    doStream: async () => Promise.reject(error()),
  });
}

function textParts(text: string): LanguageModelV4StreamPart[] {
  return [
    { type: 'stream-start', warnings: [] },
    { type: 'text-start', id: 't' },
    { type: 'text-delta', id: 't', delta: text },
    { type: 'text-end', id: 't' },
    { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage },
  ];
}

/** Emits the parts, then fails with `error` if given. */
function partsStream(
  parts: LanguageModelV4StreamPart[],
  error?: Error,
): ReadableStream<LanguageModelV4StreamPart> {
  const queue = [...parts];
  return new ReadableStream({
    pull(controller) {
      const next = queue.shift();
      if (next) controller.enqueue(next);
      else if (error) controller.error(error);
      else controller.close();
    },
  });
}

describe('createFallbackModel', () => {
  it('answers with the next model after a retryable failure and records which one answered', async () => {
    const events: string[] = [];
    const second = answering('second', 'from second');
    const model = createFallbackModel([failing('first', outage), second], {
      onFallback: ({ from, to }) => events.push(`${from} -> ${to}`),
    });
    const result = await generateText({ model, prompt: 'x', maxRetries: 0 });
    expect(result.text).toBe('from second');
    expect(result.providerMetadata?.godwit).toEqual({
      answeredBy: 'mock:second',
      failedModels: ['mock:first'],
    });
    expect(events).toEqual(['mock:first -> mock:second']);
  });

  it('does not fall back on a request the provider rejected', async () => {
    const second = answering('second', 'unused');
    const model = createFallbackModel([failing('first', rejected), second]);
    await expect(generateText({ model, prompt: 'x', maxRetries: 0 })).rejects.toThrow('bad request');
    expect(second.doGenerateCalls).toHaveLength(0);
  });

  it('names every model when all of them fail', async () => {
    const model = createFallbackModel([failing('first', outage), failing('second', outage)]);
    const error = await generateText({ model, prompt: 'x', maxRetries: 0 }).catch(
      (thrown: unknown) => thrown,
    );
    expect(GodwitError.isInstance(error) && error.message).toBe(
      'All 2 models in the fallback chain failed: mock:first (server_error), mock:second (server_error).',
    );
    expect(GodwitError.isInstance(error) && error.isRetryable).toBe(true);
  });

  it('falls back when a stream fails before its first token', async () => {
    const broken = new MockLanguageModelV4({
      provider: 'mock',
      modelId: 'first',
      doStream: async () => ({ stream: partsStream([{ type: 'stream-start', warnings: [] }], outage()) }),
    });
    const model = createFallbackModel([broken, answering('second', 'streamed by second')]);
    const result = streamText({ model, prompt: 'x', maxRetries: 0 });
    expect(await result.text).toBe('streamed by second');
    expect((await result.providerMetadata)?.godwit?.answeredBy).toBe('mock:second');
  });

  it('never restarts a stream that already produced text: the caller gets its error part', async () => {
    const second = answering('second', 'duplicate');
    const partial = new MockLanguageModelV4({
      provider: 'mock',
      modelId: 'first',
      doStream: async () => ({
        stream: partsStream([...textParts('partial ').slice(0, 3), { type: 'error', error: outage() }]),
      }),
    });
    const model = createFallbackModel([partial, second]);
    const result = streamText({ model, prompt: 'x', maxRetries: 0, onError: () => {} });
    const errors: unknown[] = [];
    for await (const part of result.fullStream) if (part.type === 'error') errors.push(part.error);
    expect(await result.text).toBe('partial ');
    expect(errors).toHaveLength(1);
    expect(await result.finishReason).toBe('error');
    expect(second.doStreamCalls).toHaveLength(0);
  });

  it('stops when the caller aborted', async () => {
    const controller = new AbortController();
    const first = new MockLanguageModelV4({
      provider: 'mock',
      modelId: 'first',
      doGenerate: async (options: LanguageModelV4CallOptions) => {
        controller.abort();
        throw options.abortSignal?.reason ?? outage();
      },
    });
    const second = answering('second', 'unused');
    const model = createFallbackModel([first, second]);
    await expect(model.doGenerate({ prompt: [], abortSignal: controller.signal })).rejects.toBeDefined();
    expect(second.doGenerateCalls).toHaveLength(0);
  });

  it('returns a single model unchanged and refuses an empty chain', () => {
    const only = answering('only', 'x');
    expect(createFallbackModel([only])).toBe(only);
    expect(() => createFallbackModel([])).toThrow(/at least one model/);
  });
});
