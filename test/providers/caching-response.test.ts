/** The exact response cache middleware, through the AI SDK, on the memory cache and on the real Redis. */
import { randomUUID } from 'node:crypto';
import type {
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4GenerateResult,
  LanguageModelV4StreamPart,
} from '@ai-sdk/provider';
import { generateText, streamText, wrapLanguageModel } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import type { Cache } from '../../src/core/ports.ts';
import {
  createResponseCacheMiddleware,
  type ResponseCacheOptions,
} from '../../src/providers/caching/index.ts';
import { MemoryCache } from '../../src/storage/memory/index.ts';
import { RedisCache } from '../../src/storage/redis/index.ts';
import { describeWithService, redisUrl } from '../support/services.ts';

const usage = {
  inputTokens: { total: 12, noCache: 12, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: 4, text: 4, reasoning: 0 },
};

const answeredAt = new Date('2026-03-01T10:00:00Z');

function generated(
  text: string,
  unified: 'stop' | 'error' | 'other' = 'stop',
): LanguageModelV4GenerateResult {
  return {
    content: [{ type: 'text', text }],
    finishReason: { unified, raw: unified },
    usage,
    warnings: [],
    response: { id: 'resp-1', modelId: 'served-model', timestamp: answeredAt },
  };
}

function answerParts(text: string): LanguageModelV4StreamPart[] {
  return [
    { type: 'stream-start', warnings: [] },
    { type: 'response-metadata', id: 'resp-1', modelId: 'served-model', timestamp: answeredAt },
    { type: 'text-start', id: 't' },
    ...text.split(' ').map(
      (word, index): LanguageModelV4StreamPart => ({
        type: 'text-delta',
        id: 't',
        delta: index === 0 ? word : ` ${word}`,
      }),
    ),
    { type: 'text-end', id: 't' },
    { type: 'tool-call', toolCallId: 'call-1', toolName: 'lookup', input: '{"q":"hours"}' },
    { type: 'finish', finishReason: { unified: 'tool-calls', raw: 'tool_use' }, usage },
  ];
}

/** Emits the parts, then fails with `error` if given. */
function partsStream(parts: LanguageModelV4StreamPart[], error?: Error) {
  const queue = [...parts];
  return new ReadableStream<LanguageModelV4StreamPart>({
    pull(controller) {
      const next = queue.shift();
      if (next) controller.enqueue(next);
      else if (error) controller.error(error);
      else controller.close();
    },
  });
}

/** A mock model answering with `text`, counting its calls. */
function answering(text: string, modelId = 'small') {
  return new MockLanguageModelV4({
    provider: 'mock',
    modelId,
    doGenerate: async () => generated(text),
    doStream: async () => ({ stream: partsStream(answerParts(text)) }),
  });
}

function cached(model: LanguageModelV4, options: Partial<ResponseCacheOptions> & { cache: Cache }) {
  const middleware = createResponseCacheMiddleware({ ttlSeconds: 300, ...options });
  return { model: wrapLanguageModel({ model, middleware }), counters: middleware.counters };
}

async function readAll(stream: ReadableStream<LanguageModelV4StreamPart>) {
  const parts: LanguageModelV4StreamPart[] = [];
  const reader = stream.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return { parts };
      parts.push(value);
    }
  } catch (error) {
    return { parts, error };
  }
}

const call = (
  prompt: string,
  more: Partial<LanguageModelV4CallOptions> = {},
): LanguageModelV4CallOptions => ({
  prompt: [{ role: 'user', content: [{ type: 'text', text: prompt }] }],
  temperature: 0,
  ...more,
});

function describeResponseCache(
  name: string,
  openCache: () => Promise<{ cache: Cache; close(): Promise<void> }>,
) {
  describe(`response cache on ${name}`, () => {
    it('answers a repeated deterministic generate call from the cache', async () => {
      const { cache, close } = await openCache();
      try {
        const source = answering('Opening hours are 9 to 5.');
        const { model, counters } = cached(source, { cache });
        const first = await generateText({ model, prompt: 'When are you open?', temperature: 0 });
        const second = await generateText({ model, prompt: 'When are you open?', temperature: 0 });

        expect(source.doGenerateCalls).toHaveLength(1);
        expect(second.text).toBe(first.text);
        expect(first.usage.inputTokens).toBe(12);
        expect(second.usage.inputTokens).toBe(0);
        expect(second.providerMetadata?.godwit).toMatchObject({
          cache: { hit: true, originalInputTokens: 12, originalOutputTokens: 4 },
        });
        expect(second.response.timestamp).toEqual(answeredAt);
        expect(counters.snapshot()).toMatchObject({ hits: 1, misses: 1, stores: 1, bypasses: 0 });
      } finally {
        await close();
      }
    });

    it('replays a cached stream part by part, tool calls included', async () => {
      const { cache, close } = await openCache();
      try {
        const source = answering('Let me look that up.');
        const { model, counters } = cached(source, { cache });
        const run = async () => {
          const result = streamText({ model, prompt: 'Hours?', temperature: 0 });
          const chunks: string[] = [];
          for await (const chunk of result.textStream) chunks.push(chunk);
          return { chunks, toolCalls: await result.toolCalls, usage: await result.usage };
        };
        const first = await run();
        const second = await run();

        expect(source.doStreamCalls).toHaveLength(1);
        expect(second.chunks).toEqual(first.chunks);
        expect(second.chunks.length).toBeGreaterThan(1);
        expect(second.toolCalls.map((toolCall) => [toolCall.toolName, toolCall.input])).toEqual([
          ['lookup', { q: 'hours' }],
        ]);
        expect(second.usage.outputTokens).toBe(0);
        expect(counters.snapshot()).toMatchObject({ hits: 1, misses: 1, stores: 1 });
      } finally {
        await close();
      }
    });
  });
}

