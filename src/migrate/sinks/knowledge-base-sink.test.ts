import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../core/errors.ts';
import type { KnowledgeStore, VectorIndex } from '../../core/ports.ts';
import { createMemoryStorage } from '../../storage/memory/index.ts';
import type { SinkPlan } from '../ports.ts';
import type { KnowledgeRecord } from '../records.ts';
import { KNOWLEDGE_BATCH_RECORDS, KnowledgeBaseSink } from './knowledge-base-sink.ts';

const TENANT = 'tenant-a';

function record(
  source: string,
  position: number,
  text: string,
  embedding: number[] = [1, 0],
): KnowledgeRecord {
  return { source, position, text, metadata: { source }, location: {}, embedding };
}

const plan: SinkPlan = {
  source: {
    kind: 'knowledge',
    location: 'test',
    name: 'n',
    count: 0,
    embedding: { model: 'test:model', version: null, dimension: 2 },
  },
  embedding: { model: 'test:model', version: null, dimension: 2 },
  resume: false,
  resumeFrom: 0,
};

/** A sink on memory storage; `batched: false` hides the batch methods, as adapters without them do. */
async function openSink(batched: boolean) {
  const storage = createMemoryStorage();
  const counts = { upsertDocuments: 0, replaceMany: 0, upsertDocument: 0, replaceOne: 0 };
  const knowledge: KnowledgeStore = Object.create(storage.knowledge);
  const index: VectorIndex = Object.create(storage.index);
  knowledge.upsertDocument = (...args) => {
    counts.upsertDocument++;
    return storage.knowledge.upsertDocument(...args);
  };
  index.replaceDocumentChunks = (...args) => {
    counts.replaceOne++;
    return storage.index.replaceDocumentChunks(...args);
  };
  if (batched) {
    knowledge.upsertDocuments = (...args) => {
      counts.upsertDocuments++;
      return storage.knowledge.upsertDocuments!(...args);
    };
    index.replaceManyDocumentChunks = (...args) => {
      counts.replaceMany++;
      return storage.index.replaceManyDocumentChunks!(...args);
    };
  } else {
    Object.defineProperty(knowledge, 'upsertDocuments', { value: undefined });
    Object.defineProperty(index, 'replaceManyDocumentChunks', { value: undefined });
  }
  const sink = new KnowledgeBaseSink({ knowledge, index, tenantId: TENANT, name: 'kb', location: 'memory' });
  await sink.prepare(plan);
  const base = (await storage.knowledge.getKnowledgeBase(TENANT, 'kb'))!;
  const contents = async () => {
    const documents = await storage.knowledge.listDocuments(TENANT, base.id);
    const chunks = [];
    for await (const batch of storage.index.scan(TENANT, base.id)) chunks.push(...batch);
    return {
      documents: documents.map(({ source, status, chunkCount, sha256 }) => ({
        source,
        status,
        chunkCount,
        sha256,
      })),
      chunks: chunks
        .map(
          (chunk) =>
            `${documents.find((document) => document.id === chunk.documentId)?.source}#${chunk.position}:${chunk.text}`,
        )
        .sort(),
    };
  };
  return { sink, counts, contents };
}

describe('KnowledgeBaseSink', () => {
  const records = [
    record('a', 0, 'alpha one'),
    record('a', 1, 'alpha two'),
    record('b', 0, 'beta'),
    // Not consecutive: the later "a" replaces the earlier one, as one document at a time would.
    record('a', 0, 'alpha again'),
    record('c', 0, 'gamma'),
    record('c', 1, 'gamma continues in the next batch'),
  ];

  it('writes whole documents in batches, holding back the last one until it is complete', async () => {
    const batched = await openSink(true);
    expect(await batched.sink.write(records)).toBe(4);
    expect(await batched.sink.write([record('c', 2, 'gamma end'), record('d', 0, 'delta')])).toBe(3);
    expect(await batched.sink.finish()).toBe(1);
    expect(batched.counts).toMatchObject({ upsertDocument: 0, replaceOne: 0 });
    // The repeated source splits the first write in two batches; then one batch, then the held-back one.
    expect(batched.counts).toMatchObject({ upsertDocuments: 4, replaceMany: 4 });

    const single = await openSink(false);
    expect(await single.sink.write(records)).toBe(4);
    expect(await single.sink.write([record('c', 2, 'gamma end'), record('d', 0, 'delta')])).toBe(3);
    expect(await single.sink.finish()).toBe(1);
    expect(single.counts).toMatchObject({ upsertDocuments: 0, replaceMany: 0, upsertDocument: 5 });

    const written = await batched.contents();
    expect(written).toEqual(await single.contents());
    expect(
      written.documents.map((document) => [document.source, document.status, document.chunkCount]),
    ).toEqual([
      ['a', 'ready', 1],
      ['b', 'ready', 1],
      ['c', 'ready', 3],
      ['d', 'ready', 1],
    ]);
    expect(written.chunks).toContain('a#0:alpha again');
  });

  it(`splits a long write into batches of at most ${KNOWLEDGE_BATCH_RECORDS} records`, async () => {
    const { sink, counts, contents } = await openSink(true);
    const many = Array.from({ length: KNOWLEDGE_BATCH_RECORDS * 2 + 1 }, (_, index) =>
      record(`doc-${index}`, 0, `text ${index}`),
    );
    expect(await sink.write(many)).toBe(many.length - 1);
    expect(counts.upsertDocuments).toBe(2);
    expect(await sink.finish()).toBe(1);
    expect((await contents()).documents).toHaveLength(many.length);
  });

  it('reports nothing written when a batch fails, and leaves none of its chunks behind', async () => {
    const { sink, contents } = await openSink(true);
    expect(await sink.write([record('ok', 0, 'fine'), record('next', 0, 'held')])).toBe(1);
    const before = await contents();
    // A vector of the wrong size fails the whole batch.
    const bad = [record('x', 0, 'x'), record('y', 0, 'y', [1, 2, 3]), record('z', 0, 'z')];
    await expect(sink.write(bad)).rejects.toBeInstanceOf(ValidationError);
    const after = await contents();
    expect(after.chunks).toEqual(before.chunks);
    expect(after.documents.filter((document) => document.status === 'ready')).toEqual(
      before.documents.filter((document) => document.status === 'ready'),
    );
  });
});
