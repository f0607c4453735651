/**
 * The embedded database (PGlite) is single-process. The process that opens a data dir records itself in
 * `<dataDir>/godwit.lock`; another process finds it there, and — when the owner is a server — talks to
 * that server instead of opening the database a second time.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConflictError } from '../core/errors.ts';

export interface LockOwner {
  pid: number;
  /** Base URL when the owner is a running server. */
  serverUrl: string | null;
  command: string;
}

function lockPath(dataDir: string): string {
  return join(dataDir, 'godwit.lock');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The live owner of the data dir, if any (a stale lock from a crashed process is ignored). */
export function readLockOwner(dataDir: string): LockOwner | null {
  try {
    const owner = JSON.parse(readFileSync(lockPath(dataDir), 'utf8')) as LockOwner;
    return owner.pid !== process.pid && isAlive(owner.pid) ? owner : null;
  } catch {
    return null;
  }
}

export interface DataDirLock {
  setServerUrl(url: string): void;
  release(): void;
}

export function acquireDataDirLock(dataDir: string, command: string): DataDirLock {
  const owner = readLockOwner(dataDir);
  if (owner) {
    throw new ConflictError(
      `The data directory ${dataDir} is in use by another Godwit process (pid ${owner.pid}, \`godwit ${owner.command}\`). Wait for it to finish, or point GODWIT_DATA_DIR elsewhere.`,
    );
  }
  mkdirSync(dataDir, { recursive: true });
  const write = (serverUrl: string | null) =>
    writeFileSync(
      lockPath(dataDir),
      JSON.stringify({ pid: process.pid, serverUrl, command } satisfies LockOwner),
    );
  write(null);
  return {
    setServerUrl: (url) => write(url),
    release: () => {
      const current = readLockFile(dataDir);
      if (current?.pid === process.pid) rmSync(lockPath(dataDir), { force: true });
    },
  };
}

function readLockFile(dataDir: string): LockOwner | null {
  try {
    return JSON.parse(readFileSync(lockPath(dataDir), 'utf8')) as LockOwner;
  } catch {
    return null;
  }
}
