/**
 * Crash tests: runs a TypeScript module (given as text) in a child process and kills it with SIGKILL the
 * moment it prints a marker line, as a power cut or `kill -9` would stop a server mid-write.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/**
 * Starts `script` with `env` added to this process's environment, waits for the line `marker` on its
 * standard output, kills it there and returns every line it printed up to then. Fails when the child exits
 * on its own first, quoting what it said.
 *
 * @example
 * const lines = await runUntilKilledAt(WRITER, { CRASH_DATA_DIR: root }, 'mid-write');
 */
export async function runUntilKilledAt(
  script: string,
  env: Record<string, string>,
  marker: string,
): Promise<string[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.once('exit', (_code, signal) => resolve(signal)),
  );
  const lines: string[] = [];
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      if (line === marker) {
        child.kill('SIGKILL');
        resolve();
      }
    });
    child.once('exit', () =>
      reject(new Error(`the child exited before printing "${marker}"; it said: ${lines.join(' | ')}`)),
    );
  });
  const signal = await exited;
  if (signal !== 'SIGKILL') throw new Error(`the child ended with ${signal ?? 'an exit'}, not SIGKILL`);
  return lines;
}
