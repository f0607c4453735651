/**
 * Godwit as users start it: `bin/godwit.js serve` in a process of its own, configured only through
 * GODWIT_* variables. Its log lines are kept for the assertions.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../../..');

export class GodwitProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    private readonly dataDir: string,
    private readonly exit: Promise<number | null>,
    /** Everything it wrote on stdout and stderr. */
    readonly output: string[],
  ) {}

  static async start(env: Record<string, string>): Promise<GodwitProcess> {
    const dataDir = mkdtempSync(join(tmpdir(), 'godwit-faults-data-'));
    const child = spawn(process.execPath, [join(ROOT, 'bin/godwit.js'), 'serve', '--port', '0'], {
      cwd: dataDir,
      env: { PATH: process.env.PATH ?? '', HOME: dataDir, GODWIT_DATA_DIR: dataDir, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    const exit = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    let announced: ((url: string) => void) | undefined;
    const collect = (chunk: Buffer) => {
      output.push(chunk.toString());
      const match = announced && /listening on (http:\/\/\S+)/.exec(output.join(''));
      if (match) {
        announced?.(match[1]!);
        announced = undefined;
      }
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    const url = await new Promise<string>((resolveUrl, reject) => {
      announced = resolveUrl;
      exit.then((code) => reject(new Error(`godwit serve exited (${code}): ${output.join('')}`)));
    });
    return new GodwitProcess(child, url, dataDir, exit, output);
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Log lines that are JSON objects. */
  logEntries(): Array<Record<string, unknown>> {
    return this.output
      .join('')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => {
        try {
          return JSON.parse(line) as Record<string, unknown>;
        } catch {
          return {};
        }
      });
  }

  /** Sends SIGTERM and resolves with the exit code. */
  terminate(): Promise<number | null> {
    this.child.kill('SIGTERM');
    return this.exit;
  }

  async destroy(): Promise<void> {
    if (this.alive) {
      this.child.kill('SIGKILL');
      await this.exit;
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
