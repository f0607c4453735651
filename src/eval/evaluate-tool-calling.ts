/**
 * `godwit eval tools`: every item of a tool-calling set asked of one or more models (the functions offered,
 * nothing executed), each answer scored by structural matching, accuracy per category and model, and a
 * paired comparison of each model with the first. This file knows nothing of providers: a model is a
 * function from an item to the calls it made.
 */
import { GodwitError } from '../core/errors.ts';
import { isFatalAskError } from './evaluate-answers.ts';
import { pairedBootstrap } from './paired-bootstrap.ts';
import { checkToolCalls, type ModelToolCall } from './tool-call-checker.ts';
import {
  TOOL_CALLING_CATEGORIES,
  type ToolCallingCategory,
  type ToolCallingItem,
} from './tool-calling-set.ts';

export interface ToolCallingModel {
  name: string;
  /** Offers the item's functions with its question and returns the calls the model made (none: a text answer). */
  call(item: ToolCallingItem): Promise<ModelToolCall[]>;
}

export interface ToolCallingResult {
  id: string;
  category: ToolCallingCategory;
  correct: boolean;
  /** Why the calls are wrong; null when right. */
  reason: string | null;
  calls: ModelToolCall[];
  /** Set when the request failed (scored wrong). */
  error: string | null;
}

export interface CategoryScore {
  items: number;
  correct: number;
  accuracy: number;
}

export interface ToolCallingModelReport {
  name: string;
  accuracy: number;
  categories: Partial<Record<ToolCallingCategory, CategoryScore>>;
  failed: number;
  results: ToolCallingResult[];
}

export interface ToolCallingComparison {
  baseline: string;
  candidate: string;
  pairs: number;
  mean_difference: number;
  low: number;
  high: number;
  p_value: number;
  /** Items one model got right and the other wrong. */
  changed: Array<{ id: string; category: ToolCallingCategory; baseline: boolean; candidate: boolean }>;
}

export interface ToolCallingReport {
  set: string;
  items: number;
  seed: number;
  models: ToolCallingModelReport[];
  comparisons: ToolCallingComparison[];
  /** False when a --fail-below accuracy was missed. */
  passed: boolean;
  minimum_accuracy: number | null;
}

export interface EvaluateToolCallingOptions {
  set: string;
  items: readonly ToolCallingItem[];
  models: readonly ToolCallingModel[];
  seed?: number;
  /** Every model's overall accuracy must reach this (0-1) for `passed`. */
  minimumAccuracy?: number;
  onProgress?: (progress: { model: string; item: ToolCallingItem }) => void;
}

/**
 * Asks every item of every model, one at a time, and scores the calls. A failed request is scored wrong
 * and recorded; an error that would fail every item (unknown model, no credentials) stops the run.
 *
 * @example await evaluateToolCalling({ set: 'built-in', items, models: [{ name: 'openai:gpt-4o-mini', call }] })
 */
export async function evaluateToolCalling(options: EvaluateToolCallingOptions): Promise<ToolCallingReport> {
  const seed = options.seed ?? 1;
  const models: ToolCallingModelReport[] = [];
  for (const model of options.models) {
    const results: ToolCallingResult[] = [];
    for (const item of options.items) {
      results.push(await scoreItem(model, item));
      options.onProgress?.({ model: model.name, item });
    }
    models.push(summarize(model.name, results));
  }
  const [baseline, ...candidates] = models;
  const comparisons = baseline ? candidates.map((candidate) => compare(baseline, candidate, seed)) : [];
  const minimum = options.minimumAccuracy ?? null;
  return {
    set: options.set,
    items: options.items.length,
    seed,
    models,
    comparisons,
    passed: minimum === null || models.every((model) => model.accuracy >= minimum),
    minimum_accuracy: minimum,
  };
}

async function scoreItem(model: ToolCallingModel, item: ToolCallingItem): Promise<ToolCallingResult> {
  const base = { id: item.id, category: item.category };
  let calls: ModelToolCall[];
  try {
    calls = await model.call(item);
  } catch (error) {
    if (isFatalAskError(error)) {
      const message = error.message.includes(model.name) ? error.message : `${model.name}: ${error.message}`;
      throw new GodwitError(error.code, message, { cause: error });
    }
    const message = error instanceof Error ? error.message : String(error);
    return { ...base, correct: false, reason: 'the request failed', calls: [], error: message };
  }
  const check = checkToolCalls(item.functions, item.groundTruth, calls);
  return { ...base, correct: check.correct, reason: check.reason, calls, error: null };
}

