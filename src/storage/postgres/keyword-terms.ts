/**
 * Analyzed terms in the shapes the SQL keyword search needs: a chunk's postings (distinct terms with their
 * frequencies, plus its BM25 length) and a query's distinct terms with their repeat counts. The analyzer is
 * the one every adapter uses, so BM25 scores here match the reference `Bm25Index`.
 *
 * A btree entry must fit in about a third of a page, so a term longer than `MAX_STORED_TERM_BYTES` (in
 * practice a run of letters from an encoded blob) is stored as `#` + its SHA-256. The analyzer never emits
 * `#`, so a digest cannot equal a real term, and queries map their terms the same way: every term is
 * searchable and counted exactly, whatever its length or frequency.
 */
import { createHash } from 'node:crypto';
import { analyze } from '../../core/retrieval/analyzer.ts';

export const MAX_STORED_TERM_BYTES = 256;

export interface ChunkPostings {
  /** BM25 document length: every term, repeats included. */
  termCount: number;
  /** Distinct stored terms, in first-seen order. */
  terms: string[];
  /** How often each of `terms` occurs in the chunk. */
  frequencies: number[];
}

/** The postings of one chunk's text. */
export function chunkPostings(text: string): ChunkPostings {
  const analyzed = analyze(text);
  const counts = countTerms(analyzed);
  return { termCount: analyzed.length, terms: [...counts.keys()], frequencies: [...counts.values()] };
}

export interface QueryTerms {
  /** Distinct stored terms, each with how often the query repeats it (Lucene counts every occurrence). */
  terms: string[];
  occurrences: number[];
}

export function queryTerms(text: string): QueryTerms {
  const counts = countTerms(analyze(text));
  return { terms: [...counts.keys()], occurrences: [...counts.values()] };
}

/** The form a term is stored and looked up in. */
export function storedTerm(term: string): string {
  // A UTF-16 code unit is at most 3 UTF-8 bytes: count bytes only when the cheap bound is too high.
  if (term.length * 3 <= MAX_STORED_TERM_BYTES || Buffer.byteLength(term) <= MAX_STORED_TERM_BYTES) {
    return term;
  }
  return `#${createHash('sha256').update(term).digest('hex')}`;
}

function countTerms(terms: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const term of terms) {
    const stored = storedTerm(term);
    counts.set(stored, (counts.get(stored) ?? 0) + 1);
  }
  return counts;
}
