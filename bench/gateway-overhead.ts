/**
 * Gateway overhead: what a gateway adds between an OpenAI client and its provider. Side by side in one
 * run, against one loopback fake upstream (bench/support/fake-openai-upstream.ts), with the same
 * autocannon settings for every target:
 *   direct    the fake upstream itself, the floor
 *   godwit    `godwit serve`, model `openai:gpt-4.1-mini` routed to the fake upstream (PGlite data dir,
 *             so every call also writes its usage-ledger row)
 *   portkey   @portkey-ai/gateway, pinned in bench/peers/portkey (installed there on first run), bound
 *             to 127.0.0.1 by a preloaded --require file, pointed at the fake upstream by headers
 *
 *   npx tsx bench/gateway-overhead.ts [--quick] [--profile DIR] [--database-url postgres://…] [--runs N]
 *
 * With --runs N, the whole benchmark runs N times, each in a fresh process with fresh servers and data dir,
 * and the result lists each run's figures with the median throughput ratio (the goal is a median of runs).
 *
 * Under load: non-streaming POST /v1/chat/completions, 10 connections, a warm-up run per target, then
 * the measured time of each target in slices taken in turn (direct, Godwit, Portkey, then again in a
 * rotated order), so that a change in the shared machine's speed during the run hits every target alike;
 * each target's figures add up its slices. Latency percentiles come from every response's own time
 * (autocannon's histogram keeps whole milliseconds only). Sequential: one request at a time, a plain one
 * then a `stream: true` one, targets interleaved request by request; streams are timed to the headers,
 * the first body byte and the first content token.
 * With --profile DIR, Godwit runs under `node --cpu-prof` (its figures are then slowed by the profiler) and
 * the result lists where its CPU time went. Prints one JSON document on stdout; progress goes to stderr.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import { FAKE_COMPLETION_TEXT } from './support/fake-openai-upstream.ts';
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
  type ServerProcess,
  spawnServer,
  stopServer,
  waitForOk,
} from './support/index.ts';

const REPOSITORY = resolve(fileURLToPath(new URL('..', import.meta.url)));
const GODWIT_BIN = join(REPOSITORY, 'bin', 'godwit.js');
const UPSTREAM_SCRIPT = join(REPOSITORY, 'bench', 'support', 'fake-openai-upstream.ts');
const PORTKEY_DIR = join(REPOSITORY, 'bench', 'peers', 'portkey');
const PORTKEY_START = join(PORTKEY_DIR, 'node_modules', '@portkey-ai', 'gateway', 'build', 'start-server.js');
const PORTKEY_BIND_LOOPBACK = join(PORTKEY_DIR, 'bind-loopback.cjs');
const CONNECTIONS = 10;
const GOALS = { throughputRatioVsPortkey: 3, addedP50Ms: 1, streamingFirstByteOverheadMs: 2 };

type TargetName = 'direct' | 'godwit' | 'portkey';

interface Target {
  name: TargetName;
  url: string;
  headers: Record<string, string>;
  model: string;
  server: ServerProcess;
}

interface Settings {
  warmupSeconds: number;
  /** Measured seconds per target under load, in `slices` equal slices taken in turn with the other targets. */
  durationSeconds: number;
  slices: number;
  /** Sequential rounds (one plain and one streaming request per target) run before measuring. */
  sequentialWarmup: number;
  /** Sequential rounds measured. */
  sequentialRequests: number;
}

function readOptions(): {
  quick: boolean;
  profileDir: string | null;
  databaseUrl: string | null;
  runs: number;
} {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      profile: { type: 'string' },
      'database-url': { type: 'string' },
      runs: { type: 'string', default: '1' },
    },
  });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) {
    process.stderr.write(`--runs takes a whole number of at least 1; got "${values.runs}".\n`);
    process.exit(2);
  }
  if (runs > 1 && values.profile) {
    process.stderr.write('--profile takes one run: leave out --runs, or --profile.\n');
    process.exit(2);
  }
  return {
    quick: values.quick ?? false,
    profileDir: values.profile ? resolve(values.profile) : null,
    databaseUrl: values['database-url'] ?? null,
    runs,
  };
}

