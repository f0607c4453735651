/**
 * The `godwit` command, run in-process against a fresh data directory per test: the README's flow, the
 * JSON contracts, and bad input (exit codes, messages, nothing changed).
 */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { DEFAULT_USER } from '../../src/core/types.ts';
import { captureOutput } from '../support/capture-output.ts';

function freshDataDir(): string {
  return join(mkdtempSync(join(tmpdir(), 'godwit-cli-')), 'data');
}

async function run(args: string[]) {
  const captured = captureOutput();
  const code = await main(args, captured.output);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

function docsFolder(files: Record<string, string | Uint8Array>): string {
  const folder = mkdtempSync(join(tmpdir(), 'godwit-docs-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(folder, name, '..'), { recursive: true });
    writeFileSync(join(folder, name), content);
  }
  return folder;
}

describe('godwit CLI', () => {
  it('answers from the sample handbook with citations on a new data dir (ask --json)', async () => {
    const dataDir = freshDataDir();
    const result = await run([
      '--data-dir',
      dataDir,
      'ask',
      'How many vacation days do new employees get?',
      '--json',
    ]);
    expect(result.code).toBe(0);
    const body = JSON.parse(result.stdout) as {
      answer: string;
      citations: Array<{ source: string; location: string; text: string }>;
      model: string;
      usage: { inputTokens: number; outputTokens: number };
    };
    expect(Object.keys(body).sort()).toEqual(['answer', 'citations', 'model', 'usage']);
    expect(body.model).toBe('local:extractive');
    expect(body.answer).toMatch(/extractive/i);
    expect(body.answer).toMatch(/vacation/i);
    expect(body.citations.length).toBeGreaterThan(0);
    for (const citation of body.citations)
      expect(Object.keys(citation).sort()).toEqual(['location', 'source', 'text']);
    expect(body.citations.some((citation) => /vacation|leave/i.test(citation.source + citation.text))).toBe(
      true,
    );
    expect(result.stderr).toMatch(/Loaded the sample knowledge base "handbook"/);

    const usage = await run(['--data-dir', dataDir, 'usage', '--json']);
    expect(usage.code).toBe(0);
    const { rows } = JSON.parse(usage.stdout) as {
      rows: Array<{ model: string; calls: number; costUsd: number | null; outputTokens: number }>;
    };
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ model: 'local:extractive', calls: 1, costUsd: 0 });
    expect(rows[0]!.outputTokens).toBeGreaterThan(0);

    // The question was asked by the local user, and usage by user says so.
    const byUser = await run(['--data-dir', dataDir, 'usage', '--group-by', 'user', '--json']);
    expect(JSON.parse(byUser.stdout).rows).toEqual([
      expect.objectContaining({ model: 'local:extractive', userId: DEFAULT_USER, calls: 1 }),
    ]);
    const someoneElse = await run(['--data-dir', dataDir, 'usage', '--user', 'discord:1', '--json']);
    expect(JSON.parse(someoneElse.stdout).rows).toEqual([]);

    const listed = await run(['--data-dir', dataDir, 'kb', 'list', '--json']);
    const { knowledgeBases } = JSON.parse(listed.stdout) as {
      knowledgeBases: Array<{ name: string; documents: number; failed: number }>;
    };
    expect(knowledgeBases).toEqual([expect.objectContaining({ name: 'handbook', failed: 0 })]);
    expect(knowledgeBases[0]!.documents).toBeGreaterThanOrEqual(10);
  });

  it('ingests a folder, reports bad files with reasons, and searches it (search --json)', async () => {
    const dataDir = freshDataDir();
    const folder = docsFolder({
      'guide.md': '# Deployment guide\n\nRoll back a release with the rollback command within ten minutes.\n',
      'notes/faq.txt': 'The staging cluster restarts every Sunday at 02:00 UTC.\n',
      'broken.pdf': 'this is not a pdf',
      'empty.txt': '',
      'image.png': new Uint8Array([137, 80, 78, 71]),
    });
    const ingest = await run(['--data-dir', dataDir, 'ingest', folder, '--kb', 'mine', '--json']);
    expect(ingest.code).toBe(1);
    const summary = JSON.parse(ingest.stdout) as {
      files: number;
      created: number;
      chunks: number;
      skipped: Array<{ source: string; reason: string }>;
    };
    expect(summary.created).toBe(2);
    expect(summary.chunks).toBeGreaterThanOrEqual(2);
    const skipped = Object.fromEntries(summary.skipped.map((entry) => [entry.source, entry.reason]));
    expect(skipped['broken.pdf']).toMatch(/broken\.pdf/);
    expect(skipped['empty.txt']).toMatch(/empty\.txt/);
    expect(skipped['image.png']).toMatch(/unsupported/);

    const search = await run([
      '--data-dir',
      dataDir,
      'search',
      'when does staging restart',
      '--kb',
      'mine',
      '--json',
      '--no-sample',
    ]);
    expect(search.code).toBe(0);
    const { results } = JSON.parse(search.stdout) as {
      results: Array<{ source: string; location: string; score: number; text: string }>;
    };
    expect(results[0]?.source).toBe('notes/faq.txt');
    expect(Object.keys(results[0]!).sort()).toEqual(['location', 'score', 'source', 'text']);
    expect(results[0]!.score).toBeGreaterThan(0);

    const again = await run([
      '--data-dir',
      dataDir,
      'ingest',
      join(folder, 'guide.md'),
      '--kb',
      'mine',
      '--json',
    ]);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ unchanged: 1, created: 0, chunks: 0 });

    // The whole folder again: the good files are skipped as unchanged, the bad ones reported again.
    const folderAgain = await run(['--data-dir', dataDir, 'ingest', folder, '--kb', 'mine', '--json']);
    expect(folderAgain.code).toBe(1);
    expect(JSON.parse(folderAgain.stdout)).toMatchObject({ unchanged: 2, created: 0, updated: 0 });
  });

  it('reads links to files, fails a file that cannot be read alone, and does not follow links to folders', async () => {
    const dataDir = freshDataDir();
    const elsewhere = docsFolder({
      'runbook.md': '# Runbook\n\nPage the on-call engineer when the queue backs up.\n',
    });
    const folder = docsFolder({ 'guide.md': '# Guide\n\nThe staging cluster restarts every Sunday.\n' });
    symlinkSync(join(elsewhere, 'runbook.md'), join(folder, 'linked.md'));
    symlinkSync(join(elsewhere, 'removed.md'), join(folder, 'dangling.txt'));
    symlinkSync(elsewhere, join(folder, 'more-docs'));
    symlinkSync(elsewhere, join(folder, 'looks-like-a-file.md'));

    const ingest = await run(['--data-dir', dataDir, 'ingest', folder, '--kb', 'mine', '--json']);
    expect(ingest.code).toBe(1);
    const summary = JSON.parse(ingest.stdout) as {
      files: number;
      created: number;
      skipped: Array<{ source: string; reason: string }>;
    };
    expect(summary.created).toBe(2);
    const skipped = Object.fromEntries(summary.skipped.map((entry) => [entry.source, entry.reason]));
    expect(Object.keys(skipped).sort()).toEqual(['dangling.txt', 'looks-like-a-file.md', 'more-docs']);
    expect(skipped['dangling.txt']).toMatch(
      /dangling\.txt could not be read \(ENOENT\); check that it exists/,
    );
    expect(skipped['looks-like-a-file.md']).toMatch(/could not be read \(EISDIR\)/);
    expect(skipped['more-docs']).toMatch(/symbolic link not followed/);

    // Nothing of the failed files was kept: the base holds the two files that were read.
    const listed = await run(['--data-dir', dataDir, 'kb', 'list', '--json']);
    expect(listed.code).toBe(0);
    const { knowledgeBases } = JSON.parse(listed.stdout) as {
      knowledgeBases: Array<{ name: string; documents: number; failed: number }>;
    };
    expect(knowledgeBases.find((base) => base.name === 'mine')).toMatchObject({ documents: 2, failed: 0 });
    const search = await run(['--data-dir', dataDir, 'search', 'on-call queue', '--kb', 'mine', '--json']);
    expect(JSON.parse(search.stdout).results[0]?.source).toBe('linked.md');
  });

  it('exits 2 with a clear message for bad usage and bad configuration', async () => {
    const dataDir = freshDataDir();
    const badK = await run(['--data-dir', dataDir, 'search', 'x', '--k', 'many', '--no-sample']);
    expect(badK.code).toBe(2);
    expect(badK.stderr).toMatch(/--k must be an integer/);
    const unknownCommand = await run(['frobnicate']);
    expect(unknownCommand.code).toBe(2);
    const badModel = await run([
      '--data-dir',
      dataDir,
      'ask',
      'hi',
      '--model',
      'nosuch:model',
      '--no-sample',
    ]);
    expect(badModel.code).toBe(2);
  });

  it('exits 1 naming the knowledge base when it does not exist, and stores nothing', async () => {
    const dataDir = freshDataDir();
    const result = await run(['--data-dir', dataDir, 'ask', 'anything', '--kb', 'missing', '--no-sample']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Knowledge base "missing" does not exist/);
    expect(result.stdout).toBe('');
  });

  it('rejects a --group-by other than key or user with exit 2', async () => {
    const result = await run(['--data-dir', freshDataDir(), 'usage', '--group-by', 'model']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--group-by must be key or user; got "model"/);
  });

  it('rejects a malformed --from date for usage with exit 2', async () => {
    const result = await run(['--data-dir', freshDataDir(), 'usage', '--from', 'last tuesday']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--from must be a date like 2026-11-01/);
  });

  it('rejects an ingest --server that is not an http(s) URL with exit 2, before reading any file', async () => {
    for (const [server, reason] of [
      ['not a url', /--server: "not a url" is not a URL/],
      ['ftp://files.example.com', /--server: "ftp:\/\/files.example.com" is not an http\(s\) URL/],
    ] as const) {
      const result = await run([
        '--data-dir',
        freshDataDir(),
        'ingest',
        '/no/such/folder',
        '--server',
        server,
      ]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(reason);
    }
  });

  it('exits 1 for a path that does not exist', async () => {
    const result = await run(['--data-dir', freshDataDir(), 'ingest', '/no/such/folder', '--kb', 'x']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/\/no\/such\/folder does not exist/);
  });
});
