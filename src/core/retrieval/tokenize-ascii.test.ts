/**
 * tokenize reads ASCII text by character codes and other text with a Unicode pattern; both must give the
 * same tokens, or an index built before would stop matching its queries. The reference here is the
 * definition: NFKC, lower case, runs of Unicode letters and digits, Lucene's English stop words left out.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tokenize } from './analyzer.ts';

const STOPWORDS = new Set(
  'a an and are as at be but by for if in into is it no not of on or such that the their then there these they this to was will with'.split(
    ' ',
  ),
);

function reference(text: string): string[] {
  return (
    text
      .normalize('NFKC')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? []
  ).filter((token) => !STOPWORDS.has(token));
}

/** Seeded (mulberry32), so a failure repeats. */
function randomAscii(seed: number, length: number): string {
  let state = seed;
  const next = () => {
    state = (state + 0x6d2b79f5) | 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
  const words = ['The', 'AND', 'il', '6', 'Fold', 'x', 'THIS', 'mice', '2026', 'a1b2'];
  let text = '';
  while (text.length < length) {
    text +=
      next() < 0.5 ? words[Math.floor(next() * words.length)] : String.fromCharCode(Math.floor(next() * 128));
  }
  return text;
}

describe('tokenize on ASCII and on other text', () => {
  it('gives the tokens of the Unicode definition for any ASCII text, control characters and all', () => {
    for (let seed = 1; seed <= 500; seed++) {
      const text = randomAscii(seed, 1 + (seed % 97) * 3);
      expect(tokenize(text), JSON.stringify(text)).toEqual(reference(text));
    }
    expect(tokenize('')).toEqual([]);
    expect(tokenize('IL-6 rose 3.5-fold; THE end_of_it\tZ9')).toEqual(
      reference('IL-6 rose 3.5-fold; THE end_of_it\tZ9'),
    );
  });

  it('gives the same tokens as the definition on the sample handbook, line by line', () => {
    const folder = join(import.meta.dirname, '../../../examples/handbook');
    const lines = readdirSync(folder)
      .filter((name) => name.endsWith('.md'))
      .flatMap((name) => readFileSync(join(folder, name), 'utf8').split('\n'));
    expect(lines.length).toBeGreaterThan(100);
    for (const line of lines) expect(tokenize(line), line).toEqual(reference(line));
  });

  it('normalises, lower-cases and splits text beyond ASCII as before', () => {
    const text = 'Naïve ＣＤ4+ cells — ½ dose; ﬁnal Ärzte, ΑΒΓ and İstanbul';
    expect(tokenize(text)).toEqual(reference(text));
    expect(tokenize('ＡＢＣ ﬁne café')).toEqual(['abc', 'fine', 'café']);
  });
});
