/**
 * The S3 Vectors VectorIndex, driven through the official client against the wire-level emulator
 * (test/support/s3vectors-emulator.ts), with the document catalogue on PGlite.
 *
 * Contract coverage: the vector-search contract runs unchanged. The rest of the VectorIndex contract and
 * the KnowledgeStore contract are not run as suites, because their fixtures store chunks in knowledge bases
 * without an embedding model and rank keyword (BM25) search against the reference — neither exists in a
 * vector-only store. Their requirements that do apply (replace semantics, ready/hash/count, refusals that
 * change nothing, ownership conflicts, serialised writers, bulk writes, reading, scanning, tenant isolation,
 * deletes through the catalogue) are tested below against the same expectations.
 */
import { S3VectorsClient } from '@aws-sdk/client-s3vectors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, DependencyError, NotFoundError, ValidationError } from '../../src/core/errors.ts';
import { fuseResults } from '../../src/core/retrieval/fusion.ts';
import { Retriever } from '../../src/core/retrieval/retriever.ts';
import type { Chunk, KnowledgeBase } from '../../src/core/types.ts';
import { CataloguedKnowledgeStore } from '../../src/storage/catalogue/index.ts';
import { SqlDocumentCatalogue } from '../../src/storage/postgres/index.ts';
import { migrateSchema } from '../../src/storage/postgres/migrate-schema.ts';
import { openPgliteClient } from '../../src/storage/postgres/pglite-client.ts';
import { PostgresKnowledgeStore } from '../../src/storage/postgres/postgres-knowledge-store.ts';
import type { SqlClient } from '../../src/storage/postgres/sql-client.ts';
import {
  queryFilter,
  S3VectorsVectorIndex,
  VECTOR_ONLY_MESSAGE,
} from '../../src/storage/s3vectors/s3vectors-vector-index.ts';
import { hashEmbedding } from '../support/emulators/hash-embedding.ts';
import { type S3VectorsEmulator, startS3VectorsEmulator } from '../support/s3vectors-emulator.ts';
import { newTenant } from './contract-fixture.ts';
import { createDocument, type KnowledgeStores, makeChunks, storeChunks } from './knowledge-fixtures.ts';
import { describeVectorSearch } from './vector-search-contract.ts';

const CREDENTIALS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const BUCKET = 'godwit-vectors';

let client: SqlClient;
let emulator: S3VectorsEmulator;
let catalogue: SqlDocumentCatalogue;
let index: S3VectorsVectorIndex;
let stores: KnowledgeStores;

function s3vectorsClient(endpoint = emulator.url) {
  return new S3VectorsClient({ region: 'us-east-1', endpoint, credentials: CREDENTIALS, maxAttempts: 1 });
}

beforeAll(async () => {
  client = await openPgliteClient();
  await migrateSchema(client, undefined);
  emulator = await startS3VectorsEmulator({ buckets: [BUCKET] });
  catalogue = new SqlDocumentCatalogue(client);
  index = new S3VectorsVectorIndex(catalogue, {
    bucket: BUCKET,
    region: 'us-east-1',
    client: s3vectorsClient(),
  });
  stores = {
    knowledge: new CataloguedKnowledgeStore(new PostgresKnowledgeStore(client), catalogue, index),
    index,
  };
});
afterAll(async () => {
  await emulator?.close();
  await client?.close();
});

describe('VectorIndex contract: S3 Vectors (emulated) + PGlite catalogue', () => {
  describeVectorSearch(() => stores);
});

/** Exactly representable in float32, so stored embeddings compare equal after the round trip. */
function unit(position: number, dimension = 4): number[] {
  return Array.from({ length: dimension }, (_, index) => (index === position % dimension ? 1 : 0.5));
}

async function base(tenant = newTenant(), dimension = 4) {
  return stores.knowledge.createKnowledgeBase(tenant, {
    name: 'handbook',
    embeddingModel: 'test:hash',
    embeddingDimension: dimension,
  });
}