/** The benchmark N times, each in its own process, and the median of the runs' throughput ratios. */
function runRepeatedly(runs: number, quick: boolean, databaseUrl: string | null): void {
  const script = fileURLToPath(import.meta.url);
  const args = [...(quick ? ['--quick'] : []), ...(databaseUrl ? ['--database-url', databaseUrl] : [])];
  const results = [];
  for (let run = 1; run <= runs; run++) {
    progress(`run ${run} of ${runs}…`);
    const output = execFileSync(process.execPath, [...process.execArgv, script, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 64 * 1024 * 1024,
    });
    const result = JSON.parse(output) as ReturnType<typeof compare> & {
      date: string;
      load: Record<TargetName, LoadRun>;
    };
    results.push({
      date: result.date,
      throughputRatio: result.throughputRatioGodwitToPortkey,
      requestsPerSecond: {
        godwit: result.load.godwit.requestsPerSecond,
        portkey: result.load.portkey.requestsPerSecond,
      },
      cpuMicrosecondsPerRequest: {
        godwit: result.load.godwit.cpuMicrosecondsPerRequest.target,
        portkey: result.load.portkey.cpuMicrosecondsPerRequest.target,
      },
      addedP50UnderLoadMs: {
        godwit: result.addedLatencyMs.underLoad.godwit.p50,
        portkey: result.addedLatencyMs.underLoad.portkey.p50,
      },
    });
  }
  const ratios = results.flatMap((result) =>
    result.throughputRatio === null ? [] : [result.throughputRatio],
  );
  const medianRatio = ratios.length > 0 ? round(median(ratios), 2) : null;
  printResult({
    benchmark: 'gateway-overhead',
    command: `npx tsx bench/gateway-overhead.ts --runs ${runs}${quick ? ' --quick' : ''}${databaseUrl ? ` --database-url ${databaseUrl}` : ''}`,
    machine: describeMachine(),
    source: describeSource(),
    runs: results,
    medianThroughputRatio: medianRatio,
    runsBelowGoal: ratios.filter((value) => value < GOALS.throughputRatioVsPortkey).length,
    goal: {
      goal: `Godwit throughput ≥ ${GOALS.throughputRatioVsPortkey}× Portkey's, as a median of runs`,
      measured: medianRatio,
      met: medianRatio !== null && medianRatio >= GOALS.throughputRatioVsPortkey,
    },
  });
}

function chatBody(model: string, stream: boolean): string {
  const messages = [{ role: 'user', content: 'Say hello.' }];
  return JSON.stringify(stream ? { model, messages, stream: true } : { model, messages });
}

// ---------------------------------------------------------------------------------------------------
// Processes

function baseEnv(home: string): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, NODE_ENV: 'production' };
}

async function startUpstream(scratch: string): Promise<{ server: ServerProcess; port: number }> {
  const port = await findFreePort();
  const server = spawnServer(process.execPath, ['--import', 'tsx', UPSTREAM_SCRIPT, '--port', String(port)], {
    env: baseEnv(scratch),
    cwd: REPOSITORY,
  });
  await waitForOk(server, `http://127.0.0.1:${port}/healthz`, { timeoutMs: 60_000 });
  return { server, port };
}

/** With `database`, Godwit keeps its ledger in that PostgreSQL schema instead of the embedded PGlite. */
async function startGodwit(
  scratch: string,
  upstreamPort: number,
  profileDir: string | null,
  database: { url: string; schema: string } | null,
): Promise<Target> {
  const port = await findFreePort();
  const profiling = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
  const server = spawnServer(
    process.execPath,
    [...profiling, GODWIT_BIN, 'serve', '--no-sample', '--port', String(port)],
    {
      env: {
        ...baseEnv(scratch),
        GODWIT_DATA_DIR: join(scratch, 'godwit-data'),
        OPENAI_API_KEY: 'bench',
        OPENAI_BASE_URL: `http://127.0.0.1:${upstreamPort}/v1`,
        GODWIT_MODEL: 'openai:gpt-4.1-mini',
        // GODWIT_WASM_OPTIMIZE=1 in this script's environment compares the optimizing WebAssembly compiler.
        ...(process.env.GODWIT_WASM_OPTIMIZE
          ? { GODWIT_WASM_OPTIMIZE: process.env.GODWIT_WASM_OPTIMIZE }
          : {}),
        ...(database ? { GODWIT_DATABASE_URL: database.url, GODWIT_DATABASE__SCHEMA: database.schema } : {}),
      },
      cwd: REPOSITORY,
    },
  );
  await waitForOk(server, `http://127.0.0.1:${port}/readyz`);
  return {
    name: 'godwit',
    url: `http://127.0.0.1:${port}/v1/chat/completions`,
    headers: { 'content-type': 'application/json' },
    model: 'openai:gpt-4.1-mini',
    server,
  };
}

