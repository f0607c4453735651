/** Benchmark plumbing: flags, progress on stderr, the one JSON result on stdout. */

import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { parseArgs } from 'node:util';

export interface BenchmarkFlags {
  quick: boolean;
}

export function readFlags(): BenchmarkFlags {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
  return { quick: values.quick ?? false };
}

export function progress(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** The machine a result was measured on, for the report. */
export function describeMachine() {
  const cpus = os.cpus();
  return {
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    cpu: cpus[0]?.model ?? 'unknown',
    cpus: cpus.length,
    memoryGigabytes: Math.round(os.totalmem() / 1024 ** 3),
    loadAverage: os.loadavg().map((value) => Math.round(value * 100) / 100),
  };
}

/** Prints the result document on stdout: one JSON document and nothing else there. */
export function printResult(result: unknown): void {
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

const QUIET: ['ignore', 'pipe', 'ignore'] = ['ignore', 'pipe', 'ignore'];

/** The commit measured, and whether src/ had uncommitted changes at the time (results then say so). */
export function describeSource(): { commit: string; uncommittedSourceChanges: boolean | null } {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      encoding: 'utf8',
      stdio: QUIET,
    }).trim();
    const changes = execFileSync('git', ['status', '--porcelain', '--', 'src'], {
      encoding: 'utf8',
      stdio: QUIET,
    });
    return { commit, uncommittedSourceChanges: changes.trim().length > 0 };
  } catch {
    return { commit: 'unknown', uncommittedSourceChanges: null };
  }
}
