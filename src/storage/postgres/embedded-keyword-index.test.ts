import { describe, expect, it } from 'vitest';
import { analyze } from '../../core/retrieval/analyzer.ts';
import { Bm25Index } from '../../core/retrieval/bm25.ts';
import {
  decodeKeywordFrequencies,
  EmbeddedKeywordIndex,
  encodeKeywordFrequencies,
  type IndexedChunk,
  KeywordBaseIndex,
} from './embedded-keyword-index.ts';
import { chunkPostings } from './keyword-terms.ts';

const WORDS =
  'leave vacation expense travel policy parental sick holiday claim receipt manager payroll'.split(' ');

/** A deterministic generator, so a failure reproduces. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

function text(next: () => number): string {
  const length = 1 + Math.floor(next() * 12);
  return Array.from({ length }, () => WORDS[Math.floor(next() * WORDS.length)]).join(' ');
}

function indexed(id: string, documentId: string, body: string): IndexedChunk {
  const postings = chunkPostings(body);
  return {
    id,
    documentId,
    length: postings.termCount,
    terms: postings.terms,
    frequencies: postings.frequencies,
  };
}

describe('encodeKeywordFrequencies', () => {
  it('writes distinct terms with a count past one, and reads them back', () => {
    const postings = chunkPostings('Leave, leave and vacation. Leave!');
    const encoded = encodeKeywordFrequencies(postings.terms, postings.frequencies);
    expect(encoded).toBe('leav:3 vacat');
    expect(decodeKeywordFrequencies(encoded)).toEqual({ terms: ['leav', 'vacat'], frequencies: [3, 1] });
    expect(decodeKeywordFrequencies(encodeKeywordFrequencies([], []))).toEqual({
      terms: [],
      frequencies: [],
    });
  });
});

describe('KeywordBaseIndex', () => {
  it('ranks as the reference Bm25Index through adds, replacements, removals and merges', () => {
    const next = random(7);
    const index = new KeywordBaseIndex();
    const reference = new Bm25Index();
    const texts = new Map<string, string>();
    for (let round = 0; round < 40; round++) {
      const added: IndexedChunk[] = [];
      const removed: string[] = [];
      const touched = new Set<string>();
      for (let write = 0; write < 60; write++) {
        const id = `c${Math.floor(next() * 400)}`;
        if (touched.has(id)) continue;
        touched.add(id);
        if (next() < 0.2) {
          removed.push(id);
          reference.remove(id);
          texts.delete(id);
        } else {
          const body = text(next);
          added.push(indexed(id, `d${Number(id.slice(1)) % 9}`, body));
          texts.set(id, body);
        }
      }
      // Removals go first in a change, then additions (which replace).
      for (const chunk of added) reference.add(chunk.id, analyze(texts.get(chunk.id)!));
      // The first round goes in as a build does (staged postings), and stays staged into the next one.
      if (round === 0) index.addAll(added);
      else index.apply({ knowledgeBaseId: 'kb', removed, added });
      if (round % 7 === 3) index.merge();
      if (round === 0) continue;
      expect(index.size).toBe(reference.size);
      for (const query of ['leave', 'vacation travel travel', 'sick holiday claim', 'nothing here']) {
        const terms = analyze(query);
        expect(index.search(terms, 10).map(({ id, score }) => ({ id, score }))).toEqual(
          reference.search(terms, 10),
        );
      }
    }
  });

  it('filters by document after scoring over the whole base, and breaks ties by id', () => {
    const index = new KeywordBaseIndex();
    const reference = new Bm25Index();
    const chunks = [
      indexed('b', 'd1', 'leave policy'),
      indexed('a', 'd2', 'leave policy'),
      indexed('c', 'd1', 'travel'),
      indexed('d', 'd3', 'leave'),
    ];
    index.addAll(chunks);
    expect(index.describe()).toMatchObject({ chunks: 4, terms: 3, postings: 6 });
    for (const chunk of chunks)
      reference.add(
        chunk.id,
        chunk.terms.flatMap((term, at) => Array(chunk.frequencies[at]).fill(term)),
      );
    const terms = analyze('leave policy');
    const accept = (documentId: string) => documentId !== 'd2';
    const byDocument = new Map(chunks.map((chunk) => [chunk.id, chunk.documentId]));
    expect(index.search(terms, 2, accept)).toEqual(
      reference
        .search(terms, 2, (id) => accept(byDocument.get(id)!))
        .map((hit) => ({ ...hit, documentId: byDocument.get(hit.id) })),
    );
    expect(index.search(terms, 2).map((hit) => hit.id)).toEqual(['a', 'b']);
    expect(index.search(terms, 0)).toEqual([]);
  });
});

describe('EmbeddedKeywordIndex', () => {
  it('builds once for concurrent searches and applies, in order, the writes committed during the build', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let loads = 0;
    const keyword = new EmbeddedKeywordIndex(async (_tenant, _base, consume) => {
      loads++;
      consume([indexed('a', 'd1', 'leave policy'), indexed('b', 'd2', 'vacation')]);
      await gate;
      // The scan reads on after a write committed: it sees that write's row.
      consume([indexed('c', 'd3', 'travel expenses')]);
    });
    const first = keyword.base('acme', 'kb');
    const second = keyword.base('acme', 'kb');
    keyword.apply('acme', [
      { knowledgeBaseId: 'kb', removed: [], added: [indexed('c', 'd3', 'travel expenses')] },
    ]);
    keyword.apply('acme', [{ knowledgeBaseId: 'kb', removed: ['a'], added: [] }]);
    // A write to a base whose index was never asked for is left to its build.
    keyword.apply('acme', [{ knowledgeBaseId: 'other', removed: [], added: [indexed('x', 'd9', 'leave')] }]);
    release();
    const [index, same] = await Promise.all([first, second]);
    expect(same).toBe(index);
    expect(loads).toBe(1);
    expect(index.size).toBe(2);
    expect(
      index
        .search(analyze('leave travel vacation'), 10)
        .map((hit) => hit.id)
        .sort(),
    ).toEqual(['b', 'c']);
    expect(keyword.baseCount).toBe(1);
  });

  it('forgets a failed build, so the next search tries again, and a dropped base', async () => {
    let fail = true;
    const keyword = new EmbeddedKeywordIndex(async (_tenant, _base, consume) => {
      if (fail) throw new Error('database closed');
      consume([indexed('a', 'd1', 'leave')]);
    });
    await expect(keyword.base('acme', 'kb')).rejects.toThrow('database closed');
    fail = false;
    const index = await keyword.base('acme', 'kb');
    expect(index.size).toBe(1);
    keyword.drop('acme', 'kb');
    expect(keyword.baseCount).toBe(0);
    expect(await keyword.base('acme', 'kb')).not.toBe(index);
  });
});
