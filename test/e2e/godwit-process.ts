/**
 * A real `godwit serve` for browser tests: `node bin/godwit.js serve` in a child process with its own data
 * directory and a free port. Provider variables are passed explicitly, so the embedded default runs
 * unless a test points OPENAI_BASE_URL at an emulator.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface GodwitProcess {
  url: string;
  dataDir: string;
  /** Everything the server printed, for failure messages. */
  output(): string;
  stop(): Promise<void>;
  /** Kills the process with SIGKILL (no cleanup, as a crash or an OOM kill would) and keeps its data. */
  kill(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Environment without any provider credentials from the machine running the tests. */
function cleanEnvironment(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(OPENAI_|GOOGLE_|AWS_|OLLAMA_|GODWIT_)/.test(name)) continue;
    env[name] = value;
  }
  return { ...env, ...extra };
}

/** Runs one `godwit` CLI command to completion and returns its stdout; throws on a non-zero exit. */
export function runGodwit(args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/godwit.js', ...args], {
      cwd: ROOT,
      env: cleanEnvironment(env),
      stdio: ['ignore', 'pipe', 'pipe'],
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
    child.once('exit', (code) =>
      code === 0
        ? resolve(stdout)
        : reject(new Error(`godwit ${args.join(' ')} exited with ${code}:\n${stderr}`)),
    );
  });
}

export interface StartGodwitOptions {
  env?: Record<string, string>;
  /** Runs before the server starts, with the server's environment (to create API keys, for example). */
  beforeStart?: (env: Record<string, string>) => Promise<void>;
  /** How long to wait for /healthz. Default 90 s. */
  readyTimeoutMs?: number;
  /** Reuse this data directory (a restart); it is left in place on stop. Default: a new temporary one. */
  dataDir?: string;
  /** Resolve only once a new data dir's sample (loaded after the server is up) is in. Default true. */
  waitForSample?: boolean;
}

export async function startGodwit(options: StartGodwitOptions = {}): Promise<GodwitProcess> {
  const root = mkdtempSync(join(tmpdir(), 'godwit-e2e-'));
  const dataDir = options.dataDir ?? join(root, 'data');
  const port = await freePort();
  const env = {
    GODWIT_DATA_DIR: dataDir,
    GODWIT_HOST: '127.0.0.1',
    GODWIT_PORT: String(port),
    ...options.env,
  };
  if (options.beforeStart) await options.beforeStart(env);
  const child: ChildProcess = spawn(process.execPath, ['bin/godwit.js', 'serve'], {
    cwd: ROOT,
    env: cleanEnvironment(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(root, { recursive: true, force: true });
  };
  try {
    await waitForReady(
      url,
      child,
      () => output,
      options.readyTimeoutMs ?? 90_000,
      options.waitForSample ?? true,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  };
  return { url, dataDir, output: () => output, stop, kill };
}

async function waitForReady(
  url: string,
  child: ChildProcess,
  output: () => string,
  timeoutMs: number,
  waitForSample: boolean,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`godwit serve exited with ${child.exitCode}:\n${output()}`);
    // A new data dir loads the sample after the server is up; tests start from the loaded handbook.
    const sampleLoading =
      waitForSample &&
      /loading the sample/.test(output()) &&
      !/Loaded the sample|could not load the sample/.test(output());
    if (/listening on/.test(output()) && !sampleLoading) {
      const response = await fetch(`${url}/healthz`).catch(() => null);
      if (response?.ok) return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`godwit serve did not start within ${timeoutMs / 1000} s:\n${output()}`);
}
