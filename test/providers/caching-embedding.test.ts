/** The embedding cache on the memory cache and on the real Redis. */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Embedder } from '../../src/core/models.ts';
import type { Cache } from '../../src/core/ports.ts';
import { createCachedEmbedder, sha256Hex } from '../../src/providers/caching/index.ts';
import { createLexicalEmbedder } from '../../src/providers/local/index.ts';
import { MemoryCache } from '../../src/storage/memory/index.ts';
import { RedisCache } from '../../src/storage/redis/index.ts';
import { describeWithService, redisUrl } from '../support/services.ts';

/** The offline lexical embedder, recording each batch it is asked to embed. */
function recordingEmbedder(version = 'v1'): Embedder & { batches: string[][] } {
  const lexical = createLexicalEmbedder();
  const batches: string[][] = [];
  return {
    model: lexical.model,
    version,
    dimension: lexical.dimension,
    batches,
    async embed(texts, options) {
      batches.push([...texts]);
      return lexical.embed(texts, options);
    },
  };
}

/** A cache whose backend is down. */
const brokenCache: Cache = {
  get: async () => {
    throw new Error('connection refused');
  },
  set: async () => {
    throw new Error('connection refused');
  },
  delete: async () => {},
};

function describeEmbeddingCache(
  name: string,
  openCache: () => Promise<{ cache: Cache; close(): Promise<void> }>,
) {
  describe(`embedding cache on ${name}`, () => {
    it('sends only the misses to the model, each once, and keeps the input order', async () => {
      const { cache, close } = await openCache();
      try {
        const model = recordingEmbedder();
        const embedder = createCachedEmbedder(model, { cache, ttlSeconds: 600 });
        const expected = await createLexicalEmbedder().embed(['alpha', 'beta', 'gamma']);

        expect(await embedder.embed(['alpha', 'beta'])).toEqual(expected.slice(0, 2));
        const mixed = await embedder.embed(['gamma', 'alpha', 'gamma', 'beta']);
        expect(mixed).toEqual([expected[2], expected[0], expected[2], expected[1]]);

        expect(model.batches).toEqual([['alpha', 'beta'], ['gamma']]);
        expect(embedder.counters.snapshot()).toMatchObject({ hits: 2, misses: 3, stores: 3, errors: 0 });
        expect(embedder.counters.snapshot().hitRatio).toBeCloseTo(0.4);
      } finally {
        await close();
      }
    });

    it('keys by model version: a new version embeds again', async () => {
      const { cache, close } = await openCache();
      try {
        const first = recordingEmbedder('v1');
        const second = recordingEmbedder('v2');
        await createCachedEmbedder(first, { cache }).embed(['same text']);
        await createCachedEmbedder(second, { cache }).embed(['same text']);
        await createCachedEmbedder(recordingEmbedder('v1'), { cache }).embed(['same text']);
        expect(first.batches).toEqual([['same text']]);
        expect(second.batches).toEqual([['same text']]);
      } finally {
        await close();
      }
    });

    it('returns cached vectors bit for bit', async () => {
      const { cache, close } = await openCache();
      try {
        const awkward: Embedder = {
          model: 'test:awkward',
          version: `v-${randomUUID()}`,
          dimension: 3,
          embed: async (texts) => texts.map(() => [0.1 + 0.2, -1e-300, Math.PI]),
        };
        const embedder = createCachedEmbedder(awkward, { cache });
        const fresh = await embedder.embed(['x']);
        const cached = await embedder.embed(['x']);
        expect(embedder.counters.hits).toBe(1);
        expect(cached).toEqual(fresh);
        expect(cached[0]![0]).toBe(0.1 + 0.2);
      } finally {
        await close();
      }
    });
  });
}

describeEmbeddingCache('memory', async () => ({ cache: new MemoryCache(), close: async () => {} }));

const describeWithRedis = await describeWithService('redis');
describeWithRedis('embedding cache on Redis', () => {
  describeEmbeddingCache('redis', async () => {
    const cache = new RedisCache({ url: redisUrl(), keyPrefix: `godwit-test:${randomUUID()}:` });
    return { cache, close: () => cache.close() };
  });
});

describe('embedding cache failures', () => {
  it('embeds everything when the cache backend is down, and counts the errors', async () => {
    const model = recordingEmbedder();
    const errors: string[] = [];
    const embedder = createCachedEmbedder(model, {
      cache: brokenCache,
      onError: (_error, operation) => errors.push(operation),
    });
    const vectors = await embedder.embed(['one', 'two']);
    expect(vectors).toHaveLength(2);
    expect(model.batches).toEqual([['one', 'two']]);
    expect(embedder.counters.snapshot()).toMatchObject({ hits: 0, misses: 2, stores: 0, errors: 4 });
    expect(errors.sort()).toEqual(['get', 'get', 'set', 'set']);
  });

  it('keys by model, version and text hash, and treats an unreadable entry as a miss', async () => {
    const cache = new MemoryCache();
    const written: string[] = [];
    const recording: Cache = {
      get: (key) => cache.get(key),
      set: async (key, value, ttlSeconds) => {
        written.push(key);
        await cache.set(key, value, ttlSeconds);
      },
      delete: (key) => cache.delete(key),
    };
    const model = recordingEmbedder();
    await createCachedEmbedder(model, { cache: recording }).embed(['text']);
    expect(written).toEqual([`embedding:${model.model}|v1|${sha256Hex('text')}`]);

    await cache.set(written[0]!, 'AAAA');
    const again = createCachedEmbedder(model, { cache });
    expect(await again.embed(['text'])).toHaveLength(1);
    expect(again.counters.snapshot()).toMatchObject({ hits: 0, misses: 1, errors: 1 });
    expect(model.batches).toHaveLength(2);
  });

  it('passes an empty batch through without calling the model', async () => {
    const model = recordingEmbedder();
    expect(await createCachedEmbedder(model, { cache: new MemoryCache() }).embed([])).toEqual([]);
    expect(model.batches).toEqual([]);
  });

  it('keeps the embedder identity so knowledge bases record the real model', () => {
    const model = recordingEmbedder('2024-05');
    const embedder = createCachedEmbedder(model, { cache: new MemoryCache() });
    expect([embedder.model, embedder.version, embedder.dimension]).toEqual([
      model.model,
      '2024-05',
      model.dimension,
    ]);
  });
});
