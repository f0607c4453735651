/**
 * Keyword (BM25) search in the Postgres adapter on SciFact: loads the corpus (title + blank line + abstract,
 * one chunk per document) through `openPostgresStorage` + `replaceDocumentChunks`, runs the split's
 * queries through `keywordSearch`, and checks the top 10 against the reference `Bm25Index`.
 *
 *   npx tsx bench/keyword-search-sql.ts [--dataset DIR] [--split test] [--k 100] [--url postgres://…]
 *
 * Without --url it runs on in-memory PGlite; with one it uses a fresh schema on that server and drops it
 * afterwards. Prints one JSON document on stdout; progress goes to stderr. On PGlite, which runs in this
 * process, CPU time is reported beside wall time: other work on a shared machine stretches wall time but
 * barely moves CPU time. The load average at start and end says how shared the machine was.
 */
import { createHash } from 'node:crypto';
import { loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { analyze } from '../src/core/retrieval/analyzer.ts';
import { Bm25Index } from '../src/core/retrieval/bm25.ts';
import type { Chunk } from '../src/core/types.ts';
import { loadBeirDataset } from '../src/eval/index.ts';
import { openPostgresStorage, type PostgresStorage } from '../src/storage/postgres/index.ts';

const TENANT = 'bench';
/** Queries whose top 10 are compared with the reference (every n-th query). */
const CHECK_EVERY = 5;
const SCORE_TOLERANCE = 1e-6;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      dataset: { type: 'string', default: defaultDatasetDirectory() },
      split: { type: 'string', default: 'test' },
      k: { type: 'string', default: '100' },
      url: { type: 'string' },
    },
  });
  const loadAverageAtStart = round(loadavg()[0]!);
  const k = Number(values.k);
  const dataset = await loadBeirDataset(values.dataset, values.split);
  const schema = values.url ? `bench_keyword_${process.pid}` : undefined;
  const storage = values.url
    ? await openPostgresStorage({ url: values.url, schema })
    : await openPostgresStorage({ pglite: {} });
  try {
    const base = await storage.knowledge.createKnowledgeBase(TENANT, { name: 'scifact' });
    progress(`loading ${dataset.corpus.length} documents into ${storage.engine}`);
    const texts = dataset.corpus.map((entry) => `${entry.title}\n\n${entry.text}`);
    const loadStarted = performance.now();
    const loadCpu = process.cpuUsage();
    for (const [position, entry] of dataset.corpus.entries()) {
      await storeDocument(storage, base.id, entry.id, texts[position]!);
    }
    const loadCpuSeconds = cpuMilliseconds(loadCpu) / 1000;
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    progress(`loaded in ${loadSeconds.toFixed(1)} s; running ${dataset.queries.length} queries`);
    const reference = new Bm25Index();
    for (const [position, entry] of dataset.corpus.entries()) {
      reference.add(chunkId(entry.id), analyze(texts[position]!));
    }

    const latencies: number[] = [];
    const cpuLatencies: number[] = [];
    const mismatches: string[] = [];
    let checked = 0;
    for (const [position, query] of dataset.queries.entries()) {
      const started = performance.now();
      const cpu = process.cpuUsage();
      const hits = await storage.index.keywordSearch(TENANT, {
        knowledgeBaseId: base.id,
        text: query.text,
        k,
      });
      cpuLatencies.push(cpuMilliseconds(cpu));
      latencies.push(performance.now() - started);
      if (position % CHECK_EVERY !== 0) continue;
      checked++;
      const expected = reference.search(analyze(query.text), 10);
      const problem = compareTopTen(hits, expected);
      if (problem) mismatches.push(`query ${query.id}: ${problem}`);
    }
    const inProcess = storage.engine === 'pglite';
    const report = {
      engine: storage.engine,
      documents: dataset.corpus.length,
      queries: dataset.queries.length,
      k,
      load_average: { start: loadAverageAtStart, end: round(loadavg()[0]!) },
      insert_seconds: round(loadSeconds),
      insert_documents_per_second: round(dataset.corpus.length / loadSeconds),
      ...(inProcess
        ? { insert_documents_per_cpu_second: round(dataset.corpus.length / loadCpuSeconds) }
        : {}),
      latency_ms_p50: round(percentile(latencies, 50)),
      latency_ms_p95: round(percentile(latencies, 95)),
      latency_ms_max: round(Math.max(...latencies)),
      ...(inProcess
        ? { cpu_ms_p50: round(percentile(cpuLatencies, 50)), cpu_ms_p95: round(percentile(cpuLatencies, 95)) }
        : {}),
      reference_checked: checked,
      reference_mismatches: mismatches,
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    if (mismatches.length > 0) process.exitCode = 1;
  } finally {
    await storage.close();
    if (values.url && schema) await dropSchema(values.url, schema);
  }
}

async function storeDocument(
  storage: PostgresStorage,
  knowledgeBaseId: string,
  id: string,
  text: string,
): Promise<void> {
  const sha256 = createHash('sha256').update(text).digest('hex');
  const document = await storage.knowledge.upsertDocument(TENANT, {
    knowledgeBaseId,
    source: `${id}.txt`,
    mimeType: 'text/plain',
    sha256,
    bytes: Buffer.byteLength(text),
  });
  const chunk: Chunk = {
    id: chunkId(id),
    tenantId: TENANT,
    knowledgeBaseId,
    documentId: document.id,
    position: 0,
    text,
    location: {},
    metadata: {},
    tokenCount: text.split(/\s+/).length,
    embedding: null,
  };
  await storage.index.replaceDocumentChunks(TENANT, { id: document.id, knowledgeBaseId, sha256 }, [chunk]);
}

function chunkId(documentId: string): string {
  return `scifact:${documentId}`;
}

/** Same ids in the same order (ties may swap), scores equal within 1e-6 relative; undefined when equal. */
function compareTopTen(
  actual: readonly { chunkId: string; score: number }[],
  expected: readonly { id: string; score: number }[],
): string | undefined {
  const top = actual.slice(0, 10);
  if (top.length !== expected.length) return `${top.length} hits, reference has ${expected.length}`;
  const expectedScores = new Map(expected.map((hit) => [hit.id, hit.score]));
  for (const [rank, hit] of top.entries()) {
    const wanted = expected[rank]!;
    const relative = Math.abs(hit.score - wanted.score) / Math.max(1, Math.abs(wanted.score));
    if (relative > SCORE_TOLERANCE)
      return `score at rank ${rank + 1} is ${hit.score}, reference ${wanted.score}`;
    const tied = Math.abs((expectedScores.get(hit.chunkId) ?? Number.NaN) - wanted.score) <= 1e-9;
    if (hit.chunkId !== wanted.id && !tied)
      return `rank ${rank + 1} is ${hit.chunkId}, reference ${wanted.id}`;
  }
  return undefined;
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((left, right) => left - right);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] ?? Number.NaN;
}

function cpuMilliseconds(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

function progress(message: string): void {
  process.stderr.write(`${message}\n`);
}

function defaultDatasetDirectory(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../shared/datasets/scifact');
}

await main();
