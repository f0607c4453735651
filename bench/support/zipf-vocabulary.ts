/**
 * Synthetic English-like text whose term statistics look natural: word ranks follow Zipf's law, the head
 * of the distribution is real English function words (most of which the analyzer drops as stop words, as
 * it would in real text), and the tail is made-up words, shorter ones more frequent.
 */
import { analyze } from '../../src/core/retrieval/analyzer.ts';
import { createRandom, type Random, randomInteger } from './random.ts';

/** The most frequent English words, most frequent first (rank order from common corpus counts). */
const HEAD_WORDS = (
  'the of and to a in is that for it as was with be by on not he i this are or his from at which but have ' +
  'an had they you were their one all we can her has there been if more when will would who so no'
).split(' ');

const ONSETS = ['b', 'c', 'd', 'f', 'g', 'h', 'k', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'w', 'z', 'br'];
const MORE_ONSETS = ['ch', 'cl', 'cr', 'dr', 'fl', 'gr', 'pl', 'pr', 'sh', 'sl', 'st', 'th', 'tr', 'j'];
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'ai', 'ea', 'io', 'ou', 'y'];
const CODAS = ['', '', '', 'n', 'r', 's', 'l', 'm', 't', 'nd', 'st', 'rk', 'x'];

export interface ZipfVocabularyOptions {
  /** Made-up words after the head words. Default 20,000. */
  size?: number;
  /** Zipf exponent s in p(rank) ∝ 1 / rank^s. Default 1.0. */
  exponent?: number;
  seed?: number;
}

export interface ZipfVocabulary {
  readonly words: readonly string[];
  /** One word drawn by its Zipf probability. */
  sample(random: Random): string;
}

export function createZipfVocabulary(options: ZipfVocabularyOptions = {}): ZipfVocabulary {
  const random = createRandom(options.seed ?? 1);
  const words = [...HEAD_WORDS, ...inventWords(options.size ?? 20_000, random)];
  const exponent = options.exponent ?? 1.0;
  const cumulative = new Float64Array(words.length);
  let total = 0;
  for (let rank = 0; rank < words.length; rank++) {
    total += 1 / (rank + 1) ** exponent;
    cumulative[rank] = total;
  }
  return {
    words,
    sample: (source) => words[lowerBound(cumulative, source() * total)]!,
  };
}

/** Distinct made-up words, each its own single analyzed term; shorter words get the better ranks. */
function inventWords(count: number, random: Random): string[] {
  const taken = new Set(HEAD_WORDS.flatMap((word) => analyze(word)));
  const invented: string[] = [];
  for (let attempts = 0; invented.length < count && attempts < count * 50; attempts++) {
    const word = inventWord(random);
    const terms = analyze(word);
    if (terms.length !== 1 || taken.has(terms[0]!)) continue;
    taken.add(terms[0]!);
    invented.push(word);
  }
  // Zipf's law of abbreviation: frequent words are short. Stable sort keeps the random order within a length.
  return invented.sort((left, right) => left.length - right.length);
}

function inventWord(random: Random): string {
  const syllables = randomInteger(random, 1, 4);
  let word = '';
  for (let index = 0; index < syllables; index++) {
    const onsets = random() < 0.7 ? ONSETS : MORE_ONSETS;
    word += pick(onsets, random) + pick(VOWELS, random);
  }
  return word + pick(CODAS, random);
}

function pick<T>(items: readonly T[], random: Random): T {
  return items[Math.floor(random() * items.length)]!;
}

/** First index whose cumulative weight reaches `target`. */
function lowerBound(cumulative: Float64Array, target: number): number {
  let low = 0;
  let high = cumulative.length - 1;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (cumulative[middle]! < target) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** `count` words drawn from the vocabulary, set as sentences of 6–20 words. */
export function syntheticProse(vocabulary: ZipfVocabulary, random: Random, count: number): string {
  const sentences: string[] = [];
  let remaining = count;
  while (remaining > 0) {
    const length = Math.min(remaining, randomInteger(random, 6, 20));
    const words: string[] = [];
    for (let index = 0; index < length; index++) words.push(vocabulary.sample(random));
    const first = words[0]!;
    words[0] = first.charAt(0).toUpperCase() + first.slice(1);
    sentences.push(`${words.join(' ')}.`);
    remaining -= length;
  }
  return sentences.join(' ');
}

/** A query of `count` words drawn the same way as the text (no punctuation). */
export function syntheticQuery(vocabulary: ZipfVocabulary, random: Random, count: number): string {
  return Array.from({ length: count }, () => vocabulary.sample(random)).join(' ');
}
