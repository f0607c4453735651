/**
 * The Chroma VectorIndex on a real Chroma server (`chroma run`, started here on 127.0.0.1), with the
 * document catalogue on PGlite; and createGodwit with `storage.vectors: chroma`.
 *
 * Contract coverage: the vector-search contract runs unchanged. The rest of the VectorIndex contract and
 * the KnowledgeStore contract are not run as suites, because their fixtures store chunks in knowledge bases
 * without an embedding model and rank keyword (BM25) search against the reference — neither exists in a
 * vector-only store. `replaceManyDocumentChunks` is optional and not offered (callers fall back to one
 * replace per document). The requirements that do apply (replace semantics, ready/hash/count, refusals that
 * change nothing, ownership conflicts, serialised writers, bulk writes, reading, scanning in a stable
 * order, tenant isolation, deletes through the catalogue) are tested below against the same expectations.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGodwit } from '../../src/config/create-godwit.ts';
import { configSchema } from '../../src/config/schema.ts';
import { ConflictError, DependencyError, NotFoundError, ValidationError } from '../../src/core/errors.ts';
import type { Embedder } from '../../src/core/models.ts';
import { fuseResults } from '../../src/core/retrieval/fusion.ts';
import { Retriever } from '../../src/core/retrieval/retriever.ts';
import { type Chunk, DEFAULT_TENANT, type KnowledgeBase, type Metadata } from '../../src/core/types.ts';
import { freePort } from '../../src/migrate/sources/chroma-process.ts';
import { CataloguedKnowledgeStore, indexName } from '../../src/storage/catalogue/index.ts';
import { ChromaHttp } from '../../src/storage/chroma/chroma-http.ts';
import { CHROMA_VECTOR_ONLY_MESSAGE, ChromaVectorIndex } from '../../src/storage/chroma/index.ts';
import { SqlDocumentCatalogue } from '../../src/storage/postgres/index.ts';
import { migrateSchema } from '../../src/storage/postgres/migrate-schema.ts';
import { openPgliteClient } from '../../src/storage/postgres/pglite-client.ts';
import { PostgresKnowledgeStore } from '../../src/storage/postgres/postgres-knowledge-store.ts';
import type { SqlClient } from '../../src/storage/postgres/sql-client.ts';
import { type ChromaTestServer, startChromaServer } from '../support/chroma-server.ts';
import { hashEmbedding } from '../support/emulators/hash-embedding.ts';
import { newTenant } from './contract-fixture.ts';
import { createDocument, type KnowledgeStores, makeChunks, storeChunks } from './knowledge-fixtures.ts';
import { describeVectorSearch } from './vector-search-contract.ts';

let client: SqlClient;
let chroma: ChromaTestServer;
let catalogue: SqlDocumentCatalogue;
let index: ChromaVectorIndex;
let stores: KnowledgeStores;

beforeAll(async () => {
  chroma = await startChromaServer();
  client = await openPgliteClient();
  await migrateSchema(client, undefined);
  catalogue = new SqlDocumentCatalogue(client);
  // A small write batch, so batching is exercised without thousands of chunks.
  index = new ChromaVectorIndex(catalogue, { url: chroma.url, collectionPrefix: 'contract', batchSize: 300 });
  stores = {
    knowledge: new CataloguedKnowledgeStore(new PostgresKnowledgeStore(client), catalogue, index),
    index,
  };
}, 90_000);
afterAll(async () => {
  await client?.close();
  await chroma?.stop();
});

describe('VectorIndex contract: Chroma (real server) + PGlite catalogue', () => {
  describeVectorSearch(() => stores);
});

/** Exactly representable in float32, so stored embeddings compare equal after the round trip. */
function unit(position: number, dimension = 4): number[] {
  return Array.from({ length: dimension }, (_, index) => (index === position % dimension ? 1 : 0.5));
}

async function base(tenant = newTenant(), dimension = 4, name = 'handbook') {
  return stores.knowledge.createKnowledgeBase(tenant, {
    name,
    embeddingModel: 'test:hash',
    embeddingDimension: dimension,
  });
}

async function chromaCollections(): Promise<Array<{ name: string; dimension: number | null }>> {
  const response = await fetch(
    `${chroma.url}/api/v2/tenants/default_tenant/databases/default_database/collections?limit=1000`,
  );
  return (await response.json()) as Array<{ name: string; dimension: number | null }>;
}

