/**
 * An in-memory BM25 index over analyzed terms. It is the reference scorer: the memory VectorIndex uses
 * it directly and the SQL adapters must rank the same way (the contract suite compares them).
 */
import { BM25 } from './analyzer.ts';

export interface Bm25Hit {
  id: string;
  score: number;
}

export interface Bm25Options {
  k1?: number;
  b?: number;
}

export class Bm25Index {
  private readonly postings = new Map<string, Map<string, number>>();
  private readonly lengths = new Map<string, number>();
  private totalLength = 0;
  private readonly k1: number;
  private readonly b: number;

  constructor(options: Bm25Options = {}) {
    this.k1 = options.k1 ?? BM25.k1;
    this.b = options.b ?? BM25.b;
  }

  get size(): number {
    return this.lengths.size;
  }

  /** Adds (or replaces) a document given its analyzed terms. */
  add(id: string, terms: readonly string[]): void {
    if (this.lengths.has(id)) this.remove(id);
    const counts = new Map<string, number>();
    for (const term of terms) counts.set(term, (counts.get(term) ?? 0) + 1);
    for (const [term, frequency] of counts) {
      let list = this.postings.get(term);
      if (!list) {
        list = new Map();
        this.postings.set(term, list);
      }
      list.set(id, frequency);
    }
    this.lengths.set(id, terms.length);
    this.totalLength += terms.length;
  }

  remove(id: string): void {
    const length = this.lengths.get(id);
    if (length === undefined) return;
    for (const [term, list] of this.postings) {
      if (list.delete(id) && list.size === 0) this.postings.delete(term);
    }
    this.lengths.delete(id);
    this.totalLength -= length;
  }

  /**
   * Top `k` documents for the analyzed query terms, best first. `accept` filters candidates before
   * ranking. Repeated query terms count once per occurrence, as in Lucene.
   */
  search(queryTerms: readonly string[], k: number, accept?: (id: string) => boolean): Bm25Hit[] {
    const documentCount = this.lengths.size;
    if (documentCount === 0 || k <= 0) return [];
    const averageLength = this.totalLength / documentCount;
    const scores = new Map<string, number>();
    for (const term of queryTerms) {
      const list = this.postings.get(term);
      if (!list) continue;
      const weight = idf(documentCount, list.size);
      for (const [id, frequency] of list) {
        if (accept && !accept(id)) continue;
        const length = this.lengths.get(id) ?? 0;
        const norm = frequency + this.k1 * (1 - this.b + (this.b * length) / averageLength);
        scores.set(id, (scores.get(id) ?? 0) + (weight * frequency * (this.k1 + 1)) / norm);
      }
    }
    return [...scores]
      .map(([id, score]) => ({ id, score }))
      .sort((left, right) => right.score - left.score || (left.id < right.id ? -1 : 1))
      .slice(0, k);
  }
}

/** Lucene's BM25 idf: never negative, so very common terms still count a little. */
export function idf(documentCount: number, documentFrequency: number): number {
  return Math.log(1 + (documentCount - documentFrequency + 0.5) / (documentFrequency + 0.5));
}
