/**
 * `godwit serve` of a checkout (its own bin/godwit.js) in a child process, for the benchmarks that measure
 * a running server: a fresh data dir and HOME under a temporary folder, a free port, the environment given
 * and nothing else, ready once /readyz answers 200. `stop()` ends the process and removes the folder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ServerProcess, spawnServer, stopServer, waitForOk } from './child-server.ts';
import { findFreePort } from './free-port.ts';

export interface GodwitServe {
  url: string;
  server: ServerProcess;
  stop(): Promise<void>;
}

export interface StartGodwitServeOptions {
  /** The checkout whose bin/godwit.js runs (and the working directory). */
  checkout: string;
  /** Arguments after `serve`, e.g. `['--no-sample']`. */
  args?: string[];
  /** Prefix of the temporary folder's name. */
  name: string;
  /** How long to wait for /readyz. */
  readyTimeoutMs: number;
}

/** @example const godwit = await startGodwitServe({ checkout, name: 'chats', readyTimeoutMs: 300_000 }); */
export async function startGodwitServe(options: StartGodwitServeOptions): Promise<GodwitServe> {
  const root = mkdtempSync(join(tmpdir(), `godwit-bench-${options.name}-`));
  const port = await findFreePort();
  const url = `http://127.0.0.1:${port}`;
  const server = spawnServer(
    process.execPath,
    [join(options.checkout, 'bin', 'godwit.js'), 'serve', ...(options.args ?? [])],
    {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: root,
        GODWIT_DATA_DIR: join(root, 'data'),
        GODWIT_PORT: String(port),
        GODWIT_LOG_LEVEL: 'warn',
      },
      cwd: options.checkout,
    },
  );
  const stop = async () => {
    await stopServer(server);
    rmSync(root, { recursive: true, force: true });
  };
  try {
    await waitForOk(server, `${url}/readyz`, { timeoutMs: options.readyTimeoutMs });
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, server, stop };
}
