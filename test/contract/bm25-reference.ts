/** Compares an adapter's keyword ranking with the reference in-memory BM25 index. */
import { expect } from 'vitest';
import { analyze } from '../../src/core/retrieval/analyzer.ts';
import { Bm25Index } from '../../src/core/retrieval/bm25.ts';
import type { Chunk, SearchHit } from '../../src/core/types.ts';

export function referenceIndex(chunks: readonly Chunk[]): Bm25Index {
  const index = new Bm25Index();
  for (const chunk of chunks) index.add(chunk.id, analyze(chunk.text));
  return index;
}

const SCORE_TOLERANCE = 1e-6;
const TIE = 1e-9;

/** Same hits, same order (ties may swap), scores within 1e-6 relative. */
export function expectSameRanking(
  actual: readonly SearchHit[],
  expected: readonly { id: string; score: number }[],
  context: string,
): void {
  expect(actual.map((hit) => hit.chunkId).sort(), `${context}: hit set`).toEqual(
    expected.map((hit) => hit.id).sort(),
  );
  const expectedScore = new Map(expected.map((hit) => [hit.id, hit.score]));
  actual.forEach((hit, position) => {
    const reference = expected[position]!;
    const relative = Math.abs(hit.score - reference.score) / Math.max(1, Math.abs(reference.score));
    expect(relative, `${context}: score at rank ${position + 1}`).toBeLessThanOrEqual(SCORE_TOLERANCE);
    if (hit.chunkId !== reference.id) {
      // A different id at this rank is only allowed for a tie in the reference itself.
      const tied =
        Math.abs((expectedScore.get(hit.chunkId) ?? Number.NaN) - reference.score) <=
        TIE * Math.max(1, reference.score);
      expect(tied, `${context}: rank ${position + 1} is ${hit.chunkId}, expected ${reference.id}`).toBe(true);
    }
  });
}
