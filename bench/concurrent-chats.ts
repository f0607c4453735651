/**
 * Concurrent chats on the embedded default: `godwit serve` (PGlite, BM25, local:extractive, the sample
 * handbook) answering N chats at once through POST /api/chat (JSON), each a new conversation with a
 * different question. Reports latency p50/p99 and answers per second for each concurrency, against the
 * same server answering one chat at a time (the peer: concurrency 1), and the server's CPU per chat read
 * from /proc (all its threads) over each level and over a steady run of `--cpu-chats` chats.
 *
 *   npx tsx bench/concurrent-chats.ts [--quick] [--levels 1,10,100] [--rounds 3] [--warmup 50]
 *     [--cpu-chats 300] [--baseline /path/to/other/checkout]
 *
 * Each level runs `rounds` waves of N simultaneous requests. With `--baseline`, a second checkout (its own
 * bin/godwit.js and dist/) runs the same warm-up, CPU run and levels, alternating with this one step by
 * step so that both see the same machine load; the result has both and their CPU ratio. Prints one JSON
 * document on stdout.
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  cpuMilliseconds,
  describeMachine,
  describeSource,
  type GodwitServe,
  percentile,
  printResult,
  progress,
  ratio,
  round,
  type ServerProcess,
  startGodwitServe,
} from './support/index.ts';

const REPOSITORY = resolve(fileURLToPath(new URL('..', import.meta.url)));
const QUESTIONS = [
  'How many vacation days do new employees get?',
  'How do I submit an expense report?',
  'Which days are office holidays in 2026?',
  'What is the password policy?',
  'Can I work remotely from another country?',
  'What should I do on my first day?',
  'How are travel bookings approved?',
  'What does the code of conduct say about harassment?',
];
/** Chats in flight during the steady CPU run. */
const CPU_RUN_CONCURRENCY = 10;

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    levels: { type: 'string' },
    rounds: { type: 'string' },
    warmup: { type: 'string' },
    'cpu-chats': { type: 'string' },
    baseline: { type: 'string' },
  },
});
const levels = (values.levels ?? (values.quick ? '1,10' : '1,10,100')).split(',').map(Number);
const rounds = Number(values.rounds ?? (values.quick ? 1 : 3));
const warmup = Number(values.warmup ?? (values.quick ? 20 : 50));
const cpuChats = Number(values['cpu-chats'] ?? (values.quick ? 100 : 300));
for (const [name, value] of [
  ['--rounds', rounds],
  ['--warmup', warmup],
  ['--cpu-chats', cpuChats],
  ...levels.map((level) => ['--levels', level] as const),
] as const) {
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`${name} must be a whole number, 0 or more; got ${value}`);
  }
}

