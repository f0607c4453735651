import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createDocumentParser } from '../../ingest/index.ts';
import { createLexicalEmbedder } from '../../providers/local/index.ts';
import { createMemoryStorage } from '../../storage/memory/index.ts';
import { ProviderError, ValidationError } from '../errors.ts';
import { KnowledgeService } from '../knowledge/knowledge-service.ts';
import { DEFAULT_TENANT } from '../types.ts';
import { fuseResults } from './fusion.ts';
import { Retriever, type RetrieverOptions } from './retriever.ts';

const documents: Record<string, string> = {
  'autophagy.md': '# Cell biology\n\nAutophagic flux in liver cells rises during fasting.',
  'statins.md': '# Statins\n\nStatins lower LDL cholesterol and cardiovascular risk.',
  'sleep.md': '# Sleep\n\nShift work disrupts circadian rhythm and sleep quality.',
};

async function setup(embeddingModel: string | null, expandQuery?: RetrieverOptions['expandQuery']) {
  const storage = createMemoryStorage();
  const lexical = createLexicalEmbedder();
  const embedders = new Map([[lexical.model, lexical]]);
  const knowledge = new KnowledgeService({
    knowledge: storage.knowledge,
    index: storage.index,
    parser: createDocumentParser(),
    embedders,
    generateId: randomUUID,
  });
  const retriever = new Retriever({
    index: storage.index,
    embedders,
    fuse: (lists, k) => fuseResults(lists, { key: (hit) => hit.chunkId, k, weights: [0.8, 0.2] }),
    ...(expandQuery ? { expandQuery } : {}),
  });
  const knowledgeBase = await knowledge.createKnowledgeBase(DEFAULT_TENANT, {
    name: 'science',
    embeddingModel,
  });
  for (const [source, text] of Object.entries(documents)) {
    await knowledge.ingest(DEFAULT_TENANT, knowledgeBase, { source, bytes: new TextEncoder().encode(text) });
  }
  return { retriever, knowledgeBase };
}

