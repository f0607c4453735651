/**
 * Text analysis for keyword (BM25) search: the same function runs at index time and at query time, in
 * every VectorIndex adapter, so scores agree across backends.
 */
import { stemmer } from 'stemmer';

const STOPWORDS = new Set(
  (
    'a an and are as at be but by for if in into is it no not of on or such that the their then there these ' +
    'they this to was will with'
  ).split(' '),
);

const TOKEN = /[\p{L}\p{N}]+/gu;

/** Lower-cased, stop-word-free, stemmed terms of `text`, in order (repeats kept). */
export function analyze(text: string): string[] {
  const terms: string[] = [];
  for (const match of text.normalize('NFKC').toLowerCase().matchAll(TOKEN)) {
    const token = match[0];
    if (STOPWORDS.has(token)) continue;
    terms.push(stemmer(token));
  }
  return terms;
}

/** BM25 parameters shared by every adapter. */
export const BM25 = { k1: 0.9, b: 0.4 } as const;
