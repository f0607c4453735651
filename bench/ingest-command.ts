/**
 * The shipped command on a folder, as a user runs it: `godwit ingest DIR --kb corpus --json` on a new data dir,
 * timed as a whole process (start, opening the new data dir, reading the files, indexing, exit). The folder
 * holds one `.txt` file per record of a BEIR corpus (the title, a blank line, the text), as `bench/ingest-corpus.ts`
 * feeds the pipeline in process.
 *
 * The peer, also a whole process (`bench/peers/minisearch-folder.mjs`): a Node script that reads the same
 * folder, indexes each file with MiniSearch's defaults (text kept for citations) and saves the index to a file,
 * which is what a user would write for a local knowledge base.
 *
 *   npx tsx bench/ingest-command.ts --corpus ../shared/datasets/scifact [--repetitions 5] [--baseline DIR]
 *     [--through-server]
 *
 * With --through-server, each Godwit run starts `godwit serve --no-sample` on a new data dir, waits for
 * /readyz, and times `godwit ingest FOLDER --server URL` (the files sent over HTTP, as to a deployed server);
 * its CPU is the client's plus what the server used meanwhile (/proc, Linux only).
 *
 * With --baseline DIR (another checkout, built), its `bin/godwit.js` runs the same folder in the same
 * repetitions, and the report adds this/baseline ratios taken pair by pair. Each repetition rotates the order
 * of the commands. CPU time and peak RSS are each process's own (`process.resourceUsage()` at exit, read
 * through a module preloaded by NODE_OPTIONS). Prints one JSON document on stdout; progress goes to stderr.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { loadBeirDataset } from '../src/eval/index.ts';
import {
  cpuMilliseconds,
  describeMachine,
  describeSource,
  findFreePort,
  median,
  printResult,
  progress,
  ratio,
  round,
  spawnServer,
  stopServer,
  waitForOk,
} from './support/index.ts';

const REPOSITORY = resolve(import.meta.dirname, '..');
const USAGE_HOOK = pathToFileURL(join(import.meta.dirname, 'support', 'usage-at-exit.mjs')).href;
const PEER = join(import.meta.dirname, 'peers', 'minisearch-folder.mjs');

interface Run {
  wallMilliseconds: number;
  cpuMilliseconds: number;
  peakRssMiB: number;
  /** Chunks the command reports (the peer: files indexed). */
  chunks: number;
  files: number;
}

