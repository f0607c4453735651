/**
 * One Lambda function as AWS runs it: its code asset copied into a directory of its own (no node_modules
 * above it), a plain Node process (test/shipped/lambda-host.mjs) with exactly the given environment.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const HOST = join(import.meta.dirname, 'lambda-host.mjs');

export interface StreamedReply {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export interface FunctionProcess {
  /** Milliseconds of the module import plus the first invocation (idle time between them left out). */
  readonly firstResponseMs: number | null;
  /** Milliseconds the handler module took to import (Lambda's init phase). */
  readonly loadMs: number;
  invoke(event: unknown): Promise<{ result?: unknown; streamed?: Buffer; error?: string }>;
  /** Invokes a streaming handler and decodes the prelude; fails if the response has none. */
  invokeStreaming(event: unknown): Promise<StreamedReply>;
  stop(): Promise<void>;
}

export async function startFunction(
  codeDirectory: string,
  handler: string,
  environment: Record<string, string>,
): Promise<FunctionProcess> {
  const task = mkdtempSync(join(tmpdir(), 'godwit-shipped-task-'));
  cpSync(codeDirectory, task, { recursive: true });
  const child = fork(HOST, [task, handler], {
    cwd: task,
    env: { ...environment, LAMBDA_TASK_ROOT: task },
    execArgv: [],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const loadMs = await waitForReady(child, () => output);
  const pending = new Map<number, (reply: Record<string, unknown>) => void>();
  let firstResponseMs: number | null = null;
  child.on('message', (message: Record<string, unknown>) => {
    if (typeof message.id !== 'number') return;
    firstResponseMs ??= message.firstResponseMs as number;
    pending.get(message.id)?.(message);
    pending.delete(message.id);
  });
  let nextId = 0;
  const invoke = (event: unknown) =>
    new Promise<{ result?: unknown; streamed?: Buffer; error?: string }>((resolve, reject) => {
      if (child.exitCode !== null) {
        reject(new Error(`the function process has exited:\n${output}`));
        return;
      }
      const id = ++nextId;
      pending.set(id, (reply) =>
        resolve({
          ...(reply.result !== undefined ? { result: reply.result } : {}),
          ...(typeof reply.streamed === 'string' ? { streamed: Buffer.from(reply.streamed, 'base64') } : {}),
          ...(typeof reply.error === 'string' ? { error: `${reply.error}\n${output}` } : {}),
        }),
      );
      child.send({ id, event });
    });
  return {
    get firstResponseMs() {
      return firstResponseMs;
    },
    loadMs,
    invoke,
    async invokeStreaming(event) {
      const reply = await invoke(event);
      if (!reply.streamed) throw new Error(`no streamed response: ${reply.error ?? 'none'}`);
      return decodeStreamed(reply.streamed);
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(task, { recursive: true, force: true });
    },
  };
}

function waitForReady(child: ChildProcess, output: () => string): Promise<number> {
  return new Promise((resolve, reject) => {
    child.once('message', (message: { type?: string; loadMs?: number; error?: string }) => {
      if (message.type === 'ready') resolve(message.loadMs ?? 0);
      else reject(new Error(`${message.error}\n${output()}`));
    });
    child.once('exit', (code) =>
      reject(new Error(`the function exited (${code}) during init:\n${output()}`)),
    );
  });
}

/** The runtime's framing: JSON prelude, eight NUL bytes, then the body. */
export function decodeStreamed(bytes: Buffer): StreamedReply {
  const separator = bytes.indexOf(Buffer.alloc(8));
  if (separator < 0) throw new Error(`the response has no prelude: ${bytes.toString('utf8').slice(0, 200)}`);
  const prelude = JSON.parse(bytes.subarray(0, separator).toString('utf8')) as {
    statusCode: number;
    headers: Record<string, string>;
  };
  return {
    statusCode: prelude.statusCode,
    headers: prelude.headers,
    body: bytes.subarray(separator + 8).toString('utf8'),
  };
}

export function removeDirectory(path: string): void {
  rmSync(path, { recursive: true, force: true });
}
