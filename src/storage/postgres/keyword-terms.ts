/**
 * Analyzed terms in the shapes the SQL keyword search needs. The analyzer is the one every adapter uses,
 * so BM25 scores here match the reference `Bm25Index`.
 *
 * Limits of PostgreSQL's tsvector, and how they are handled:
 * - a lexeme must be shorter than 2 KiB: longer terms (a run of 2,047+ bytes of letters and digits, in
 *   practice an encoded blob) are left out of the tsvector, so neither a chunk nor a query can match on
 *   them; they still count toward the chunk's length;
 * - a tsvector keeps at most 256 positions per lexeme: a term repeated more often in one chunk has its
 *   exact count in a small overflow map beside the tsvector;
 * - a tsvector holds at most 1 MiB of lexemes: a chunk past that is rejected with a ValidationError.
 */
import { ValidationError } from '../../core/errors.ts';
import { analyze } from '../../core/retrieval/analyzer.ts';

const MAX_LEXEME_BYTES = 2046;
const MAX_TSVECTOR_BYTES = 1024 * 1024 - 1;
/** tsvector keeps at most this many positions per lexeme; larger counts go to the overflow map. */
export const MAX_TSVECTOR_POSITIONS = 256;
// The analyzer only emits letters and digits; anything else would need quoting inside a tsquery.
const PLAIN_TERM = /^[\p{L}\p{N}]+$/u;

export interface IndexedTerms {
  /** BM25 document length: every term, repeats included. */
  termCount: number;
  /**
   * tsvector input text. The positions are not word positions: a term seen n times gets positions 1…n,
   * so the number of positions is the term frequency, read back without a second column.
   */
  tsvector: string;
  /** `{"term": n}` for the rare terms seen more than 256 times; null when there are none. */
  overflowJson: string | null;
}

export function indexTerms(text: string, label: string): IndexedTerms {
  const terms = analyze(text);
  const counts = new Map<string, number>();
  for (const term of terms) counts.set(term, (counts.get(term) ?? 0) + 1);
  const lexemes: string[] = [];
  const overflow: string[] = [];
  // A UTF-16 code unit is at most 3 UTF-8 bytes: count exactly only when the cheap bound is too high.
  let lexemeBytesBound = 0;
  for (const [term, count] of counts) {
    if (!isIndexable(term)) continue;
    lexemes.push(`'${term}':${positions(count)}`);
    lexemeBytesBound += term.length * 3;
    if (count > MAX_TSVECTOR_POSITIONS) overflow.push(`${JSON.stringify(term)}:${count}`);
  }
  if (lexemeBytesBound > MAX_TSVECTOR_BYTES && indexedBytes(counts) > MAX_TSVECTOR_BYTES) {
    throw new ValidationError(
      `${label} has too many distinct words to index for keyword search; split it into smaller chunks.`,
    );
  }
  return {
    termCount: terms.length,
    tsvector: lexemes.join(' '),
    overflowJson: overflow.length === 0 ? null : `{${overflow.join(',')}}`,
  };
}

/** `1,2,…,n`, capped at the tsvector limit. */
function positions(count: number): string {
  let list = '1';
  for (let position = 2; position <= Math.min(count, MAX_TSVECTOR_POSITIONS); position++)
    list += `,${position}`;
  return list;
}

function indexedBytes(counts: ReadonlyMap<string, number>): number {
  let total = 0;
  for (const term of counts.keys()) if (isIndexable(term)) total += Buffer.byteLength(term);
  return total;
}

export interface QueryTerms {
  /** Distinct terms, each with how often the query repeats it (Lucene counts every occurrence). */
  terms: string[];
  occurrences: number[];
  /** `'a' | 'b'` for the GIN candidate lookup; passed as a parameter, never spliced into SQL. */
  tsquery: string;
}

export function queryTerms(text: string): QueryTerms {
  const counts = new Map<string, number>();
  for (const term of analyze(text)) {
    if (isIndexable(term)) counts.set(term, (counts.get(term) ?? 0) + 1);
  }
  const terms = [...counts.keys()];
  return {
    terms,
    occurrences: terms.map((term) => counts.get(term)!),
    tsquery: terms.map((term) => `'${term}'`).join(' | '),
  };
}

function isIndexable(term: string): boolean {
  return (
    PLAIN_TERM.test(term) &&
    (term.length * 3 <= MAX_LEXEME_BYTES || Buffer.byteLength(term) <= MAX_LEXEME_BYTES)
  );
}

function utf8Total(terms: readonly string[]): number {
  let total = 0;
  for (const term of terms) total += Buffer.byteLength(term);
  return total;
}
