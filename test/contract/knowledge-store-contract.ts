/** The KnowledgeStore contract: every adapter passes it (with its VectorIndex, which shares its data). */
import { describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, ValidationError } from '../../src/core/errors.ts';
import type { KnowledgeDocument } from '../../src/core/types.ts';
import {
  type Capabilities,
  declaredMethod,
  type FixtureFactory,
  itHasDeclaredCapabilities,
  newTenant,
  useContractFixture,
} from './contract-fixture.ts';
import { createDocument, type KnowledgeStores, storeChunks } from './knowledge-fixtures.ts';

/** `upsertDocuments`: the store creates or updates many documents in one call. */
export type KnowledgeStoreCapabilities = Capabilities<'upsertDocuments'>;

export function describeKnowledgeStoreContract(
  name: string,
  factory: FixtureFactory<KnowledgeStores>,
  capabilities: KnowledgeStoreCapabilities,
): void {
  describe(`KnowledgeStore contract: ${name}`, () => {
    const stores = useContractFixture(factory);

    itHasDeclaredCapabilities(stores, capabilities, ({ knowledge }) => ({
      upsertDocuments: typeof knowledge.upsertDocuments === 'function',
    }));

    describe('knowledge bases', () => {
      it('creates a base with defaults, finds it by name and lists bases by name', async () => {
        const { knowledge } = stores();
        const tenant = newTenant();
        const created = await knowledge.createKnowledgeBase(tenant, { name: 'policies' });
        await knowledge.createKnowledgeBase(tenant, {
          name: 'faq',
          description: 'Questions',
          embeddingModel: 'local:lexical',
          embeddingVersion: '1',
          embeddingDimension: 8,
        });
        expect(created).toMatchObject({
          tenantId: tenant,
          name: 'policies',
          description: '',
          embeddingModel: null,
          embeddingVersion: null,
          embeddingDimension: null,
        });
        expect(created.id).toEqual(expect.any(String));
        expect(created.createdAt).toBeInstanceOf(Date);
        expect(await knowledge.getKnowledgeBase(tenant, 'policies')).toEqual(created);
        expect(await knowledge.getKnowledgeBase(tenant, 'missing')).toBeUndefined();
        const listed = await knowledge.listKnowledgeBases(tenant);
        expect(listed.map((base) => base.name)).toEqual(['faq', 'policies']);
        expect(listed[0]).toMatchObject({
          embeddingModel: 'local:lexical',
          embeddingVersion: '1',
          embeddingDimension: 8,
        });
      });

      it('refuses a duplicate name in one tenant but allows it in another', async () => {
        const { knowledge } = stores();
        const tenant = newTenant();
        await knowledge.createKnowledgeBase(tenant, { name: 'docs' });
        await expect(knowledge.createKnowledgeBase(tenant, { name: 'docs' })).rejects.toBeInstanceOf(
          ConflictError,
        );
        await expect(knowledge.createKnowledgeBase(newTenant(), { name: 'docs' })).resolves.toMatchObject({
          name: 'docs',
        });
        expect(await knowledge.listKnowledgeBases(tenant)).toHaveLength(1);
      });

      it('rejects an empty name and an impossible embedding dimension', async () => {
        const { knowledge } = stores();
        const tenant = newTenant();
        await expect(knowledge.createKnowledgeBase(tenant, { name: '' })).rejects.toBeInstanceOf(
          ValidationError,
        );
        await expect(
          knowledge.createKnowledgeBase(tenant, { name: 'bad', embeddingDimension: 0 }),
        ).rejects.toBeInstanceOf(ValidationError);
        expect(await knowledge.listKnowledgeBases(tenant)).toEqual([]);
      });

      it('updates only the fields given, and null clears the embedding model', async () => {
        const { knowledge } = stores();
        const tenant = newTenant();
        await knowledge.createKnowledgeBase(tenant, {
          name: 'kb',
          description: 'before',
          embeddingModel: 'm',
          embeddingVersion: 'v1',
          embeddingDimension: 4,
        });
        const described = await knowledge.updateKnowledgeBase(tenant, 'kb', { description: 'after' });
        expect(described).toMatchObject({ description: 'after', embeddingModel: 'm', embeddingDimension: 4 });
        const cleared = await knowledge.updateKnowledgeBase(tenant, 'kb', {
          embeddingModel: null,
          embeddingVersion: null,
          embeddingDimension: null,
        });
        expect(cleared).toMatchObject({
          description: 'after',
          embeddingModel: null,
          embeddingVersion: null,
          embeddingDimension: null,
        });
        expect(await knowledge.getKnowledgeBase(tenant, 'kb')).toEqual(cleared);
        await expect(
          knowledge.updateKnowledgeBase(tenant, 'nope', { description: 'x' }),
        ).rejects.toBeInstanceOf(NotFoundError);
      });

      it('deletes a base with its documents and chunks', async () => {
        const all = stores();
        const tenant = newTenant();
        const base = await all.knowledge.createKnowledgeBase(tenant, { name: 'gone' });
        const document = await createDocument(all, tenant, base, 'a.txt');
        const chunks = await storeChunks(all, document, ['alpha beta', 'gamma delta']);
        await all.knowledge.deleteKnowledgeBase(tenant, 'gone');
        expect(await all.knowledge.getKnowledgeBase(tenant, 'gone')).toBeUndefined();
        expect(await all.knowledge.getDocument(tenant, document.id)).toBeUndefined();
        expect(
          await all.index.getChunks(
            tenant,
            chunks.map((chunk) => chunk.id),
          ),
        ).toEqual([]);
        expect(await all.index.countChunks(tenant, base.id)).toBe(0);
        await expect(all.knowledge.deleteKnowledgeBase(tenant, 'gone')).rejects.toBeInstanceOf(NotFoundError);
        // The name is free again.
        await expect(all.knowledge.createKnowledgeBase(tenant, { name: 'gone' })).resolves.toMatchObject({
          name: 'gone',
        });
      });
    });

    describe('documents', () => {
      it('creates a document as processing and updates it in place for a known source', async () => {
        const all = stores();
        const tenant = newTenant();
        const base = await all.knowledge.createKnowledgeBase(tenant, { name: 'kb' });
        const first = await all.knowledge.upsertDocument(tenant, {
          knowledgeBaseId: base.id,
          source: 'handbook.pdf',
          mimeType: 'application/pdf',
          sha256: 'aaa',
          bytes: 1234,
          metadata: { title: 'Handbook', pages: 3 },
          blobKey: 'blobs/aaa',
        });
        expect(first).toMatchObject({
          tenantId: tenant,
          knowledgeBaseId: base.id,
          source: 'handbook.pdf',
          mimeType: 'application/pdf',
          sha256: 'aaa',
          bytes: 1234,
          status: 'processing',
          error: null,
          chunkCount: 0,
          metadata: { title: 'Handbook', pages: 3 },
          blobKey: 'blobs/aaa',
        });
        await all.knowledge.markDocumentFailed(tenant, first.id, 'parse error');
        const second = await all.knowledge.upsertDocument(tenant, {
          knowledgeBaseId: base.id,
          source: 'handbook.pdf',
          mimeType: 'application/pdf',
          sha256: 'bbb',
          bytes: 99,
        });
        expect(second).toMatchObject({
          id: first.id,
          sha256: 'bbb',
          bytes: 99,
          status: 'processing',
          error: null,
        });
        expect(second.metadata).toEqual({});
        expect(second.blobKey).toBeNull();
        expect(await all.knowledge.getDocument(tenant, first.id)).toEqual(second);
        expect(await all.knowledge.findDocumentBySource(tenant, base.id, 'handbook.pdf')).toEqual(second);
        expect(await all.knowledge.findDocumentBySource(tenant, base.id, 'other.pdf')).toBeUndefined();
        expect(await all.knowledge.listDocuments(tenant, base.id)).toEqual([second]);
      });

      it('keeps the same source in two bases apart and lists documents by source', async () => {
        const all = stores();
        const tenant = newTenant();
        const one = await all.knowledge.createKnowledgeBase(tenant, { name: 'one' });
        const two = await all.knowledge.createKnowledgeBase(tenant, { name: 'two' });
        const inOne = await createDocument(all, tenant, one, 'same.txt');
        const inTwo = await createDocument(all, tenant, two, 'same.txt');
        await createDocument(all, tenant, one, 'a-first.txt');
        expect(inOne.id).not.toBe(inTwo.id);
        expect(
          (await all.knowledge.listDocuments(tenant, one.id)).map((document) => document.source),
        ).toEqual(['a-first.txt', 'same.txt']);
        expect(await all.knowledge.listDocuments(tenant, two.id)).toHaveLength(1);

        // Several sources in one read, where the adapter has it: only this base's, none for a missing one.
        if (all.knowledge.findDocumentsBySources) {
          const found = await all.knowledge.findDocumentsBySources(tenant, one.id, [
            'same.txt',
            'a-first.txt',
            'missing.txt',
          ]);
          expect(found.map((document) => document.id).sort()).toEqual(
            [inOne.id, (await all.knowledge.findDocumentBySource(tenant, one.id, 'a-first.txt'))!.id].sort(),
          );
          expect(await all.knowledge.findDocumentsBySources(tenant, two.id, ['same.txt'])).toEqual([inTwo]);
          expect(await all.knowledge.findDocumentsBySources(newTenant(), one.id, ['same.txt'])).toEqual([]);
          expect(await all.knowledge.findDocumentsBySources(tenant, one.id, [])).toEqual([]);
          // More sources than one batch read takes (100 keys on DynamoDB), repeats included.
          const many = Array.from({ length: 150 }, (_, index) => `absent-${index}.txt`);
          expect(
            await all.knowledge.findDocumentsBySources(tenant, one.id, [...many, 'same.txt', 'same.txt']),
          ).toEqual([inOne]);
        }
      });

      it('refuses a document for a base that does not exist', async () => {
        const all = stores();
        await expect(
          all.knowledge.upsertDocument(newTenant(), {
            knowledgeBaseId: 'no-such-base',
            source: 'x.txt',
            mimeType: 'text/plain',
            sha256: 'x',
            bytes: 1,
          }),
        ).rejects.toBeInstanceOf(NotFoundError);
      });

      it('marks a document failed and counts it in the stats', async () => {
        const all = stores();
        const tenant = newTenant();
        const base = await all.knowledge.createKnowledgeBase(tenant, { name: 'kb' });
        const ok = await createDocument(all, tenant, base, 'ok.txt');
        const bad = await createDocument(all, tenant, base, 'bad.txt');
        await storeChunks(all, ok, ['one chunk', 'two chunk', 'three chunk']);
        await all.knowledge.markDocumentFailed(tenant, bad.id, 'corrupt file');
        expect(await all.knowledge.getDocument(tenant, bad.id)).toMatchObject({
          status: 'failed',
          error: 'corrupt file',
        });
        expect(await all.knowledge.knowledgeBaseStats(tenant, base.id)).toEqual({
          documents: 2,
          chunks: 3,
          failed: 1,
        });
        await expect(all.knowledge.markDocumentFailed(tenant, 'missing', 'x')).rejects.toBeInstanceOf(
          NotFoundError,
        );
      });

      it('deletes a document with its chunks and updates the stats', async () => {
        const all = stores();
        const tenant = newTenant();
        const base = await all.knowledge.createKnowledgeBase(tenant, { name: 'kb' });
        const keep = await createDocument(all, tenant, base, 'keep.txt');
        const drop = await createDocument(all, tenant, base, 'drop.txt');
        const kept = await storeChunks(all, keep, ['kept words here']);
        const dropped = await storeChunks(all, drop, ['dropped words', 'more dropped words']);
        await all.knowledge.deleteDocument(tenant, drop.id);
        expect(await all.knowledge.getDocument(tenant, drop.id)).toBeUndefined();
        expect(
          await all.index.getChunks(
            tenant,
            dropped.map((chunk) => chunk.id),
          ),
        ).toEqual([]);
        expect(await all.index.getChunks(tenant, [kept[0]!.id])).toHaveLength(1);
        expect(await all.knowledge.knowledgeBaseStats(tenant, base.id)).toEqual({
          documents: 1,
          chunks: 1,
          failed: 0,
        });
        const hits = await all.index.keywordSearch(tenant, {
          knowledgeBaseId: base.id,
          text: 'words',
          k: 10,
        });
        expect(hits.map((hit) => hit.chunkId)).toEqual([kept[0]!.id]);
        await expect(all.knowledge.deleteDocument(tenant, drop.id)).rejects.toBeInstanceOf(NotFoundError);
      });

      it('reports NotFoundError for the stats of an unknown base', async () => {
        await expect(stores().knowledge.knowledgeBaseStats(newTenant(), 'nope')).rejects.toBeInstanceOf(
          NotFoundError,
        );
      });
    });

    describe.runIf(capabilities.upsertDocuments)('upsertDocuments', () => {
      const input = (knowledgeBaseId: string, source: string, sha = `sha-${source}`) => ({
        knowledgeBaseId,
        source,
        mimeType: 'text/markdown',
        sha256: sha,
        bytes: source.length * 10,
        metadata: { title: source.toUpperCase(), tags: ['a', 'b'] },
        blobKey: `blobs/${source}`,
      });
      /** The fields a batch and single calls must agree on. */
      const fields = (document: KnowledgeDocument) => {
        const { id, knowledgeBaseId, createdAt, updatedAt, ...rest } = document;
        return rest;
      };

      it('creates and updates documents as the single calls do, in the order given', async () => {
        const all = stores();
        const upsertDocuments = declaredMethod(all.knowledge, 'upsertDocuments');
        const tenant = newTenant();
        const singly = await all.knowledge.createKnowledgeBase(tenant, { name: 'singly' });
        const batched = await all.knowledge.createKnowledgeBase(tenant, { name: 'batched' });
        const known = await all.knowledge.upsertDocument(tenant, input(batched.id, 'known.md', 'old'));
        await storeChunks(all, known, ['known words']);
        await all.knowledge.markDocumentFailed(tenant, known.id, 'an earlier failure');
        const knownSingly = await all.knowledge.upsertDocument(tenant, input(singly.id, 'known.md', 'old'));
        await storeChunks(all, knownSingly, ['known words']);
        await all.knowledge.markDocumentFailed(tenant, knownSingly.id, 'an earlier failure');

        const sources = ['zeta.md', 'known.md', 'alpha.md'];
        const expected = [];
        for (const source of sources) {
          expected.push(await all.knowledge.upsertDocument(tenant, input(singly.id, source)));
        }
        const documents = await upsertDocuments(
          tenant,
          sources.map((source) => input(batched.id, source)),
        );

        expect(documents.map(fields)).toEqual(expected.map(fields));
        expect(documents.map((document) => document.source)).toEqual(sources);
        expect(documents[1]).toMatchObject({
          id: known.id,
          status: 'processing',
          error: null,
          sha256: 'sha-known.md',
        });
        expect(documents.every((document) => document.knowledgeBaseId === batched.id)).toBe(true);
        for (const document of documents) {
          expect(await all.knowledge.getDocument(tenant, document.id)).toEqual(document);
        }
        expect(await all.knowledge.listDocuments(tenant, batched.id)).toEqual(
          [...documents].sort((left, right) => (left.source < right.source ? -1 : 1)),
        );
      });

      it('is idempotent: the same batch again keeps the same documents', async () => {
        const all = stores();
        const upsertDocuments = declaredMethod(all.knowledge, 'upsertDocuments');
        const tenant = newTenant();
        const base = await all.knowledge.createKnowledgeBase(tenant, { name: 'kb' });
        const other = await all.knowledge.createKnowledgeBase(tenant, { name: 'other' });
        // One batch may span bases, and the same source may appear once in each.
        const inputs = [input(base.id, 'a.md'), input(base.id, 'b.md'), input(other.id, 'a.md')];
        const first = await upsertDocuments(tenant, inputs);
        const second = await upsertDocuments(tenant, inputs);
        expect(second.map((document) => document.id)).toEqual(first.map((document) => document.id));
        expect(second.map(fields)).toEqual(first.map(fields));
        expect(new Set(first.map((document) => document.id)).size).toBe(3);
        expect(await all.knowledge.listDocuments(tenant, base.id)).toHaveLength(2);
        expect(await all.knowledge.listDocuments(tenant, other.id)).toHaveLength(1);
        expect(await all.knowledge.knowledgeBaseStats(tenant, base.id)).toEqual({
          documents: 2,
          chunks: 0,
          failed: 0,
        });
        expect(await upsertDocuments(tenant, [])).toEqual([]);
      });

      it('rejects the whole batch for one bad item and changes nothing', async () => {
        const all = stores();
        const upsertDocuments = declaredMethod(all.knowledge, 'upsertDocuments');
        const tenant = newTenant();
        const base = await all.knowledge.createKnowledgeBase(tenant, { name: 'kb' });
        const existing = await all.knowledge.upsertDocument(tenant, input(base.id, 'existing.md', 'kept'));
        const good = [input(base.id, 'existing.md', 'changed'), input(base.id, 'new.md')];
        await expect(
          upsertDocuments(tenant, [...good, input('no-such-base', 'x.md')]),
        ).rejects.toBeInstanceOf(NotFoundError);
        await expect(
          upsertDocuments(tenant, [...good, { ...input(base.id, 'y.md'), source: '' }]),
        ).rejects.toBeInstanceOf(ValidationError);
        await expect(
          upsertDocuments(tenant, [...good, { ...input(base.id, 'y.md'), sha256: '' }]),
        ).rejects.toBeInstanceOf(ValidationError);
        await expect(
          upsertDocuments(tenant, [...good, input(base.id, 'new.md', 'twice')]),
        ).rejects.toBeInstanceOf(ValidationError);
        expect(await all.knowledge.listDocuments(tenant, base.id)).toEqual([existing]);
      });

      it("never writes into another tenant's base", async () => {
        const all = stores();
        const upsertDocuments = declaredMethod(all.knowledge, 'upsertDocuments');
        const tenantA = newTenant();
        const tenantB = newTenant();
        const base = await all.knowledge.createKnowledgeBase(tenantA, { name: 'private' });
        const secret = await all.knowledge.upsertDocument(tenantA, input(base.id, 'secret.md', 'mine'));
        const own = await all.knowledge.createKnowledgeBase(tenantB, { name: 'own' });
        await expect(
          upsertDocuments(tenantB, [input(own.id, 'b.md'), input(base.id, 'secret.md', 'evil')]),
        ).rejects.toBeInstanceOf(NotFoundError);
        expect(await all.knowledge.listDocuments(tenantA, base.id)).toEqual([secret]);
        expect(await all.knowledge.listDocuments(tenantB, own.id)).toEqual([]);
      });
    });

    describe('tenant isolation', () => {
      it("never lets tenant B read or change tenant A's bases and documents", async () => {
        const all = stores();
        const tenantA = newTenant();
        const tenantB = newTenant();
        const base = await all.knowledge.createKnowledgeBase(tenantA, { name: 'private' });
        const document = await createDocument(all, tenantA, base, 'secret.txt');
        await storeChunks(all, document, ['secret salary numbers']);

        expect(await all.knowledge.getKnowledgeBase(tenantB, 'private')).toBeUndefined();
        expect(await all.knowledge.listKnowledgeBases(tenantB)).toEqual([]);
        await expect(
          all.knowledge.updateKnowledgeBase(tenantB, 'private', { description: 'x' }),
        ).rejects.toBeInstanceOf(NotFoundError);
        await expect(all.knowledge.deleteKnowledgeBase(tenantB, 'private')).rejects.toBeInstanceOf(
          NotFoundError,
        );
        await expect(all.knowledge.knowledgeBaseStats(tenantB, base.id)).rejects.toBeInstanceOf(
          NotFoundError,
        );
        await expect(
          all.knowledge.upsertDocument(tenantB, {
            knowledgeBaseId: base.id,
            source: 'secret.txt',
            mimeType: 'text/plain',
            sha256: 'evil',
            bytes: 1,
          }),
        ).rejects.toBeInstanceOf(NotFoundError);
        expect(await all.knowledge.getDocument(tenantB, document.id)).toBeUndefined();
        expect(await all.knowledge.findDocumentBySource(tenantB, base.id, 'secret.txt')).toBeUndefined();
        expect(await all.knowledge.listDocuments(tenantB, base.id)).toEqual([]);
        await expect(all.knowledge.markDocumentFailed(tenantB, document.id, 'x')).rejects.toBeInstanceOf(
          NotFoundError,
        );
        await expect(all.knowledge.deleteDocument(tenantB, document.id)).rejects.toBeInstanceOf(
          NotFoundError,
        );

        const untouched = await all.knowledge.getDocument(tenantA, document.id);
        expect(untouched).toMatchObject({ status: 'ready', error: null });
        expect(untouched?.sha256).not.toBe('evil');
        expect(await all.knowledge.getKnowledgeBase(tenantA, 'private')).toMatchObject({ description: '' });
        expect(await all.knowledge.knowledgeBaseStats(tenantA, base.id)).toEqual({
          documents: 1,
          chunks: 1,
          failed: 0,
        });
      });
    });
  });
}
