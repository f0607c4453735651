/**
 * The embedded database (PGlite) is single-process. The process that opens a data dir records itself in
 * `<dataDir>/godwit.lock`; another process finds it there, and — when the owner is a server — talks to
 * that server instead of opening the database a second time. The file is created exclusively, so two
 * processes started together cannot both open the database.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
  const owner = readLockFile(dataDir);
  return owner && owner.pid !== process.pid && isAlive(owner.pid) ? owner : null;
}

export interface DataDirLock {
  setServerUrl(url: string): void;
  release(): void;
}

/** A lock file that is still empty or half-written this long after its creation was left by a crash. */
const INCOMPLETE_LOCK_GRACE_MS = 10_000;
const TAKEOVER_ATTEMPTS = 5;

/**
 * Takes the data dir for this process. The lock file is created exclusively (`wx`), so of two processes
 * starting together exactly one gets it; a lock whose process is gone is taken over, one taker at a time.
 * Throws ConflictError naming the owner when another live process holds it.
 */
export function acquireDataDirLock(dataDir: string, command: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const path = lockPath(dataDir);
  const content = (serverUrl: string | null) =>
    JSON.stringify({ pid: process.pid, serverUrl, command } satisfies LockOwner);
  for (let attempt = 0; attempt < TAKEOVER_ATTEMPTS; attempt++) {
    if (createExclusively(path, content(null))) {
      return {
        setServerUrl: (url) => replaceLock(path, content(url)),
        release: () => {
          if (readLockFile(dataDir)?.pid === process.pid) rmSync(path, { force: true });
        },
      };
    }
    const seen = readRaw(path);
    const holder = parseOwner(seen);
    if (holder && holder.pid !== process.pid && isAlive(holder.pid)) throw inUse(dataDir, holder);
    if (!holder && seen !== undefined && !isOlderThan(path, INCOMPLETE_LOCK_GRACE_MS)) {
      throw inUse(dataDir, null);
    }
    if (seen !== undefined) removeStaleLock(path, seen);
  }
  throw inUse(dataDir, readLockFile(dataDir));
}

function inUse(dataDir: string, owner: LockOwner | null): ConflictError {
  const who = owner ? ` (pid ${owner.pid}, \`godwit ${owner.command}\`)` : ' that is starting';
  return new ConflictError(
    `The data directory ${dataDir} is in use by another Godwit process${who}. Wait for it to finish, or point GODWIT_DATA_DIR elsewhere.`,
  );
}

/** True when this call created the file; false when it already existed. */
function createExclusively(path: string, content: string): boolean {
  try {
    writeFileSync(path, content, { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/** Rewrites the held lock through a rename, so a reader never sees it empty. */
function replaceLock(path: string, content: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, content);
  renameSync(temporary, path);
}

/**
 * Removes a stale lock, unless someone else is taking it over or it changed since it was read. The
 * takeover marker is itself created exclusively, so two processes cannot both remove the lock and then
 * one of them remove the other's fresh lock.
 */
function removeStaleLock(path: string, seen: string): void {
  const marker = `${path}.takeover`;
  if (!createExclusively(marker, String(process.pid))) {
    if (isOlderThan(marker, INCOMPLETE_LOCK_GRACE_MS)) rmSync(marker, { force: true });
    return;
  }
  try {
    if (readRaw(path) === seen) rmSync(path, { force: true });
  } finally {
    rmSync(marker, { force: true });
  }
}

function readRaw(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function parseOwner(raw: string | undefined): LockOwner | null {
  if (raw === undefined) return null;
  try {
    const owner = JSON.parse(raw) as LockOwner;
    return typeof owner?.pid === 'number' ? owner : null;
  } catch {
    return null;
  }
}

function isOlderThan(path: string, ageMs: number): boolean {
  try {
    return Date.now() - statSync(path).mtimeMs > ageMs;
  } catch {
    return false;
  }
}

function readLockFile(dataDir: string): LockOwner | null {
  return parseOwner(readRaw(lockPath(dataDir)));
}