/** The peer lives outside the root workspace so that its pinned hono cannot clash with ours. */
function installPortkeyOnce(): void {
  if (existsSync(PORTKEY_START)) return;
  progress('installing @portkey-ai/gateway into bench/peers/portkey (first run only)…');
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefix', PORTKEY_DIR], {
    cwd: REPOSITORY,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function startPortkey(scratch: string, upstreamPort: number): Promise<Target> {
  installPortkeyOnce();
  const port = await findFreePort();
  const server = spawnServer(
    process.execPath,
    ['--require', PORTKEY_BIND_LOOPBACK, PORTKEY_START, '--headless', `--port=${port}`],
    { env: baseEnv(scratch), cwd: PORTKEY_DIR },
  );
  await waitForOk(server, `http://127.0.0.1:${port}/`);
  assertLoopbackOnly(port);
  return {
    name: 'portkey',
    url: `http://127.0.0.1:${port}/v1/chat/completions`,
    headers: {
      'content-type': 'application/json',
      authorization: 'Bearer bench',
      'x-portkey-provider': 'openai',
      'x-portkey-custom-host': `http://127.0.0.1:${upstreamPort}/v1`,
    },
    model: 'gpt-4.1-mini',
    server,
  };
}

/** Refuses to go on when a listener on `port` accepts connections from beyond this machine. */
function assertLoopbackOnly(port: number): void {
  const portHex = port.toString(16).toUpperCase().padStart(4, '0');
  const loopback = new Set(['0100007F', '00000000000000000000000001000000']);
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) continue;
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const [address, localPort] = (fields[1] ?? '').split(':');
      // State 0A is LISTEN.
      if (fields[3] === '0A' && localPort === portHex && address && !loopback.has(address)) {
        throw new Error(`Port ${port} listens on ${address} (${table}), not on 127.0.0.1 only: stopping.`);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// One request, timed

interface TimedResponse {
  status: number;
  text: string;
  headersMs: number;
  firstByteMs: number;
  firstTokenMs: number;
  totalMs: number;
}

const FIRST_CONTENT = /"content":"[^"]/;

function timedPost(target: Target, body: string, agent: Agent): Promise<TimedResponse> {
  return new Promise((resolveResponse, reject) => {
    const startedAt = performance.now();
    const times = { headersMs: Number.NaN, firstByteMs: Number.NaN, firstTokenMs: Number.NaN };
    const outgoing = request(target.url, { method: 'POST', headers: target.headers, agent }, (response) => {
      times.headersMs = performance.now() - startedAt;
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (piece: string) => {
        if (Number.isNaN(times.firstByteMs)) times.firstByteMs = performance.now() - startedAt;
        text += piece;
        if (Number.isNaN(times.firstTokenMs) && FIRST_CONTENT.test(text)) {
          times.firstTokenMs = performance.now() - startedAt;
        }
      });
      response.on('end', () =>
        resolveResponse({
          status: response.statusCode ?? 0,
          text,
          ...times,
          totalMs: performance.now() - startedAt,
        }),
      );
      response.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** One completion and one stream through `target`, both compared with what the upstream sends. */
async function checkTarget(target: Target, agent: Agent): Promise<void> {
  const plain = await timedPost(target, chatBody(target.model, false), agent);
  const parsed = JSON.parse(plain.text) as {
    object?: string;
    choices?: Array<{ message?: { content?: string } }>;
  };
  if (plain.status !== 200 || parsed.object !== 'chat.completion') {
    throw new Error(
      `${target.name}: not a chat.completion (HTTP ${plain.status}): ${plain.text.slice(0, 500)}`,
    );
  }
  if (parsed.choices?.[0]?.message?.content !== FAKE_COMPLETION_TEXT) {
    throw new Error(
      `${target.name}: the completion text differs from the upstream's: ${plain.text.slice(0, 500)}`,
    );
  }
  const streamed = await timedPost(target, chatBody(target.model, true), agent);
  const pieces = [...streamed.text.matchAll(/"content":"([^"]*)"/g)].map((match) => match[1]).join('');
  if (streamed.status !== 200 || pieces !== FAKE_COMPLETION_TEXT || !streamed.text.includes('data: [DONE]')) {
    throw new Error(
      `${target.name}: not a complete chunk stream (HTTP ${streamed.status}): ${streamed.text.slice(0, 500)}`,
    );
  }
}

function getJson<T>(url: string, agent: Agent): Promise<T> {
  return new Promise((resolveJson, reject) => {
    request(url, { agent }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (piece: string) => {
        text += piece;
      });
      response.on('end', () => {
        if (response.statusCode === 200) resolveJson(JSON.parse(text) as T);
        else reject(new Error(`GET ${url}: HTTP ${response.statusCode}: ${text.slice(0, 300)}`));
      });
    })
      .on('error', reject)
      .end();
  });
}

// ---------------------------------------------------------------------------------------------------
// Load: autocannon, non-streaming

interface LoadRun {
  seconds: number;
  completed: number;
  requestsPerSecond: number;
  /** Requests per second in each measured slice, in the order taken. */
  sliceRequestsPerSecond: number[];
  /** From every 2xx response's own time, to the microsecond. */
  latencyMs: { p50: number; p90: number; p99: number; mean: number; max: number };
  /** autocannon's own histogram, whole milliseconds (the median of the slices' figures). */
  autocannonLatencyMs: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Chat calls the upstream answered during the run (in-flight requests at the end make it differ a little). */
  forwardedToUpstream: number;
  /** TCP connections the upstream accepted during the run (10 for the load generator when direct). */
  upstreamConnectionsOpened: number;
  /**
   * CPU per completed request, in microseconds (10 ms clock ticks over the whole run): the whole target
   * process, its main (JavaScript) thread alone, the rest being V8's helper threads (mostly garbage
   * collection) and libuv's pool; and the upstream's share when the target is a gateway.
   */
  cpuMicrosecondsPerRequest: {
    target: number | null;
    targetMainThread: number | null;
    upstream: number | null;
  };
}

interface Context {
  upstream: ServerProcess;
  upstreamPort: number;
  agent: Agent;
}

function latencySummary(values: number[]): LoadRun['latencyMs'] {
  const sorted = Float64Array.from(values).sort();
  const at = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
  const total = sorted.reduce((sum, value) => sum + value, 0);
  return {
    p50: round(at(50), 3),
    p90: round(at(90), 3),
    p99: round(at(99), 3),
    mean: round(total / sorted.length, 3),
    max: round(at(100), 3),
  };
}

function runAutocannon(target: Target, seconds: number, latencies: number[]): Promise<autocannon.Result> {
  return new Promise((resolveRun, reject) => {
    const instance = autocannon(
      {
        url: target.url,
        method: 'POST',
        headers: target.headers,
        body: chatBody(target.model, false),
        connections: CONNECTIONS,
        pipelining: 1,
        duration: seconds,
      },
      (error, result) => (error ? reject(error) : resolveRun(result)),
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    });
  });
}

/** What one autocannon run against a target measured, before the runs of a target are added up. */
interface Slice {
  seconds: number;
  completed: number;
  latencies: number[];
  autocannonP50: number;
  autocannonP99: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  forwarded: number;
  connectionsOpened: number;
  cpuMs: number;
  mainThreadCpuMs: number;
  upstreamCpuMs: number;
}

async function loadSlice(target: Target, seconds: number, context: Context): Promise<Slice> {
  const latencies: number[] = [];
  const upstreamBefore = await upstreamStats(context);
  const pid = target.server.child.pid!;
  const cpuBefore = cpuMilliseconds(pid);
  const mainThreadBefore = mainThreadCpuMilliseconds(pid);
  const upstreamCpuBefore = cpuMilliseconds(context.upstream.child.pid!);
  const result = await runAutocannon(target, seconds, latencies);
  const cpuMs = cpuMilliseconds(pid) - cpuBefore;
  const mainThreadCpuMs = mainThreadCpuMilliseconds(pid) - mainThreadBefore;
  const upstreamCpuMs = cpuMilliseconds(context.upstream.child.pid!) - upstreamCpuBefore;
  const upstreamAfter = await upstreamStats(context);
  return {
    seconds: result.duration,
    completed: result['2xx'],
    latencies,
    autocannonP50: result.latency.p50,
    autocannonP99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    forwarded: upstreamAfter.chatRequests - upstreamBefore.chatRequests,
    connectionsOpened: upstreamAfter.connections - upstreamBefore.connections,
    cpuMs,
    mainThreadCpuMs,
    upstreamCpuMs,
  };
}

/** A target's slices added up: counts and CPU summed, latency percentiles over every response. */
function summarizeLoad(target: Target, slices: Slice[]): LoadRun {
  const sum = (pick: (slice: Slice) => number) => slices.reduce((total, slice) => total + pick(slice), 0);
  const seconds = sum((slice) => slice.seconds);
  const completed = sum((slice) => slice.completed);
  const perRequest = (milliseconds: number) =>
    completed > 0 ? round((milliseconds * 1000) / completed, 1) : null;
  return {
    seconds: round(seconds, 2),
    completed,
    requestsPerSecond: round(completed / seconds, 1),
    sliceRequestsPerSecond: slices.map((slice) => round(slice.completed / slice.seconds, 1)),
    latencyMs: latencySummary(slices.flatMap((slice) => slice.latencies)),
    autocannonLatencyMs: {
      p50: median(slices.map((slice) => slice.autocannonP50)),
      p99: median(slices.map((slice) => slice.autocannonP99)),
    },
    non2xx: sum((slice) => slice.non2xx),
    errors: sum((slice) => slice.errors),
    timeouts: sum((slice) => slice.timeouts),
    forwardedToUpstream: sum((slice) => slice.forwarded),
    upstreamConnectionsOpened: sum((slice) => slice.connectionsOpened),
    cpuMicrosecondsPerRequest: {
      target: perRequest(sum((slice) => slice.cpuMs)),
      targetMainThread: perRequest(sum((slice) => slice.mainThreadCpuMs)),
      upstream: target.name === 'direct' ? null : perRequest(sum((slice) => slice.upstreamCpuMs)),
    },
  };
}

/** CPU milliseconds of a process's main thread (its thread id is the pid), from /proc (Linux only). */
function mainThreadCpuMilliseconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function upstreamStats(context: Context): Promise<{ chatRequests: number; connections: number }> {
  return getJson(`http://127.0.0.1:${context.upstreamPort}/stats`, context.agent);
}

// ---------------------------------------------------------------------------------------------------
// Sequential: one request at a time, targets interleaved request by request so that background load
// on a shared machine hits them alike

interface SequentialSummary {
  requests: number;
  /** Non-streaming requests, milliseconds from sending to the last byte. */
  completionMs: { p50: number; p99: number };
  /** `stream: true` requests, medians in milliseconds from sending the request. */
  stream: { headersMs: number; firstByteMs: number; firstTokenMs: number; totalMs: number };
}

interface SequentialSamples {
  completions: number[];
  streams: TimedResponse[];
}

async function sequentialRound(
  target: Target,
  agent: Agent,
  samples: SequentialSamples | null,
): Promise<void> {
  const completion = await timedPost(target, chatBody(target.model, false), agent);
  const stream = await timedPost(target, chatBody(target.model, true), agent);
  if (completion.status !== 200 || stream.status !== 200 || Number.isNaN(stream.firstTokenMs)) {
    const failed = completion.status !== 200 ? completion : stream;
    throw new Error(
      `${target.name}: sequential request failed (HTTP ${failed.status}): ${failed.text.slice(0, 300)}`,
    );
  }
  samples?.completions.push(completion.totalMs);
  samples?.streams.push(stream);
}

function summarizeSequential(samples: SequentialSamples): SequentialSummary {
  const middle = (pick: (timed: TimedResponse) => number) => round(median(samples.streams.map(pick)), 3);
  const completions = latencySummary(samples.completions);
  return {
    requests: samples.completions.length,
    completionMs: { p50: completions.p50, p99: completions.p99 },
    stream: {
      headersMs: middle((timed) => timed.headersMs),
      firstByteMs: middle((timed) => timed.firstByteMs),
      firstTokenMs: middle((timed) => timed.firstTokenMs),
      totalMs: middle((timed) => timed.totalMs),
    },
  };
}

async function measureSequential(
  targets: Target[],
  settings: Settings,
  agent: Agent,
): Promise<Record<TargetName, SequentialSummary>> {
  const samples = new Map<TargetName, SequentialSamples>(
    targets.map((target) => [target.name, { completions: [], streams: [] }]),
  );
  for (let index = 0; index < settings.sequentialWarmup + settings.sequentialRequests; index++) {
    for (const target of targets) {
      await sequentialRound(
        target,
        agent,
        index >= settings.sequentialWarmup ? samples.get(target.name)! : null,
      );
    }
  }
  const summary = {} as Record<TargetName, SequentialSummary>;
  for (const [name, taken] of samples) summary[name] = summarizeSequential(taken);
  return summary;
}

// ---------------------------------------------------------------------------------------------------
// CPU profile of the Godwit process (--profile)

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  /** Microseconds on the monotonic clock, the one process.hrtime reads on Linux. */
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A stretch of the monotonic clock, in microseconds. */
interface ClockWindow {
  start: number;
  end: number;
}

function monotonicMicroseconds(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

interface ProfileShare {
  name: string;
  ms: number;
  /** Percent of the busy (non-idle) time. */
  percent: number;
}

/** node:internal/deps/undici/undici → node:deps/undici; node:internal/webstreams/… → node:webstreams. */
function nodeArea(segments: string[]): string {
  if (segments[0] !== 'internal') return `node:${segments[0]}`;
  return segments[1] === 'deps' ? `node:deps/${segments[2]}` : `node:${segments[1]}`;
}

/** Where a frame's code lives: a package, a repository file, a node: module, or the VM itself. */
function areaOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return nodeArea(url.slice('node:'.length).split('/'));
  // The only WebAssembly in the process is PGlite's Postgres.
  if (url.startsWith('wasm://')) return 'wasm (PGlite)';
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const packages = path.lastIndexOf('/node_modules/');
  if (packages >= 0) {
    const [scopeOrName, name] = path.slice(packages + '/node_modules/'.length).split('/');
    return scopeOrName?.startsWith('@') ? `${scopeOrName}/${name}` : (scopeOrName ?? path);
  }
  return path.startsWith(REPOSITORY) ? relative(REPOSITORY, path) : path;
}

/**
 * `function file:line`, the file relative to node_modules or the repository. tsx compiles each source
 * file to one line, so frames in src/ carry the column instead (`file@column`), which still tells
 * closures apart.
 */
function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber, columnNumber } = node.callFrame;
  if (url === '') return areaOf(url, functionName);
  const name = functionName || '(anonymous)';
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const packages = path.lastIndexOf('/node_modules/');
  if (packages >= 0) return `${name} ${path.slice(packages + '/node_modules/'.length)}:${lineNumber + 1}`;
  if (path.startsWith(REPOSITORY)) return `${name} ${relative(REPOSITORY, path)}@${columnNumber}`;
  return `${name} ${path}:${lineNumber + 1}`;
}

