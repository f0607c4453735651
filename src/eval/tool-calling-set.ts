/**
 * Tool-calling sets: JSON Lines in the format of the Berkeley Function-Calling Leaderboard — the functions
 * offered, the question, and the acceptable calls (empty when no function applies). Godwit ships one
 * (src/eval/data/tool-calling.jsonl); `godwit eval tools --set` reads another in the same format.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ValidationError } from '../core/errors.ts';
import type { AcceptableCall, ToolFunction } from './tool-call-checker.ts';

export const TOOL_CALLING_CATEGORIES = ['simple', 'multiple', 'parallel', 'irrelevance'] as const;
export type ToolCallingCategory = (typeof TOOL_CALLING_CATEGORIES)[number];

/**
 * The set shipped with Godwit. Resolved from the package root, so the path is the same whether this file
 * runs from src/ or from the compiled dist/ (both are two levels below the root).
 */
export const BUILTIN_TOOL_CALLING_SET = fileURLToPath(
  new URL('../../src/eval/data/tool-calling.jsonl', import.meta.url),
);

const schemaObject: z.ZodType<Record<string, unknown>> = z.record(z.string(), z.unknown());

const functionSchema = z
  .object({
    name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -'),
    description: z.string(),
    parameters: z.object({
      type: z.literal('object'),
      properties: z.record(z.string(), schemaObject),
      required: z.array(z.string()).optional(),
    }),
  })
  .strict();

const itemSchema = z
  .object({
    id: z.string().trim().min(1),
    category: z.enum(TOOL_CALLING_CATEGORIES),
    question: z.string().trim().min(1),
    functions: z.array(functionSchema).min(1),
    ground_truth: z.array(z.record(z.string(), z.record(z.string(), z.array(z.unknown())))),
  })
  .strict();

export interface ToolCallingItem {
  id: string;
  category: ToolCallingCategory;
  question: string;
  functions: ToolFunction[];
  /** The calls that answer the question, each with its acceptable argument values; empty: call nothing. */
  groundTruth: AcceptableCall[];
}

/**
 * Parses a tool-calling set, naming the line and field of every problem (up to five) before anything runs.
 *
 * @example parseToolCallingSet(text, 'tools.jsonl').length
 */
export function parseToolCallingSet(text: string, name: string): ToolCallingItem[] {
  const items: ToolCallingItem[] = [];
  const problems: string[] = [];
  const ids = new Set<string>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('//')) return;
    const item = parseLine(trimmed, index + 1, problems);
    if (!item) return;
    if (ids.has(item.id)) problems.push(`line ${index + 1}: id "${item.id}" is used twice.`);
    ids.add(item.id);
    items.push(item);
  });
  if (problems.length > 0) {
    const more = problems.length > 5 ? `\n  … and ${problems.length - 5} more` : '';
    throw new ValidationError(
      `${name} is not a valid tool-calling set:\n  ${problems.slice(0, 5).join('\n  ')}${more}`,
    );
  }
  if (items.length === 0) throw new ValidationError(`${name} has no items.`);
  return items;
}

function parseLine(text: string, line: number, problems: string[]): ToolCallingItem | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    problems.push(`line ${line}: not valid JSON (${(error as Error).message}).`);
    return null;
  }
  const parsed = itemSchema.safeParse(value);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path.map(String).join('.');
      problems.push(`line ${line}${path ? `, field "${path}"` : ''}: ${issue.message}.`);
    }
    return null;
  }
  const { id, category, question, functions, ground_truth } = parsed.data;
  const offered = new Set(functions.map((entry) => entry.name));
  for (const call of ground_truth) {
    const names = Object.keys(call);
    if (names.length !== 1) {
      problems.push(`line ${line}: each ground_truth entry names exactly one function; got ${names.length}.`);
      return null;
    }
    if (!offered.has(names[0]!)) {
      problems.push(`line ${line}: ground_truth calls ${names[0]}, which is not among the functions.`);
      return null;
    }
  }
  if ((category === 'irrelevance') !== (ground_truth.length === 0)) {
    problems.push(
      `line ${line}: ${category === 'irrelevance' ? 'an irrelevance item has an empty ground_truth' : `a ${category} item needs at least one ground_truth call`}.`,
    );
    return null;
  }
  return { id, category, question, functions: functions as ToolFunction[], groundTruth: ground_truth };
}

/** Reads a tool-calling set (default: the one shipped with Godwit). */
export async function loadToolCallingSet(
  path: string = BUILTIN_TOOL_CALLING_SET,
): Promise<ToolCallingItem[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new ValidationError(`Cannot read the tool-calling set ${path}: ${reason}.`);
  }
  return parseToolCallingSet(text, path);
}
