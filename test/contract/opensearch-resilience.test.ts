/**
 * The OpenSearch adapter when OpenSearch misbehaves: throttling and server errors are retried with
 * backoff (Retry-After honoured), a stalled call is given up after its time limit and retried, bulk items
 * rejected with 429 are sent again on their own, and what still fails after the retries is reported.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DependencyError } from '../../src/core/errors.ts';
import { CataloguedKnowledgeStore } from '../../src/storage/catalogue/index.ts';
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

let client: SqlClient;
let emulator: OpenSearchEmulator;
let catalogue: SqlDocumentCatalogue;

beforeAll(async () => {
  client = await openPgliteClient();
  await migrateSchema(client, undefined);
  emulator = await startOpenSearchEmulator({ service: 'aoss' });
  catalogue = new SqlDocumentCatalogue(client);
});

afterAll(async () => {
  await emulator?.close();
  await client?.close();
});

function adapter(overrides: Partial<OpenSearchVectorIndexOptions> = {}) {
  const delays: number[] = [];
  const index = new OpenSearchVectorIndex(catalogue, {
    endpoint: emulator.url,
    region: 'eu-west-1',
    service: 'aoss',
    credentials: CREDENTIALS,
    ...overrides,
    retry:
      overrides.retry === false
        ? false
        : { ...overrides.retry, onRetry: (event) => delays.push(event.delayMs) },
  });
  const knowledge = new CataloguedKnowledgeStore(new PostgresKnowledgeStore(client), catalogue, index);
  return { index, knowledge, delays };
}

const TEXTS = [
  'Leave lasts sixteen weeks.',
  'Vacation accrues monthly.',
  'Receipts are needed.',
  'Laptops lock.',
];

async function seedBase(stores: ReturnType<typeof adapter>, texts = TEXTS) {
  const tenant = newTenant();
  const base = await stores.knowledge.createKnowledgeBase(tenant, {
    name: 'faults',
    embeddingModel: 'test:hash',
    embeddingDimension: 8,
  });
  const document = await createDocument(stores, tenant, base, 'policy.md');
  await storeChunks(
    stores,
    document,
    texts.map((text) => ({ text, embedding: hashEmbedding(text, 8) })),
  );
  return { tenant, base, document };
}

const requestsTo = (pattern: RegExp, from: number) =>
  emulator.requests.slice(from).filter((request) => pattern.test(request.path));

describe('OpenSearch calls that fail for a while', () => {
  it('retries throttling and server errors with backoff, honouring Retry-After, and answers', async () => {
    const stores = adapter();
    const { tenant, base } = await seedBase(stores);
    const start = emulator.requests.length;
    emulator.failNext(1, 429, 'too_many_requests', 1);
    expect(await stores.index.countChunks(tenant, base.id)).toBe(4);
    emulator.failNext(1, 503, 'unavailable');
    expect(await stores.index.countChunks(tenant, base.id)).toBe(4);
    expect(requestsTo(/_count$/, start)).toHaveLength(4);
    expect(stores.delays[0]).toBe(1_000);
    expect(stores.delays[1]).toBeGreaterThanOrEqual(250);
  });

  it('gives up after the last retry with a retryable error naming the status', async () => {
    const stores = adapter({ retry: { initialDelayMs: 1 } });
    const { tenant, base } = await seedBase(stores);
    const start = emulator.requests.length;
    emulator.failNext(3, 503, 'unavailable');
    const failure = await stores.index.countChunks(tenant, base.id).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DependencyError);
    expect((failure as DependencyError).isRetryable).toBe(true);
    expect((failure as Error).message).toMatch(/_count failed with 503 unavailable/);
    expect(requestsTo(/_count$/, start)).toHaveLength(3);
  });

  it('does not retry a request OpenSearch refused', async () => {
    const stores = adapter();
    const { tenant, base } = await seedBase(stores);
    const start = emulator.requests.length;
    emulator.failNext(1, 403, 'security_exception');
    await expect(stores.index.countChunks(tenant, base.id)).rejects.toThrow(/403 security_exception/);
    expect(requestsTo(/_count$/, start)).toHaveLength(1);
    expect(stores.delays).toEqual([]);
  });
});

describe('OpenSearch calls that stall', () => {
  it('gives up on a stalled call after the time limit and retries it', async () => {
    const stores = adapter({ timeoutMs: 300, retry: { initialDelayMs: 1 } });
    const { tenant, base } = await seedBase(stores);
    const start = emulator.requests.length;
    emulator.stallNext(1);
    expect(await stores.index.countChunks(tenant, base.id)).toBe(4);
    expect(requestsTo(/_count$/, start)).toHaveLength(2);
  });

  it('reports a call that stalls on every attempt, naming the time limit', async () => {
    const stores = adapter({ timeoutMs: 300, retry: { initialDelayMs: 1 } });
    const { tenant, base } = await seedBase(stores);
    emulator.stallNext(3);
    const failure = await stores.index.countChunks(tenant, base.id).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DependencyError);
    expect((failure as Error).message).toMatch(/did not answer POST \/.+\/_count within 300 ms/);
  });
});

describe('bulk items rejected with 429', () => {
  it('sends again only the rejected items, and every chunk is stored', async () => {
    const stores = adapter({ retry: { initialDelayMs: 1 } });
    const start = emulator.requests.length;
    emulator.rejectNextBulkItems(2);
    const { tenant, base } = await seedBase(stores);
    const bulks = requestsTo(/_bulk$/, start);
    expect(bulks).toHaveLength(2);
    const actions = (body: string) => body.split('\n').filter((line) => line.startsWith('{"index"'));
    expect(actions(bulks[0]!.body)).toHaveLength(4);
    expect(actions(bulks[1]!.body)).toEqual(actions(bulks[0]!.body).slice(0, 2));
    expect(await stores.index.countChunks(tenant, base.id)).toBe(4);
    const hits = await stores.index.keywordSearch(tenant, { knowledgeBaseId: base.id, text: 'leave', k: 1 });
    expect(hits.map((hit) => hit.text)).toEqual([TEXTS[0]]);
  });

  it('reports items still rejected after the last retry', async () => {
    const stores = adapter({ retry: { initialDelayMs: 1, maxRetries: 1 } });
    emulator.rejectNextBulkItems(1, 2);
    const failure = await seedBase(stores).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DependencyError);
    expect((failure as Error).message).toMatch(
      /rejected part of a bulk write .*es_rejected_execution_exception/,
    );
  });
});