describe('Chroma adapter', () => {
  it('stores chunks with unicode text, location and awkward metadata, and marks the document ready', async () => {
    const tenant = newTenant();
    const kb = await base(tenant);
    const document = await createDocument(stores, tenant, kb, 'guide — ünïcode 東京.md');
    const awkward: Metadata = {
      lang: 'en',
      nested: { b: [1, 2], a: null },
      empty: null,
      list: ['x', 1, true],
      'dotted.key': 'value',
      $dollar: '$and',
      'ключ 😀': 'значение 😀',
      '': 'empty key',
      looksLikeJson: '[1,2]',
      huge: 2 ** 60,
      fraction: 0.1,
      flag: false,
    };
    const chunks = makeChunks(document, [
      {
        text: 'First chunk — café, Größe, 東京, 😀',
        location: { headings: ['Intro', 'Ünïcode'], line: 1 },
        metadata: awkward,
        embedding: unit(0),
        id: 'chunk with spaces/and|pipes ü',
      },
      { text: '', location: { page: 2, sheet: 'S', row: 3 }, metadata: {}, embedding: unit(1) },
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

    const search = async (metadata: Metadata) =>
      (
        await index.vectorSearch(tenant, {
          knowledgeBaseId: kb.id,
          embedding: unit(0),
          k: 10,
          filter: { metadata },
        })
      ).map((hit) => hit.chunkId);
    const first = [chunks[0]!.id];
    for (const [key, value] of Object.entries(awkward)) expect(await search({ [key]: value })).toEqual(first);
    // Equality is exact: key order inside objects does not matter, but types and whole values do.
    expect(await search({ nested: { a: null, b: [1, 2] } })).toEqual(first);
    expect(await search({ looksLikeJson: [1, 2] })).toEqual([]);
    expect(await search({ list: ['x', 1] })).toEqual([]);
    expect(await search({ huge: String(2 ** 60) })).toEqual([]);
    expect(await search({ flag: 0 })).toEqual([]);
    expect(await search({ lang: 'en', fraction: 0.1 })).toEqual(first);
    expect(await search({ missing: null })).toEqual([]);
    const [hit] = await index.vectorSearch(tenant, { knowledgeBaseId: kb.id, embedding: unit(0), k: 1 });
    expect(hit).toMatchObject({
      chunkId: chunks[0]!.id,
      text: chunks[0]!.text,
      source: 'guide — ünïcode 東京.md',
      location: chunks[0]!.location,
      metadata: awkward,
    });
    expect(hit!.score).toBeCloseTo(1, 5);
  });

  it('replaces old chunks, dropping metadata keys a reused chunk id no longer has', async () => {
    const tenant = newTenant();
    const kb = await base(tenant);
    const leave = await createDocument(stores, tenant, kb, 'leave.md');
    const other = await createDocument(stores, tenant, kb, 'other.md');
    const old = await storeChunks(
      stores,
      leave,
      ['a', 'b', 'c'].map((text, i) => ({
        text,
        embedding: unit(i),
        metadata: { version: 1, [`only${i}`]: true },
      })),
    );
    const kept = await storeChunks(stores, other, [{ text: 'kept', embedding: unit(3) }]);
    await stores.knowledge.markDocumentFailed(tenant, leave.id, 'earlier failure');
    const replacement = makeChunks(leave, [
      { text: 'new zero', id: `${leave.id}:new-0`, embedding: unit(0), metadata: { version: 2 } },
      { text: 'b again', id: old[1]!.id, embedding: unit(2), metadata: { version: 2 } },
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
    const filtered = async (metadata: Metadata) =>
      (
        await index.vectorSearch(tenant, {
          knowledgeBaseId: kb.id,
          embedding: unit(0),
          k: 10,
          filter: { metadata },
        })
      ).map((hit) => hit.text);
    expect(await filtered({ only1: true })).toEqual([]);
    expect(await filtered({ version: 1 })).toEqual([]);
    expect(await filtered({ version: 2 })).toEqual(['new zero', 'b again']);
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
    const elsewhere = await base(tenant, 4, 'elsewhere');
    const leave = await createDocument(stores, tenant, kb, 'leave.md');
    const other = await createDocument(stores, tenant, elsewhere, 'other.md');
    const chunks = await storeChunks(stores, leave, [{ text: 'leave', embedding: unit(0) }]);
    // Chunk ids are unique per tenant, across knowledge bases.
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
    const wrongDimension = makeChunks(leave, [{ text: 'short', embedding: [1, 0] }]);
    await expect(index.replaceDocumentChunks(tenant, target, wrongDimension)).rejects.toBeInstanceOf(
      ValidationError,
    );
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
    const scan = async (batchSize: number) => {
      const batches: Chunk[][] = [];
      for await (const batch of index.scan(tenant, kb.id, { batchSize })) batches.push(batch);
      return batches;
    };
    const batches = await scan(500);
    expect(batches.map((batch) => batch.length)).toEqual([500, 500, 103]);
    const scanned = batches.flat();
    expect((await scan(1000)).flat()).toEqual(scanned);
    const expectedOrder = [first.id, second.id].sort();
    expect(scanned.map((chunk) => chunk.documentId)).toEqual(
      expectedOrder.flatMap((id) => Array.from({ length: id === first.id ? 1100 : 3 }, () => id)),
    );
    const firstDocument = scanned.filter((chunk) => chunk.documentId === first.id);
    expect(firstDocument.map((chunk) => chunk.position)).toEqual(texts.map((_, i) => i));
    // Embeddings come back as the float32 of what was given, exactly.
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
    expect(await search({ documentIds: [] })).toEqual([]);
    expect(await search({ sources: [] })).toEqual([]);
    expect(await search({}, newTenant())).toEqual([]);
    // Another tenant naming this base's id reads nothing, even with the collection in place.
    const intruder = newTenant();
    expect(await index.countChunks(intruder, kb.id)).toBe(0);
    expect(await index.getChunks(intruder, [`${leave.id}:0`])).toEqual([]);
    await expect(
      index.vectorSearch(tenant, { knowledgeBaseId: kb.id, embedding: [1, 0], k: 3 }),
    ).rejects.toBeInstanceOf(ValidationError);
  });

  it('says plainly that keyword search is not available, and refuses keyword-only bases', async () => {
    const tenant = newTenant();
    const kb = await base(tenant);
    const keyword = index.keywordSearch(tenant, { knowledgeBaseId: kb.id, text: 'leave', k: 3 });
    await expect(keyword).rejects.toBeInstanceOf(DependencyError);
    await expect(keyword).rejects.toThrow(CHROMA_VECTOR_ONLY_MESSAGE);
    const plain = await stores.knowledge.createKnowledgeBase(tenant, { name: 'plain' });
    const document = await createDocument(stores, tenant, plain, 'a.md');
    await expect(storeChunks(stores, document, ['text only'])).rejects.toThrow(/no embedding model/);
    expect(await stores.knowledge.getDocument(tenant, document.id)).toMatchObject({ status: 'processing' });
  });

  it('deletes chunks with their document, and the collection with its base', async () => {
    const tenant = newTenant();
    const kb = await base(tenant);
    const first = await createDocument(stores, tenant, kb, 'first.md');
    const second = await createDocument(stores, tenant, kb, 'second.md');
    const gone = await storeChunks(stores, first, [{ text: 'first', embedding: unit(0) }]);
    const kept = await storeChunks(stores, second, [{ text: 'second', embedding: unit(1) }]);
    const name = indexName('contract', kb.id);
    expect((await chromaCollections()).map((collection) => collection.name)).toContain(name);
    await stores.knowledge.deleteDocument(tenant, first.id);
    expect(await index.getChunks(tenant, [gone[0]!.id, kept[0]!.id])).toEqual(kept);
    expect(await stores.knowledge.knowledgeBaseStats(tenant, kb.id)).toMatchObject({
      documents: 1,
      chunks: 1,
    });
    await stores.knowledge.deleteKnowledgeBase(tenant, 'handbook');
    expect(await index.countChunks(tenant, kb.id)).toBe(0);
    expect(await index.getChunks(tenant, [kept[0]!.id])).toEqual([]);
    expect((await chromaCollections()).map((collection) => collection.name)).not.toContain(name);
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
      embedders: new Map([['test:hash', hashEmbedder(16)]]),
      fuse: (lists, k) => fuseResults(lists, { key: (hit) => hit.chunkId, k }),
    });
    const knowledgeBase = kb as KnowledgeBase;
    const hits = await retriever.search(tenant, {
      knowledgeBase,
      query: 'Expense reports need receipts.',
      k: 1,
    });
    expect(hits.map((hit) => hit.text)).toEqual(['Expense reports need receipts.']);
    await expect(
      retriever.search(tenant, { knowledgeBase, query: 'leave', k: 2, mode: 'keyword' }),
    ).rejects.toThrow(/no keyword search/);
  });
});

describe('Chroma errors', () => {
  it('names the URL and the fix when the server is not reachable, and reports it in health', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const unreachable = new ChromaVectorIndex(catalogue, { url });
    const tenant = newTenant();
    const kb = await base(tenant);
    const attempt = unreachable.vectorSearch(tenant, { knowledgeBaseId: kb.id, embedding: unit(0), k: 3 });
    await expect(attempt).rejects.toBeInstanceOf(DependencyError);
    await expect(attempt).rejects.toThrow(`Chroma at ${url} is not reachable`);
    await expect(attempt).rejects.toThrow(/storage\.chroma\.url/);
    const health = await unreachable.health();
    expect(health).toMatchObject({ name: 'chroma', ok: false });
    expect(health.detail).toContain(url);
    expect(await index.health()).toMatchObject({ name: 'chroma', ok: true, version: expect.any(String) });
  });

  it('never passes on Chroma error bodies, and names a missing tenant or database', async () => {
    const missing = new ChromaVectorIndex(catalogue, { url: chroma.url, database: 'no_such_database' });
    const tenant = newTenant();
    const kb = await base(tenant);
    const document = await createDocument(stores, tenant, kb, 'a.md');
    const error = await storeChunks({ ...stores, index: missing }, document, [
      { text: 'x', embedding: unit(0) },
    ]).then(
      () => new Error('expected a failure'),
      (caught: unknown) => caught as Error,
    );
    expect(error).toBeInstanceOf(DependencyError);
    expect(error.message).toMatch(/no tenant "default_tenant" with database "no_such_database"/);
    expect(error.message).not.toMatch(/Are you sure|not found/);
    expect(await missing.health()).toMatchObject({ ok: false });
    // A collection made elsewhere with Chroma's default (l2) distance is not taken over.
    const foreignKb = await base(tenant, 4, 'foreign');
    await chroma.createCollection(indexName('contract', foreignKb.id), { 'hnsw:space': 'l2' });
    const foreignDocument = await createDocument(stores, tenant, foreignKb, 'b.md');
    await expect(
      storeChunks(stores, foreignDocument, [{ text: 'x', embedding: unit(0) }]),
    ).rejects.toBeInstanceOf(ConflictError);
  });

  it('turns a dimension mismatch inside Chroma into a ValidationError without its message', async () => {
    const tenant = newTenant();
    // The catalogue knows no dimension, so only Chroma's collection can catch the mismatch.
    const kb = await stores.knowledge.createKnowledgeBase(tenant, {
      name: 'loose',
      embeddingModel: 'test:any',
    });
    const document = await createDocument(stores, tenant, kb, 'a.md');
    await storeChunks(stores, document, [{ text: 'three', embedding: [1, 0, 0] }]);
    const fresh = new ChromaVectorIndex(catalogue, { url: chroma.url, collectionPrefix: 'contract' });
    const attempt = storeChunks({ ...stores, index: fresh }, document, [{ text: 'two', embedding: [1, 0] }]);
    await expect(attempt).rejects.toBeInstanceOf(ValidationError);
    await expect(attempt).rejects.toThrow(/3-dimension vectors, not 2/);
    // The same mismatch caught by Chroma itself: our words, not Chroma's.
    const http = new ChromaHttp({ url: chroma.url });
    const collectionId = await chroma.createCollection('raw-dimension-check');
    await http.inDatabase('POST', `/collections/${collectionId}/upsert`, {
      ids: ['a'],
      embeddings: [[1, 0, 0]],
    });
    const mismatch = await http
      .inDatabase('POST', `/collections/${collectionId}/upsert`, { ids: ['b'], embeddings: [[1, 0]] })
      .then(
        () => new Error('expected a failure'),
        (caught: unknown) => caught as Error,
      );
    expect(mismatch).toBeInstanceOf(ValidationError);
    expect(mismatch.message).toMatch(/dimension does not match/);
    expect(mismatch.message).not.toMatch(/expecting|got 2/);
    const malformed = await http
      .inDatabase('POST', `/collections/${collectionId}/upsert`, { ids: ['c'], embeddings: 'nonsense' })
      .then(
        () => new Error('expected a failure'),
        (caught: unknown) => caught as Error,
      );
    expect(malformed).toBeInstanceOf(DependencyError);
    expect(malformed.message).toMatch(/HTTP 4\d\d/);
    expect(malformed.message).not.toMatch(/deserialize|nonsense/);
  });

  it('reports a failing server or one that is not Chroma without passing on what it said', async () => {
    let reply = { status: 500, body: '{"error":"InternalError","message":"panic at segment/secret.rs"}' };
    const server = createServer((_request, response) => {
      response.writeHead(reply.status, { 'content-type': 'application/json' });
      response.end(reply.body);
    });
    await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
    const { port } = server.address() as AddressInfo;
    try {
      const http = new ChromaHttp({ url: `http://127.0.0.1:${port}` });
      const failing = await http.request('GET', '/api/v2/heartbeat').then(
        () => new Error('expected a failure'),
        (caught: unknown) => caught as DependencyError,
      );
      expect(failing).toBeInstanceOf(DependencyError);
      expect((failing as DependencyError).isRetryable).toBe(true);
      expect(failing.message).toMatch(/answered HTTP 500 \(InternalError\)/);
      expect(failing.message).not.toMatch(/panic|secret/);
      reply = { status: 200, body: '<html>a login page</html>' };
      await expect(http.request('GET', '/api/v2/heartbeat')).rejects.toThrow(/other than JSON/);
    } finally {
      await new Promise((resolveClose) => server.close(resolveClose));
    }
  });

  it('refuses unusable settings', () => {
    expect(
      () => new ChromaVectorIndex(catalogue, { url: chroma.url, collectionPrefix: 'bad prefix' }),
    ).toThrow(ValidationError);
    expect(() => new ChromaVectorIndex(catalogue, { url: 'not a url' })).toThrow(ValidationError);
    expect(() => new ChromaVectorIndex(catalogue, { url: 'ftp://127.0.0.1:8000' })).toThrow(ValidationError);
  });
});

function hashEmbedder(dimension: number): Embedder {
  return {
    model: 'test:hash',
    version: '1',
    dimension,
    embed: async (texts: string[]) => texts.map((text) => hashEmbedding(text, dimension)),
  };
}

describe('storage.vectors: chroma', () => {
  it('has defaults in the config schema and checks the collection prefix', () => {
    const storage = configSchema.parse({ storage: { vectors: 'chroma' } }).storage;
    expect(storage.chroma).toEqual({
      url: 'http://127.0.0.1:8000',
      tenant: null,
      database: null,
      collectionPrefix: 'godwit',
      token: null,
      tokenHeader: 'Authorization',
      headers: {},
    });
    const issue = configSchema.safeParse({ storage: { chroma: { collectionPrefix: '-bad' } } }).error
      ?.issues[0];
    expect(issue?.message).toMatch(/Chroma collection names/);
    expect(configSchema.safeParse({ storage: { chroma: { url: 'nope' } } }).success).toBe(false);
  });

  it('ingests, searches by vector and deletes through createGodwit with the catalogue on PGlite', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'godwit-chroma-composition-'));
    const config = configSchema.parse({
      dataDir,
      sample: false,
      models: { embedding: 'test:hash' },
      storage: { vectors: 'chroma', chroma: { url: chroma.url, collectionPrefix: 'composition' } },
    });
    const godwit = await createGodwit(config, {
      env: {},
      embedders: new Map([['test:hash', hashEmbedder(16)]]),
    });
    try {
      const kb = await godwit.knowledge.createKnowledgeBase(DEFAULT_TENANT, { name: 'chroma' });
      const outcome = await godwit.knowledge.ingest(DEFAULT_TENANT, kb, {
        source: 'leave.md',
        bytes: new TextEncoder().encode(
          '# Leave\n\nParental leave lasts sixteen weeks.\n\n# Expenses\n\nSubmit receipts.\n',
        ),
      });
      expect(outcome).toMatchObject({ status: 'created' });
      const names = (await chromaCollections()).map((collection) => collection.name);
      expect(names).toContain(indexName('composition', kb.id));
      const hits = await godwit.retriever.search(DEFAULT_TENANT, {
        knowledgeBase: kb,
        query: 'Parental leave lasts sixteen weeks.',
        k: 1,
      });
      expect(hits[0]?.text).toContain('Parental leave');
      const count = await godwit.index.countChunks(DEFAULT_TENANT, kb.id);
      expect(count).toBeGreaterThan(0);
      expect(await godwit.knowledgeStore.knowledgeBaseStats(DEFAULT_TENANT, kb.id)).toMatchObject({
        documents: 1,
        chunks: count,
      });
      const health = await godwit.health();
      expect(health.find((report) => report.name === 'chroma')).toMatchObject({ ok: true });
      await godwit.knowledgeStore.deleteDocument(DEFAULT_TENANT, outcome.documentId!);
      expect(await godwit.index.countChunks(DEFAULT_TENANT, kb.id)).toBe(0);
    } finally {
      await godwit.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
