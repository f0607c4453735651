/**
 * Picks the sentences that answer a question best: each sentence is scored by the inverse-document-
 * frequency weight of the question terms it contains (document = sentence, over all sources), times a
 * prior favouring higher-ranked sources; picks are then made greedily, skipping sentences that mostly
 * repeat one already chosen.
 *
 * Matches may be partial: a question word that no source contains (an identifier pasted along, a typo)
 * does not stop the best sentences from being quoted. A misspelt word counts, at part of its weight, for the
 * words of the sources one or two edits away; words that match nothing are reported, so the answer can say
 * what it did not find. Only a question none of whose words match gets no sentence at all.
 */
import type { PromptSource } from '../../core/chat/prompt.ts';
import { stem, tokenize } from '../../core/retrieval/analyzer.ts';
import { splitSentences } from './sentences.ts';

export interface PickedSentence {
  text: string;
  sourceIndex: number;
  score: number;
}

export interface Selection {
  sentences: PickedSentence[];
  /** Words of the question, as written, that no source contains (nor a near spelling of them). */
  unmatched: string[];
  /** Share of the question's weight the best sentence covers (0 when none is picked). */
  coverage: number;
}

export interface SelectOptions {
  maxSentences: number;
  /**
   * Share of the question's weight the best sentence must cover to count as an answer. Default 0: any
   * sentence that matches a question word (or a near spelling of one) answers.
   */
  minCoverage?: number;
  /** A further pick must score at least this share of the best. Default 0.5. */
  minRelativeScore?: number;
}

/** Words that shape a question but never appear in its answer. */
const QUESTION_WORDS = new Set(
  (
    'how many much what whats when where which who whom whose why do does did can could should would will ' +
    'get gets i me my we us our you your please tell about there is are was were has have'
  ).split(' '),
);

/** The share of a word's weight that a near spelling of it earns. */
const NEAR_MATCH_CREDIT = 0.75;

interface QuestionTerm {
  /** The index term (stem). */
  term: string;
  /** The token as the question wrote it (lower-cased). */
  token: string;
}

function questionTerms(question: string): QuestionTerm[] {
  const seen = new Set<string>();
  const terms: QuestionTerm[] = [];
  for (const token of tokenize(contentWords(question).join(' '))) {
    const term = stem(token);
    if (seen.has(term)) continue;
    seen.add(term);
    terms.push({ term, token });
  }
  return terms;
}

