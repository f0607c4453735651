import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const script = resolve('scripts/coverage-summary.mjs');

type Figures = Record<'lines' | 'branches' | 'functions' | 'statements', { total: number; covered: number }>;

function figures(lines: [number, number], branches: [number, number]): Figures {
  return {
    lines: { total: lines[0], covered: lines[1] },
    statements: { total: lines[0], covered: lines[1] },
    branches: { total: branches[0], covered: branches[1] },
    functions: { total: 10, covered: 10 },
  };
}

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function summaryOf(files: Record<string, Figures>): Promise<string> {
  dir = await mkdtemp(join(tmpdir(), 'godwit-coverage-'));
  const summary = Object.fromEntries(Object.entries(files).map(([path, value]) => [resolve(path), value]));
  await writeFile(join(dir, 'coverage-summary.json'), JSON.stringify({ total: {}, ...summary }));
  return dir;
}

async function summarize(reportDir: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [script, '--dir', reportDir]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('coverage summary', () => {
  it('sums files into their top-level folders and passes when every floor is met', async () => {
    const reportDir = await summaryOf({
      'src/core/a.ts': figures([100, 97], [50, 45]),
      'src/core/chat/b.ts': figures([100, 95], [50, 43]),
      'web/src/App.tsx': figures([100, 85], [20, 17]),
    });
    const result = await summarize(reportDir);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/src\/core\s+2\s+96\.0\s+88\.0/);
    expect(result.stdout).toMatch(/web\s+1\s+85\.0\s+85\.0/);
    expect(result.stdout).toContain('Coverage floors met');
  });

  it('fails and names the folder below the folder floor', async () => {
    const reportDir = await summaryOf({
      'src/core/a.ts': figures([900, 880], [100, 95]),
      'src/server/app.ts': figures([100, 60], [10, 9]),
    });
    const result = await summarize(reportDir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('src/server lines 60.0 % is below 70 %');
    expect(result.stderr).not.toContain('overall lines');
  });

  it('fails when the whole is below the overall floor though every folder clears its own', async () => {
    const reportDir = await summaryOf({ 'src/core/a.ts': figures([100, 75], [100, 90]) });
    const result = await summarize(reportDir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('overall lines 75.0 % is below 92 %');
  });

  it('fails a folder whose branches are below the folder floor though its lines clear it', async () => {
    const reportDir = await summaryOf({
      'src/core/a.ts': figures([900, 880], [900, 880]),
      'web/src/App.tsx': figures([100, 90], [100, 55]),
    });
    const result = await summarize(reportDir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('web branches 55.0 % is below 70 %');
    expect(result.stderr).not.toContain('web lines');
  });

  it('says how to produce the report when there is none', async () => {
    dir = await mkdtemp(join(tmpdir(), 'godwit-coverage-'));
    const result = await summarize(dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('npm run test:coverage');
  });
});