function topShares(totals: Map<string, number>, busyMicroseconds: number, count: number): ProfileShare[] {
  return [...totals.entries()]
    .sort((left, right) => right[1] - left[1])
    .slice(0, count)
    .map(([name, microseconds]) => ({
      name,
      ms: round(microseconds / 1000, 1),
      percent: round((100 * microseconds) / busyMicroseconds, 1),
    }));
}

function addTo(totals: Map<string, number>, key: string, microseconds: number): void {
  totals.set(key, (totals.get(key) ?? 0) + microseconds);
}

/**
 * Who asked for the work a sample caught: its leaf-most frame that is neither a Node.js internal nor a
 * builtin, so a socket write is charged to the code that wrote (undici, Hono, the request log) and a
 * file write to PGlite. Bundled libraries (node:deps/undici) count as code.
 */
function ownerOf(stack: ProfileNode[]): string {
  for (const frame of stack) {
    const area = areaOf(frame.callFrame.url, frame.callFrame.functionName);
    if (area.startsWith('node:deps/') || !(area.startsWith('node:') || area.startsWith('('))) return area;
  }
  const leaf = stack[0]!.callFrame;
  return areaOf(leaf.url, leaf.functionName);
}

/** Each busy sample in `windows`: its stack (leaf first) and the microseconds it stands for. */
function busySamples(profile: CpuProfile, windows: ClockWindow[]) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const samples: Array<{ stack: ProfileNode[]; microseconds: number }> = [];
  let [sampled, idle, clock] = [0, 0, profile.startTime];
  profile.samples.forEach((id, index) => {
    clock += profile.timeDeltas[index] ?? 0;
    if (!windows.some((window) => clock >= window.start && clock <= window.end)) return;
    const microseconds = profile.timeDeltas[index + 1] ?? 0;
    sampled += microseconds;
    if (byId.get(id)!.callFrame.functionName === '(idle)') {
      idle += microseconds;
      return;
    }
    const stack: ProfileNode[] = [];
    for (let current: number | undefined = id; current !== undefined; current = parentOf.get(current)) {
      stack.push(byId.get(current)!);
    }
    samples.push({ stack, microseconds });
  });
  return { samples, sampled, idle };
}

