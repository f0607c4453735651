/**
 * Cold init per function (module import to the end of the first invocation), printed once per run so
 * docs/BENCHMARKS.md can quote it; the test never asserts on it.
 */
import type { FunctionProcess } from './function-process.ts';

export function recordColdInit(profile: string, name: string, fn: FunctionProcess): void {
  process.stdout.write(
    `cold-init ${JSON.stringify({ profile, function: name, loadMs: Math.round(fn.loadMs), firstResponseMs: Math.round(fn.firstResponseMs ?? Number.NaN) })}\n`,
  );
}
