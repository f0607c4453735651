/** A folder of files as a migration source: parsed and chunked as ingestion does, into a dump, verified. */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freshDir, runCli } from './migrate-helpers.ts';

function folder(files: Record<string, string>): string {
  const root = freshDir('folder-source');
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(root, name, '..'), { recursive: true });
    writeFileSync(join(root, name), content);
  }
  return root;
}

function records(
  dump: string,
): Array<{ source: string; position: number; embedding: number[] | null; document?: unknown }> {
  return readdirSync(dump)
    .filter((file) => file.endsWith('.jsonl'))
    .flatMap((file) => readFileSync(join(dump, file), 'utf8').trimEnd().split('\n'))
    .map((line) => JSON.parse(line));
}

describe('a folder of files as a source', () => {
  const dataDir = join(freshDir('folder-data'), 'data');

  it('parses each supported file into chunks, skips hidden and unsupported ones, and re-embeds on request', async () => {
    const root = folder({
      'policies/leave.md':
        '# Leave\n\nEmployees get 25 days of paid leave.\n\n# Sick leave\n\nTell your manager by 10:00.\n',
      'faq.txt': 'How do I book travel? Use the travel portal — ünïcode 🐦.',
      'rooms.csv': 'room,capacity\nFjord,8\nGlacier,12\n',
      '.hidden/secret.md': '# Hidden\n\nnot migrated',
      'image.bin': 'binary',
    });
    const dump = join(freshDir('folder-dump'), 'out');
    const result = await runCli([
      '--data-dir',
      dataDir,
      'migrate',
      root,
      `dir://${dump}`,
      '--reembed',
      'local:lexical',
      '--verify',
      '--json',
    ]);
    expect(result.stderr).not.toMatch(/error/);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.plan).toMatchObject({
      records: 3,
      vectors: 'reembedded',
      embedding: { model: 'local:lexical' },
    });
    expect(report.verification.ok).toBe(true);
    const written = records(dump);
    expect([...new Set(written.map((record) => record.source))].sort()).toEqual([
      'faq.txt',
      'policies/leave.md',
      'rooms.csv',
    ]);
    expect(
      written.filter((record) => record.source === 'policies/leave.md').map((record) => record.position),
    ).toEqual([0, 1]);
    expect(written.every((record) => Array.isArray(record.embedding))).toBe(true);
    expect(
      written.find((record) => record.source === 'faq.txt' && record.position === 0)?.document,
    ).toMatchObject({ mimeType: 'text/plain' });
  });

  it('shows progress with rate and ETA on stderr and the Markdown report on stdout, and writes both report files', async () => {
    const root = folder({ 'a.md': '# A\n\nalpha\n', 'b.md': '# B\n\nbeta\n' });
    const reportPrefix = join(freshDir('folder-report'), 'report');
    const result = await runCli([
      '--data-dir',
      dataDir,
      'migrate',
      root,
      `dir://${join(freshDir('folder-md'), 'out')}`,
      '--verify',
      '--report',
      reportPrefix,
    ]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/migrated 2\/2 records \(100%\), \d+ records\/s, ETA \d+ s/);
    expect(result.stdout).toMatch(/^# Migration report/);
    expect(result.stdout).toMatch(/## Verification: passed/);
    expect(readFileSync(`${reportPrefix}.md`, 'utf8')).toBe(`${result.stdout.trimEnd()}\n`);
    expect(JSON.parse(readFileSync(`${reportPrefix}.json`, 'utf8'))).toMatchObject({
      ok: true,
      verification: { counts: { source: 2, target: 2 } },
    });
  });

  it('stops with the name of a file it cannot read; refuses a missing or empty folder and an unfinished dump', async () => {
    const root = folder({ 'ok.md': '# Fine\n\ntext\n', 'broken.pdf': 'this is not a PDF' });
    const result = await runCli([
      '--data-dir',
      dataDir,
      'migrate',
      root,
      `dir://${join(freshDir('folder-bad'), 'out')}`,
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/broken\.pdf/);
    const missing = await runCli([
      '--data-dir',
      dataDir,
      'migrate',
      join(root, 'nope'),
      `dir://${join(freshDir('folder-missing'), 'out')}`,
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/does not exist/);
    const empty = await runCli([
      '--data-dir',
      dataDir,
      'migrate',
      folder({ 'image.bin': 'x' }),
      `dir://${join(freshDir('folder-empty'), 'out')}`,
    ]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/holds no files Godwit can read/);
    const unfinished = folder({ 'knowledge-00001.jsonl': '{}\n', 'notes.md': '# n\n\ntext\n' });
    const partial = await runCli([
      '--data-dir',
      dataDir,
      'migrate',
      unfinished,
      `dir://${join(freshDir('folder-partial'), 'out')}`,
    ]);
    expect(partial.code).toBe(2);
    expect(partial.stderr).toMatch(/unfinished dump/);
  });
});
