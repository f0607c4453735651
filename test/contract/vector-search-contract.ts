/** The vector half of the VectorIndex contract: cosine ranking, or a clear DependencyError without vectors. */
import { describe, expect, it } from 'vitest';
import { DependencyError, ValidationError } from '../../src/core/errors.ts';
import { newTenant } from './contract-fixture.ts';
import {
  createDocument,
  type KnowledgeStores,
  makeChunks,
  sha256,
  storeChunks,
} from './knowledge-fixtures.ts';

export function describeVectorSearch(stores: () => KnowledgeStores): void {
  async function vectorBase() {
    const all = stores();
    const tenant = newTenant();
    const base = await all.knowledge.createKnowledgeBase(tenant, {
      name: 'vectors',
      embeddingModel: 'test:model',
      embeddingVersion: '1',
      embeddingDimension: 3,
    });
    const document = await createDocument(all, tenant, base, 'v.md');
    const chunks = await storeChunks(all, document, [
      { text: 'east', embedding: [1, 0, 0], metadata: { side: 'east' } },
      { text: 'mostly east', embedding: [0.75, 0.25, 0], metadata: { side: 'east' } },
      { text: 'north', embedding: [0, 1, 0], metadata: { side: 'north' } },
      { text: 'west', embedding: [-1, 0, 0], metadata: { side: 'west' } },
      { text: 'no vector', embedding: null },
    ]);
    return { all, tenant, base, chunks };
  }

  describe('vector search', () => {
    it('ranks by cosine similarity and returns it as the score', async () => {
      const { all, tenant, base, chunks } = await vectorBase();
      const hits = await all.index.vectorSearch(tenant, {
        knowledgeBaseId: base.id,
        embedding: [2, 0, 0],
        k: 10,
      });
      expect(hits.map((hit) => hit.text)).toEqual(['east', 'mostly east', 'north', 'west']);
      const expected = [1, 0.75 / Math.sqrt(0.75 ** 2 + 0.25 ** 2), 0, -1];
      for (const [position, hit] of hits.entries()) expect(hit.score).toBeCloseTo(expected[position]!, 5);
      expect(hits[0]).toMatchObject({ chunkId: chunks[0]!.id, source: 'v.md', metadata: { side: 'east' } });
      const top = await all.index.vectorSearch(tenant, {
        knowledgeBaseId: base.id,
        embedding: [0, 1, 0],
        k: 1,
      });
      expect(top.map((hit) => hit.text)).toEqual(['north']);
    });

    it('applies filters and keeps other tenants out', async () => {
      const { all, tenant, base } = await vectorBase();
      const hits = await all.index.vectorSearch(tenant, {
        knowledgeBaseId: base.id,
        embedding: [1, 0, 0],
        k: 10,
        filter: { metadata: { side: 'east' } },
      });
      expect(hits.map((hit) => hit.text)).toEqual(['east', 'mostly east']);
      expect(
        await all.index.vectorSearch(newTenant(), { knowledgeBaseId: base.id, embedding: [1, 0, 0], k: 10 }),
      ).toEqual([]);
    });

    it('keeps embeddings exactly and rejects the wrong dimension', async () => {
      const { all, tenant, base, chunks } = await vectorBase();
      expect((await all.index.getChunks(tenant, [chunks[1]!.id]))[0]!.embedding).toEqual([0.75, 0.25, 0]);
      expect((await all.index.getChunks(tenant, [chunks[4]!.id]))[0]!.embedding).toBeNull();
      await expect(
        all.index.vectorSearch(tenant, { knowledgeBaseId: base.id, embedding: [1, 0], k: 3 }),
      ).rejects.toBeInstanceOf(ValidationError);
      const document = (await all.knowledge.findDocumentBySource(tenant, base.id, 'v.md'))!;
      await expect(
        all.index.replaceDocumentChunks(
          tenant,
          { id: document.id, knowledgeBaseId: base.id, sha256: 'bad' },
          makeChunks(document, [{ text: 'short', embedding: [1, 0] }]),
        ),
      ).rejects.toBeInstanceOf(ValidationError);
      expect(await all.index.countChunks(tenant, base.id)).toBe(5);
    });
  });
}

export function describeMissingVectors(stores: () => KnowledgeStores, message: string): void {
  describe('without vector support', () => {
    it('refuses to store embeddings with a clear DependencyError and changes nothing', async () => {
      const all = stores();
      const tenant = newTenant();
      const base = await all.knowledge.createKnowledgeBase(tenant, { name: 'kb', embeddingDimension: 2 });
      const document = await createDocument(all, tenant, base, 'a.md');
      const attempt = all.index.replaceDocumentChunks(
        tenant,
        { id: document.id, knowledgeBaseId: base.id, sha256: sha256('a') },
        makeChunks(document, [{ text: 'with a vector', embedding: [1, 0] }]),
      );
      await expect(attempt).rejects.toBeInstanceOf(DependencyError);
      await expect(attempt).rejects.toThrow(message);
      expect(await all.index.countChunks(tenant, base.id)).toBe(0);
      expect(await all.knowledge.getDocument(tenant, document.id)).toMatchObject({
        status: 'processing',
        chunkCount: 0,
      });
    });

    it('answers vector search with the same DependencyError', async () => {
      const all = stores();
      const tenant = newTenant();
      const base = await all.knowledge.createKnowledgeBase(tenant, { name: 'kb' });
      const search = all.index.vectorSearch(tenant, { knowledgeBaseId: base.id, embedding: [1, 0], k: 3 });
      await expect(search).rejects.toBeInstanceOf(DependencyError);
      await expect(search).rejects.toThrow(message);
    });
  });
}