/**
 * Busy time by owner (see ownerOf), self time by function, and inclusive time by area and by function
 * of the repository's own code, in `windows`.
 */
function summarizeProfile(profile: CpuProfile, windows: ClockWindow[]) {
  const { samples, sampled, idle } = busySamples(profile, windows);
  const [byOwner, selfByFunction] = [new Map<string, number>(), new Map<string, number>()];
  const [inclusiveByArea, inclusiveOwnCode] = [new Map<string, number>(), new Map<string, number>()];
  for (const { stack, microseconds } of samples) {
    addTo(byOwner, ownerOf(stack), microseconds);
    addTo(selfByFunction, frameName(stack[0]!), microseconds);
    const seen = new Set<string>();
    for (const frame of stack) {
      const area = areaOf(frame.callFrame.url, frame.callFrame.functionName);
      const name = area.startsWith('src/') ? frameName(frame) : area;
      if (!seen.has(area)) addTo(inclusiveByArea, area, microseconds);
      if (name !== area && !seen.has(name)) addTo(inclusiveOwnCode, name, microseconds);
      seen.add(area).add(name);
    }
  }
  const busy = Math.max(1, sampled - idle);
  return {
    /** The windows in seconds from the profile's start, for finding them again in a profile viewer. */
    secondsIntoProfile: windows.map((window) => [
      round((window.start - profile.startTime) / 1e6, 3),
      round((window.end - profile.startTime) / 1e6, 3),
    ]),
    sampledMs: round(sampled / 1000, 1),
    idleMs: round(idle / 1000, 1),
    busyTimeByOwner: topShares(byOwner, busy, 20),
    selfTimeByFunction: topShares(selfByFunction, busy, 25),
    /** Samples whose synchronous stack holds the area anywhere (an async caller is not on the stack). */
    inclusiveTimeByArea: topShares(inclusiveByArea, busy, 20),
    inclusiveTimeInSrc: topShares(inclusiveOwnCode, busy, 25),
  };
}