describe('Retriever', () => {
  it('searches keyword-only knowledge bases with BM25 by default', async () => {
    const { retriever, knowledgeBase } = await setup(null);
    const hits = await retriever.search(DEFAULT_TENANT, {
      knowledgeBase,
      query: 'cholesterol statins',
      k: 2,
    });
    expect(hits[0]?.source).toBe('statins.md');
    expect(hits.length).toBeLessThanOrEqual(2);
  });

  it('finds word forms the stemmer keeps apart when the lexical embedding is on (hybrid)', async () => {
    const keywordOnly = await setup(null);
    const hybrid = await setup('local:lexical');
    const query = 'autophagy';
    expect(
      await keywordOnly.retriever.search(DEFAULT_TENANT, {
        knowledgeBase: keywordOnly.knowledgeBase,
        query,
        k: 3,
      }),
    ).toEqual([]);
    const hits = await hybrid.retriever.search(DEFAULT_TENANT, {
      knowledgeBase: hybrid.knowledgeBase,
      query,
      k: 3,
    });
    expect(hits[0]?.source).toBe('autophagy.md');
  });

  it('searches the paraphrases a query expander adds, keeping the original query first', async () => {
    const asked: Array<[string, string, string | null | undefined]> = [];
    const { retriever, knowledgeBase } = await setup(null, async (query, { tenantId, caller }) => {
      asked.push([query, tenantId, caller?.userId]);
      return [query, 'night shift circadian disruption'];
    });
    const hits = await retriever.search(DEFAULT_TENANT, {
      knowledgeBase,
      query: 'working late hours',
      k: 3,
      caller: { userId: 'discord:111', apiKeyId: null },
    });
    // The expander learns the searching tenant and user: its usage is recorded as theirs.
    expect(asked).toEqual([['working late hours', DEFAULT_TENANT, 'discord:111']]);
    expect(hits[0]?.source).toBe('sleep.md');
  });

  it('refuses vector search on a knowledge base without an embedding model, naming the fix', async () => {
    const { retriever, knowledgeBase } = await setup(null);
    await expect(
      retriever.search(DEFAULT_TENANT, { knowledgeBase, query: 'sleep', k: 3, mode: 'vector' }),
    ).rejects.toThrowError(/no usable embedding model.*keyword/);
  });

  it('tells a keyword search on a vector-only store what is true of the knowledge base', async () => {
    const { knowledgeBase } = await setup(null);
    const vectorOnly = (embedders: Map<string, ReturnType<typeof createLexicalEmbedder>>) =>
      new Retriever({
        index: createMemoryStorage().index,
        embedders,
        fuse: (lists, k) => lists.flat().slice(0, k),
        keywordSearch: false,
      });
    const lexical = createLexicalEmbedder();
    const configured = vectorOnly(new Map([[lexical.model, lexical]]));
    const request = {
      knowledgeBase: { ...knowledgeBase, embeddingModel: lexical.model },
      query: 'sleep',
      k: 3,
    };
    const refusal = configured.search(DEFAULT_TENANT, { ...request, mode: 'keyword' });
    await expect(refusal).rejects.toThrowError(/no keyword search.*mode "vector" or "hybrid"/);
    await expect(refusal).rejects.not.toThrowError(/give it an embedding model|has no embedding model/);
    await expect(
      vectorOnly(new Map()).search(DEFAULT_TENANT, { ...request, mode: 'keyword' }),
    ).rejects.toThrowError(new RegExp(`embedded with ${lexical.model}, which is not configured here`));
  });

  it('answers a hybrid search by keyword when the embedding provider is unavailable, and says so', async () => {
    const storage = createMemoryStorage();
    const knowledge = new KnowledgeService({
      knowledge: storage.knowledge,
      index: storage.index,
      parser: createDocumentParser(),
      generateId: randomUUID,
    });
    // Keyword-indexed here; searched below as if embedded with a Bedrock model that cannot be reached.
    const knowledgeBase = await knowledge.createKnowledgeBase(DEFAULT_TENANT, {
      name: 'science',
      embeddingModel: null,
    });
    for (const [source, text] of Object.entries(documents)) {
      await knowledge.ingest(DEFAULT_TENANT, knowledgeBase, {
        source,
        bytes: new TextEncoder().encode(text),
      });
    }
    const failing = (error: Error) => ({
      model: 'bedrock:amazon.titan-embed-text-v2:0',
      version: '1',
      dimension: 8,
      embed: async () => {
        throw error;
      },
    });
    const retrieverWith = (error: Error) =>
      new Retriever({
        index: storage.index,
        embedders: new Map([['bedrock:amazon.titan-embed-text-v2:0', failing(error)]]),
        fuse: (lists, k) => lists.flat().slice(0, k),
      });
    const embedded = { ...knowledgeBase, embeddingModel: 'bedrock:amazon.titan-embed-text-v2:0' };
    const down = new ProviderError('Bedrock is unreachable.', { unavailable: true });
    const reasons: string[] = [];
    const hits = await retrieverWith(down).search(DEFAULT_TENANT, {
      knowledgeBase: embedded,
      query: 'sleep',
      k: 3,
      onDegraded: (reason) => reasons.push(reason),
    });
    expect(hits.length).toBeGreaterThan(0);
    expect(reasons).toEqual([
      expect.stringMatching(/unavailable, so knowledge base "science" was searched by keyword only/),
    ]);
    // Vector mode has no keyword half to fall back on; a refused request is not an outage.
    await expect(
      retrieverWith(down).search(DEFAULT_TENANT, {
        knowledgeBase: embedded,
        query: 'sleep',
        k: 3,
        mode: 'vector',
      }),
    ).rejects.toThrow(/unreachable/);
    await expect(
      retrieverWith(new ProviderError('The model rejected the input.')).search(DEFAULT_TENANT, {
        knowledgeBase: embedded,
        query: 'sleep',
        k: 3,
      }),
    ).rejects.toThrow(/rejected/);
  });

  it('rejects an empty query and an out-of-range k', async () => {
    const { retriever, knowledgeBase } = await setup(null);
    await expect(retriever.search(DEFAULT_TENANT, { knowledgeBase, query: '  ', k: 3 })).rejects.toThrowError(
      ValidationError,
    );
    await expect(
      retriever.search(DEFAULT_TENANT, { knowledgeBase, query: 'sleep', k: 0 }),
    ).rejects.toThrowError(/k must be/);
  });

  it('returns nothing from the vector side for a query with no indexable words', async () => {
    const { retriever, knowledgeBase } = await setup('local:lexical');
    expect(
      await retriever.search(DEFAULT_TENANT, { knowledgeBase, query: 'the of and', k: 3, mode: 'vector' }),
    ).toEqual([]);
  });
});
