/**
 * Golden sets for answer evaluation: JSON Lines, one question per line, with what a good answer contains
 * (expected facts and/or a reference answer), the sources it should cite, and tags for slicing results.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ValidationError } from '../core/errors.ts';

const nonEmpty = z.string().trim().min(1, 'must not be empty');

const goldenItemSchema = z
  .object({
    id: nonEmpty.optional(),
    question: nonEmpty,
    facts: z.array(nonEmpty).optional(),
    reference: nonEmpty.optional(),
    sources: z.array(nonEmpty).optional(),
    unanswerable: z.boolean().optional(),
    tags: z.array(nonEmpty).optional(),
    expected_tools: z.array(nonEmpty).optional(),
  })
  .strict();

/** One golden question. `id` defaults to `line-N`; lists default to empty. */
export interface GoldenItem {
  id: string;
  /** 1-based line of the file the item came from. */
  line: number;
  question: string;
  /** Short facts a good answer states (matched after normalisation). */
  facts: string[];
  /** A reference answer, for token F1 and ROUGE-L. */
  reference: string | null;
  /** File names or URLs, as ingested, that a good answer cites. */
  sources: string[];
  /** The knowledge base does not hold the answer: a good answer says so. */
  unanswerable: boolean;
  tags: string[];
  /**
   * Tools an assistant should call to answer (names as the assistant lists them); an empty list means no
   * tool should be called. Null when the set does not say.
   */
  expectedTools: string[] | null;
}

/**
 * Parses a golden set. Blank lines and lines starting with `//` are skipped. Throws a ValidationError
 * naming the line and the field for the first problems found (up to five), so nothing runs on a bad set.
 *
 * @example parseGoldenSet('{"question":"How many vacation days?","facts":["20 days"]}\n', 'set.jsonl')
 */
export function parseGoldenSet(text: string, name: string): GoldenItem[] {
  const items: GoldenItem[] = [];
  const problems: string[] = [];
  const seen = new Map<string, number>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('//')) return;
    const item = parseLine(trimmed, line, problems);
    if (!item) return;
    const previous = seen.get(item.id);
    if (previous !== undefined) {
      problems.push(
        `line ${line}, field "id": "${item.id}" is already used on line ${previous}; ids must be unique.`,
      );
      return;
    }
    seen.set(item.id, line);
    items.push(item);
  });
  if (problems.length > 0) {
    const shown = problems.slice(0, 5);
    const more = problems.length > 5 ? `\n  … and ${problems.length - 5} more` : '';
    throw new ValidationError(`${name} is not a valid golden set:\n  ${shown.join('\n  ')}${more}`, {
      details: { problems },
    });
  }
  if (items.length === 0) {
    throw new ValidationError(
      `${name} has no questions: write one JSON object per line, like {"question":"…","facts":["…"]}.`,
    );
  }
  return items;
}

function parseLine(text: string, line: number, problems: string[]): GoldenItem | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    problems.push(`line ${line}: not valid JSON (${(error as Error).message}).`);
    return null;
  }
  const parsed = goldenItemSchema.safeParse(value);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`line ${line}, ${describeIssue(issue)}`);
    return null;
  }
  const data = parsed.data;
  const unanswerable = data.unanswerable ?? false;
  const facts = data.facts ?? [];
  const sources = data.sources ?? [];
  const nothingToCheck =
    facts.length === 0 && data.reference === undefined && sources.length === 0 && !data.expected_tools;
  if (!unanswerable && nothingToCheck) {
    problems.push(
      `line ${line}: nothing to check the answer against; give "facts", "reference", "sources" or "expected_tools", or mark it "unanswerable": true.`,
    );
    return null;
  }
  return {
    id: data.id ?? `line-${line}`,
    line,
    question: data.question,
    facts,
    reference: data.reference ?? null,
    sources,
    unanswerable,
    tags: data.tags ?? [],
    expectedTools: data.expected_tools ?? null,
  };
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    return `unknown field ${issue.keys.map((key) => `"${key}"`).join(', ')}: the fields are id, question, facts, reference, sources, unanswerable, tags, expected_tools.`;
  }
  const path = issue.path
    .map((part, index) =>
      typeof part === 'number' ? `[${part}]` : index === 0 ? String(part) : `.${String(part)}`,
    )
    .join('');
  if (path === '') return `${issue.message}: each line must be a JSON object with a "question".`;
  return `field "${path}": ${issue.message}.`;
}

/** Reads and parses a golden set file; a missing file is a ValidationError naming the path. */
export async function loadGoldenSet(path: string): Promise<GoldenItem[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new ValidationError(
      `Cannot read the golden set ${path}: ${reason}. Pass a JSON Lines file with --set.`,
    );
  }
  return parseGoldenSet(text, path);
}
