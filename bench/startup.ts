/**
 * Startup benchmark: milliseconds from spawning `godwit serve` to the first 200 from /readyz, and resident
 * memory 5 s after ready, against a minimal @hono/node-server hello-world started the same way.
 *
 *   npx tsx bench/startup.ts [--quick]
 *
 * Scenarios, interleaved within each repetition so background load hits them alike:
 *   godwit-first      new data dir (creates the database, loads the sample handbook)
 *   godwit-restart    the data dir godwit-first just made
 *   godwit-no-sample  new data dir with --no-sample
 *   hello             the peer on plain node
 *   hello-tsx         the peer under the tsx loader that bin/godwit.js registers (the loader's share)
 * Prints one JSON document on stdout (medians and every sample); progress goes to stderr.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  cpuMilliseconds,
  describeMachine,
  describeSource,
  findFreePort,
  median,
  printResult,
  progress,
  ratio,
  readFlags,
  residentKilobytes,
  round,
  spawnServer,
  stopServer,
  waitForOk,
} from './support/index.ts';

const REPOSITORY = resolve(fileURLToPath(new URL('..', import.meta.url)));
const GODWIT_BIN = join(REPOSITORY, 'bin', 'godwit.js');
const HELLO_SERVER = join(REPOSITORY, 'bench', 'support', 'hello-server.js');
const IDLE_MS = 5000;

type ScenarioName = 'godwit-first' | 'godwit-restart' | 'godwit-no-sample' | 'hello' | 'hello-tsx';

interface Sample {
  readyMs: number;
  /** CPU the server process used up to its first 200 (10 ms resolution): steadier than wall time under load. */
  readyCpuMs: number;
  idleRssKilobytes: number;
}

interface Launch {
  args: (port: number) => string[];
  env: Record<string, string>;
}

async function main(): Promise<void> {
  const { quick } = readFlags();
  const repetitions = quick ? 1 : 3;
  const scratch = mkdtempSync(join(tmpdir(), 'godwit-bench-startup-'));
  const samples = new Map<ScenarioName, Sample[]>();
  try {
    for (let repetition = 1; repetition <= repetitions; repetition++) {
      const dataDir = join(scratch, `data-${repetition}`);
      const launches: [ScenarioName, Launch][] = [
        ['godwit-first', godwit(scratch, dataDir, [])],
        ['godwit-restart', godwit(scratch, dataDir, [])],
        ['godwit-no-sample', godwit(scratch, join(scratch, `bare-${repetition}`), ['--no-sample'])],
        ['hello', { args: (port) => [HELLO_SERVER, String(port)], env: baseEnvironment(scratch) }],
        [
          'hello-tsx',
          { args: (port) => ['--import', 'tsx', HELLO_SERVER, String(port)], env: baseEnvironment(scratch) },
        ],
      ];
      for (const [name, launch] of launches) {
        const sample = await measure(launch);
        progress(
          `[${repetition}/${repetitions}] ${name}: ready in ${round(sample.readyMs, 0)} ms (${sample.readyCpuMs} ms CPU), idle RSS ${round(sample.idleRssKilobytes / 1024, 1)} MiB`,
        );
        samples.set(name, [...(samples.get(name) ?? []), sample]);
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  printResult(buildReport(samples, { quick, repetitions }));
}

function godwit(scratch: string, dataDir: string, extra: string[]): Launch {
  return {
    args: (port) => [GODWIT_BIN, 'serve', '--port', String(port), ...extra],
    env: { ...baseEnvironment(scratch), GODWIT_DATA_DIR: dataDir },
  };
}

/** Only what node needs: no provider keys or GODWIT_* settings leak in, and HOME has no ~/.aws. */
function baseEnvironment(scratch: string): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: scratch, LANG: 'C.UTF-8' };
}

async function measure(launch: Launch): Promise<Sample> {
  const port = await findFreePort();
  // cwd is the repository so `--import tsx` resolves; no godwit.config.yaml lives there.
  const server = spawnServer(process.execPath, launch.args(port), { env: launch.env, cwd: REPOSITORY });
  try {
    const pid = server.child.pid;
    if (pid === undefined) throw new Error('the server process has no pid');
    const readyMs = await waitForOk(server, `http://127.0.0.1:${port}/readyz`);
    const readyCpuMs = cpuMilliseconds(pid);
    await new Promise((resolveIdle) => setTimeout(resolveIdle, IDLE_MS));
    return { readyMs, readyCpuMs, idleRssKilobytes: residentKilobytes(pid) };
  } finally {
    await stopServer(server);
  }
}

function buildReport(samples: Map<ScenarioName, Sample[]>, run: { quick: boolean; repetitions: number }) {
  const scenarios = Object.fromEntries(
    [...samples].map(([name, list]) => [
      name,
      {
        readyMs: round(median(list.map((sample) => sample.readyMs)), 0),
        readyCpuMs: round(median(list.map((sample) => sample.readyCpuMs)), 0),
        idleRssMegabytes: round(median(list.map((sample) => sample.idleRssKilobytes)) / 1024, 1),
        samples: list.map((sample) => ({
          readyMs: round(sample.readyMs, 0),
          readyCpuMs: sample.readyCpuMs,
          idleRssMegabytes: round(sample.idleRssKilobytes / 1024, 1),
        })),
      },
    ]),
  );
  const peer = scenarios.hello;
  const ratios = Object.fromEntries(
    Object.entries(scenarios)
      .filter(([name]) => name !== 'hello')
      .map(([name, scenario]) => [
        `${name} / hello`,
        {
          readyMs: peer ? ratio(scenario.readyMs, peer.readyMs, 1) : null,
          readyCpuMs: peer ? ratio(scenario.readyCpuMs, peer.readyCpuMs, 1) : null,
          idleRss: peer ? ratio(scenario.idleRssMegabytes, peer.idleRssMegabytes, 1) : null,
        },
      ]),
  );
  return {
    benchmark: 'startup',
    date: new Date().toISOString(),
    mode: run.quick ? 'quick' : 'full',
    repetitions: run.repetitions,
    idleWaitMs: IDLE_MS,
    machine: describeMachine(),
    source: describeSource(),
    statistic: 'median over repetitions',
    scenarios,
    ratios,
  };
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
