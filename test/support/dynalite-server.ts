/**
 * Starts dynalite (a DynamoDB implementation on LevelDB, in memory here) as a child process on 127.0.0.1 and
 * an ephemeral port, so DynamoDB suites run against a real wire protocol. One server per test file.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export interface DynaliteServer {
  /** `http://127.0.0.1:PORT`, for the SDK's `endpoint`. */
  endpoint: string;
  stop(): Promise<void>;
}

const REPOSITORY_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const START_TIMEOUT_MS = 20_000;

// Tables are ACTIVE at once (no simulated CREATING delay); the port is printed as one JSON line.
const SCRIPT = `
const server = require('dynalite')({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port: server.address().port }) + '\\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

/**
 * @example
 *   let dynamo: DynaliteServer;
 *   beforeAll(async () => { dynamo = await startDynalite(); });
 *   afterAll(() => dynamo.stop());
 */
export async function startDynalite(): Promise<DynaliteServer> {
  const child = spawn(process.execPath, ['-e', SCRIPT], {
    cwd: REPOSITORY_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const port = await readPort(child, 'dynalite');
  return { endpoint: `http://127.0.0.1:${port}`, stop: () => stopChild(child) };
}

/** Resolves with the port the child prints first; rejects with its stderr if it exits or stalls. */
export function readPort(child: ChildProcess, name: string): Promise<number> {
  return new Promise((resolvePort, reject) => {
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(
      () => fail(new Error(`${name} did not start in ${START_TIMEOUT_MS} ms`)),
      START_TIMEOUT_MS,
    );
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${error.message}${stderr ? `: ${stderr.trim()}` : ''}`));
    };
    child.stderr?.on('data', (data: Buffer) => {
      stderr += data.toString();
    });
    child.once('error', fail);
    child.once('exit', (code) => fail(new Error(`${name} exited with code ${code} before listening`)));
    child.stdout?.on('data', (data: Buffer) => {
      stdout += data.toString();
      const line = stdout.split('\n')[0];
      if (!stdout.includes('\n') || line === undefined) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      const port = Number((JSON.parse(line) as { port?: unknown }).port);
      if (Number.isInteger(port) && port > 0) resolvePort(port);
      else fail(new Error(`${name} printed no port: ${line}`));
    });
  });
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
