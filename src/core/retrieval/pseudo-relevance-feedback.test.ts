import { describe, expect, it } from 'vitest';
import { analyze } from './analyzer.ts';
import { Bm25Index } from './bm25.ts';
import { expansionText, searchWithFeedback } from './pseudo-relevance-feedback.ts';

const documents: Record<string, string> = {
  d1: 'Statins lower cholesterol and reduce cardiovascular events in older adults.',
  d2: 'Statins reduce cardiovascular mortality; cardiovascular benefit grows with dose.',
  d3: 'Cardiovascular events fell after lipid lowering therapy in adults.',
  d4: 'Godwits migrate across the Pacific without stopping.',
};

function createSearch() {
  const index = new Bm25Index();
  for (const [id, text] of Object.entries(documents)) index.add(id, analyze(text));
  const calls: string[] = [];
  const search = async (text: string, k: number) => {
    calls.push(text);
    return index
      .search(analyze(text), k)
      .map((hit) => ({ id: hit.id, score: hit.score, text: documents[hit.id]! }));
  };
  return { search, calls };
}

describe('expansionText', () => {
  it('writes the heaviest non-query terms of the feedback as words that analyze back to them', () => {
    const feedback = [
      { score: 5, text: documents.d1! },
      { score: 5, text: documents.d2! },
    ];
    const text = expansionText('statins', feedback, 3);
    const words = text.split(' ');
    expect(words).toHaveLength(3);
    // "cardiovascular" is the most frequent term of the two hits.
    expect(words[0]).toBe('cardiovascular');
    expect(analyze(text)).not.toContain('statin');
    expect(analyze(text)).toEqual(words.map((word) => analyze(word)[0]));
  });

  it('is empty without feedback', () => {
    expect(expansionText('statins', [], 10)).toBe('');
  });
});

describe('searchWithFeedback', () => {
  it('finds a document that shares only the expansion words, ranked below the direct matches', async () => {
    const { search, calls } = createSearch();
    const plain = await search('statins', 10);
    expect(plain.map((hit) => hit.id)).not.toContain('d3');

    const hits = await searchWithFeedback(search, 'statins', {
      key: (hit) => hit.id,
      k: 10,
      feedbackHits: 2,
    });
    const ids = hits.map((hit) => hit.id);
    expect(ids.slice(0, 2).sort()).toEqual(['d1', 'd2']);
    expect(ids).toContain('d3');
    expect(ids).not.toContain('d4');
    expect(calls).toHaveLength(3);
  });

  it('returns the first search as it is when it finds nothing', async () => {
    const { search, calls } = createSearch();
    expect(await searchWithFeedback(search, 'zeppelin', { key: (hit) => hit.id, k: 10 })).toEqual([]);
    expect(calls).toEqual(['zeppelin']);
  });

  it('rejects a negative option', async () => {
    const { search } = createSearch();
    await expect(
      searchWithFeedback(search, 'statins', { key: (hit) => hit.id, k: 10, expansionWeight: -1 }),
    ).rejects.toThrowError(/expansionWeight/);
  });
});