describeResponseCache('memory', async () => ({ cache: new MemoryCache(), close: async () => {} }));

const describeWithRedis = await describeWithService('redis');
describeWithRedis('response cache on Redis', () => {
  describeResponseCache('redis', async () => {
    const cache = new RedisCache({ url: redisUrl(), keyPrefix: `godwit-test:${randomUUID()}:` });
    return { cache, close: () => cache.close() };
  });
});

describe('what the response cache keys on', () => {
  it('keeps different prompts, settings and models apart', async () => {
    const cache = new MemoryCache();
    const small = answering('small answer', 'small');
    const large = answering('large answer', 'large');
    const cachedSmall = cached(small, { cache }).model;
    const cachedLarge = cached(large, { cache }).model;

    await cachedSmall.doGenerate(call('a'));
    await cachedSmall.doGenerate(call('b'));
    await cachedSmall.doGenerate(call('a', { maxOutputTokens: 50 }));
    await cachedSmall.doGenerate(call('a', { headers: { 'x-request-id': '1' } }));
    const fromLarge = await cachedLarge.doGenerate(call('a'));

    expect(small.doGenerateCalls).toHaveLength(3);
    expect(large.doGenerateCalls).toHaveLength(1);
    expect(fromLarge.content).toEqual([{ type: 'text', text: 'large answer' }]);
  });

  it('does not cache sampled calls, nor unset temperature unless asked to', async () => {
    const cache = new MemoryCache();
    const source = answering('varied');
    const { model, counters } = cached(source, { cache });
    await model.doGenerate(call('q', { temperature: 0.7 }));
    await model.doGenerate(call('q', { temperature: 0.7 }));
    await model.doGenerate(call('q', { temperature: undefined }));
    await model.doGenerate(call('q', { temperature: undefined }));
    expect(source.doGenerateCalls).toHaveLength(4);
    expect(counters.snapshot()).toMatchObject({ hits: 0, misses: 0, bypasses: 4 });

    const opted = cached(source, { cache, cacheUnsetTemperature: true }).model;
    await opted.doGenerate(call('q', { temperature: undefined }));
    await opted.doGenerate(call('q', { temperature: undefined }));
    expect(source.doGenerateCalls).toHaveLength(5);
  });

  it('honours a per-call opt-out and opt-in', async () => {
    const cache = new MemoryCache();
    const source = answering('answer');
    const { model } = cached(source, { cache });
    const optOut = { providerOptions: { godwit: { cache: false } } };
    await model.doGenerate(call('q', optOut));
    await model.doGenerate(call('q', optOut));
    const optIn = { temperature: 1, providerOptions: { godwit: { cache: true } } };
    await model.doGenerate(call('q', optIn));
    await model.doGenerate(call('q', optIn));
    expect(source.doGenerateCalls).toHaveLength(3);
    // Our own option is not passed on as part of the identity: opt-in and opt-out share nothing else.
    expect(source.doGenerateCalls[2]?.providerOptions).toEqual({ godwit: { cache: true } });
  });

  it('forgets an answer after its TTL', async () => {
    let now = Date.UTC(2026, 0, 1);
    const cache = new MemoryCache({ now: () => now });
    const source = answering('answer');
    const { model } = cached(source, { cache, ttlSeconds: 60 });
    await model.doGenerate(call('q'));
    now += 59_000;
    await model.doGenerate(call('q'));
    now += 2000;
    await model.doGenerate(call('q'));
    expect(source.doGenerateCalls).toHaveLength(2);
  });

  it('can replay the original usage instead of zero', async () => {
    const { model } = cached(answering('answer'), { cache: new MemoryCache(), replayUsage: 'original' });
    await model.doGenerate(call('q'));
    const hit = await model.doGenerate(call('q'));
    expect(hit.usage.inputTokens.total).toBe(12);
  });

  it('requires a positive TTL', () => {
    expect(() => createResponseCacheMiddleware({ cache: new MemoryCache(), ttlSeconds: 0 })).toThrow(
      /ttlSeconds/,
    );
  });
});

