/**
 * Picks the sentences that answer a question best: each sentence is scored by the inverse-document-
 * frequency weight of the question terms it contains (document = sentence, over all sources), times a
 * prior favouring higher-ranked sources; picks are then made greedily, skipping sentences that mostly
 * repeat one already chosen.
 */
import type { PromptSource } from '../../core/chat/prompt.ts';
import { analyze } from '../../core/retrieval/analyzer.ts';
import { splitSentences } from './sentences.ts';

export interface PickedSentence {
  text: string;
  sourceIndex: number;
  score: number;
}

export interface SelectOptions {
  maxSentences: number;
  /** Share of the question's weight the best sentence must cover to count as an answer. Default 0.4. */
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

function questionTerms(question: string): Set<string> {
  const words = question.toLowerCase().match(/[\p{L}\p{N}'’]+/gu) ?? [];
  return new Set(analyze(words.filter((word) => !QUESTION_WORDS.has(word.replace(/['’]/g, ''))).join(' ')));
}

interface Candidate {
  text: string;
  sourceIndex: number;
  rank: number;
  terms: Set<string>;
}

export function selectSentences(
  question: string,
  sources: PromptSource[],
  options: SelectOptions,
): PickedSentence[] {
  const terms = questionTerms(question);
  if (terms.size === 0) return [];
  const candidates = collectCandidates(sources);
  const weights = termWeights(terms, candidates);
  const totalWeight = [...weights.values()].reduce((sum, weight) => sum + weight, 0);
  const scored = candidates
    .map((candidate) => {
      let covered = 0;
      for (const term of terms) if (candidate.terms.has(term)) covered += weights.get(term) ?? 0;
      const coverage = covered / totalWeight;
      const lengthPenalty = 1 / (1 + Math.max(0, candidate.terms.size - 30) / 30);
      return { candidate, coverage, score: coverage * (1 / (1 + 0.1 * candidate.rank)) * lengthPenalty };
    })
    .filter((entry) => entry.coverage > 0)
    .sort((left, right) => right.score - left.score);
  const best = scored[0];
  if (!best || best.coverage < (options.minCoverage ?? 0.4)) return [];
  const picked: Array<(typeof scored)[number]> = [];
  for (const entry of scored) {
    if (picked.length >= options.maxSentences) break;
    if (entry.score < best.score * (options.minRelativeScore ?? 0.5)) break;
    if (picked.some((chosen) => overlap(chosen.candidate.terms, entry.candidate.terms) > 0.6)) continue;
    picked.push(entry);
  }
  return picked.map((entry) => ({
    text: entry.candidate.text,
    sourceIndex: entry.candidate.sourceIndex,
    score: entry.score,
  }));
}

function collectCandidates(sources: PromptSource[]): Candidate[] {
  const candidates: Candidate[] = [];
  sources.forEach((source, rank) => {
    const headingLine = source.location;
    for (const text of splitSentences(source.text)) {
      // The chunk's first line repeats its heading path; a heading alone answers nothing.
      if (text === headingLine || text === source.location.split(', ').at(-1)) continue;
      const terms = new Set(analyze(text));
      if (terms.size < 3) continue;
      candidates.push({ text, sourceIndex: source.index, rank, terms });
    }
  });
  return candidates;
}

function termWeights(questionTerms: Set<string>, candidates: Candidate[]): Map<string, number> {
  const weights = new Map<string, number>();
  const count = Math.max(candidates.length, 1);
  for (const term of questionTerms) {
    const frequency = candidates.filter((candidate) => candidate.terms.has(term)).length;
    weights.set(term, Math.log(1 + (count + 1) / (frequency + 0.5)));
  }
  return weights;
}

function overlap(left: Set<string>, right: Set<string>): number {
  let shared = 0;
  for (const term of left) if (right.has(term)) shared++;
  return shared / Math.max(1, Math.min(left.size, right.size));
}