type Target = 'godwit' | 'baseline' | 'peer';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      corpus: { type: 'string' },
      repetitions: { type: 'string', default: '5' },
      baseline: { type: 'string' },
      'through-server': { type: 'boolean', default: false },
    },
  });
  const throughServer = values['through-server'] ?? false;
  if (!values.corpus)
    throw new Error('pass --corpus DIR, a BEIR dataset folder (corpus.jsonl, qrels/test.tsv)');
  const repetitions = Number(values.repetitions);
  if (!Number.isInteger(repetitions) || repetitions < 1)
    throw new Error(`--repetitions must be a whole number of at least 1; got "${values.repetitions}"`);
  const baseline = values.baseline ? join(resolve(values.baseline), 'bin', 'godwit.js') : undefined;
  const dataset = await loadBeirDataset(values.corpus, 'test');
  const scratch = mkdtempSync(join(tmpdir(), 'godwit-bench-command-'));
  const folder = join(scratch, 'files');
  mkdirSync(folder);
  let bytes = 0;
  for (const document of dataset.corpus) {
    const text = document.title ? `${document.title}\n\n${document.text}` : document.text;
    writeFileSync(join(folder, `${document.id}.txt`), text);
    bytes += Buffer.byteLength(text);
  }
  const targets: Target[] = baseline ? ['godwit', 'baseline', 'peer'] : ['godwit', 'peer'];
  const runs = new Map<Target, Run[]>(targets.map((target) => [target, []]));
  try {
    for (let repetition = 1; repetition <= repetitions; repetition++) {
      for (let step = 0; step < targets.length; step++) {
        const target = targets[(step + repetition - 1) % targets.length]!;
        const work = join(scratch, `${target}-${repetition}`);
        const bin = target === 'godwit' ? join(REPOSITORY, 'bin', 'godwit.js') : baseline!;
        const run =
          target === 'peer'
            ? await runProcess([PEER, folder, join(work, 'index.json')], work)
            : throughServer
              ? await runThroughServer(bin, folder, work)
              : await runProcess([bin, 'ingest', folder, '--kb', 'corpus', '--json'], work, {
                  GODWIT_DATA_DIR: join(work, 'data'),
                });
        runs.get(target)!.push(run);
        rmSync(work, { recursive: true, force: true });
        progress(
          `[${repetition}/${repetitions}] ${target}: ${run.files} files, ${run.chunks} chunks in ${round(run.wallMilliseconds, 0)} ms ` +
            `(${round(run.cpuMilliseconds, 0)} ms CPU, peak ${run.peakRssMiB} MiB)`,
        );
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const summary = (target: Target) => {
    const list = runs.get(target);
    if (!list) return undefined;
    const wall = median(list.map((run) => run.wallMilliseconds));
    const cpu = median(list.map((run) => run.cpuMilliseconds));
    return {
      wallMilliseconds: round(wall, 0),
      cpuMilliseconds: round(cpu, 0),
      peakRssMiB: median(list.map((run) => run.peakRssMiB)),
      files: list[0]!.files,
      chunks: list[0]!.chunks,
      chunksPerSecond: round((list[0]!.chunks / wall) * 1000, 0),
      filesPerSecond: round((list[0]!.files / wall) * 1000, 0),
      samples: list.map((run) => ({
        wallMilliseconds: round(run.wallMilliseconds, 0),
        cpuMilliseconds: round(run.cpuMilliseconds, 0),
      })),
    };
  };
  const pairwise = (
    numerator: Target,
    denominator: Target,
    field: 'wallMilliseconds' | 'cpuMilliseconds',
  ) => {
    const top = runs.get(numerator);
    const bottom = runs.get(denominator);
    if (!top || !bottom) return null;
    return ratio(median(top.map((run, index) => run[field] / bottom[index]![field])), 1, 3);
  };
  printResult({
    benchmark: 'ingest-command',
    date: new Date().toISOString(),
    repetitions,
    machine: describeMachine(),
    source: describeSource(),
    statistic: 'median over repetitions; ratios are medians of per-repetition ratios',
    workload: {
      corpus: values.corpus,
      files: dataset.corpus.length,
      bytes,
      command: throughServer
        ? 'node bin/godwit.js ingest FOLDER --kb corpus --server URL --json, to godwit serve --no-sample on a new data dir'
        : 'node bin/godwit.js ingest FOLDER --kb corpus --json, new data dir each run',
    },
    godwit: summary('godwit'),
    ...(baseline ? { baseline: { checkout: resolve(values.baseline!), ...summary('baseline') } } : {}),
    peer: {
      name: 'MiniSearch, whole process: read the folder, index each file, save the index',
      ...summary('peer'),
    },
    ratios: {
      'godwit / peer (wall)': pairwise('godwit', 'peer', 'wallMilliseconds'),
      'godwit / peer (CPU)': pairwise('godwit', 'peer', 'cpuMilliseconds'),
      ...(baseline
        ? {
            'godwit / baseline (wall)': pairwise('godwit', 'baseline', 'wallMilliseconds'),
            'godwit / baseline (CPU)': pairwise('godwit', 'baseline', 'cpuMilliseconds'),
          }
        : {}),
    },
  });
}

/** `godwit serve` from `bin` on a new data dir, then the folder sent to it by the same checkout's client. */
async function runThroughServer(bin: string, folder: string, work: string): Promise<Run> {
  mkdirSync(work, { recursive: true });
  const port = await findFreePort();
  const server = spawnServer(process.execPath, [bin, 'serve', '--port', String(port), '--no-sample'], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: work,
      LANG: 'C.UTF-8',
      GODWIT_DATA_DIR: join(work, 'data'),
    },
    cwd: work,
  });
  try {
    const pid = server.child.pid;
    if (pid === undefined) throw new Error('the server process has no pid');
    const url = `http://127.0.0.1:${port}`;
    await waitForOk(server, `${url}/readyz`);
    const before = cpuMilliseconds(pid);
    const run = await runProcess([bin, 'ingest', folder, '--kb', 'corpus', '--server', url, '--json'], work);
    return { ...run, cpuMilliseconds: run.cpuMilliseconds + cpuMilliseconds(pid) - before };
  } finally {
    await stopServer(server);
  }
}

/** Runs `node ARGS` in `work` and reads its own CPU time and peak RSS, written by the preloaded hook. */
async function runProcess(args: string[], work: string, env: Record<string, string> = {}): Promise<Run> {
  mkdirSync(work, { recursive: true });
  const usageFile = join(work, 'usage.json');
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: work,
    env: {
      ...process.env,
      ...env,
      NODE_OPTIONS: `--import=${USAGE_HOOK}`,
      BENCH_USAGE_FILE: usageFile,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const code = await new Promise<number | null>((done) => child.on('close', done));
  const wallMilliseconds = performance.now() - started;
  if (code !== 0) throw new Error(`node ${args.join(' ')} exited with ${code}: ${stderr.slice(-2000)}`);
  const usage = JSON.parse(readFileSync(usageFile, 'utf8')) as {
    cpuMilliseconds: number;
    peakRssKiB: number;
  };
  const summary = JSON.parse(stdout) as { files: number; chunks: number };
  return {
    wallMilliseconds,
    cpuMilliseconds: usage.cpuMilliseconds,
    peakRssMiB: round(usage.peakRssKiB / 1024, 0),
    files: summary.files,
    chunks: summary.chunks,
  };
}

await main();
