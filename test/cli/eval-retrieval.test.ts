/**
 * `godwit eval retrieval` on a tiny BEIR-format folder: the real pipeline end to end, the JSON contract,
 * and the errors for a folder that is not a dataset.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { captureOutput } from '../support/capture-output.ts';

function dataset(): string {
  const directory = mkdtempSync(join(tmpdir(), 'godwit-beir-'));
  const corpus = [
    { _id: 'd1', title: 'Statins and cholesterol', text: 'Statins lower LDL cholesterol in adults.' },
    { _id: 'd2', title: 'Sleep', text: 'Shift work disrupts circadian rhythm.' },
    { _id: 'd3', title: 'Exercise', text: 'Aerobic exercise improves insulin sensitivity.' },
    // No text to index: skipped, and the evaluation goes on.
    { _id: 'd4', title: '', text: '   ' },
  ];
  const queries = [
    { _id: 'q1', text: 'do statins reduce LDL cholesterol' },
    { _id: 'q2', text: 'circadian rhythm of shift workers' },
    { _id: 'q3', text: 'unjudged query' },
  ];
  writeFileSync(join(directory, 'corpus.jsonl'), corpus.map((row) => JSON.stringify(row)).join('\n'));
  writeFileSync(join(directory, 'queries.jsonl'), queries.map((row) => JSON.stringify(row)).join('\n'));
  mkdirSync(join(directory, 'qrels'));
  writeFileSync(join(directory, 'qrels', 'test.tsv'), 'query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t1\n');
  return directory;
}

async function run(args: string[]) {
  const captured = captureOutput();
  const code = await main(args, captured.output);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

describe('godwit eval retrieval', () => {
  it('prints one JSON object with the metrics of the judged queries', async () => {
    const result = await run(['eval', 'retrieval', '--dataset', dataset(), '--json']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as Record<string, number>;
    expect(Object.keys(report).sort()).toEqual(
      ['latency_ms_p50', 'latency_ms_p95', 'mrr_at_10', 'ndcg_at_10', 'queries', 'recall_at_100'].sort(),
    );
    expect(report.queries).toBe(2);
    expect(report.ndcg_at_10).toBe(1);
    expect(report.mrr_at_10).toBe(1);
    expect(report.recall_at_100).toBe(1);
  });

  it('names the missing file when the folder is not a BEIR dataset', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'godwit-beir-empty-'));
    const result = await run(['eval', 'retrieval', '--dataset', empty, '--json']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/corpus\.jsonl/);
  });

  it('rejects a split that has no judgements file', async () => {
    const result = await run(['eval', 'retrieval', '--dataset', dataset(), '--split', 'dev']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/dev\.tsv/);
  });
});
