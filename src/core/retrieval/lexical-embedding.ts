/**
 * A local lexical embedding: hashed character 4- and 5-grams of a text's words, L2-normalised. It needs no
 * model and no network, and fused with BM25 it catches near-miss spellings and word forms the stemmer
 * leaves apart ("autophagic" / "autophagy"). It is not a semantic embedding.
 *
 * The recipe is fixed so any language can reproduce it bit for bit: words are `tokenize(text)` (NFKC,
 * lower case, letters and digits, Lucene stop words removed, not stemmed); each word is wrapped as
 * `<word>`; every 4- and 5-character slice of that is hashed with 32-bit FNV-1a over its UTF-16 code
 * units; the slice adds 1 to dimension `hash % dimension`; the vector is divided by its L2 norm.
 */
import { ValidationError } from '../errors.ts';
import { tokenize } from './analyzer.ts';

/** The name and version a knowledge base records for vectors made by `lexicalEmbedding`. */
export const LEXICAL_EMBEDDING = {
  model: 'local:lexical',
  version: 'char-4-5-fnv1a-1',
  dimension: 1024,
} as const;

const GRAM_LENGTHS = [4, 5] as const;

/**
 * The lexical embedding of `text`: `dimension` numbers (default 1024) with unit L2 norm, or all zeros
 * when the text has no word of two or more characters outside the stop words.
 *
 * @example lexicalEmbedding('Autophagy in liver cells').length // 1024
 */
export function lexicalEmbedding(text: string, dimension: number = LEXICAL_EMBEDDING.dimension): number[] {
  if (!Number.isInteger(dimension) || dimension < 1) {
    throw new ValidationError(`lexical embedding dimension must be a positive integer, got ${dimension}`);
  }
  const vector = new Array<number>(dimension).fill(0);
  for (const token of tokenize(text)) {
    const padded = `<${token}>`;
    for (const length of GRAM_LENGTHS) {
      for (let start = 0; start + length <= padded.length; start++) {
        vector[fnv1a(padded, start, start + length) % dimension]! += 1;
      }
    }
  }
  return normalize(vector);
}

/** 32-bit FNV-1a of `text.slice(start, end)`'s UTF-16 code units, as an unsigned integer. */
function fnv1a(text: string, start: number, end: number): number {
  let hash = 0x811c9dc5;
  for (let index = start; index < end; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

function normalize(vector: number[]): number[] {
  let sumOfSquares = 0;
  for (const value of vector) sumOfSquares += value * value;
  if (sumOfSquares === 0) return vector;
  const norm = Math.sqrt(sumOfSquares);
  return vector.map((value) => value / norm);
}
