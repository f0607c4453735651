/**
 * The VectorIndex contract. Keyword ranking must equal the reference BM25 index; vector search must rank by
 * cosine similarity, or — on a backend without vector support — fail with a clear DependencyError.
 */
import { describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, ValidationError } from '../../src/core/errors.ts';
import type { DocumentChunks } from '../../src/core/ports.ts';
import { analyze } from '../../src/core/retrieval/analyzer.ts';
import type { Chunk, SearchHit } from '../../src/core/types.ts';
import { expectSameRanking, referenceIndex } from './bm25-reference.ts';
import {
  declaredMethod,
  type FixtureFactory,
  itHasDeclaredCapabilities,
  newTenant,
  useContractFixture,
} from './contract-fixture.ts';
import {
  createDocument,
  HANDBOOK,
  HANDBOOK_QUERIES,
  type KnowledgeStores,
  makeChunks,
  storeChunks,
  syntheticTexts,
} from './knowledge-fixtures.ts';
import { describeMissingVectors, describeVectorSearch } from './vector-search-contract.ts';

export interface VectorIndexContractOptions {
  /** `missing`: the backend cannot store vectors and must say so with a DependencyError. */
  vectors: 'supported' | 'missing';
  /** Text the DependencyError must contain when vectors are missing. */
  missingVectorsMessage?: string;
  /** The index writes many documents' chunks in one call (its tests run only where declared). */
  replaceManyDocumentChunks: boolean;
}

