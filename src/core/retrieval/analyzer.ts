/**
 * Text analysis for keyword (BM25) search: the same function runs at index time and at query time, in
 * every VectorIndex adapter, so scores agree across backends. It mirrors Lucene's English analyzer
 * (lower-casing, its English stop words, Porter stemming), which is what published BM25 figures use.
 *
 * Every term is made of letters and digits only; the SQL adapters store terms as rows of a postings
 * table, and a term longer than 256 bytes is stored by its hash.
 */
import { stemmer } from 'stemmer';

/** Lucene's English stop-word set (the 33 words of `EnglishAnalyzer.ENGLISH_STOP_WORDS_SET`). */
const STOPWORDS = new Set(
  (
    'a an and are as at be but by for if in into is it no not of on or such that the their then there these ' +
    'they this to was will with'
  ).split(' '),
);

// Hyphens, slashes, dots and commas separate tokens: "IL-6" gives "il" and "6", "3.5" gives "3" and "5".
// Measured on SciFact train, joining hyphenated words or keeping decimals whole did not help.
const TOKEN = /[\p{L}\p{N}]+/gu;

// NFKC leaves ASCII as it is, and the only letters and digits in ASCII are a-z, A-Z and 0-9.
const BEYOND_ASCII = /[\u0080-\uffff]/;

/** Lower-cased, stop-word-free, unstemmed tokens of `text`, in order (repeats kept). */
export function tokenize(text: string): string[] {
  // Most text is ASCII: then one pass over its character codes finds the same tokens as the Unicode
  // pattern, in about half the time (the pattern builds a match object per token).
  if (!BEYOND_ASCII.test(text)) return tokenizeAscii(text.toLowerCase());
  const tokens: string[] = [];
  for (const match of text.normalize('NFKC').toLowerCase().matchAll(TOKEN)) {
    if (!STOPWORDS.has(match[0])) tokens.push(match[0]);
  }
  return tokens;
}

/** `tokenize` of lower-cased ASCII text: the runs of a-z and 0-9. */
function tokenizeAscii(lower: string): string[] {
  const tokens: string[] = [];
  let start = -1;
  for (let index = 0; index <= lower.length; index++) {
    const code = index < lower.length ? lower.charCodeAt(index) : 0;
    if ((code >= 97 && code <= 122) || (code >= 48 && code <= 57)) {
      if (start < 0) start = index;
    } else if (start >= 0) {
      const token = lower.slice(start, index);
      if (!STOPWORDS.has(token)) tokens.push(token);
      start = -1;
    }
  }
  return tokens;
}

const MAX_CACHED_STEMS = 200_000;
const STEMS = new Map<string, string>();

/** The index term of one token from `tokenize` (its Porter stem). */
export function stem(token: string): string {
  let stemmed = STEMS.get(token);
  if (stemmed === undefined) {
    stemmed = stemmer(token);
    // Stemming is most of analyze()'s cost and vocabularies repeat heavily; the bound keeps memory flat.
    if (STEMS.size >= MAX_CACHED_STEMS) STEMS.clear();
    STEMS.set(token, stemmed);
  }
  return stemmed;
}

/**
 * Lower-cased, stop-word-free, stemmed terms of `text`, in order (repeats kept).
 *
 * @example analyze("The patients' outcomes improved") // ['patient', 'outcom', 'improv']
 */
export function analyze(text: string): string[] {
  return tokenize(text).map(stem);
}

/**
 * BM25 parameters shared by every adapter: Lucene's and Pyserini's defaults. A grid over k1 0.6–1.5 and
 * b 0.3–0.9 on SciFact train moved nDCG@10 by at most ±0.002, so the defaults stay.
 */
export const BM25 = { k1: 0.9, b: 0.4 } as const;