async function chat(url: string, question: string): Promise<number> {
  const startedAt = performance.now();
  const response = await fetch(`${url}/api/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ message: question, knowledgeBase: 'handbook' }),
  });
  const body = await response.text();
  if (!response.ok) throw new Error(`/api/chat answered ${response.status}: ${body.slice(0, 300)}`);
  return performance.now() - startedAt;
}

/** A new data dir loads the sample after the server is ready; the questions are about the whole handbook. */
async function waitForSample(server: ServerProcess): Promise<void> {
  const deadline = performance.now() + 300_000;
  while (!/Loaded the sample|could not load the sample/.test(server.output())) {
    if (performance.now() > deadline) throw new Error(`the sample did not load:\n${server.output()}`);
    await new Promise((resolveWait) => setTimeout(resolveWait, 100));
  }
}

/** The checkout's short commit, or 'unknown' outside git. */
function commitOf(checkout: string): string {
  try {
    return execFileSync('git', ['-C', checkout, 'rev-parse', '--short', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return 'unknown';
  }
}

function serverCpu(godwit: GodwitServe): number {
  const pid = godwit.server.child.pid;
  if (pid === undefined) throw new Error(`the server has no process id:\n${godwit.server.output()}`);
  return cpuMilliseconds(pid);
}

/** `count` chats, `concurrency` at a time; returns the server's CPU milliseconds per chat. */
async function steadyRun(godwit: GodwitServe, count: number, concurrency: number): Promise<number> {
  const before = serverCpu(godwit);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      await chat(godwit.url, QUESTIONS[index % QUESTIONS.length]!);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return count === 0 ? 0 : (serverCpu(godwit) - before) / count;
}

async function runLevel(godwit: GodwitServe, concurrency: number) {
  const latencies: number[] = [];
  let busyMs = 0;
  const cpuBefore = serverCpu(godwit);
  for (let wave = 0; wave < rounds; wave++) {
    const startedAt = performance.now();
    const wave_ = await Promise.all(
      Array.from({ length: concurrency }, (_, index) =>
        chat(godwit.url, QUESTIONS[(wave + index) % QUESTIONS.length]!),
      ),
    );
    busyMs += performance.now() - startedAt;
    latencies.push(...wave_);
  }
  const answersPerSecond = latencies.length / (busyMs / 1000);
  progress(`concurrency ${concurrency}: p50 ${Math.round(percentile(latencies, 50))} ms`);
  return {
    concurrency,
    answers: latencies.length,
    p50: round(percentile(latencies, 50), 0),
    p99: round(percentile(latencies, 99), 0),
    answersPerSecond: round(answersPerSecond, 2),
    serverCpuMsPerChat: round((serverCpu(godwit) - cpuBefore) / latencies.length, 1),
  };
}

type LevelResult = Awaited<ReturnType<typeof runLevel>>;

interface Subject {
  name: string;
  checkout: string;
  godwit?: GodwitServe;
  cpuMsPerChat?: number;
  results: LevelResult[];
}

const subjects: Subject[] = [{ name: 'this checkout', checkout: REPOSITORY, results: [] }];
if (values.baseline) subjects.push({ name: 'baseline', checkout: resolve(values.baseline), results: [] });

try {
  for (const subject of subjects) {
    subject.godwit = await startGodwitServe({
      checkout: subject.checkout,
      name: 'chats',
      readyTimeoutMs: 300_000,
    });
    await waitForSample(subject.godwit.server);
  }
  // Warm-up (the JIT and PGlite's caches), then the steady CPU run, then the levels: each step on every
  // subject in turn, so that a change in the machine's load falls on both.
  for (const subject of subjects) await steadyRun(subject.godwit!, warmup, CPU_RUN_CONCURRENCY);
  for (const subject of subjects) {
    subject.cpuMsPerChat = await steadyRun(subject.godwit!, cpuChats, CPU_RUN_CONCURRENCY);
    progress(`${subject.name}: ${subject.cpuMsPerChat.toFixed(1)} ms of server CPU a chat`);
  }
  for (const level of levels) {
    for (const subject of subjects) {
      progress(`${subject.name}:`);
      subject.results.push(await runLevel(subject.godwit!, level));
    }
  }
  const reference = subjects.find((subject) => subject.name === 'baseline');
  printResult({
    benchmark: 'concurrent-chats',
    machine: describeMachine(),
    source: describeSource(),
    rounds,
    warmup,
    cpuChats,
    cpuRunConcurrency: CPU_RUN_CONCURRENCY,
    subjects: subjects.map((subject) => {
      const single = subject.results.find((result) => result.concurrency === 1);
      return {
        name: subject.name,
        checkout: subject.checkout,
        commit: commitOf(subject.checkout),
        serverCpuMsPerChat: round(subject.cpuMsPerChat ?? 0, 1),
        cpuVsBaseline:
          reference && subject !== reference
            ? ratio(subject.cpuMsPerChat ?? 0, reference.cpuMsPerChat ?? 0)
            : null,
        results: subject.results.map((result, index) => ({
          ...result,
          p50VsOneAtATime: single ? ratio(result.p50, single.p50) : null,
          throughputVsOneAtATime: single ? ratio(result.answersPerSecond, single.answersPerSecond) : null,
          p50VsBaseline:
            reference && subject !== reference ? ratio(result.p50, reference.results[index]!.p50) : null,
        })),
      };
    }),
  });
} finally {
  for (const subject of subjects) await subject.godwit?.stop();
}
