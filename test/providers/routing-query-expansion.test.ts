/** Query expansion: paraphrases from a language model, robust parsing, fallback, and the cache. */
import type { LanguageModelV4GenerateResult } from '@ai-sdk/provider';
import { MockLanguageModelV4 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import type { Cache } from '../../src/core/ports.ts';
import { createQueryExpander, parseVariants } from '../../src/providers/routing/index.ts';
import { MemoryCache } from '../../src/storage/memory/index.ts';

const usage = {
  inputTokens: { total: 40, noCache: 40, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: 18, text: 18, reasoning: 0 },
};

function replying(text: string): LanguageModelV4GenerateResult {
  return {
    content: [{ type: 'text', text }],
    finishReason: { unified: 'stop', raw: 'stop' },
    usage,
    warnings: [],
  };
}

function model(reply: string | (() => Promise<LanguageModelV4GenerateResult>)) {
  return new MockLanguageModelV4({
    provider: 'bedrock',
    modelId: 'amazon.nova-micro-v1:0',
    doGenerate: typeof reply === 'string' ? async () => replying(reply) : reply,
  });
}

describe('createQueryExpander', () => {
  it('returns the original query first, then the paraphrases, with the usage spent', async () => {
    const source = model(
      'paid time off carryover policy\nrolling over unused vacation days\nPTO rollover limits',
    );
    const expander = createQueryExpander({ model: source, maxVariants: 3 });
    const expansion = await expander.expand('PTO carryover rules');
    expect(expansion).toEqual({
      queries: [
        'PTO carryover rules',
        'paid time off carryover policy',
        'rolling over unused vacation days',
        'PTO rollover limits',
      ],
      source: 'model',
      usage: expect.objectContaining({ inputTokens: 40, outputTokens: 18 }),
    });
    const call = source.doGenerateCalls[0]!;
    expect(call.temperature).toBe(0);
    expect(call.prompt[0]).toMatchObject({
      role: 'system',
      content: expect.stringContaining('exactly 3 lines'),
    });
    expect(call.prompt[1]).toMatchObject({
      role: 'user',
      content: [{ type: 'text', text: 'PTO carryover rules' }],
    });
  });

  it('keeps at most maxVariants paraphrases', async () => {
    const expander = createQueryExpander({ model: model('a one\nb two\nc three\nd four'), maxVariants: 2 });
    expect((await expander.expand('query')).queries).toEqual(['query', 'a one', 'b two']);
  });

  it('caches by model and query, and asks again for another model', async () => {
    const cache = new MemoryCache();
    const nova = model('first paraphrase\nsecond paraphrase');
    const other = new MockLanguageModelV4({
      provider: 'openai',
      modelId: 'gpt-4.1-nano',
      doGenerate: async () => replying('other phrasing'),
    });
    const expander = createQueryExpander({ model: nova, cache, maxVariants: 2 });

    const first = await expander.expand('reset my password');
    const second = await expander.expand('  reset   my password ');
    const otherModel = await createQueryExpander({ model: other, cache }).expand('reset my password');

    expect(nova.doGenerateCalls).toHaveLength(1);
    expect(second.source).toBe('cache');
    expect(second.usage).toBeNull();
    expect(second.queries.slice(1)).toEqual(first.queries.slice(1));
    expect(otherModel.queries).toEqual(['reset my password', 'other phrasing']);
    expect(expander.counters.snapshot()).toMatchObject({ hits: 1, misses: 1, stores: 1 });
  });

  it('falls back to the original query when the model fails, and does not cache that', async () => {
    let calls = 0;
    const flaky = model(async () => {
      calls++;
      if (calls === 1) throw new Error('throttled');
      return replying('recovered phrasing');
    });
    const errors: unknown[] = [];
    const expander = createQueryExpander({
      model: flaky,
      cache: new MemoryCache(),
      onError: (error) => errors.push(error),
    });
    expect(await expander.expand('vpn setup')).toEqual({
      queries: ['vpn setup'],
      source: 'fallback',
      usage: null,
    });
    expect(errors).toHaveLength(1);
    expect((await expander.expand('vpn setup')).queries).toEqual(['vpn setup', 'recovered phrasing']);
  });

  it('falls back when the reply holds nothing usable', async () => {
    for (const reply of ['', 'Here are 3 paraphrases:', 'vpn setup\nVPN setup?', '---\n***']) {
      const expansion = await createQueryExpander({ model: model(reply) }).expand('vpn setup');
      expect(expansion, JSON.stringify(reply)).toMatchObject({ queries: ['vpn setup'], source: 'fallback' });
    }
  });

  it('does not call the model for a blank query', async () => {
    const source = model('anything');
    expect((await createQueryExpander({ model: source }).expand('   ')).queries).toEqual(['   ']);
    expect(source.doGenerateCalls).toHaveLength(0);
  });

  it('keeps working when the cache backend is down', async () => {
    const down: Cache = {
      get: async () => {
        throw new Error('ECONNREFUSED');
      },
      set: async () => {
        throw new Error('ECONNREFUSED');
      },
      delete: async () => {},
    };
    const expander = createQueryExpander({ model: model('a paraphrase'), cache: down });
    expect((await expander.expand('q')).queries).toEqual(['q', 'a paraphrase']);
    expect(expander.counters.snapshot().errors).toBe(2);
  });

  it('passes the caller cancellation on instead of hiding it', async () => {
    const controller = new AbortController();
    const slow = model(async () => {
      controller.abort(new Error('client went away'));
      throw new Error('aborted');
    });
    await expect(
      createQueryExpander({ model: slow }).expand('q', { abortSignal: controller.signal }),
    ).rejects.toThrow();
  });

  it('rejects an out-of-range maxVariants', () => {
    expect(() => createQueryExpander({ model: model('x'), maxVariants: 0 })).toThrow(/maxVariants/);
    expect(() => createQueryExpander({ model: model('x'), maxVariants: 11 })).toThrow(/maxVariants/);
  });
});

describe('parseVariants', () => {
  it('strips numbering, bullets, labels and quotes, and skips preambles', () => {
    const reply = [
      'Sure! Here are 3 alternative queries:',
      '',
      '1. "annual leave carry over"',
      '2) - vacation rollover policy',
      '* Query 3: unused PTO at year end',
      'Let me know if you need more.',
    ].join('\n');
    expect(parseVariants(reply, 'PTO carryover', 3)).toEqual([
      'annual leave carry over',
      'vacation rollover policy',
      'unused PTO at year end',
    ]);
  });

  it('keeps numbers that belong to the query', () => {
    const reply = '1. 10:00 opening time\n2. 1.5 mg dosage limits';
    expect(parseVariants(reply, 'q', 5)).toEqual(['10:00 opening time', '1.5 mg dosage limits']);
  });

  it('reads a JSON array, inside code fences too', () => {
    const reply = '```json\n["first variant", "second variant", 42]\n```';
    expect(parseVariants(reply, 'q', 5)).toEqual(['first variant', 'second variant']);
  });

  it('drops the original, duplicates and runaway lines', () => {
    const reply = [
      'Reset password',
      'how to reset my password',
      'How to reset my password?',
      'x'.repeat(500),
    ].join('\n');
    expect(parseVariants(reply, 'reset password', 5)).toEqual(['how to reset my password']);
  });
});
