/**
 * Re-embedding throughput against the provider's rate limit: `godwit migrate DUMP DUMP2 --reembed
 * openai:text-embedding-3-small` against the OpenAI wire-format emulator, with `resilience.limits.openai`
 * set to a requests-per-second limit, then without a limit. A migration that keeps its embedding calls at
 * the limit re-embeds `limit × texts per call` records a second; the result reports the calls per second
 * while embedding against the limit, the end-to-end rate (process start-up and writes included), and the
 * most calls the provider saw in any one second.
 *
 *   npx tsx bench/reembed-throughput.ts [--quick]
 *
 * Prints one JSON document on stdout; progress goes to stderr.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { startEmulator } from '../test/support/emulators/index.ts';
import { describeMachine, describeSource, printResult, progress, round } from './support/index.ts';

const REPOSITORY = resolve(fileURLToPath(new URL('..', import.meta.url)));
const GODWIT_BIN = join(REPOSITORY, 'bin', 'godwit.js');
const MODEL = 'openai:text-embedding-3-small';
const TEXTS_PER_CALL = 64;
const CONCURRENCY = 4;

interface Run {
  limitRequestsPerSecond: number | null;
  records: number;
  seconds: number;
  recordsPerSecond: number;
  embeddingCalls: number;
  callsPerSecond: number;
  /** Calls per second from the first embedding call to the last (process start-up and writing excluded). */
  callsPerSecondWhileEmbedding: number;
  /** callsPerSecondWhileEmbedding over the limit; null without a limit. */
  shareOfLimit: number | null;
  /** The most calls the provider saw in any one-second window. */
  peakCallsInOneSecond: number;
}

/** Runs the CLI in a child process; asynchronously, so that the emulator in this process keeps answering. */
async function godwit(args: string[], env: Record<string, string>): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [GODWIT_BIN, ...args], {
    cwd: REPOSITORY,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmpdir(), ...env },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

/** A folder of one-paragraph files, migrated once (no re-embedding) into the dump the runs read. */
async function makeDump(scratch: string, files: number, env: Record<string, string>): Promise<string> {
  const folder = join(scratch, 'files');
  mkdirSync(folder);
  for (let index = 0; index < files; index++) {
    writeFileSync(
      join(folder, `note-${String(index).padStart(5, '0')}.md`),
      `# Note ${index}\n\nRecord ${index} describes policy item ${index % 97} for team ${index % 13}.\n`,
    );
  }
  const dump = join(scratch, 'source-dump');
  await godwit(['--data-dir', join(scratch, 'data-make'), 'migrate', folder, `dir://${dump}`, '--json'], env);
  return dump;
}

async function measure(
  scratch: string,
  dump: string,
  records: number,
  limit: number | null,
  env: Record<string, string>,
  emulator: Awaited<ReturnType<typeof startEmulator>>,
): Promise<Run> {
  const name = limit === null ? 'unlimited' : `limit-${limit}`;
  const configPath = join(scratch, `${name}.yaml`);
  writeFileSync(
    configPath,
    limit === null
      ? 'sample: false\n'
      : `sample: false\nresilience:\n  limits:\n    openai:\n      requestsPerSecond: ${limit}\n      burst: 1\n`,
  );
  const before = emulator.requests.length;
  const started = Date.now();
  const times: number[] = [];
  const timer = setInterval(() => {
    while (times.length < emulator.requests.length - before) times.push(Date.now());
  }, 5);
  const output = await godwit(
    [
      '--config',
      configPath,
      '--data-dir',
      join(scratch, `data-${name}`),
      'migrate',
      `dir://${dump}`,
      `dir://${join(scratch, `out-${name}`)}`,
      '--reembed',
      MODEL,
      '--concurrency',
      String(CONCURRENCY),
      '--json',
    ],
    env,
  );
  clearInterval(timer);
  const seconds = (Date.now() - started) / 1000;
  const report = JSON.parse(output) as { counts?: { written?: number } };
  const calls = emulator.requests.length - before;
  let peak = 0;
  for (let index = 0; index < times.length; index++) {
    let end = index;
    while (end < times.length && times[end]! - times[index]! < 1000) end++;
    peak = Math.max(peak, end - index);
  }
  const recordsPerSecond = records / seconds;
  const window = times.length > 1 ? (times.at(-1)! - times[0]!) / 1000 : 0;
  const whileEmbedding = window > 0 ? (times.length - 1) / window : 0;
  return {
    limitRequestsPerSecond: limit,
    records: report.counts?.written ?? records,
    seconds: round(seconds, 2),
    recordsPerSecond: round(recordsPerSecond, 1),
    embeddingCalls: calls,
    callsPerSecond: round(calls / seconds, 2),
    callsPerSecondWhileEmbedding: round(whileEmbedding, 2),
    shareOfLimit: limit === null ? null : round(whileEmbedding / limit, 2),
    peakCallsInOneSecond: peak,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
  const records = values.quick ? 1_500 : 5_000;
  const limits = values.quick ? [5] : [2, 5, 10];
  const scratch = mkdtempSync(join(tmpdir(), 'godwit-bench-reembed-'));
  const emulator = await startEmulator();
  const env = { OPENAI_API_KEY: 'bench', OPENAI_BASE_URL: emulator.baseURLs.openai };
  try {
    progress(`writing ${records} notes and their dump…`);
    const dump = await makeDump(scratch, records, env);
    const runs: Run[] = [];
    for (const limit of [...limits, null]) {
      progress(`re-embedding ${records} records, ${limit === null ? 'no limit' : `${limit} requests/s`}…`);
      runs.push(await measure(scratch, dump, records, limit, env, emulator));
    }
    printResult({
      benchmark: 'reembed-throughput',
      date: new Date().toISOString(),
      command: `npx tsx bench/reembed-throughput.ts${values.quick ? ' --quick' : ''}`,
      machine: describeMachine(),
      source: describeSource(),
      settings: { model: MODEL, textsPerCall: TEXTS_PER_CALL, concurrency: CONCURRENCY, records },
      runs,
    });
  } finally {
    await emulator.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