export function describeVectorIndexContract(
  name: string,
  factory: FixtureFactory<KnowledgeStores>,
  options: VectorIndexContractOptions,
): void {
  describe(`VectorIndex contract: ${name}`, () => {
    const stores = useContractFixture(factory);

    itHasDeclaredCapabilities(
      stores,
      { replaceManyDocumentChunks: options.replaceManyDocumentChunks },
      ({ index }) => ({ replaceManyDocumentChunks: typeof index.replaceManyDocumentChunks === 'function' }),
    );

    async function handbook(tenant = newTenant()) {
      const all = stores();
      const base = await all.knowledge.createKnowledgeBase(tenant, { name: 'handbook' });
      const chunks: Chunk[] = [];
      for (const [source, texts] of Object.entries(HANDBOOK)) {
        const document = await createDocument(all, tenant, base, source);
        const specs = texts.map((text, position) => ({
          text,
          metadata: { source, position, topic: source.replace('.md', ''), tags: ['handbook', source] },
        }));
        chunks.push(...(await storeChunks(all, document, specs)));
      }
      return { all, tenant, base, chunks };
    }

    describe('replaceDocumentChunks', () => {
      it('stores the chunks and marks the document ready with the new hash', async () => {
        const all = stores();
        const tenant = newTenant();
        const base = await all.knowledge.createKnowledgeBase(tenant, { name: 'kb' });
        const document = await createDocument(all, tenant, base, 'guide.md');
        const chunks = makeChunks(document, [
          { text: 'First chunk', location: { headings: ['Intro'], line: 1 }, metadata: { lang: 'en' } },
          {
            text: 'Second chunk',
            location: { page: 2, sheet: 'S', row: 3 },
            metadata: { nested: { a: [1, 2] } },
          },
        ]);
        await all.index.replaceDocumentChunks(
          tenant,
          { id: document.id, knowledgeBaseId: base.id, sha256: 'v2' },
          chunks,
        );
        expect(await all.index.getChunks(tenant, [chunks[1]!.id, chunks[0]!.id])).toEqual([
          chunks[1],
          chunks[0],
        ]);
        expect(await all.index.countChunks(tenant, base.id)).toBe(2);
        expect(await all.knowledge.getDocument(tenant, document.id)).toMatchObject({
          status: 'ready',
          sha256: 'v2',
          chunkCount: 2,
          error: null,
        });
      });

      it('replaces old chunks atomically, with counts and BM25 statistics following', async () => {
        const { all, tenant, base, chunks } = await handbook();
        const leave = (await all.knowledge.findDocumentBySource(tenant, base.id, 'leave.md'))!;
        await all.knowledge.markDocumentFailed(tenant, leave.id, 'an earlier failure');
        const replacement = makeChunks(leave, [
          { text: 'Leave policy rewritten: vacation vacation vacation.', id: `${leave.id}:new-0` },
          { text: 'Ask your manager about leave.', id: `${leave.id}:new-1` },
        ]);
        await all.index.replaceDocumentChunks(
          tenant,
          { id: leave.id, knowledgeBaseId: base.id, sha256: 'v3' },
          replacement,
        );

        const oldLeave = chunks.filter((chunk) => chunk.documentId === leave.id);
        expect(
          await all.index.getChunks(
            tenant,
            oldLeave.map((chunk) => chunk.id),
          ),
        ).toEqual([]);
        expect(
          await all.index.getChunks(
            tenant,
            replacement.map((chunk) => chunk.id),
          ),
        ).toEqual(replacement);
        const current = [...chunks.filter((chunk) => chunk.documentId !== leave.id), ...replacement];
        expect(await all.index.countChunks(tenant, base.id)).toBe(current.length);
        expect(await all.knowledge.knowledgeBaseStats(tenant, base.id)).toEqual({
          documents: 3,
          chunks: current.length,
          failed: 0,
        });
        expect(await all.knowledge.getDocument(tenant, leave.id)).toMatchObject({
          status: 'ready',
          sha256: 'v3',
          chunkCount: 2,
          error: null,
        });
        const reference = referenceIndex(current);
        for (const query of ['vacation leave', 'manager', 'expenses']) {
          const hits = await all.index.keywordSearch(tenant, {
            knowledgeBaseId: base.id,
            text: query,
            k: 20,
          });
          expectSameRanking(hits, reference.search(analyze(query), 20), `after replace, "${query}"`);
        }
      });

      it('replaces with no chunks, leaving the document ready and empty', async () => {
        const { all, tenant, base } = await handbook();
        const security = (await all.knowledge.findDocumentBySource(tenant, base.id, 'security.md'))!;
        await all.index.replaceDocumentChunks(
          tenant,
          { id: security.id, knowledgeBaseId: base.id, sha256: 'empty' },
          [],
        );
        expect(await all.knowledge.getDocument(tenant, security.id)).toMatchObject({
          status: 'ready',
          chunkCount: 0,
        });
        expect(await all.index.countChunks(tenant, base.id)).toBe(8);
        expect(
          await all.index.keywordSearch(tenant, { knowledgeBaseId: base.id, text: 'phishing', k: 5 }),
        ).toEqual([]);
      });

      it('refuses an unknown document, or one of another tenant, and changes nothing', async () => {
        const { all, tenant, base, chunks } = await handbook();
        const leave = (await all.knowledge.findDocumentBySource(tenant, base.id, 'leave.md'))!;
        const intruder = newTenant();
        await expect(
          all.index.replaceDocumentChunks(
            intruder,
            { id: leave.id, knowledgeBaseId: base.id, sha256: 'x' },
            [],
          ),
        ).rejects.toBeInstanceOf(NotFoundError);
        await expect(
          all.index.replaceDocumentChunks(
            tenant,
            { id: 'no-such-document', knowledgeBaseId: base.id, sha256: 'x' },
            [],
          ),
        ).rejects.toBeInstanceOf(NotFoundError);
        expect(await all.index.countChunks(tenant, base.id)).toBe(chunks.length);
        expect(await all.knowledge.getDocument(tenant, leave.id)).toMatchObject({
          status: 'ready',
          chunkCount: 4,
        });
      });

      it('rejects chunks that do not belong to the document, or repeat an id, and changes nothing', async () => {
        const { all, tenant, base, chunks } = await handbook();
        const leave = (await all.knowledge.findDocumentBySource(tenant, base.id, 'leave.md'))!;
        const target = { id: leave.id, knowledgeBaseId: base.id, sha256: 'x' };
        const foreign = makeChunks({ ...leave, id: 'another-document' }, ['stray chunk']);
        await expect(all.index.replaceDocumentChunks(tenant, target, foreign)).rejects.toBeInstanceOf(
          ValidationError,
        );
        const repeated = makeChunks(leave, [
          { text: 'one', id: 'same' },
          { text: 'two', id: 'same' },
        ]);
        await expect(all.index.replaceDocumentChunks(tenant, target, repeated)).rejects.toBeInstanceOf(
          ValidationError,
        );
        expect(await all.index.countChunks(tenant, base.id)).toBe(chunks.length);
        expect(await all.knowledge.getDocument(tenant, leave.id)).toMatchObject({
          sha256: leave.sha256,
          status: 'ready',
        });
      });

      it("refuses a chunk id that another document owns, keeping both documents' chunks", async () => {
        const { all, tenant, base, chunks } = await handbook();
        const leave = (await all.knowledge.findDocumentBySource(tenant, base.id, 'leave.md'))!;
        const expensesChunk = chunks.find((chunk) => chunk.documentId !== leave.id)!;
        const clash = makeChunks(leave, [
          { text: 'new text', id: 'fresh-id' },
          { text: 'clash', id: expensesChunk.id },
        ]);
        await expect(
          all.index.replaceDocumentChunks(
            tenant,
            { id: leave.id, knowledgeBaseId: base.id, sha256: 'x' },
            clash,
          ),
        ).rejects.toBeInstanceOf(ConflictError);
        expect(
          await all.index.getChunks(
            tenant,
            chunks.map((chunk) => chunk.id),
          ),
        ).toEqual(chunks);
        expect(await all.index.getChunks(tenant, ['fresh-id'])).toEqual([]);
        expect(await all.knowledge.knowledgeBaseStats(tenant, base.id)).toMatchObject({
          chunks: chunks.length,
        });
      });

      it('serialises replacements of one document from several writers at once', async () => {
        const all = stores();
        const tenant = newTenant();
        const base = await all.knowledge.createKnowledgeBase(tenant, { name: 'racing' });
        const document = await createDocument(all, tenant, base, 'shared.md');
        const versions = ['alpha', 'bravo', 'charlie'].map((word) =>
          makeChunks(document, [`${word} first ${word}`, `${word} second`, `${word} third`]),
        );
        const results = await Promise.allSettled(
          versions.map((chunks, version) =>
            all.index.replaceDocumentChunks(
              tenant,
              { id: document.id, knowledgeBaseId: base.id, sha256: `v${version}` },
              chunks,
            ),
          ),
        );
        expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
        const stored = await all.index.getChunks(
          tenant,
          versions[0]!.map((chunk) => chunk.id),
        );
        const winner = versions.findIndex((chunks) => chunks[0]!.text === stored[0]?.text);
        expect(stored).toEqual(versions[winner]);
        expect(await all.knowledge.getDocument(tenant, document.id)).toMatchObject({
          sha256: `v${winner}`,
          chunkCount: 3,
        });
        expect(await all.knowledge.knowledgeBaseStats(tenant, base.id)).toMatchObject({ chunks: 3 });
        const reference = referenceIndex(stored);
        for (const query of ['alpha first', 'bravo', 'charlie third', 'second']) {
          const hits = await all.index.keywordSearch(tenant, { knowledgeBaseId: base.id, text: query, k: 5 });
          expectSameRanking(hits, reference.search(analyze(query), 5), `after racing writers, "${query}"`);
        }
      });

      it('writes thousands of chunks in one replace and ranks them like the reference', async () => {
        const all = stores();
        const tenant = newTenant();
        const base = await all.knowledge.createKnowledgeBase(tenant, { name: 'bulk' });
        const document = await createDocument(all, tenant, base, 'bulk.csv');
        const texts = syntheticTexts(2500);
        const chunks = await storeChunks(all, document, texts);
        expect(await all.index.countChunks(tenant, base.id)).toBe(2500);
        expect(await all.knowledge.getDocument(tenant, document.id)).toMatchObject({
          chunkCount: 2500,
          status: 'ready',
        });
        const reference = referenceIndex(chunks);
        for (const query of ['amber river', 'cobalt cobalt delta', 'zinc']) {
          const hits = await all.index.keywordSearch(tenant, {
            knowledgeBaseId: base.id,
            text: query,
            k: 25,
          });
          expectSameRanking(hits, reference.search(analyze(query), 25), `bulk "${query}"`);
        }
      });
    });

    describe.runIf(options.replaceManyDocumentChunks)('replaceManyDocumentChunks', () => {
      /** Handbook documents (created one by one), with 4-dimensional vectors where the backend has them. */
      async function emptyHandbook(tenant: string, name: string) {
        const all = stores();
        const withVectors = options.vectors === 'supported';
        const base = await all.knowledge.createKnowledgeBase(tenant, {
          name,
          ...(withVectors
            ? { embeddingModel: 'test:model', embeddingVersion: '1', embeddingDimension: 4 }
            : {}),
        });
        const items: DocumentChunks[] = [];
        for (const [source, texts] of Object.entries(HANDBOOK)) {
          const document = await createDocument(all, tenant, base, source);
          const chunks = makeChunks(
            document,
            texts.map((text, position) => ({
              text,
              metadata: { source, position },
              embedding: withVectors ? toyEmbedding(text) : null,
            })),
          );
          items.push({
            document: { id: document.id, knowledgeBaseId: base.id, sha256: `hash-${source}` },
            chunks,
          });
        }
        return { all, base, items };
      }

      /** Keyword and vector results as (source, position, score), comparable across bases. */
      async function results(all: KnowledgeStores, tenant: string, knowledgeBaseId: string) {
        const keyword = [];
        for (const text of HANDBOOK_QUERIES) {
          const hits = await all.index.keywordSearch(tenant, { knowledgeBaseId, text, k: 20 });
          keyword.push(comparable(hits));
        }
        if (options.vectors !== 'supported') return { keyword };
        const hits = await all.index.vectorSearch(tenant, {
          knowledgeBaseId,
          embedding: toyEmbedding('leave expenses'),
          k: 20,
        });
        return { keyword, vector: comparable(hits) };
      }

      async function documentStates(all: KnowledgeStores, tenant: string, knowledgeBaseId: string) {
        const documents = await all.knowledge.listDocuments(tenant, knowledgeBaseId);
        return documents.map(({ source, status, sha256, chunkCount, error }) => ({
          source,
          status,
          sha256,
          chunkCount,
          error,
        }));
      }

      it('stores what the single calls store, ready with their hashes, and ranks the same', async () => {
        const tenant = newTenant();
        const { all, base: singly, items: singleItems } = await emptyHandbook(tenant, 'singly');
        const replaceMany = declaredMethod(all.index, 'replaceManyDocumentChunks');
        for (const { document, chunks } of singleItems) {
          await all.index.replaceDocumentChunks(tenant, document, chunks);
        }
        const { base: batched, items } = await emptyHandbook(tenant, 'batched');
        await replaceMany(tenant, items);

        const chunks = items.flatMap((item) => item.chunks);
        expect(
          await all.index.getChunks(
            tenant,
            chunks.map((chunk) => chunk.id),
          ),
        ).toEqual(chunks);
        expect(await all.index.countChunks(tenant, batched.id)).toBe(chunks.length);
        expect(await all.knowledge.knowledgeBaseStats(tenant, batched.id)).toEqual(
          await all.knowledge.knowledgeBaseStats(tenant, singly.id),
        );
        const states = await documentStates(all, tenant, batched.id);
        expect(states).toEqual(await documentStates(all, tenant, singly.id));
        expect(states.map((state) => state.status)).toEqual(['ready', 'ready', 'ready']);
        expect(states.map((state) => state.sha256)).toEqual([
          'hash-expenses.md',
          'hash-leave.md',
          'hash-security.md',
        ]);
        const reference = referenceIndex(chunks);
        for (const query of HANDBOOK_QUERIES) {
          const hits = await all.index.keywordSearch(tenant, {
            knowledgeBaseId: batched.id,
            text: query,
            k: 20,
          });
          expectSameRanking(hits, reference.search(analyze(query), 20), `batched, "${query}"`);
        }
        expect(await results(all, tenant, batched.id)).toEqual(await results(all, tenant, singly.id));
      });

      it('replaces existing chunks in a batch, and a repeated batch changes nothing', async () => {
        const tenant = newTenant();
        const { all, base, items } = await emptyHandbook(tenant, 'kb');
        const replaceMany = declaredMethod(all.index, 'replaceManyDocumentChunks');
        await replaceMany(tenant, items);
        const [leave, expenses] = items;
        const rewritten: DocumentChunks[] = [
          {
            document: { ...leave!.document, sha256: 'leave-v2' },
            chunks: leave!.chunks.slice(0, 2).map((chunk) => ({ ...chunk, text: `${chunk.text} vacation` })),
          },
          { document: { ...expenses!.document, sha256: 'expenses-v2' }, chunks: [] },
        ];
        await replaceMany(tenant, rewritten);
        const after = await results(all, tenant, base.id);
        const stats = await all.knowledge.knowledgeBaseStats(tenant, base.id);
        await replaceMany(tenant, rewritten);
        expect(await results(all, tenant, base.id)).toEqual(after);
        expect(await all.knowledge.knowledgeBaseStats(tenant, base.id)).toEqual(stats);

        const current = [...rewritten[0]!.chunks, ...items[2]!.chunks];
        expect(stats).toEqual({ documents: 3, chunks: current.length, failed: 0 });
        expect(await all.index.countChunks(tenant, base.id)).toBe(current.length);
        expect(
          await all.index.getChunks(
            tenant,
            expenses!.chunks.map((chunk) => chunk.id),
          ),
        ).toEqual([]);
        expect(await documentStates(all, tenant, base.id)).toEqual([
          { source: 'expenses.md', status: 'ready', sha256: 'expenses-v2', chunkCount: 0, error: null },
          { source: 'leave.md', status: 'ready', sha256: 'leave-v2', chunkCount: 2, error: null },
          { source: 'security.md', status: 'ready', sha256: 'hash-security.md', chunkCount: 4, error: null },
        ]);
        const reference = referenceIndex(current);
        for (const query of ['vacation leave', 'expenses', 'security team']) {
          const hits = await all.index.keywordSearch(tenant, {
            knowledgeBaseId: base.id,
            text: query,
            k: 20,
          });
          expectSameRanking(hits, reference.search(analyze(query), 20), `after batch replace, "${query}"`);
        }
      });

      it('rejects the whole batch for one bad item and changes nothing', async () => {
        const tenant = newTenant();
        const { all, base, items } = await emptyHandbook(tenant, 'kb');
        const replaceMany = declaredMethod(all.index, 'replaceManyDocumentChunks');
        await replaceMany(tenant, items.slice(0, 2));
        const [leave, expenses, security] = items as [DocumentChunks, DocumentChunks, DocumentChunks];
        const before = {
          results: await results(all, tenant, base.id),
          stats: await all.knowledge.knowledgeBaseStats(tenant, base.id),
          documents: await documentStates(all, tenant, base.id),
        };
        const fresh = (item: DocumentChunks, texts: string[]): DocumentChunks => ({
          document: { ...item.document, sha256: 'changed' },
          chunks: texts.map((text, position) => ({
            ...item.chunks[0]!,
            id: `${item.document.id}:fresh-${position}`,
            position,
            text,
          })),
        });
        const good = [fresh(leave, ['zebra crossing']), security];
        const missing = { document: { ...leave.document, id: 'no-such-document' }, chunks: [] };
        await expect(replaceMany(tenant, [...good, missing])).rejects.toBeInstanceOf(NotFoundError);
        const otherBase = await all.knowledge.createKnowledgeBase(tenant, { name: 'other' });
        const wrongBase = { document: { ...expenses.document, knowledgeBaseId: otherBase.id }, chunks: [] };
        await expect(replaceMany(tenant, [...good, wrongBase])).rejects.toBeInstanceOf(NotFoundError);
        const foreign = { ...expenses, chunks: [{ ...leave.chunks[0]!, id: 'stray' }] };
        await expect(replaceMany(tenant, [...good, foreign])).rejects.toBeInstanceOf(ValidationError);
        await expect(replaceMany(tenant, [...good, fresh(leave, ['again'])])).rejects.toBeInstanceOf(
          ValidationError,
        );
        const sharedId = fresh(expenses, ['shared']);
        sharedId.chunks[0]!.id = good[0]!.chunks[0]!.id;
        sharedId.chunks[0]!.documentId = expenses.document.id;
        await expect(replaceMany(tenant, [...good, sharedId])).rejects.toBeInstanceOf(ValidationError);
        // A chunk id that a document outside the batch owns.
        const clash = fresh(security, ['clash']);
        clash.chunks[0]!.id = expenses.chunks[0]!.id;
        await expect(replaceMany(tenant, [good[0]!, clash])).rejects.toBeInstanceOf(ConflictError);
        if (options.vectors === 'supported') {
          const badVector = fresh(security, ['short vector']);
          badVector.chunks[0]!.embedding = [1, 2];
          await expect(replaceMany(tenant, [good[0]!, badVector])).rejects.toBeInstanceOf(ValidationError);
        }

        expect(await results(all, tenant, base.id)).toEqual(before.results);
        expect(await all.knowledge.knowledgeBaseStats(tenant, base.id)).toEqual(before.stats);
        expect(await documentStates(all, tenant, base.id)).toEqual(before.documents);
        expect(await all.index.getChunks(tenant, [good[0]!.chunks[0]!.id])).toEqual([]);
        const zebra = await all.index.keywordSearch(tenant, {
          knowledgeBaseId: base.id,
          text: 'zebra',
          k: 5,
        });
        expect(zebra).toEqual([]);
      });

      it("refuses another tenant's documents and leaves them alone; an empty batch does nothing", async () => {
        const tenant = newTenant();
        const { all, base, items } = await emptyHandbook(tenant, 'private');
        const replaceMany = declaredMethod(all.index, 'replaceManyDocumentChunks');
        await replaceMany(tenant, items);
        const before = await results(all, tenant, base.id);
        const intruder = newTenant();
        const hijack = items.map(({ document, chunks }) => ({
          document: { ...document, sha256: 'evil' },
          chunks: chunks.map((chunk) => ({ ...chunk, tenantId: intruder, text: 'evil' })),
        }));
        await expect(replaceMany(intruder, hijack)).rejects.toBeInstanceOf(NotFoundError);
        await replaceMany(tenant, []);
        expect(await results(all, tenant, base.id)).toEqual(before);
        expect(
          (await documentStates(all, tenant, base.id)).every((state) => state.sha256.startsWith('hash-')),
        ).toBe(true);
        expect(
          await all.index.keywordSearch(intruder, { knowledgeBaseId: base.id, text: 'leave', k: 5 }),
        ).toEqual([]);
      });
    });

    describe('keyword search', () => {
      it('ranks exactly like the reference BM25 index', async () => {
        const { all, tenant, base, chunks } = await handbook();
        const reference = referenceIndex(chunks);
        for (const query of HANDBOOK_QUERIES) {
          const hits = await all.index.keywordSearch(tenant, {
            knowledgeBaseId: base.id,
            text: query,
            k: 10,
          });
          expectSameRanking(hits, reference.search(analyze(query), 10), `"${query}"`);
        }
      });

      it('counts a word repeated hundreds of times in one chunk exactly', async () => {
        const all = stores();
        const tenant = newTenant();
        const base = await all.knowledge.createKnowledgeBase(tenant, { name: 'repeats' });
        const document = await createDocument(all, tenant, base, 'log.txt');
        const chunks = await storeChunks(all, document, [
          `${'timeout '.repeat(300)}error`,
          `${'timeout '.repeat(256)}warning`,
          'timeout error once',
          'nothing here',
        ]);
        const reference = referenceIndex(chunks);
        for (const query of ['timeout', 'timeout error', 'warning timeout timeout']) {
          const hits = await all.index.keywordSearch(tenant, {
            knowledgeBaseId: base.id,
            text: query,
            k: 10,
          });
          expectSameRanking(hits, reference.search(analyze(query), 10), `repeats "${query}"`);
        }
      });

      it('finds and counts a word thousands of letters long, like an encoded blob', async () => {
        const all = stores();
        const tenant = newTenant();
        const base = await all.knowledge.createKnowledgeBase(tenant, { name: 'blobs' });
        const document = await createDocument(all, tenant, base, 'dump.txt');
        const blob = `data${'q'.repeat(3000)}`;
        const other = `data${'z'.repeat(3000)}`;
        const chunks = await storeChunks(all, document, [
          `payload ${blob} ${blob} end`,
          `payload ${other} end`,
          `${blob} alone`,
          'payload without blobs',
        ]);
        const reference = referenceIndex(chunks);
        for (const query of [blob, `${blob} payload`, other]) {
          const hits = await all.index.keywordSearch(tenant, {
            knowledgeBaseId: base.id,
            text: query,
            k: 10,
          });
          expectSameRanking(
            hits,
            reference.search(analyze(query), 10),
            `blob query of ${query.length} letters`,
          );
        }
      });

      it('returns the top k among matching chunks when better chunks are filtered out', async () => {
        const { all, tenant, base, chunks } = await handbook();
        const reference = referenceIndex(chunks);
        const byId = new Map(chunks.map((chunk) => [chunk.id, chunk]));
        const query = 'leave expenses security manager approval';
        const accept = (id: string) => byId.get(id)!.metadata.source === 'security.md';
        // The best hits overall are elsewhere, so a filter applied after the LIMIT would find too few.
        expect(reference.search(analyze(query), 2).some((hit) => !accept(hit.id))).toBe(true);
        const hits = await all.index.keywordSearch(tenant, {
          knowledgeBaseId: base.id,
          text: query,
          k: 2,
          filter: { sources: ['security.md'] },
        });
        expect(hits).toHaveLength(2);
        expectSameRanking(hits, reference.search(analyze(query), 2, accept), 'filtered top 2');
      });

      it('returns the chunk text, source, location and metadata with each hit, best first, at most k', async () => {
        const { all, tenant, base } = await handbook();
        const hits = await all.index.keywordSearch(tenant, {
          knowledgeBaseId: base.id,
          text: 'vacation days',
          k: 1,
        });
        expect(hits).toHaveLength(1);
        expect(hits[0]).toMatchObject({
          knowledgeBaseId: base.id,
          source: 'leave.md',
          location: { line: 1 },
          text: HANDBOOK['leave.md'][0],
          metadata: { source: 'leave.md', position: 0, topic: 'leave', tags: ['handbook', 'leave.md'] },
        });
        expect(hits[0]!.score).toBeGreaterThan(0);
        const many = await all.index.keywordSearch(tenant, {
          knowledgeBaseId: base.id,
          text: 'leave expenses security',
          k: 3,
        });
        expect(many).toHaveLength(3);
        expect(many.map((hit) => hit.score)).toEqual([...many.map((hit) => hit.score)].sort((a, b) => b - a));
      });

      it('finds nothing for stop words only, unknown words, k = 0 or another base', async () => {
        const { all, tenant, base } = await handbook();
        const other = await all.knowledge.createKnowledgeBase(tenant, { name: 'other' });
        const search = (text: string, k = 10, knowledgeBaseId = base.id) =>
          all.index.keywordSearch(tenant, { knowledgeBaseId, text, k });
        expect(await search('the and of')).toEqual([]);
        expect(await search('xylophone')).toEqual([]);
        expect(await search('')).toEqual([]);
        expect(await search('leave', 0)).toEqual([]);
        expect(await search('leave', 10, other.id)).toEqual([]);
        await expect(search('leave', -1)).rejects.toBeInstanceOf(ValidationError);
      });

      it('filters by document, source and metadata equality, with idf over the whole base', async () => {
        const { all, tenant, base, chunks } = await handbook();
        const reference = referenceIndex(chunks);
        const leave = (await all.knowledge.findDocumentBySource(tenant, base.id, 'leave.md'))!;
        const query = 'leave approval manager security';
        const filtered = async (
          filter: Parameters<typeof all.index.keywordSearch>[1]['filter'],
          accept: (chunk: Chunk) => boolean,
          context: string,
        ) => {
          const hits = await all.index.keywordSearch(tenant, {
            knowledgeBaseId: base.id,
            text: query,
            k: 10,
            filter,
          });
          const byId = new Map(chunks.map((chunk) => [chunk.id, chunk]));
          expectSameRanking(
            hits,
            reference.search(analyze(query), 10, (id) => accept(byId.get(id)!)),
            context,
          );
          return hits;
        };
        const byDocument = await filtered(
          { documentIds: [leave.id] },
          (chunk) => chunk.documentId === leave.id,
          'documentIds',
        );
        expect(byDocument.length).toBeGreaterThan(0);
        const bySource = await filtered(
          { sources: ['security.md'] },
          (chunk) => chunk.metadata.source === 'security.md',
          'sources',
        );
        expect(bySource.every((hit) => hit.source === 'security.md')).toBe(true);
        await filtered(
          { metadata: { topic: 'leave', position: 3 } },
          (chunk) => chunk.metadata.topic === 'leave' && chunk.metadata.position === 3,
          'metadata',
        );
        await filtered(
          { metadata: { tags: ['handbook', 'security.md'] } },
          (chunk) => chunk.metadata.source === 'security.md',
          'metadata array equality',
        );
        expect(
          await filtered({ metadata: { tags: ['handbook'] } }, () => false, 'containment is not equality'),
        ).toEqual([]);
        expect(await filtered({ metadata: { missing: null } }, () => false, 'absent key')).toEqual([]);
        expect(await filtered({ documentIds: [] }, () => false, 'empty list')).toEqual([]);
        await filtered(
          { sources: ['leave.md', 'security.md'], metadata: { position: 3 } },
          (chunk) => chunk.metadata.position === 3 && chunk.metadata.source !== 'expenses.md',
          'combined',
        );
      });

      it('keeps tenants and knowledge bases apart', async () => {
        const { all, tenant, base } = await handbook();
        const intruder = newTenant();
        expect(
          await all.index.keywordSearch(intruder, { knowledgeBaseId: base.id, text: 'leave', k: 10 }),
        ).toEqual([]);
        // Same words in another base of the same tenant do not change this base's scores.
        const before = await all.index.keywordSearch(tenant, {
          knowledgeBaseId: base.id,
          text: 'leave',
          k: 10,
        });
        const other = await all.knowledge.createKnowledgeBase(tenant, { name: 'noise' });
        const noise = await createDocument(all, tenant, other, 'noise.md');
        await storeChunks(all, noise, ['leave leave leave', 'leave', 'nothing']);
        const after = await all.index.keywordSearch(tenant, {
          knowledgeBaseId: base.id,
          text: 'leave',
          k: 10,
        });
        expect(after).toEqual(before);
      });
    });

    describe('reading chunks', () => {
      it('gets chunks in the order asked, skipping unknown ids and other tenants', async () => {
        const { all, tenant, chunks } = await handbook();
        const wanted = [chunks[5]!, chunks[0]!];
        expect(await all.index.getChunks(tenant, [wanted[0]!.id, 'unknown', wanted[1]!.id])).toEqual(wanted);
        expect(await all.index.getChunks(tenant, [])).toEqual([]);
        expect(await all.index.getChunks(newTenant(), [wanted[0]!.id])).toEqual([]);
      });

      it('scans every chunk once, in batches, in a stable order', async () => {
        const { all, tenant, base, chunks } = await handbook();
        const scan = async (batchSize: number) => {
          const batches: Chunk[][] = [];
          for await (const batch of all.index.scan(tenant, base.id, { batchSize })) batches.push(batch);
          return batches;
        };
        const batches = await scan(5);
        expect(batches.map((batch) => batch.length)).toEqual([5, 5, 2]);
        const scanned = batches.flat();
        expect(new Set(scanned.map((chunk) => chunk.id)).size).toBe(chunks.length);
        expect([...scanned].sort(byId)).toEqual([...chunks].sort(byId));
        expect((await scan(5)).flat()).toEqual(scanned);
        expect((await scan(100)).flat()).toEqual(scanned);
        for (const documentId of new Set(chunks.map((chunk) => chunk.documentId))) {
          const positions = scanned
            .filter((chunk) => chunk.documentId === documentId)
            .map((chunk) => chunk.position);
          expect(positions).toEqual([0, 1, 2, 3]);
        }
      });

      it('scans nothing for an empty base, an unknown base or another tenant', async () => {
        const { all, base } = await handbook();
        const tenant = newTenant();
        const empty = await all.knowledge.createKnowledgeBase(tenant, { name: 'empty' });
        const collect = async (tenantId: string, knowledgeBaseId: string) => {
          const seen: Chunk[] = [];
          for await (const batch of all.index.scan(tenantId, knowledgeBaseId)) seen.push(...batch);
          return seen;
        };
        expect(await collect(tenant, empty.id)).toEqual([]);
        expect(await collect(tenant, 'unknown')).toEqual([]);
        expect(await collect(tenant, base.id)).toEqual([]);
        expect(await all.index.countChunks(tenant, base.id)).toBe(0);
      });
    });

    if (options.vectors === 'supported') describeVectorSearch(stores);
    else describeMissingVectors(stores, options.missingVectorsMessage ?? 'not installed');
  });
}

function byId(left: Chunk, right: Chunk): number {
  return left.id < right.id ? -1 : left.id > right.id ? 1 : 0;
}

/** A deterministic 4-dimensional vector from a text's letters. */
function toyEmbedding(text: string): number[] {
  const vector = [0, 0, 0, 0];
  for (let index = 0; index < text.length; index++) vector[index % 4]! += (text.charCodeAt(index) % 13) - 6;
  return vector.map((value) => (value === 0 ? 0.5 : value));
}

/** Hits as (source, position, score), best first and ties by source and position: comparable across bases. */
function comparable(hits: readonly SearchHit[]): Array<[string, unknown, number]> {
  return hits
    .map((hit): [string, unknown, number] => [
      hit.source,
      hit.metadata.position,
      Math.round(hit.score * 1e6) / 1e6,
    ])
    .sort(
      (left, right) =>
        right[2] - left[2] || left[0].localeCompare(right[0]) || Number(left[1]) - Number(right[1]),
    );
}
