import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GodwitError } from '../core/errors.ts';
import { acquireDataDirLock } from './data-dir-lock.ts';

const LOCK_MODULE = new URL('./data-dir-lock.ts', import.meta.url).href;

/**
 * A process that, on `go <dir> <epoch ms>`, waits for that instant and then tries to take the lock of
 * <dir>, answering `<dir> acquired` or `<dir> refused`. It keeps what it took until it exits.
 */
const WORKER = `
import { createInterface } from 'node:readline';
const { acquireDataDirLock } = await import(${JSON.stringify(LOCK_MODULE)});
const now = () => performance.timeOrigin + performance.now();
createInterface({ input: process.stdin }).on('line', (line) => {
  const [, dir, startAt] = line.split(' ');
  while (now() < Number(startAt));
  try {
    acquireDataDirLock(dir, 'serve');
    process.stdout.write(dir + ' acquired\\n');
  } catch (error) {
    process.stdout.write(dir + ' refused ' + (error.code ?? error.message) + '\\n');
  }
});
process.stdout.write('ready\\n');
`;

interface Worker {
  child: ChildProcess;
  expect(dir: string): Promise<string>;
}

async function startWorker(): Promise<Worker> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', WORKER], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const waiting = new Map<string, (answer: string) => void>();
  const lines = createInterface({ input: child.stdout! });
  const ready = new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`lock worker exited with ${code}`)));
    lines.on('line', (line) => {
      if (line === 'ready') return resolve();
      const [dir, answer] = line.split(' ');
      waiting.get(dir!)?.(answer!);
    });
  });
  await ready;
  return {
    child,
    expect: (dir) => new Promise((resolve) => waiting.set(dir, resolve)),
  };
}

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

let root: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'godwit-lock-'));
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('the data-dir lock between processes started at once', () => {
  const workers: Worker[] = [];

  afterAll(() => {
    for (const worker of workers) worker.child.kill();
  });

  // The window the lock must close is a few microseconds wide, so the race is run many times.
  it('gives the data dir to exactly one of them, with or without a stale lock left by a crash', async () => {
    workers.push(...(await Promise.all([startWorker(), startWorker(), startWorker()])));
    const stalePid = await deadPid();
    for (let round = 0; round < 300; round++) {
      const dir = join(root, `race-${round}`);
      mkdirSync(dir);
      if (round % 2 === 1) {
        writeFileSync(
          join(dir, 'godwit.lock'),
          JSON.stringify({ pid: stalePid, serverUrl: null, command: 'serve' }),
        );
      }
      const answers = workers.map((worker) => worker.expect(dir));
      const startAt = Date.now() + 10;
      for (const worker of workers) worker.child.stdin!.write(`go ${dir} ${startAt}\n`);
      const outcome = (await Promise.all(answers)).sort();
      expect({ round, outcome }).toEqual({ round, outcome: ['acquired', 'refused', 'refused'] });
      const owner = JSON.parse(readFileSync(join(dir, 'godwit.lock'), 'utf8'));
      const results = await Promise.all(answers);
      expect(owner.pid).toBe(workers[results.indexOf('acquired')]!.child.pid);
    }
  }, 120_000);
});

describe('acquireDataDirLock', () => {
  it('refuses a data dir held by a live process, naming it, and leaves its lock alone', () => {
    const dir = join(root, 'held');
    mkdirSync(dir);
    const held = JSON.stringify({ pid: process.ppid, serverUrl: 'http://127.0.0.1:1', command: 'serve' });
    writeFileSync(join(dir, 'godwit.lock'), held);
    let refused: unknown;
    try {
      acquireDataDirLock(dir, 'keys');
    } catch (error) {
      refused = error;
    }
    expect(GodwitError.isInstance(refused) && refused.code).toBe('conflict');
    expect((refused as Error).message).toContain(`pid ${process.ppid}, \`godwit serve\``);
    expect(readFileSync(join(dir, 'godwit.lock'), 'utf8')).toBe(held);
  });

  it('takes over a lock whose process is gone and removes it on release', async () => {
    const dir = join(root, 'stale');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'godwit.lock'),
      JSON.stringify({ pid: await deadPid(), serverUrl: null, command: 'serve' }),
    );
    const lock = acquireDataDirLock(dir, 'serve');
    lock.setServerUrl('http://127.0.0.1:4000');
    expect(JSON.parse(readFileSync(join(dir, 'godwit.lock'), 'utf8'))).toEqual({
      pid: process.pid,
      serverUrl: 'http://127.0.0.1:4000',
      command: 'serve',
    });
    lock.release();
    expect(() => readFileSync(join(dir, 'godwit.lock'))).toThrow(/ENOENT/);
  });

  it('treats a lock that is still being written as held', () => {
    const dir = join(root, 'starting');
    mkdirSync(dir);
    writeFileSync(join(dir, 'godwit.lock'), '');
    expect(() => acquireDataDirLock(dir, 'serve')).toThrow(
      /in use by another Godwit process that is starting/,
    );
  });
});
