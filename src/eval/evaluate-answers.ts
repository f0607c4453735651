/**
 * Runs a golden set through one or more answering variants (models, deployments) and scores every answer.
 * The variants are functions that ask one question the way `godwit ask` does; this file knows nothing of
 * backends. Questions run one at a time, so latency is not inflated by contention.
 */
import { GodwitError } from '../core/errors.ts';
import type { Pricing } from '../core/models.ts';
import type { Usage } from '../core/types.ts';
import { createPricing } from '../providers/pricing.ts';
import type { CitedPassage } from './citation-metrics.ts';
import type { GoldenItem } from './golden-set.ts';
import { buildJudgePrompt, type JudgeVerdict, parseVerdict } from './judge.ts';
import {
  type AnswerRecord,
  type ScoredAnswer,
  scoreAnswer,
  summarizeAnswers,
  type ToolCallRecord,
  type VariantSummary,
} from './score-answer.ts';

/** What asking one question returns (the shape of `godwit ask --json`). */
export interface AskedAnswer {
  answer: string;
  citations: CitedPassage[];
  model: string;
  usage: Usage | null;
  /** An assistant's tool calls during the turn; absent or empty for a plain model. */
  toolCalls?: ToolCallRecord[];
}

export interface AnswerVariant {
  /** How reports name the variant: a model name or a server URL. Default: the model that answered first. */
  name?: string;
  ask(question: string): Promise<AskedAnswer>;
  /**
   * Called once, untimed, before the variant's first question: loads what the first question would
   * otherwise pay for (indexes, connections), so the first variant's latency is not inflated.
   */
  warmUp?: () => Promise<void>;
}

export interface EvaluateAnswersOptions {
  items: readonly GoldenItem[];
  variants: readonly AnswerVariant[];
  /** Prices an answer from its model and usage. Default: Godwit's price table. */
  pricing?: Pricing;
  /** Milliseconds since an arbitrary origin. Default `performance.now`. */
  clock?: () => number;
  /** Sends a judge prompt to the judge model and returns its reply; no judge metrics without it. */
  judge?: (prompt: string) => Promise<string>;
  onProgress?: (progress: { variant: string; item: GoldenItem; done: number; total: number }) => void;
}

export interface VariantResult {
  name: string;
  summary: VariantSummary;
  answers: ScoredAnswer[];
}

/** Errors that mean the run itself is wrong (bad model name, unknown knowledge base): stop, do not score. */
const FATAL_CODES = new Set([
  'validation_failed',
  'config_invalid',
  'bad_request',
  'not_found',
  'unauthorized',
  'forbidden',
]);

/** True for errors that would fail every question (bad model, unknown knowledge base, no access). */
export function isFatalAskError(error: unknown): error is GodwitError {
  return GodwitError.isInstance(error) && FATAL_CODES.has(error.code);
}

/**
 * Asks every item of the set through every variant, in order, and scores the answers. A failed turn is
 * recorded and scored (as an empty or partial answer); an error that would fail every question (an
 * unknown model, a missing knowledge base) stops the run.
 *
 * @example const results = await evaluateAnswers({ items, variants: [{ name: 'openai:gpt-4.1-mini', ask }] });
 */
export async function evaluateAnswers(options: EvaluateAnswersOptions): Promise<VariantResult[]> {
  const pricing = options.pricing ?? createPricing();
  const clock = options.clock ?? (() => performance.now());
  const total = options.items.length * options.variants.length;
  let done = 0;
  const results: VariantResult[] = [];
  for (const [position, variant] of options.variants.entries()) {
    const answers: ScoredAnswer[] = [];
    let name = variant.name;
    await variant.warmUp?.();
    for (const item of options.items) {
      const record = await askOnce(variant, item, pricing, clock);
      name ??= record.error === null ? record.model : undefined;
      const scored = scoreAnswer(item, record);
      if (options.judge && record.error === null) await judgeAnswer(scored, options.judge);
      answers.push(scored);
      options.onProgress?.({ variant: name ?? `variant ${position + 1}`, item, done: ++done, total });
    }
    results.push({ name: name ?? `variant ${position + 1}`, summary: summarizeAnswers(answers), answers });
  }
  return results;
}

/** Asks the judge about one answer and records its verdict (or why there is none) on the answer. */
async function judgeAnswer(scored: ScoredAnswer, judge: (prompt: string) => Promise<string>): Promise<void> {
  const prompt = buildJudgePrompt(scored.question, scored.answer, scored.citations);
  let verdict: JudgeVerdict;
  try {
    verdict = parseVerdict(prompt, await judge(prompt));
  } catch (error) {
    if (isFatalAskError(error))
      throw new GodwitError(error.code, `judge: ${error.message}`, { cause: error });
    const reason = error instanceof Error ? error.message : String(error);
    verdict = { prompt, raw: '', faithfulness: null, relevance: null, reason: null, error: reason };
  }
  scored.judge = verdict;
  scored.metrics.judge_faithfulness = verdict.faithfulness;
  scored.metrics.judge_relevance = verdict.relevance;
}

async function askOnce(
  variant: AnswerVariant,
  item: GoldenItem,
  pricing: Pricing,
  clock: () => number,
): Promise<AnswerRecord> {
  const started = clock();
  try {
    const asked = await variant.ask(item.question);
    return {
      answer: asked.answer,
      citations: asked.citations,
      model: asked.model,
      latencyMs: clock() - started,
      costUsd: asked.usage ? pricing(asked.model, asked.usage) : null,
      error: null,
      toolCalls: asked.toolCalls ?? [],
    };
  } catch (error) {
    if (isFatalAskError(error)) {
      const prefix = variant.name ? `${variant.name}: ` : '';
      throw new GodwitError(error.code, `${prefix}${error.message}`, { cause: error });
    }
    return {
      answer: '',
      citations: [],
      model: variant.name ?? '',
      latencyMs: clock() - started,
      costUsd: null,
      error: error instanceof Error ? error.message : String(error),
      toolCalls: [],
    };
  }
}
