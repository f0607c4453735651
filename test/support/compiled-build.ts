/**
 * Vitest global setup: tests that spawn `bin/godwit.js` run the compiled dist/ build and its bundle, as users
 * do. Rebuilds dist/ (scripts/build-server.mjs, a few seconds) when it is missing or older than any source
 * file or build script, so those tests never run stale JavaScript.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function newestSourceTime(directory: string): number {
  let newest = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    const time = entry.isDirectory() ? newestSourceTime(path) : statSync(path).mtimeMs;
    newest = Math.max(newest, time);
  }
  return newest;
}

function buildTime(): number {
  try {
    return statSync(join(ROOT, 'dist', 'build.json')).mtimeMs;
  } catch {
    return 0;
  }
}

export default function setup(): void {
  // The build scripts count as sources: a change to how the command is bundled rebuilds it too.
  const newest = Math.max(newestSourceTime(join(ROOT, 'src')), newestSourceTime(join(ROOT, 'scripts')));
  if (buildTime() >= newest) return;
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-server.mjs')], {
    cwd: ROOT,
    stdio: 'inherit',
  });
}
