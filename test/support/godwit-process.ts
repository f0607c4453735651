/**
 * Godwit as users run it: `node bin/godwit.js` in a child process. `startGodwit` starts `godwit serve` on a
 * free loopback port with a data directory of its own, waits until `/readyz` answers 200, keeps what the
 * process prints, and stops it with SIGTERM (SIGKILL when it does not exit) or kills it outright.
 * `runCli` runs one command to its end. Neither passes on provider credentials or GODWIT_* settings of the
 * machine running the tests: only what a test sets reaches the process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export { freePort } from './free-port.ts';

/** The package root: where bin/godwit.js lives. */
export const GODWIT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(GODWIT_ROOT, 'bin/godwit.js');

/** How long `stop()` waits after SIGTERM before it sends SIGKILL. */
const STOP_GRACE_MS = 10_000;

/** This process's environment without provider credentials or Godwit settings, plus `extra`. */
export function cleanEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(OPENAI_|GOOGLE_|AWS_|OLLAMA_|GODWIT_)/.test(name)) continue;
    env[name] = value;
  }
  return { ...env, ...extra };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunCliOptions {
  env?: Record<string, string>;
  /** Written to stdin at once, as a pipe or a pasted block delivers it. Default: none. */
  input?: string;
  /** Working directory. Default: the package root. */
  cwd?: string;
}

/** Runs `godwit <args>` through bin/godwit.js, as a user does, and reports how it ended. */
export function runCli(args: string[], options: RunCliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? GODWIT_ROOT,
      env: cleanEnvironment(options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** Runs one `godwit` command and returns its stdout; throws with its stderr on a non-zero exit. */
export async function runGodwit(args: string[], env: Record<string, string>): Promise<string> {
  const result = await runCli(args, { env });
  if (result.code !== 0)
    throw new Error(`godwit ${args.join(' ')} exited with ${result.code}:\n${result.stderr}`);
  return result.stdout;
}

export interface GodwitProcess {
  /** `http://127.0.0.1:PORT`, as the server announced it. */
  url: string;
  /** The process id (for /proc/<pid>/status, or to tell its connections apart). */
  pid: number;
  dataDir: string;
  /** Whether the process is still running. */
  readonly alive: boolean;
  /** Everything the server printed on stdout and stderr, for assertions and failure messages. */
  output(): string;
  /** The printed lines that are JSON objects (the structured log). */
  logEntries(): Array<Record<string, unknown>>;
  /** Sends SIGTERM and resolves with the exit code (a drain test waits for it). */
  terminate(): Promise<number | null>;
  /** SIGTERM, then SIGKILL if it has not exited within 10 s; removes the temporary directories. */
  stop(): Promise<void>;
  /** Kills the process with SIGKILL (no cleanup, as a crash or an OOM kill would) and keeps its data. */
  kill(): Promise<void>;
}

export interface StartGodwitOptions {
  /** GODWIT_* and provider variables for the server (GODWIT_HOST and GODWIT_PORT have defaults). */
  env?: Record<string, string>;
  /** Runs before the server starts, with the server's environment (to create API keys, for example). */
  beforeStart?: (env: Record<string, string>) => Promise<void>;
  /** How long to wait for /readyz. Default 90 s. */
  readyTimeoutMs?: number;
  /** Reuse this data directory (a restart); it is left in place on stop. Default: a new temporary one. */
  dataDir?: string;
  /** Resolve only once a new data dir's sample (loaded after the server is up) is in. Default true. */
  waitForSample?: boolean;
}

/**
 * @example
 *   const server = await startGodwit({ env: { GODWIT_SAMPLE: 'false' } });
 *   try { await fetch(`${server.url}/api/knowledge-bases`); } finally { await server.stop(); }
 */
export async function startGodwit(options: StartGodwitOptions = {}): Promise<GodwitProcess> {
  const root = mkdtempSync(join(tmpdir(), 'godwit-serve-'));
  const dataDir = options.dataDir ?? join(root, 'data');
  // Port 0: the server takes a free port and announces it, so two starts never race for one.
  const env = { GODWIT_DATA_DIR: dataDir, GODWIT_HOST: '127.0.0.1', GODWIT_PORT: '0', ...options.env };
  if (options.beforeStart) await options.beforeStart(env);
  const child: ChildProcess = spawn(process.execPath, [BIN, 'serve'], {
    // A directory of its own: no godwit.config.yaml or ~/.aws of the machine is picked up.
    cwd: root,
    env: cleanEnvironment({ HOME: root, ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const alive = () => child.exitCode === null && child.signalCode === null;
  const terminate = () => {
    if (alive()) child.kill('SIGTERM');
    return exited;
  };
  const stop = async () => {
    if (alive()) {
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await terminate();
      clearTimeout(timer);
    }
    rmSync(root, { recursive: true, force: true });
  };
  let url: string;
  try {
    url = await waitForReady(
      child,
      () => output,
      options.readyTimeoutMs ?? 90_000,
      options.waitForSample ?? true,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    pid: child.pid ?? 0,
    dataDir,
    get alive() {
      return alive();
    },
    output: () => output,
    logEntries: () => jsonLines(output),
    terminate,
    stop,
    kill: async () => {
      if (alive()) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/** Waits for the announced URL, then for `/readyz` to answer 200; resolves with the URL. */
async function waitForReady(
  child: ChildProcess,
  output: () => string,
  timeoutMs: number,
  waitForSample: boolean,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`godwit serve exited with ${child.exitCode}:\n${output()}`);
    // The banner ends with the metrics line: until it is in, what it says about the sample may still be on its way.
    const announced = / {2}metrics: /.test(output())
      ? /listening on (http:\/\/\S+)/.exec(output())?.[1]
      : undefined;
    // A new data dir loads the sample after the server is up; tests start from the loaded handbook.
    const sampleLoading =
      waitForSample &&
      /loading the sample/.test(output()) &&
      !/Loaded the sample|could not load the sample/.test(output());
    if (announced && !sampleLoading) {
      const response = await fetch(`${announced}/readyz`).catch(() => null);
      if (response?.ok) return announced;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`godwit serve was not ready within ${timeoutMs / 1000} s:\n${output()}`);
}

function jsonLines(output: string): Array<Record<string, unknown>> {
  return output
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