describe('S3 Vectors adapter', () => {
  it('stores chunks with text, location and metadata, and marks the document ready', async () => {
    const tenant = newTenant();
    const kb = await base(tenant);
    const document = await createDocument(stores, tenant, kb, 'guide.md');
    const chunks = makeChunks(document, [
      {
        text: 'First chunk',
        location: { headings: ['Intro'], line: 1 },
        metadata: { lang: 'en' },
        embedding: unit(0),
      },
      {
        text: 'Second chunk',
        location: { page: 2, sheet: 'S', row: 3 },
        metadata: { nested: { a: [1, 2] } },
        embedding: unit(1),
      },
      { text: 'No vector here', embedding: null },
    ]);
    await index.replaceDocumentChunks(
      tenant,
      { id: document.id, knowledgeBaseId: kb.id, sha256: 'v2' },
      chunks,
    );
    expect(await index.getChunks(tenant, [chunks[1]!.id, 'unknown', chunks[0]!.id, chunks[2]!.id])).toEqual([
      chunks[1],
      chunks[0],
      chunks[2],
    ]);
    expect(await index.countChunks(tenant, kb.id)).toBe(3);
    expect(await stores.knowledge.getDocument(tenant, document.id)).toMatchObject({
      status: 'ready',
      sha256: 'v2',
      chunkCount: 3,
      error: null,
    });
    expect(await index.getChunks(newTenant(), [chunks[0]!.id])).toEqual([]);
  });

  it('replaces old chunks, with counts and stats following', async () => {
    const tenant = newTenant();
    const kb = await base(tenant);
    const leave = await createDocument(stores, tenant, kb, 'leave.md');
    const other = await createDocument(stores, tenant, kb, 'other.md');
    const old = await storeChunks(
      stores,
      leave,
      ['a', 'b', 'c'].map((text, i) => ({ text, embedding: unit(i) })),
    );
    const kept = await storeChunks(stores, other, [{ text: 'kept', embedding: unit(3) }]);
    await stores.knowledge.markDocumentFailed(tenant, leave.id, 'earlier failure');
    const replacement = makeChunks(leave, [
      { text: 'new zero', id: `${leave.id}:new-0`, embedding: unit(0) },
      { text: 'b again', id: old[1]!.id, embedding: unit(2) },
    ]);
    await index.replaceDocumentChunks(
      tenant,
      { id: leave.id, knowledgeBaseId: kb.id, sha256: 'v3' },
      replacement,
    );
    expect(await index.getChunks(tenant, [old[0]!.id, old[2]!.id])).toEqual([]);
    expect(
      await index.getChunks(
        tenant,
        replacement.map((chunk) => chunk.id),
      ),
    ).toEqual(replacement);
    expect(await index.getChunks(tenant, [kept[0]!.id])).toEqual(kept);
    expect(await index.countChunks(tenant, kb.id)).toBe(3);
    expect(await stores.knowledge.knowledgeBaseStats(tenant, kb.id)).toEqual({
      documents: 2,
      chunks: 3,
      failed: 0,
    });
    expect(await stores.knowledge.getDocument(tenant, leave.id)).toMatchObject({
      status: 'ready',
      sha256: 'v3',
      chunkCount: 2,
    });
    await storeChunks(stores, leave, []);
    expect(await index.countChunks(tenant, kb.id)).toBe(1);
    expect(await stores.knowledge.getDocument(tenant, leave.id)).toMatchObject({
      status: 'ready',
      chunkCount: 0,
    });
  });

  it('refuses unknown documents, foreign or repeated chunks and taken ids, changing nothing', async () => {
    const tenant = newTenant();
    const kb = await base(tenant);
    const leave = await createDocument(stores, tenant, kb, 'leave.md');
    const other = await createDocument(stores, tenant, kb, 'other.md');
    const chunks = await storeChunks(stores, leave, [{ text: 'leave', embedding: unit(0) }]);
    const taken = await storeChunks(stores, other, [{ text: 'other', embedding: unit(1) }]);
    const target = { id: leave.id, knowledgeBaseId: kb.id, sha256: 'x' };
    await expect(index.replaceDocumentChunks(newTenant(), target, [])).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      index.replaceDocumentChunks(tenant, { ...target, id: 'no-such-document' }, []),
    ).rejects.toBeInstanceOf(NotFoundError);
    const foreign = makeChunks({ ...leave, id: 'another-document' }, [{ text: 'stray', embedding: unit(0) }]);
    await expect(index.replaceDocumentChunks(tenant, target, foreign)).rejects.toBeInstanceOf(
      ValidationError,
    );
    const repeated = makeChunks(leave, [
      { text: 'one', id: 'same', embedding: unit(0) },
      { text: 'two', id: 'same', embedding: unit(1) },
    ]);
    await expect(index.replaceDocumentChunks(tenant, target, repeated)).rejects.toBeInstanceOf(
      ValidationError,
    );
    const clash = makeChunks(leave, [
      { text: 'fresh', id: 'fresh-id', embedding: unit(0) },
      { text: 'clash', id: taken[0]!.id, embedding: unit(1) },
    ]);
    await expect(index.replaceDocumentChunks(tenant, target, clash)).rejects.toBeInstanceOf(ConflictError);
    expect(await index.getChunks(tenant, [chunks[0]!.id, taken[0]!.id, 'fresh-id'])).toEqual([
      ...chunks,
      ...taken,
    ]);
    expect(await stores.knowledge.getDocument(tenant, leave.id)).toMatchObject({
      status: 'ready',
      chunkCount: 1,
    });
  });

  it('serialises replacements of one document from several writers at once', async () => {
    const tenant = newTenant();
    const kb = await base(tenant);
    const document = await createDocument(stores, tenant, kb, 'shared.md');
    const versions = ['alpha', 'bravo', 'charlie'].map((word, v) =>
      makeChunks(
        document,
        [0, 1, 2].map((i) => ({ text: `${word} ${i}`, embedding: unit(i + v) })),
      ),
    );
    await Promise.all(
      versions.map((chunks, v) =>
        index.replaceDocumentChunks(
          tenant,
          { id: document.id, knowledgeBaseId: kb.id, sha256: `v${v}` },
          chunks,
        ),
      ),
    );
    const stored = await index.getChunks(
      tenant,
      versions[0]!.map((chunk) => chunk.id),
    );
    const winner = versions.findIndex((chunks) => chunks[0]!.text === stored[0]?.text);
    expect(stored).toEqual(versions[winner]);
    expect(await stores.knowledge.getDocument(tenant, document.id)).toMatchObject({
      sha256: `v${winner}`,
      chunkCount: 3,
    });
  });

  it('writes over a thousand chunks in batches and scans them in a stable order', async () => {
    const tenant = newTenant();
    const kb = await base(tenant, 8);
    const first = await createDocument(stores, tenant, kb, 'a.csv');
    const second = await createDocument(stores, tenant, kb, 'b.csv');
    const texts = Array.from({ length: 1100 }, (_, i) => ({
      text: `row ${i}`,
      embedding: hashEmbedding(`row ${i}`, 8),
    }));
    await storeChunks(stores, second, texts.slice(0, 3));
    await storeChunks(stores, first, texts);
    expect(await index.countChunks(tenant, kb.id)).toBe(1103);
    const batches: Chunk[][] = [];
    for await (const batch of index.scan(tenant, kb.id, { batchSize: 500 })) batches.push(batch);
    expect(batches.map((batch) => batch.length)).toEqual([500, 500, 103]);
    const scanned = batches.flat();
    const expectedOrder = [first.id, second.id].sort();
    expect(scanned[0]!.documentId).toBe(expectedOrder[0]);
    const firstDocument = scanned.filter((chunk) => chunk.documentId === first.id);
    expect(firstDocument.map((chunk) => chunk.position)).toEqual(texts.map((_, i) => i));
    // Embeddings come back as float32.
    expect(firstDocument[7]!.embedding).toEqual(texts[7]!.embedding.map(Math.fround));
    const empty: Chunk[] = [];
    for await (const batch of index.scan(newTenant(), kb.id)) empty.push(...batch);
    for await (const batch of index.scan(tenant, 'unknown')) empty.push(...batch);
    expect(empty).toEqual([]);
  });

  it('filters by document, source and metadata equality, and keeps tenants apart', async () => {
    const tenant = newTenant();
    const kb = await base(tenant);
    const leave = await createDocument(stores, tenant, kb, 'leave.md');
    const security = await createDocument(stores, tenant, kb, 'security.md');
    await storeChunks(stores, leave, [
      { text: 'leave 0', embedding: unit(0), metadata: { topic: 'leave', tags: ['handbook', 'leave.md'] } },
      { text: 'leave 1', embedding: unit(1), metadata: { topic: 'leave', position: 1 } },
    ]);
    await storeChunks(stores, security, [
      {
        text: 'security 0',
        embedding: unit(0),
        metadata: { topic: 'security', tags: ['handbook', 'security.md'] },
      },
    ]);
    const search = async (filter: Parameters<typeof index.vectorSearch>[1]['filter'], tenantId = tenant) =>
      (await index.vectorSearch(tenantId, { knowledgeBaseId: kb.id, embedding: unit(0), k: 10, filter })).map(
        (hit) => hit.text,
      );
    expect(await search({ documentIds: [leave.id] })).toEqual(['leave 0', 'leave 1']);
    expect(await search({ sources: ['security.md'] })).toEqual(['security 0']);
    expect(await search({ metadata: { topic: 'leave', position: 1 } })).toEqual(['leave 1']);
    expect(await search({ metadata: { tags: ['handbook', 'security.md'] } })).toEqual(['security 0']);
    expect(await search({ metadata: { tags: ['handbook'] } })).toEqual([]);
    expect(await search({ metadata: { missing: null } })).toEqual([]);
    expect(await search({ documentIds: [] })).toEqual([]);
    expect(await search({}, newTenant())).toEqual([]);
    const [hit] = await index.vectorSearch(tenant, { knowledgeBaseId: kb.id, embedding: unit(1), k: 1 });
    expect(hit).toMatchObject({
      text: 'leave 1',
      source: 'leave.md',
      documentId: leave.id,
      knowledgeBaseId: kb.id,
    });
    expect(hit!.score).toBeCloseTo(1, 5);
  });

  it('builds filters with $and, $eq and $in only, never an empty $in', () => {
    expect(queryFilter('t', { documentIds: ['d'], metadata: { k: [1, 'a'] } })).toEqual({
      $and: [
        { tenant_id: { $eq: 't' } },
        { has_vector: { $eq: true } },
        { document_id: { $in: ['d'] } },
        { metadata_terms: { $eq: 'k=[1,"a"]' } },
      ],
    });
    expect(queryFilter('t', { sources: [] })).toBeUndefined();
  });

  it('says plainly that keyword search is not available, and refuses keyword-only bases', async () => {
    const tenant = newTenant();
    const kb = await base(tenant);
    const keyword = index.keywordSearch(tenant, { knowledgeBaseId: kb.id, text: 'leave', k: 3 });
    await expect(keyword).rejects.toBeInstanceOf(DependencyError);
    await expect(keyword).rejects.toThrow(VECTOR_ONLY_MESSAGE);
    const plain = await stores.knowledge.createKnowledgeBase(tenant, { name: 'plain' });
    const document = await createDocument(stores, tenant, plain, 'a.md');
    await expect(storeChunks(stores, document, ['text only'])).rejects.toThrow(/no embedding model/);
    expect(await stores.knowledge.getDocument(tenant, document.id)).toMatchObject({ status: 'processing' });
  });

  it('refuses chunks beyond the metadata limits with the chunk named', async () => {
    const tenant = newTenant();
    const kb = await base(tenant);
    const document = await createDocument(stores, tenant, kb, 'big.md');
    await expect(
      storeChunks(stores, document, [{ text: 'x'.repeat(41_000), embedding: unit(0), id: 'long-text' }]),
    ).rejects.toThrow(/chunk "long-text" needs .* bytes of metadata/);
    const wide = Object.fromEntries(
      Array.from({ length: 40 }, (_, i) => [`key${i}`, `value ${i} `.repeat(8)]),
    );
    await expect(
      storeChunks(stores, document, [{ text: 'wide', embedding: unit(0), metadata: wide, id: 'wide' }]),
    ).rejects.toThrow(/chunk "wide" has .* bytes of filterable metadata/);
    expect(await index.countChunks(tenant, kb.id)).toBe(0);
  });

  it('deletes vectors with their document, and the index with its base', async () => {
    const tenant = newTenant();
    const kb = await base(tenant);
    const first = await createDocument(stores, tenant, kb, 'first.md');
    const second = await createDocument(stores, tenant, kb, 'second.md');
    const gone = await storeChunks(stores, first, [{ text: 'first', embedding: unit(0) }]);
    const kept = await storeChunks(stores, second, [{ text: 'second', embedding: unit(1) }]);
    await stores.knowledge.deleteDocument(tenant, first.id);
    expect(await index.getChunks(tenant, [gone[0]!.id, kept[0]!.id])).toEqual(kept);
    expect(await stores.knowledge.knowledgeBaseStats(tenant, kb.id)).toMatchObject({
      documents: 1,
      chunks: 1,
    });
    await stores.knowledge.deleteKnowledgeBase(tenant, 'handbook');
    expect(await index.countChunks(tenant, kb.id)).toBe(0);
    expect(await index.getChunks(tenant, [kept[0]!.id])).toEqual([]);
  });

  it('turns service errors into GodwitErrors that say what to do', async () => {
    const tenant = newTenant();
    const kb = await base(tenant);
    emulator.failNext(1, 429, 'TooManyRequestsException');
    const throttled = await index.countChunks(tenant, kb.id).catch((error: unknown) => error);
    expect(throttled).toBeInstanceOf(DependencyError);
    expect((throttled as DependencyError).isRetryable).toBe(true);
    emulator.failNext(1, 403, 'AccessDeniedException');
    await expect(index.countChunks(tenant, kb.id)).rejects.toThrow(/Grant this role s3vectors:ListVectors/);
    const missing = new S3VectorsVectorIndex(catalogue, {
      bucket: 'no-such-bucket',
      region: 'us-east-1',
      client: s3vectorsClient(),
    });
    await expect(missing.getChunks(tenant, ['x'])).rejects.toThrow(
      /Create the vector bucket "no-such-bucket"/,
    );
    const closed = await startS3VectorsEmulator();
    const url = closed.url;
    await closed.close();
    const unreachable = new S3VectorsVectorIndex(catalogue, {
      bucket: BUCKET,
      region: 'us-east-1',
      client: s3vectorsClient(url),
    });
    await expect(unreachable.getChunks(tenant, ['x'])).rejects.toBeInstanceOf(DependencyError);
    expect(
      () => new S3VectorsVectorIndex(catalogue, { bucket: BUCKET, region: 'us-east-1', indexPrefix: 'Bad' }),
    ).toThrow(ValidationError);
  });

  it('answers retrieval by vector alone when the store has no keyword search', async () => {
    const tenant = newTenant();
    const kb = await base(tenant, 16);
    const document = await createDocument(stores, tenant, kb, 'policy.md');
    const texts = ['Parental leave lasts sixteen weeks.', 'Expense reports need receipts.'];
    await storeChunks(
      stores,
      document,
      texts.map((text) => ({ text, embedding: hashEmbedding(text, 16) })),
    );
    const retriever = new Retriever({
      index,
      keywordSearch: false,
      embedders: new Map([
        [
          'test:hash',
          {
            model: 'test:hash',
            version: '1',
            dimension: 16,
            embed: async (inputs: string[]) => inputs.map((text) => hashEmbedding(text, 16)),
          },
        ],
      ]),
      fuse: (lists, k) => fuseResults(lists, { key: (hit) => hit.chunkId, k }),
    });
    const knowledgeBase = kb as KnowledgeBase;
    const hits = await retriever.search(tenant, {
      knowledgeBase,
      query: 'Expense reports need receipts.',
      k: 1,
    });
    expect(hits.map((hit) => hit.text)).toEqual(['Expense reports need receipts.']);
    const hybrid = await retriever.search(tenant, {
      knowledgeBase,
      query: 'parental leave weeks',
      k: 2,
      mode: 'hybrid',
    });
    expect(hybrid[0]?.text).toBe('Parental leave lasts sixteen weeks.');
    await expect(
      retriever.search(tenant, { knowledgeBase, query: 'leave', k: 2, mode: 'keyword' }),
    ).rejects.toThrow(/no keyword search/);
  });
});
