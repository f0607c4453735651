/**
 * Concurrent chats on the embedded default: `godwit serve` (PGlite, BM25, local:extractive, the sample
 * handbook) answering N chats at once through POST /api/chat (JSON), each a new conversation with a
 * different question. Reports latency p50/p99 and answers per second for each concurrency, against the
 * same server answering one chat at a time (the peer: concurrency 1).
 *
 *   npx tsx bench/concurrent-chats.ts [--quick] [--levels 1,10,100] [--rounds 3]
 *
 * Each level runs `rounds` waves of N simultaneous requests. Prints one JSON document on stdout.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  describeMachine,
  describeSource,
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

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    levels: { type: 'string' },
    rounds: { type: 'string' },
  },
});
const levels = (values.levels ?? (values.quick ? '1,10' : '1,10,100')).split(',').map(Number);
const rounds = Number(values.rounds ?? (values.quick ? 1 : 3));

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

async function runLevel(url: string, concurrency: number) {
  const latencies: number[] = [];
  let busyMs = 0;
  for (let wave = 0; wave < rounds; wave++) {
    const startedAt = performance.now();
    const wave_ = await Promise.all(
      Array.from({ length: concurrency }, (_, index) =>
        chat(url, QUESTIONS[(wave + index) % QUESTIONS.length]!),
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
  };
}

const godwit = await startGodwitServe({ checkout: REPOSITORY, name: 'chats', readyTimeoutMs: 300_000 });
const { url, server } = godwit;
try {
  await waitForSample(server);
  await chat(url, QUESTIONS[0]!);
  const results = [];
  for (const level of levels) results.push(await runLevel(url, level));
  const single = results.find((result) => result.concurrency === 1);
  printResult({
    benchmark: 'concurrent-chats',
    machine: describeMachine(),
    source: describeSource(),
    rounds,
    results: results.map((result) => ({
      ...result,
      p50VsOneAtATime: single ? ratio(result.p50, single.p50) : null,
      throughputVsOneAtATime: single ? ratio(result.answersPerSecond, single.answersPerSecond) : null,
    })),
  });
} finally {
  await godwit.stop();
}