/** Godwit's main-thread profile, summarized for each named window (start-up and warm-up left out). */
function readGodwitProfile(profileDir: string, windows: Record<string, ClockWindow[]>) {
  // CPU.<date>.<time>.<pid>.<thread>.<sequence>.cpuprofile; thread 0 is the main thread (tsx's module
  // loader hooks run on a thread of their own and write a second, idle profile).
  const files = readdirSync(profileDir).filter((name) => /\.\d+\.0\.\d+\.cpuprofile$/.test(name));
  if (files.length === 0)
    return { note: `no main-thread .cpuprofile in ${profileDir}: did Godwit exit cleanly?` };
  const newest = files.sort().at(-1)!;
  const profile = JSON.parse(readFileSync(join(profileDir, newest), 'utf8')) as CpuProfile;
  const summaries: Record<string, ReturnType<typeof summarizeProfile>> = {};
  for (const [name, taken] of Object.entries(windows)) summaries[name] = summarizeProfile(profile, taken);
  return { file: join(profileDir, newest), ...summaries };
}

// ---------------------------------------------------------------------------------------------------
// Report

function packageVersion(path: string): string {
  return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
}

function versions() {
  const modules = join(REPOSITORY, 'node_modules');
  return {
    godwit: packageVersion(join(REPOSITORY, 'package.json')),
    portkeyGateway: packageVersion(
      join(PORTKEY_DIR, 'node_modules', '@portkey-ai', 'gateway', 'package.json'),
    ),
    portkeyHono: packageVersion(join(PORTKEY_DIR, 'node_modules', 'hono', 'package.json')),
    autocannon: packageVersion(join(modules, 'autocannon', 'package.json')),
  };
}

