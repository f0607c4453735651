/**
 * The OpenSearch adapter on the wire: request bodies equal the documented-shape fixtures, every query is
 * scoped to the tenant, requests are SigV4-signed, OpenSearch errors become GodwitErrors, and hybrid
 * retrieval (BM25 + k-NN fused in core) works through it.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, DependencyError, ValidationError } from '../../src/core/errors.ts';
import { fuseResults } from '../../src/core/retrieval/fusion.ts';
import { Retriever } from '../../src/core/retrieval/retriever.ts';
import type { KnowledgeBase } from '../../src/core/types.ts';
import { CataloguedKnowledgeStore, indexName } from '../../src/storage/catalogue/index.ts';
import { OpenSearchHttp } from '../../src/storage/opensearch/opensearch-http.ts';
import {
  createIndexBody,
  keywordSearchBody,
  scanBody,
  vectorSearchBody,
} from '../../src/storage/opensearch/opensearch-queries.ts';
import {
  OpenSearchVectorIndex,
  type OpenSearchVectorIndexOptions,
} from '../../src/storage/opensearch/opensearch-vector-index.ts';
import { SqlDocumentCatalogue } from '../../src/storage/postgres/index.ts';
import { migrateSchema } from '../../src/storage/postgres/migrate-schema.ts';
import { openPgliteClient } from '../../src/storage/postgres/pglite-client.ts';
import { PostgresKnowledgeStore } from '../../src/storage/postgres/postgres-knowledge-store.ts';
import type { SqlClient } from '../../src/storage/postgres/sql-client.ts';
import { hashEmbedding } from '../support/emulators/hash-embedding.ts';
import { type OpenSearchEmulator, startOpenSearchEmulator } from '../support/opensearch-emulator.ts';
import { newTenant } from './contract-fixture.ts';
import { createDocument, storeChunks } from './knowledge-fixtures.ts';

const CREDENTIALS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const FIXTURES = new URL('../support/opensearch-fixtures/', import.meta.url);
const fixture = (name: string) => JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8'));
const FILTER = {
  documentIds: ['doc-1', 'doc-2'],
  sources: ['leave.md'],
  metadata: { topic: 'leave', tags: ['a', 'b'] },
};

describe('OpenSearch request bodies', () => {
  it('match the documented k-NN, match, mapping and search_after shapes kept as fixtures', () => {
    expect(createIndexBody(384, 'aoss')).toEqual(fixture('create-index-aoss.json'));
    expect(keywordSearchBody('acme', 'kb-1', 'parental leave weeks', 10, FILTER)).toEqual(
      fixture('keyword-search.json'),
    );
    expect(vectorSearchBody('acme', 'kb-1', [0.1, 0.2, 0.3], 5, FILTER)).toEqual(
      fixture('vector-search.json'),
    );
    expect(scanBody('acme', 'kb-1', 500, ['doc-1', 3, 'doc-1:3'])).toEqual(fixture('scan-page.json'));
  });

  it('asks managed domains for one shard and leaves shards to Serverless', () => {
    expect(createIndexBody(3, 'es')).toMatchObject({
      settings: { index: { knn: true, number_of_shards: 1 } },
    });
    expect(createIndexBody(null, 'aoss')).not.toHaveProperty('mappings.properties.embedding');
  });
});

describe('OpenSearch adapter on the wire', () => {
  let client: SqlClient;
  let emulator: OpenSearchEmulator;
  let catalogue: SqlDocumentCatalogue;
  let index: OpenSearchVectorIndex;
  let knowledge: CataloguedKnowledgeStore;
  const options = (overrides: Partial<OpenSearchVectorIndexOptions> = {}): OpenSearchVectorIndexOptions => ({
    endpoint: emulator.url,
    region: 'eu-west-1',
    service: 'aoss',
    credentials: CREDENTIALS,
    ...overrides,
  });

  beforeAll(async () => {
    client = await openPgliteClient();
    await migrateSchema(client, undefined);
    emulator = await startOpenSearchEmulator({ service: 'aoss' });
    catalogue = new SqlDocumentCatalogue(client);
    index = new OpenSearchVectorIndex(catalogue, options());
    knowledge = new CataloguedKnowledgeStore(new PostgresKnowledgeStore(client), catalogue, index);
  });
  afterAll(async () => {
    await emulator.close();
    await client.close();
  });

  async function seed(dimension: number | null = 16) {
    const tenant = newTenant();
    const base = await knowledge.createKnowledgeBase(tenant, {
      name: 'wire',
      embeddingModel: dimension ? 'test:hash' : null,
      embeddingDimension: dimension,
    });
    const document = await createDocument({ knowledge, index }, tenant, base, 'policy.md');
    const texts = [
      'Parental leave lasts sixteen weeks.',
      'Vacation days accrue every month.',
      'Expense reports need receipts.',
      'Laptops lock after five minutes.',
    ];
    const chunks = await storeChunks(
      { knowledge, index },
      document,
      texts.map((text) => ({ text, embedding: dimension ? hashEmbedding(text, dimension) : null })),
    );
    return { tenant, base, document, chunks };
  }

  it('scopes every search, count and delete to the tenant and signs every request', async () => {
    const { tenant, base } = await seed();
    const start = emulator.requests.length;
    await index.keywordSearch(tenant, { knowledgeBaseId: base.id, text: 'leave', k: 3 });
    await index.vectorSearch(tenant, {
      knowledgeBaseId: base.id,
      embedding: hashEmbedding('leave', 16),
      k: 3,
    });
    await index.getChunks(tenant, ['x']);
    await index.countChunks(tenant, base.id);
    for await (const _ of index.scan(tenant, base.id)) void _;
    await knowledge.deleteKnowledgeBase(tenant, 'wire');
    const reads = emulator.requests
      .slice(start)
      .filter((request) => /_search|_count|_delete_by_query/.test(request.path));
    expect(reads.length).toBeGreaterThanOrEqual(6);
    for (const request of reads) expect(request.body).toContain(`{"term":{"tenant_id":"${tenant}"}}`);
  });

  it('refuses an unsigned request, or one signed for the wrong service, with OpenSearch error JSON', async () => {
    const unsigned = await fetch(`${emulator.url}/_bulk`, { method: 'POST', body: '\n' });
    expect(unsigned.status).toBe(403);
    expect(await unsigned.json()).toMatchObject({
      status: 403,
      error: { type: 'security_exception', root_cause: [{ type: 'security_exception' }] },
    });
    const wrong = new OpenSearchVectorIndex(catalogue, options({ service: 'es' }));
    const { tenant, base } = await seed();
    const attempt = wrong.countChunks(tenant, base.id);
    await expect(attempt).rejects.toBeInstanceOf(DependencyError);
    await expect(attempt).rejects.toThrow(/403 security_exception.*data access policy/);
  });

  it('turns throttling and server errors into retryable DependencyErrors', async () => {
    const { tenant, base } = await seed();
    // Without retries, so each injected failure reaches the caller (retries: opensearch-resilience.test.ts).
    const index = new OpenSearchVectorIndex(catalogue, options({ retry: false }));
    emulator.failNext(1, 429, 'too_many_requests');
    const throttled = await index.countChunks(tenant, base.id).catch((error: unknown) => error);
    expect(throttled).toBeInstanceOf(DependencyError);
    expect((throttled as DependencyError).isRetryable).toBe(true);
    emulator.failNext(1, 503, 'unavailable');
    await expect(
      index.keywordSearch(tenant, { knowledgeBaseId: base.id, text: 'leave', k: 2 }),
    ).rejects.toThrow(/503 unavailable/);
    expect(await index.countChunks(tenant, base.id)).toBe(4);
  });

  it('reports an unreachable endpoint, a malformed endpoint and a bad prefix clearly', async () => {
    const closed = await startOpenSearchEmulator();
    const url = closed.url;
    await closed.close();
    const unreachable = new OpenSearchVectorIndex(catalogue, options({ endpoint: url }));
    await expect(unreachable.countChunks('t', 'kb')).rejects.toThrow(/cannot be reached/);
    expect(() => new OpenSearchVectorIndex(catalogue, options({ endpoint: 'not a url' }))).toThrow(
      ConfigError,
    );
    expect(() => new OpenSearchVectorIndex(catalogue, options({ indexPrefix: 'Bad Prefix' }))).toThrow(
      ValidationError,
    );
  });

  it('adds the vector field when a keyword-only base gets vectors, and refuses another dimension', async () => {
    const { tenant, base, document } = await seed(null);
    const name = indexName('godwit-chunks', base.id);
    const mapping = async () => (await fetchMapping(name)).mappings.properties;
    expect(await mapping()).not.toHaveProperty('embedding');
    await knowledge.updateKnowledgeBase(tenant, 'wire', {
      embeddingModel: 'test:hash',
      embeddingDimension: 4,
    });
    await storeChunks({ knowledge, index }, document, [
      { text: 'now with vectors', embedding: [1, 0, 0, 0] },
    ]);
    expect(await mapping()).toMatchObject({ embedding: { type: 'knn_vector', dimension: 4 } });
    const hits = await index.vectorSearch(tenant, {
      knowledgeBaseId: base.id,
      embedding: [1, 0, 0, 0],
      k: 1,
    });
    expect(hits.map((hit) => hit.text)).toEqual(['now with vectors']);
    await knowledge.updateKnowledgeBase(tenant, 'wire', { embeddingDimension: 3 });
    const fresh = new OpenSearchVectorIndex(catalogue, options());
    await expect(
      storeChunks({ knowledge, index: fresh }, document, [{ text: 'three', embedding: [1, 0, 0] }]),
    ).rejects.toThrow(/holds 4-dimension vectors/);
    await expect(
      fresh.vectorSearch(tenant, { knowledgeBaseId: base.id, embedding: [1, 0, 0], k: 1 }),
    ).rejects.toBeInstanceOf(ValidationError);
  });

  it('fuses BM25 and k-NN hits in a hybrid retrieval over OpenSearch', async () => {
    const { tenant, base } = await seed();
    const knowledgeBase = (await knowledge.getKnowledgeBase(tenant, 'wire')) as KnowledgeBase;
    const retriever = new Retriever({
      index,
      embedders: new Map([
        [
          'test:hash',
          {
            model: 'test:hash',
            version: '1',
            dimension: 16,
            embed: async (texts: string[]) => texts.map((text) => hashEmbedding(text, 16)),
          },
        ],
      ]),
      fuse: (lists, k) => fuseResults(lists, { key: (hit) => hit.chunkId, k }),
    });
    const hybrid = await retriever.search(tenant, {
      knowledgeBase,
      query: 'parental leave',
      k: 2,
      mode: 'hybrid',
    });
    expect(hybrid[0]?.text).toBe('Parental leave lasts sixteen weeks.');
    expect(hybrid[0]?.knowledgeBaseId).toBe(base.id);
    const vector = await retriever.search(tenant, {
      knowledgeBase,
      query: 'Vacation days accrue every month.',
      k: 1,
      mode: 'vector',
    });
    expect(vector[0]?.score).toBeCloseTo(1, 5);
  });

  async function fetchMapping(name: string) {
    const http = new OpenSearchHttp(options());
    const response = await http.request<
      Record<string, { mappings: { properties: Record<string, unknown> } }>
    >('GET', `/${name}/_mapping`);
    return response.body[name]!;
  }
});

describe('OpenSearch emulator', () => {
  let emulator: OpenSearchEmulator;
  let http: OpenSearchHttp;
  beforeAll(async () => {
    emulator = await startOpenSearchEmulator({ service: 'es' });
    http = new OpenSearchHttp({
      endpoint: emulator.url,
      region: 'eu-west-1',
      service: 'es',
      credentials: CREDENTIALS,
    });
  });
  afterAll(async () => {
    await emulator.close();
  });

  async function seed(name: string, space: string) {
    await http.request('PUT', `/${name}`, {
      settings: { index: { knn: true } },
      mappings: {
        properties: {
          v: {
            type: 'knn_vector',
            dimension: 2,
            method: { name: 'hnsw', engine: 'faiss', space_type: space },
          },
          body: { type: 'text' },
          tag: { type: 'keyword' },
          n: { type: 'integer' },
        },
      },
    });
    const docs = [
      { v: [1, 0], body: 'red apple pie', tag: 'a', n: 1 },
      { v: [0, 2], body: 'green apple', tag: 'b', n: 2 },
      { v: [3, 4], body: 'blue sky', tag: 'a', n: 3 },
    ];
    const ndjson = docs.flatMap((doc, i) => [
      JSON.stringify({ index: { _index: name, _id: `d${i}` } }),
      JSON.stringify(doc),
    ]);
    await http.request('POST', '/_bulk', `${ndjson.join('\n')}\n`, { ndjson: true });
  }

  const scores = async (name: string, body: unknown) =>
    (
      await http.request<{ hits: { hits: { _id: string; _score: number }[] } }>(
        'POST',
        `/${name}/_search`,
        body,
      )
    ).body.hits.hits.map((hit) => [hit._id, hit._score] as const);

  it('scores k-NN exactly as documented for l2, innerproduct and cosinesimil', async () => {
    await seed('l2', 'l2');
    await seed('ip', 'innerproduct');
    await seed('cos', 'cosinesimil');
    const knn = { query: { knn: { v: { vector: [1, 0], k: 3 } } } };
    expect(await scores('l2', knn)).toEqual([
      ['d0', 1],
      ['d1', 1 / (1 + 5)],
      ['d2', 1 / (1 + 20)],
    ]);
    expect(await scores('ip', knn)).toEqual([
      ['d2', 1 + 3],
      ['d0', 1 + 1],
      ['d1', 1],
    ]);
    const cosine = await scores('cos', {
      query: { knn: { v: { vector: [1, 0], k: 2, filter: { term: { tag: 'a' } } } } },
    });
    expect(cosine.map(([id]) => id)).toEqual(['d0', 'd2']);
    expect(cosine[1]![1]).toBeCloseTo((2 - (1 - 0.6)) / 2, 12);
  });

  it('answers match, multi_match, bool, terms, sort with search_after, _count and _source', async () => {
    await seed('text', 'l2');
    const match = await scores('text', { query: { match: { body: 'apple' } } });
    expect(match.map(([id]) => id).sort()).toEqual(['d0', 'd1']);
    const multi = await scores('text', { query: { multi_match: { query: 'apple', fields: ['body'] } } });
    expect(multi).toEqual(match);
    const filtered = await scores('text', {
      query: { bool: { must: [{ match: { body: 'apple' } }], filter: [{ terms: { tag: ['b'] } }] } },
    });
    expect(filtered.map(([id]) => id)).toEqual(['d1']);
    const page = async (after?: unknown[]) =>
      (
        await http.request<{ hits: { hits: { _id: string; sort: unknown[]; _source: unknown }[] } }>(
          'POST',
          '/text/_search',
          { size: 2, sort: [{ n: 'desc' }], _source: ['tag'], ...(after ? { search_after: after } : {}) },
        )
      ).body.hits.hits;
    const first = await page();
    expect(first.map((hit) => hit._id)).toEqual(['d2', 'd1']);
    expect(first[0]!._source).toEqual({ tag: 'a' });
    expect((await page(first[1]!.sort)).map((hit) => hit._id)).toEqual(['d0']);
    const count = await http.request<{ count: number }>('POST', '/text/_count', {
      query: { term: { tag: 'a' } },
    });
    expect(count.body.count).toBe(2);
  });

  it('answers errors in OpenSearch error JSON with the right status', async () => {
    const missing = await http.request<{ error: { type: string }; status: number }>(
      'POST',
      '/nope/_search',
      {},
      { accept: [404] },
    );
    expect(missing).toMatchObject({
      status: 404,
      body: { status: 404, error: { type: 'index_not_found_exception' } },
    });
    await seed('strict', 'l2');
    await expect(
      http.request('POST', '/strict/_search', { query: { fuzzy: { body: 'x' } } }),
    ).rejects.toThrow(/400 parsing_exception: unknown query \[fuzzy\]/);
    await expect(http.request('PUT', '/strict', {})).rejects.toThrow(/resource_already_exists_exception/);
    await expect(
      http.request('POST', '/strict/_search', { query: { knn: { v: { vector: [1, 0, 0], k: 1 } } } }),
    ).rejects.toThrow(/invalid dimension/);
    const bulk = await http.request<{
      errors: boolean;
      items: { index: { status: number; error: { type: string } } }[];
    }>(
      'POST',
      '/_bulk',
      `${JSON.stringify({ index: { _index: 'strict', _id: 'x' } })}\n${JSON.stringify({ v: [1, 2, 3] })}\n`,
      { ndjson: true },
    );
    expect(bulk.body.errors).toBe(true);
    expect(bulk.body.items[0]!.index).toMatchObject({
      status: 400,
      error: { type: 'mapper_parsing_exception' },
    });
  });
});
