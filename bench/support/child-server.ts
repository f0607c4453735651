/**
 * Server processes under measurement: spawn, wait for the first 200, read resident memory, stop. Every
 * child is tracked so that none outlives the benchmark, even when it fails half-way.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

export interface ServerProcess {
  child: ChildProcess;
  /** performance.now() just before spawn. */
  startedAt: number;
  /** Last lines the process wrote (stdout and stderr), for error messages. */
  output(): string;
}

/** Starts `command` with exactly `options.env` (nothing inherited) and keeps the tail of its output. */
export function spawnServer(
  command: string,
  args: string[],
  options: { env: Record<string, string>; cwd?: string },
): ServerProcess {
  installExitHook();
  const startedAt = performance.now();
  const child = spawn(command, args, {
    env: options.env,
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let tail = '';
  const keep = (data: Buffer) => {
    tail = (tail + data.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { child, startedAt, output: () => tail };
}

/**
 * Polls `url` every `intervalMs` until it answers 200 and returns the milliseconds since spawn. Throws when
 * the process exits first or `timeoutMs` passes.
 */
export async function waitForOk(
  server: ServerProcess,
  url: string,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<number> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const intervalMs = options.intervalMs ?? 20;
  for (;;) {
    if (server.child.exitCode !== null || server.child.signalCode !== null) {
      throw new Error(`${url}: the server exited before it was ready.\n${server.output()}`);
    }
    if ((await statusOf(url)) === 200) return performance.now() - server.startedAt;
    if (performance.now() - server.startedAt > timeoutMs) {
      throw new Error(`${url}: no 200 within ${timeoutMs} ms.\n${server.output()}`);
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, intervalMs));
  }
}

function statusOf(url: string): Promise<number> {
  return new Promise((resolveStatus) => {
    const outgoing = request(url, { timeout: 2000 }, (response) => {
      response.resume();
      resolveStatus(response.statusCode ?? 0);
    });
    outgoing.on('timeout', () => outgoing.destroy());
    outgoing.on('error', () => resolveStatus(0));
    outgoing.end();
  });
}

/** VmRSS of a live process, in kibibytes, from /proc (Linux only). */
export function residentKilobytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!match) throw new Error(`/proc/${pid}/status has no VmRSS line`);
  return Number(match[1]);
}

/**
 * CPU milliseconds a live process has used so far: utime + stime from /proc/<pid>/stat (Linux only), in
 * clock ticks of 10 ms (USER_HZ is 100 on mainstream Linux builds).
 */
export function cpuMilliseconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The fields after the command name, which sits in parentheses and may contain spaces: state is first.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
export async function stopServer(server: ServerProcess, graceMs = 10_000): Promise<void> {
  const { child } = server;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Kills whatever is still running when the benchmark process ends, however it ends. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const killAll = () => {
    for (const child of running) child.kill('SIGKILL');
  };
  process.once('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAll();
      process.exit(130);
    });
  }
}