function compare(load: Record<TargetName, LoadRun>, sequential: Record<TargetName, SequentialSummary>) {
  const addedUnderLoad = (name: TargetName) => ({
    p50: round(load[name].latencyMs.p50 - load.direct.latencyMs.p50, 3),
    p99: round(load[name].latencyMs.p99 - load.direct.latencyMs.p99, 3),
  });
  const addedSequential = (name: TargetName) => {
    const [gateway, direct] = [sequential[name], sequential.direct];
    return {
      completionP50: round(gateway.completionMs.p50 - direct.completionMs.p50, 3),
      streamHeaders: round(gateway.stream.headersMs - direct.stream.headersMs, 3),
      streamFirstByte: round(gateway.stream.firstByteMs - direct.stream.firstByteMs, 3),
      streamFirstToken: round(gateway.stream.firstTokenMs - direct.stream.firstTokenMs, 3),
    };
  };
  const addedLatencyMs = {
    underLoad: { godwit: addedUnderLoad('godwit'), portkey: addedUnderLoad('portkey') },
    sequential: { godwit: addedSequential('godwit'), portkey: addedSequential('portkey') },
  };
  const throughputRatio = ratio(load.godwit.requestsPerSecond, load.portkey.requestsPerSecond);
  const godwitAdded = addedLatencyMs.underLoad.godwit.p50;
  const godwitFirstByte = addedLatencyMs.sequential.godwit.streamFirstByte;
  const goals = [
    {
      goal: `Godwit throughput ≥ ${GOALS.throughputRatioVsPortkey}× Portkey's`,
      measured: throughputRatio,
      met: throughputRatio !== null && throughputRatio >= GOALS.throughputRatioVsPortkey,
    },
    {
      goal: `Godwit added p50 ≤ ${GOALS.addedP50Ms} ms at ${CONNECTIONS} connections`,
      measured: godwitAdded,
      met: godwitAdded <= GOALS.addedP50Ms,
    },
    {
      goal: `Godwit streaming time-to-first-byte overhead ≤ ${GOALS.streamingFirstByteOverheadMs} ms`,
      measured: godwitFirstByte,
      met: godwitFirstByte <= GOALS.streamingFirstByteOverheadMs,
    },
  ];
  return { throughputRatioGodwitToPortkey: throughputRatio, addedLatencyMs, goals };
}

async function ledgerCalls(godwit: Target, agent: Agent): Promise<number> {
  const origin = new URL(godwit.url).origin;
  const usage = await getJson<{ rows: Array<{ calls: number }> }>(`${origin}/api/usage`, agent);
  return usage.rows.reduce((sum, row) => sum + row.calls, 0);
}

// ---------------------------------------------------------------------------------------------------

interface Started {
  upstream: { server: ServerProcess; port: number };
  targets: Target[];
}

/** Starts the upstream and both gateways, pushing each process onto `servers` as soon as it runs. */
async function startAll(
  scratch: string,
  profileDir: string | null,
  database: { url: string; schema: string } | null,
  servers: ServerProcess[],
): Promise<Started> {
  progress('starting the fake upstream, Godwit and Portkey…');
  const upstream = await startUpstream(scratch);
  servers.push(upstream.server);
  const godwit = await startGodwit(scratch, upstream.port, profileDir, database);
  servers.push(godwit.server);
  const portkey = await startPortkey(scratch, upstream.port);
  servers.push(portkey.server);
  const direct: Target = {
    name: 'direct',
    url: `http://127.0.0.1:${upstream.port}/v1/chat/completions`,
    headers: { 'content-type': 'application/json', authorization: 'Bearer bench' },
    model: 'gpt-4.1-mini',
    server: upstream.server,
  };
  return { upstream, targets: [direct, godwit, portkey] };
}

