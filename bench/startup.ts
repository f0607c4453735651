/**
 * Startup benchmark: milliseconds from spawning `godwit serve` to the first 200 from /readyz, and resident
 * memory 5 s after ready, against a minimal @hono/node-server hello-world started the same way.
 *
 *   npx tsx bench/startup.ts [--quick] [--baseline /path/to/other/checkout]
 *
 * Scenarios, interleaved within each repetition so background load hits them alike:
 *   godwit-first      new data dir (creates the database, loads the sample handbook)
 *   godwit-restart    the data dir godwit-first just made
 *   godwit-no-sample  new data dir with --no-sample
 *   hello             the peer on plain node
 *   hello-tsx         the peer under the tsx loader that bin/godwit.js registers (the loader's share)
 * With --baseline DIR, the three godwit scenarios also run from that checkout's bin/godwit.js (its own build,
 * the same machine and moment), named baseline-godwit-first and so on, and the report adds after/baseline ratios.
 * Prints one JSON document on stdout (medians and every sample); progress goes to stderr.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  cpuMilliseconds,
  describeMachine,
  describeSource,
  findFreePort,
  median,
  printResult,
  progress,
  ratio,
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

type GodwitScenario = 'godwit-first' | 'godwit-restart' | 'godwit-no-sample';
type ScenarioName = GodwitScenario | `baseline-${GodwitScenario}` | 'hello' | 'hello-tsx';

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
  const { values } = parseArgs({
    options: { quick: { type: 'boolean', default: false }, baseline: { type: 'string' } },
  });
  const quick = values.quick ?? false;
  const baseline = values.baseline ? join(resolve(values.baseline), 'bin', 'godwit.js') : undefined;
  const repetitions = quick ? 1 : 3;
  const scratch = mkdtempSync(join(tmpdir(), 'godwit-bench-startup-'));
  const samples = new Map<ScenarioName, Sample[]>();
  try {
    for (let repetition = 1; repetition <= repetitions; repetition++) {
      const dataDir = join(scratch, `data-${repetition}`);
      const baselineDir = join(scratch, `baseline-data-${repetition}`);
      const godwitRuns = (
        name: GodwitScenario,
        forThis: string,
        forBaseline: string,
        extra: string[],
      ): [ScenarioName, Launch][] => [
        [name, godwit(GODWIT_BIN, scratch, forThis, extra)],
        ...(baseline
          ? [[`baseline-${name}`, godwit(baseline, scratch, forBaseline, extra)] as [ScenarioName, Launch]]
          : []),
      ];
      const launches: [ScenarioName, Launch][] = [
        ...godwitRuns('godwit-first', dataDir, baselineDir, []),
        ...godwitRuns('godwit-restart', dataDir, baselineDir, []),
        ...godwitRuns(
          'godwit-no-sample',
          join(scratch, `bare-${repetition}`),
          join(scratch, `baseline-bare-${repetition}`),
          ['--no-sample'],
        ),
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

function godwit(bin: string, scratch: string, dataDir: string, extra: string[]): Launch {
  return {
    args: (port) => [bin, 'serve', '--port', String(port), ...extra],
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
  const againstBaseline = Object.fromEntries(
    (['godwit-first', 'godwit-restart', 'godwit-no-sample'] as const).flatMap((name) => {
      const after = scenarios[name];
      const before = scenarios[`baseline-${name}`];
      if (!after || !before) return [];
      return [
        [
          `${name} / baseline`,
          {
            readyMs: ratio(after.readyMs, before.readyMs, 2),
            readyCpuMs: ratio(after.readyCpuMs, before.readyCpuMs, 2),
            idleRss: ratio(after.idleRssMegabytes, before.idleRssMegabytes, 2),
          },
        ],
      ];
    }),
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
    againstBaseline,
  };
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