describe('what the response cache never stores', () => {
  it('errors: a failed call is tried again next time', async () => {
    let calls = 0;
    const source = new MockLanguageModelV4({
      doGenerate: async () => {
        calls++;
        if (calls === 1) throw new Error('provider down');
        return generated('recovered');
      },
    });
    const { model, counters } = cached(source, { cache: new MemoryCache() });
    await expect(model.doGenerate(call('q'))).rejects.toThrow('provider down');
    expect((await model.doGenerate(call('q'))).content).toEqual([{ type: 'text', text: 'recovered' }]);
    await model.doGenerate(call('q'));
    expect(calls).toBe(2);
    expect(counters.snapshot()).toMatchObject({ hits: 1, misses: 2, stores: 1 });
  });

  it('answers that did not finish cleanly', async () => {
    for (const unified of ['error', 'other'] as const) {
      const source = new MockLanguageModelV4({ doGenerate: async () => generated('partial', unified) });
      const { model } = cached(source, { cache: new MemoryCache() });
      await model.doGenerate(call('q'));
      await model.doGenerate(call('q'));
      expect(source.doGenerateCalls, unified).toHaveLength(2);
    }
  });

  it('a stream with an error part, a stream cut mid-way, or one without a finish', async () => {
    const text = answerParts('some words here');
    const broken = [
      () => partsStream([...text.slice(0, 4), { type: 'error', error: new Error('overloaded') }]),
      () => partsStream(text.slice(0, 4), new Error('socket hang up')),
      () => partsStream(text.slice(0, -1)),
    ];
    for (const [index, stream] of broken.entries()) {
      const source = new MockLanguageModelV4({ doStream: async () => ({ stream: stream() }) });
      const { model, counters } = cached(source, { cache: new MemoryCache() });
      await readAll((await model.doStream(call('q'))).stream);
      await readAll((await model.doStream(call('q'))).stream);
      expect(source.doStreamCalls, `case ${index}`).toHaveLength(2);
      expect(counters.snapshot().stores, `case ${index}`).toBe(0);
    }
  });

  it('a stream the caller cancelled before the end', async () => {
    const source = answering('one two three four');
    const { model } = cached(source, { cache: new MemoryCache() });
    const reader = (await model.doStream(call('q'))).stream.getReader();
    await reader.read();
    await reader.read();
    await reader.cancel('client went away');
    await readAll((await model.doStream(call('q'))).stream);
    expect(source.doStreamCalls).toHaveLength(2);
  });

  it('passes the stream error through to the caller', async () => {
    const source = new MockLanguageModelV4({
      doStream: async () => ({ stream: partsStream(answerParts('a b').slice(0, 3), new Error('cut')) }),
    });
    const { model } = cached(source, { cache: new MemoryCache() });
    const { error, parts } = await readAll((await model.doStream(call('q'))).stream);
    expect((error as Error).message).toBe('cut');
    expect(parts).toHaveLength(3);
  });
});

describe('a failing cache backend', () => {
  it('never fails the call; it counts errors and asks the model', async () => {
    const down: Cache = {
      get: async () => {
        throw new Error('ECONNREFUSED');
      },
      set: async () => {
        throw new Error('ECONNREFUSED');
      },
      delete: async () => {},
    };
    const source = answering('still answered');
    const { model, counters } = cached(source, { cache: down });
    const result = await generateText({ model, prompt: 'q', temperature: 0 });
    const streamed = await readAll((await model.doStream(call('q'))).stream);
    expect(result.text).toBe('still answered');
    expect(streamed.error).toBeUndefined();
    expect(counters.snapshot()).toMatchObject({ hits: 0, misses: 2, stores: 0, errors: 4 });
  });

  it('treats an unreadable entry as a miss and replaces it', async () => {
    const memory = new MemoryCache();
    const keys: string[] = [];
    const recording: Cache = {
      get: (key) => memory.get(key),
      set: async (key, value, ttl) => {
        keys.push(key);
        await memory.set(key, value, ttl);
      },
      delete: (key) => memory.delete(key),
    };
    const source = answering('answer');
    const { model, counters } = cached(source, { cache: recording });
    await model.doGenerate(call('q'));
    await memory.set(keys[0]!, '{not json');
    await model.doGenerate(call('q'));
    await model.doGenerate(call('q'));
    expect(source.doGenerateCalls).toHaveLength(2);
    expect(counters.snapshot()).toMatchObject({ hits: 1, misses: 2, errors: 1 });
  });
});