/**
 * A warm-up run per target, then each target's measured time in slices taken in turn, the order rotated
 * from one round to the next. Godwit's measured slices are also the profile's windows.
 */
async function measureLoad(targets: Target[], settings: Settings, context: Context) {
  let godwitWarmupResponses = 0;
  for (const target of targets) {
    progress(`${target.name}: warm-up ${settings.warmupSeconds} s…`);
    const warmup = await loadSlice(target, settings.warmupSeconds, context);
    if (target.name === 'godwit') godwitWarmupResponses = warmup.completed;
  }
  const sliceSeconds = settings.durationSeconds / settings.slices;
  progress(
    `measured: ${settings.slices} rounds of ${sliceSeconds} s per target, ${settings.durationSeconds} s each in all…`,
  );
  const slices = new Map<TargetName, Slice[]>(targets.map((target) => [target.name, []]));
  const profileWindows: ClockWindow[] = [];
  for (let round = 0; round < settings.slices; round++) {
    for (let turn = 0; turn < targets.length; turn++) {
      const target = targets[(round + turn) % targets.length]!;
      const start = monotonicMicroseconds();
      slices.get(target.name)!.push(await loadSlice(target, sliceSeconds, context));
      if (target.name === 'godwit') profileWindows.push({ start, end: monotonicMicroseconds() });
    }
  }
  const load = {} as Record<TargetName, LoadRun>;
  for (const target of targets) load[target.name] = summarizeLoad(target, slices.get(target.name)!);
  return { load, godwitWarmupResponses, profileWindows };
}

async function main(): Promise<void> {
  const { quick, profileDir, databaseUrl, runs } = readOptions();
  if (runs > 1) return runRepeatedly(runs, quick, databaseUrl);
  const database = databaseUrl ? { url: databaseUrl, schema: `bench_gateway_${process.pid}` } : null;
  const settings: Settings = quick
    ? { warmupSeconds: 2, durationSeconds: 3, slices: 3, sequentialWarmup: 10, sequentialRequests: 50 }
    : { warmupSeconds: 3, durationSeconds: 10, slices: 5, sequentialWarmup: 20, sequentialRequests: 200 };
  const scratch = mkdtempSync(join(tmpdir(), 'godwit-bench-gateway-'));
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const servers: ServerProcess[] = [];
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const { upstream, targets } = await startAll(scratch, profileDir, database, servers);
    for (const target of targets) await checkTarget(target, agent);
    const context: Context = { upstream: upstream.server, upstreamPort: upstream.port, agent };
    const { load, godwitWarmupResponses, profileWindows } = await measureLoad(targets, settings, context);
    const rounds = settings.sequentialWarmup + settings.sequentialRequests;
    progress(`sequential: ${rounds} rounds of one plain and one streaming request per target…`);
    const sequentialStart = monotonicMicroseconds();
    const sequential = await measureSequential(targets, settings, agent);
    const sequentialWindow = { start: sequentialStart, end: monotonicMicroseconds() };
    const ledger = {
      // Two checks, the warm-up and the measured slices, and two requests per sequential round.
      godwitResponsesReceived: 2 + godwitWarmupResponses + load.godwit.completed + 2 * rounds,
      godwitLedgerCalls: await ledgerCalls(targets[1]!, agent),
      note: 'The ledger may exceed the responses received by the requests still in flight when each autocannon run stopped (at most 10 per run: the warm-up and each slice).',
    };
    agent.destroy();
    await Promise.all(servers.map((server) => stopServer(server)));
    printResult({
      benchmark: 'gateway-overhead',
      date: new Date().toISOString(),
      command: `npx tsx bench/gateway-overhead.ts${quick ? ' --quick' : ''}${profileDir ? ` --profile ${profileDir}` : ''}${databaseUrl ? ` --database-url ${databaseUrl}` : ''}`,
      godwitDatabase: database ? 'PostgreSQL (--database-url)' : 'embedded PGlite',
      profiled: profileDir !== null,
      machine: describeMachine(),
      source: describeSource(),
      versions: versions(),
      settings: {
        connections: CONNECTIONS,
        pipelining: 1,
        ...settings,
        requestBody: chatBody('MODEL', false),
      },
      load,
      sequential,
      ...compare(load, sequential),
      ledger,
      godwitProfile: profileDir
        ? readGodwitProfile(profileDir, {
            measuredLoadSlices: profileWindows,
            sequentialRounds: [sequentialWindow],
          })
        : null,
    });
  } finally {
    agent.destroy();
    await Promise.all(servers.map((server) => stopServer(server, 5000)));
    rmSync(scratch, { recursive: true, force: true });
    if (database) await dropSchema(database);
  }
}

async function dropSchema(database: { url: string; schema: string }): Promise<void> {
  const client = new pg.Client({ connectionString: database.url });
  try {
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${database.schema}" CASCADE`);
  } finally {
    await client.end().catch(() => {});
  }
}

await main();