function summarize(name: string, results: ToolCallingResult[]): ToolCallingModelReport {
  const categories: Partial<Record<ToolCallingCategory, CategoryScore>> = {};
  for (const category of TOOL_CALLING_CATEGORIES) {
    const inCategory = results.filter((result) => result.category === category);
    if (inCategory.length > 0) categories[category] = score(inCategory);
  }
  return {
    name,
    accuracy: score(results).accuracy,
    categories,
    failed: results.filter((result) => result.error !== null).length,
    results,
  };
}

function score(results: readonly ToolCallingResult[]): CategoryScore {
  const correct = results.filter((result) => result.correct).length;
  return {
    items: results.length,
    correct,
    accuracy: round(results.length === 0 ? 0 : correct / results.length),
  };
}

function compare(
  baseline: ToolCallingModelReport,
  candidate: ToolCallingModelReport,
  seed: number,
): ToolCallingComparison {
  const left = baseline.results.map((result) => (result.correct ? 1 : 0));
  const right = candidate.results.map((result) => (result.correct ? 1 : 0));
  const paired = pairedBootstrap(left, right, { seed });
  return {
    baseline: baseline.name,
    candidate: candidate.name,
    pairs: paired.pairs,
    mean_difference: round(paired.meanDifference),
    low: round(paired.low),
    high: round(paired.high),
    p_value: round(paired.pValue),
    changed: baseline.results.flatMap((result, index) => {
      const other = candidate.results[index];
      if (!other || other.correct === result.correct) return [];
      return [
        { id: result.id, category: result.category, baseline: result.correct, candidate: other.correct },
      ];
    }),
  };
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

/** The Markdown form of the report: accuracy per category and model, comparisons, and every wrong item. */
export function renderToolCallingMarkdown(report: ToolCallingReport): string {
  const names = report.models.map((model) => model.name);
  const lines = [
    `# Tool-calling check: ${report.set}`,
    '',
    `${report.items} items, ${names.length} model(s), bootstrap seed ${report.seed}.`,
    '',
    `| category | ${names.join(' | ')} |`,
    `|---|${names.map(() => '---:').join('|')}|`,
  ];
  for (const category of TOOL_CALLING_CATEGORIES) {
    if (!report.models.some((model) => model.categories[category])) continue;
    const cells = report.models.map((model) => {
      const entry = model.categories[category];
      return entry ? `${entry.accuracy.toFixed(3)} (${entry.correct}/${entry.items})` : '–';
    });
    lines.push(`| ${category} | ${cells.join(' | ')} |`);
  }
  lines.push(
    `| **overall** | ${report.models.map((model) => `**${model.accuracy.toFixed(3)}**`).join(' | ')} |`,
  );
  lines.push(`| failed requests | ${report.models.map((model) => String(model.failed)).join(' | ')} |`);
  for (const comparison of report.comparisons) {
    lines.push(
      '',
      `## ${comparison.candidate} against ${comparison.baseline}`,
      '',
      `Accuracy difference ${signed(comparison.mean_difference)}, 95% interval [${signed(comparison.low)}, ${signed(comparison.high)}], p ${comparison.p_value.toFixed(3)} over ${comparison.pairs} items.`,
    );
    for (const change of comparison.changed) {
      lines.push(
        `- ${change.id} (${change.category}): ${change.baseline ? 'right' : 'wrong'} → ${change.candidate ? 'right' : 'wrong'}`,
      );
    }
  }
  for (const model of report.models) {
    const wrongResults = model.results.filter((result) => !result.correct);
    if (wrongResults.length === 0) continue;
    lines.push('', `## Wrong calls: ${model.name}`, '');
    for (const result of wrongResults) {
      lines.push(`- ${result.id} (${result.category}): ${result.error ?? result.reason}`);
    }
  }
  if (report.minimum_accuracy !== null) {
    lines.push('', `Minimum accuracy ${report.minimum_accuracy}: ${report.passed ? 'pass' : '**FAIL**'}.`);
  }
  return `${lines.join('\n')}\n`;
}

function signed(value: number): string {
  return `${value > 0 ? '+' : value < 0 ? '−' : '±'}${Math.abs(value).toFixed(3)}`;
}
