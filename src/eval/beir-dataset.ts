/**
 * Reads a retrieval test collection in BEIR's file format: `corpus.jsonl`, `queries.jsonl` and
 * `qrels/<split>.tsv` (tab-separated `query-id corpus-id score` under a header line).
 */
import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { NotFoundError, ValidationError } from '../core/errors.ts';

export interface BeirDocument {
  id: string;
  title: string;
  text: string;
}

export interface BeirQuery {
  id: string;
  text: string;
}

export interface BeirDataset {
  directory: string;
  split: string;
  corpus: BeirDocument[];
  /** The queries judged in the split, in `queries.jsonl` order. */
  queries: BeirQuery[];
  /** Relevance grades by query id, then document id. */
  qrels: Map<string, Map<string, number>>;
}

/**
 * Loads `dir` for one split (`test`, `train`, `dev`…). Throws NotFoundError naming a missing file and
 * ValidationError naming the file and line of a malformed record, or a judged query with no text.
 *
 * @example const dataset = await loadBeirDataset('datasets/scifact', 'test');
 */
export async function loadBeirDataset(dir: string, split = 'test'): Promise<BeirDataset> {
  if (!/^[\w.-]+$/.test(split) || split.startsWith('.')) {
    throw new ValidationError(`split "${split}" is not a plain name: use one like "test", "train" or "dev"`);
  }
  const qrelsPath = join(dir, 'qrels', `${split}.tsv`);
  const corpusPath = join(dir, 'corpus.jsonl');
  const queriesPath = join(dir, 'queries.jsonl');
  for (const path of [corpusPath, queriesPath, qrelsPath]) await assertReadable(path);

  const qrels = await readQrels(qrelsPath);
  const corpus: BeirDocument[] = [];
  for await (const { record, path, line } of readJsonLines(corpusPath)) {
    const title = record.title ?? '';
    if (typeof title !== 'string') throw malformed(path, line, '"title" must be a string when present');
    corpus.push({ id: readId(record, path, line), title, text: readText(record, path, line) });
  }
  const queries: BeirQuery[] = [];
  const seen = new Set<string>();
  for await (const { record, path, line } of readJsonLines(queriesPath)) {
    const id = readId(record, path, line);
    if (seen.has(id)) throw malformed(path, line, `query "${id}" appears twice`);
    seen.add(id);
    if (qrels.has(id)) queries.push({ id, text: readText(record, path, line) });
  }
  assertEveryJudgedQueryHasText(qrels, queries, qrelsPath, queriesPath);
  return { directory: dir, split, corpus, queries, qrels };
}

async function readQrels(path: string): Promise<Map<string, Map<string, number>>> {
  const qrels = new Map<string, Map<string, number>>();
  let line = 0;
  for await (const text of readLines(path)) {
    line++;
    if (line === 1 || text.trim() === '') continue;
    const fields = text.trim().split('\t');
    const [queryId, documentId, grade] = fields.map((field) => field.trim());
    if (fields.length !== 3 || !queryId || !documentId || !grade || !/^-?\d+$/.test(grade)) {
      throw malformed(path, line, 'expected "query-id<TAB>corpus-id<TAB>integer score"');
    }
    let judgements = qrels.get(queryId);
    if (!judgements) {
      judgements = new Map();
      qrels.set(queryId, judgements);
    }
    judgements.set(documentId, Number(grade));
  }
  if (qrels.size === 0) {
    throw new ValidationError(`${path} has no judgements: expected a header line, then one judgement a line`);
  }
  return qrels;
}

async function* readJsonLines(
  path: string,
): AsyncGenerator<{ record: Record<string, unknown>; path: string; line: number }> {
  let line = 0;
  for await (const text of readLines(path)) {
    line++;
    if (text.trim() === '') continue;
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch (error) {
      throw malformed(path, line, 'not valid JSON', error);
    }
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      throw malformed(path, line, 'expected a JSON object');
    }
    yield { record: record as Record<string, unknown>, path, line };
  }
}

function readLines(path: string): AsyncIterable<string> {
  return createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Number.POSITIVE_INFINITY });
}

function readId(record: Record<string, unknown>, path: string, line: number): string {
  const id = record._id;
  if (typeof id === 'number') return String(id);
  if (typeof id !== 'string' || id === '') throw malformed(path, line, 'missing "_id" (a non-empty string)');
  return id;
}

function readText(record: Record<string, unknown>, path: string, line: number): string {
  if (typeof record.text !== 'string') throw malformed(path, line, 'missing "text" (a string)');
  return record.text;
}

function assertEveryJudgedQueryHasText(
  qrels: Map<string, unknown>,
  queries: BeirQuery[],
  qrelsPath: string,
  queriesPath: string,
): void {
  if (queries.length === qrels.size) return;
  const found = new Set(queries.map((query) => query.id));
  const missing = [...qrels.keys()].filter((id) => !found.has(id));
  throw new ValidationError(
    `${qrelsPath} judges ${missing.length} quer${missing.length === 1 ? 'y' : 'ies'} absent from ${queriesPath} ` +
      `(first: "${missing[0]}"): add them to queries.jsonl or use the qrels file that matches it`,
  );
}

async function assertReadable(path: string): Promise<void> {
  try {
    await access(path);
  } catch (error) {
    throw new NotFoundError(
      `${path} not found: a BEIR dataset needs corpus.jsonl, queries.jsonl and qrels/<split>.tsv`,
      {
        cause: error,
      },
    );
  }
}

function malformed(path: string, line: number, problem: string, cause?: unknown): ValidationError {
  return new ValidationError(`${path} line ${line}: ${problem}`, { cause });
}