/** The question's words (apostrophes kept: "what's") less the words that only shape a question. */
function contentWords(text: string): string[] {
  const words = text.toLowerCase().match(/[\p{L}\p{N}'’]+/gu) ?? [];
  return words.filter((word) => !QUESTION_WORDS.has(word.replace(/['’]/g, '')));
}

interface Candidate {
  text: string;
  sourceIndex: number;
  rank: number;
  terms: Set<string>;
}

/** How one question term is found in the sources: as itself, or through near spellings. */
interface TermMatch {
  /** Stems that count for the term, with the credit each earns. */
  forms: Map<string, number>;
  weight: number;
}

export function selectSentences(
  question: string,
  sources: PromptSource[],
  options: SelectOptions,
): Selection {
  const terms = questionTerms(question);
  if (terms.length === 0) return { sentences: [], unmatched: [], coverage: 0 };
  const candidates = collectCandidates(sources);
  const matches = matchTerms(terms, sources, candidates);
  const totalWeight = [...matches.values()].reduce((sum, match) => sum + match.weight, 0);
  const unmatchedTerms = new Set(
    terms.filter(({ term }) => (matches.get(term)?.forms.size ?? 0) === 0).map(({ term }) => term),
  );
  const unmatched = unmatchedWords(question, unmatchedTerms);
  const scored = candidates
    .map((candidate) => {
      let covered = 0;
      for (const match of matches.values()) {
        let credit = 0;
        for (const [form, share] of match.forms)
          if (candidate.terms.has(form)) credit = Math.max(credit, share);
        covered += match.weight * credit;
      }
      const coverage = covered / totalWeight;
      const lengthPenalty = 1 / (1 + Math.max(0, candidate.terms.size - 30) / 30);
      return { candidate, coverage, score: coverage * (1 / (1 + 0.1 * candidate.rank)) * lengthPenalty };
    })
    .filter((entry) => entry.coverage > 0)
    .sort((left, right) => right.score - left.score);
  const best = scored[0];
  if (!best || best.coverage < (options.minCoverage ?? 0)) return { sentences: [], unmatched, coverage: 0 };
  const picked: Array<(typeof scored)[number]> = [];
  for (const entry of scored) {
    if (picked.length >= options.maxSentences) break;
    if (entry.score < best.score * (options.minRelativeScore ?? 0.5)) break;
    if (picked.some((chosen) => overlap(chosen.candidate.terms, entry.candidate.terms) > 0.6)) continue;
    picked.push(entry);
  }
  return {
    sentences: picked.map((entry) => ({
      text: entry.candidate.text,
      sourceIndex: entry.candidate.sourceIndex,
      score: entry.score,
    })),
    unmatched,
    coverage: best.coverage,
  };
}

function collectCandidates(sources: PromptSource[]): Candidate[] {
  const candidates: Candidate[] = [];
  sources.forEach((source, rank) => {
    const headingLine = source.location;
    for (const text of splitSentences(source.text)) {
      // The chunk's first line repeats its heading path; a heading alone answers nothing.
      if (text === headingLine || text === source.location.split(', ').at(-1)) continue;
      const terms = new Set(tokenize(text).map(stem));
      if (terms.size < 3) continue;
      candidates.push({ text, sourceIndex: source.index, rank, terms });
    }
  });
  return candidates;
}

/**
 * Each question term's forms in the sources (itself, else the stems of source words one or two edits from
 * it) and its inverse-document-frequency weight over the candidate sentences.
 */
function matchTerms(
  terms: QuestionTerm[],
  sources: PromptSource[],
  candidates: Candidate[],
): Map<string, TermMatch> {
  const count = Math.max(candidates.length, 1);
  let vocabulary: Map<string, string> | undefined;
  const matches = new Map<string, TermMatch>();
  for (const { term, token } of terms) {
    const forms = new Map<string, number>();
    if (candidates.some((candidate) => candidate.terms.has(term))) forms.set(term, 1);
    else if (nearMatchable(token)) {
      // Built once, and only for a question that has a word the sources do not contain.
      vocabulary ??= sourceVocabulary(sources);
      const allowed = token.length >= 8 ? 2 : 1;
      for (const [word, wordStem] of vocabulary) {
        if (Math.abs(word.length - token.length) > allowed) continue;
        if (editDistance(token, word, allowed) <= allowed) forms.set(wordStem, NEAR_MATCH_CREDIT);
      }
    }
    const frequency = candidates.filter((candidate) =>
      [...forms.keys()].some((form) => candidate.terms.has(form)),
    ).length;
    matches.set(term, { forms, weight: Math.log(1 + (count + 1) / (frequency + 0.5)) });
  }
  return matches;
}

/** A word long enough, and made of letters, for a near spelling to be a likely typo rather than another word. */
function nearMatchable(token: string): boolean {
  return token.length >= 5 && /^\p{L}+$/u.test(token);
}

function sourceVocabulary(sources: PromptSource[]): Map<string, string> {
  const vocabulary = new Map<string, string>();
  for (const source of sources) {
    for (const token of tokenize(source.text)) {
      if (nearMatchable(token) && !vocabulary.has(token)) vocabulary.set(token, stem(token));
    }
  }
  return vocabulary;
}

/** Damerau–Levenshtein distance (adjacent swaps count one), stopping early once past `limit`. */
function editDistance(left: string, right: string, limit: number): number {
  const rows = left.length + 1;
  const columns = right.length + 1;
  const table: number[][] = Array.from({ length: rows }, (_, row) =>
    Array.from({ length: columns }, (_, column) => (row === 0 ? column : column === 0 ? row : 0)),
  );
  for (let row = 1; row < rows; row++) {
    let rowBest = Number.POSITIVE_INFINITY;
    for (let column = 1; column < columns; column++) {
      const cost = left[row - 1] === right[column - 1] ? 0 : 1;
      let value = Math.min(
        table[row - 1]![column]! + 1,
        table[row]![column - 1]! + 1,
        table[row - 1]![column - 1]! + cost,
      );
      if (
        row > 1 &&
        column > 1 &&
        left[row - 1] === right[column - 2] &&
        left[row - 2] === right[column - 1]
      ) {
        value = Math.min(value, table[row - 2]![column - 2]! + 1);
      }
      table[row]![column] = value;
      rowBest = Math.min(rowBest, value);
    }
    if (rowBest > limit) return rowBest;
  }
  return table[rows - 1]![columns - 1]!;
}

/** The question's words (as written, split at spaces) all of whose terms the sources lack. */
function unmatchedWords(question: string, unmatchedTerms: Set<string>): string[] {
  if (unmatchedTerms.size === 0) return [];
  const words: string[] = [];
  for (const word of question.split(/\s+/)) {
    const trimmed = word.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '');
    const terms = tokenize(contentWords(trimmed).join(' ')).map(stem);
    if (terms.length > 0 && terms.every((term) => unmatchedTerms.has(term)) && !words.includes(trimmed)) {
      words.push(trimmed);
    }
  }
  return words;
}

function overlap(left: Set<string>, right: Set<string>): number {
  let shared = 0;
  for (const term of left) if (right.has(term)) shared++;
  return shared / Math.max(1, Math.min(left.size, right.size));
}
