import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NotFoundError, ValidationError } from '../core/errors.ts';
import { loadBeirDataset } from './beir-dataset.ts';

let directory: string;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'godwit-beir-'));
  await mkdir(join(directory, 'qrels'));
  await writeDataset({
    corpus: [
      '{"_id": "d1", "title": "Birds", "text": "Godwits fly far."}',
      '{"_id": "d2", "text": "No title here."}',
    ],
    queries: [
      '{"_id": "q1", "text": "how far do godwits fly"}',
      '{"_id": "q2", "text": "an unjudged query"}',
    ],
    qrels: ['query-id\tcorpus-id\tscore', 'q1\td1\t2', 'q1\td2\t0'],
  });
});

afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function writeDataset(files: {
  corpus?: string[];
  queries?: string[];
  qrels?: string[];
  split?: string;
}) {
  if (files.corpus) await writeFile(join(directory, 'corpus.jsonl'), `${files.corpus.join('\n')}\n`);
  if (files.queries) await writeFile(join(directory, 'queries.jsonl'), `${files.queries.join('\n')}\n`);
  if (files.qrels)
    await writeFile(join(directory, 'qrels', `${files.split ?? 'test'}.tsv`), `${files.qrels.join('\n')}\n`);
}

describe('loadBeirDataset', () => {
  it('reads the corpus, the judged queries of the split and their graded judgements', async () => {
    const dataset = await loadBeirDataset(directory, 'test');
    expect(dataset.corpus).toEqual([
      { id: 'd1', title: 'Birds', text: 'Godwits fly far.' },
      { id: 'd2', title: '', text: 'No title here.' },
    ]);
    expect(dataset.queries).toEqual([{ id: 'q1', text: 'how far do godwits fly' }]);
    expect(dataset.qrels.get('q1')).toEqual(
      new Map([
        ['d1', 2],
        ['d2', 0],
      ]),
    );
  });

  it('names the missing qrels file of the split', async () => {
    const error = await loadBeirDataset(directory, 'dev').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as Error).message).toContain(join(directory, 'qrels', 'dev.tsv'));
  });

  it('names the file and line of a record that is not JSON', async () => {
    await writeDataset({ corpus: ['{"_id": "d1", "text": "fine"}', '{"_id": "d2", "text": '] });
    await expect(loadBeirDataset(directory, 'test')).rejects.toThrowError(
      `${join(directory, 'corpus.jsonl')} line 2: not valid JSON`,
    );
  });

  it('names the file and line of a record without an id or text', async () => {
    await writeDataset({ queries: ['{"_id": "q1", "body": "no text field"}'] });
    await expect(loadBeirDataset(directory, 'test')).rejects.toThrowError(
      `${join(directory, 'queries.jsonl')} line 1: missing "text"`,
    );
    await writeDataset({ queries: ['{"text": "no id"}'] });
    await expect(loadBeirDataset(directory, 'test')).rejects.toThrowError(
      /queries\.jsonl line 1: missing "_id"/,
    );
  });

  it('names the line of a malformed judgement', async () => {
    await writeDataset({ qrels: ['query-id\tcorpus-id\tscore', 'q1\td1\t1', 'q1 d2 1'] });
    const error = await loadBeirDataset(directory, 'test').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toBe(
      `${join(directory, 'qrels', 'test.tsv')} line 3: expected "query-id<TAB>corpus-id<TAB>integer score"`,
    );
  });

  it('rejects judgements for a query that has no text', async () => {
    await writeDataset({ qrels: ['query-id\tcorpus-id\tscore', 'q1\td1\t1', 'q9\td2\t1'] });
    await expect(loadBeirDataset(directory, 'test')).rejects.toThrowError(
      /absent from .*queries\.jsonl \(first: "q9"\)/,
    );
  });

  it('rejects a qrels file with a header only', async () => {
    await writeDataset({ qrels: ['query-id\tcorpus-id\tscore'] });
    await expect(loadBeirDataset(directory, 'test')).rejects.toThrowError(/has no judgements/);
  });

  it('rejects a split that is not a plain name', async () => {
    await expect(loadBeirDataset(directory, '../test')).rejects.toThrowError(/not a plain name/);
  });
});
