/**
 * Runs the Chroma server that ships with the `chromadb` package (`chroma run`) on a data folder, bound to
 * 127.0.0.1 on a free port. A persisted Chroma directory keeps its vectors in binary HNSW segment files
 * that only Chroma reads, so the directory is served and read through the API.
 *
 * `chromadb` is not a dependency: its native server bindings weigh about 400 MB, and only this migration
 * source (and Godwit's own Chroma tests) run the server, so a default install leaves it out and it is
 * added on demand (see docs/decisions/2026-12-06-chromadb-on-demand.md).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join, sep } from 'node:path';
import { DependencyError } from '../../core/errors.ts';

/** The command that adds the Chroma server, named in the error when it is missing. */
export const CHROMADB_INSTALL_COMMAND = 'npm install --no-save chromadb@^3.0.9';

export interface ChromaProcess {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * Starts `chroma run --path DIR` and waits for its heartbeat. Default wait: 60 s. `resolvePackage`
 * finds the `chromadb` package (default: Node's resolution from here).
 */
export async function startChroma(
  path: string,
  options: { timeoutMs?: number; resolvePackage?: (name: string) => string } = {},
): Promise<ChromaProcess> {
  let cli: string;
  try {
    const resolvePackage = options.resolvePackage ?? createRequire(import.meta.url).resolve;
    // The package does not export its CLI; it sits at the root of dist/, beside the CommonJS entry's folder.
    const entry = resolvePackage('chromadb');
    cli = join(entry.slice(0, entry.lastIndexOf(`${sep}dist${sep}`)), 'dist', 'cli.mjs');
    if (!existsSync(cli)) throw new Error(`${cli} is missing`);
  } catch (error) {
    throw new DependencyError(
      `Reading a Chroma directory needs the Chroma server from the chromadb package, which a default install leaves out (about 400 MB). Add it with \`${CHROMADB_INSTALL_COMMAND}\` in the Godwit folder, then run the migration again.`,
      { cause: error },
    );
  }
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    process.execPath,
    [cli, 'run', '--path', path, '--host', '127.0.0.1', '--port', String(port)],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (data: Buffer) => {
    stderr = (stderr + data.toString()).slice(-2000);
  });
  const stop = () => stopChild(child);
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      const response = await fetch(`${url}/api/v2/heartbeat`);
      if (response.ok) return { url, port, stop };
    } catch {
      // Not listening yet.
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, 200));
  }
  await stop();
  throw new DependencyError(
    `The Chroma server did not start on ${path}${stderr ? `: ${stderr.trim().split('\n').slice(-3).join(' ')}` : ''}.`,
  );
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolveStop) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolveStop();
    });
    child.kill('SIGTERM');
  });
}
