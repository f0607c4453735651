/**
 * Keyword (BM25) search latency on a synthetic knowledge base: Godwit's keyword search on in-memory PGlite
 * (the in-process index of the embedded database, with the hits' rows read from SQL) against the
 * reference in-memory `Bm25Index` and MiniSearch, over the same chunks and queries. The first search
 * builds the base's index from its rows; its time and the process's memory growth are reported apart
 * (`firstSearch`; run with NODE_OPTIONS=--expose-gc for steadier memory figures).
 *
 *   npx tsx bench/search-latency.ts [--quick]
 *
 * 100,000 chunks (--quick: 10,000) in documents of 100 chunks, 60–180 words each, drawn from a seeded
 * Zipf vocabulary of ~20,000 words; 200 queries of 3–8 words drawn the same way; top 10 per query. All
 * engines analyze text with Godwit's analyzer (stop words, Porter stems), so they index the same terms;
 * MiniSearch ranks with its own BM25+ defaults. Queries run interleaved across engines after a warm-up.
 * Prints one JSON document on stdout; progress goes to stderr.
 */
import MiniSearch from 'minisearch';
import { analyze, stem, tokenize } from '../src/core/retrieval/analyzer.ts';
import { Bm25Index } from '../src/core/retrieval/bm25.ts';
import { estimateTokens } from '../src/core/text/tokens.ts';
import type { Chunk } from '../src/core/types.ts';
import { DEFAULT_TENANT } from '../src/core/types.ts';
import { openPostgresStorage, type PostgresStorage } from '../src/storage/postgres/index.ts';
import { PostgresVectorIndex } from '../src/storage/postgres/postgres-vector-index.ts';
import type { SqlClient } from '../src/storage/postgres/sql-client.ts';
import {
  createRandom,
  createZipfVocabulary,
  describeMachine,
  describeSource,
  type LatencySummary,
  printResult,
  progress,
  type Random,
  randomInteger,
  ratio,
  readFlags,
  round,
  startCpuClock,
  summarize,
  syntheticProse,
  syntheticQuery,
} from './support/index.ts';

const CHUNKS_PER_DOCUMENT = 100;
const QUERY_COUNT = 200;
const WARMUP_QUERIES = 10;
const K = 10;
/** The measured query phase stops early past this, so a slow engine cannot hold the machine for long. */
const QUERY_PHASE_LIMIT_MS = 15 * 60_000;

type EngineName = 'pglite' | 'bm25-index' | 'minisearch';

interface Engine {
  name: string;
  search(text: string): Promise<string[]>;
}

interface CorpusDocument {
  texts: string[];
}

async function main(): Promise<void> {
  const { quick } = readFlags();
  const chunkCount = quick ? 10_000 : 100_000;
  const vocabulary = createZipfVocabulary({ size: 20_000, seed: 1 });
  const corpus = generateCorpus(chunkCount, (random) =>
    syntheticProse(vocabulary, random, randomInteger(random, 60, 180)),
  );
  const queryRandom = createRandom(99);
  const queries = Array.from({ length: WARMUP_QUERIES + QUERY_COUNT }, () =>
    syntheticQuery(vocabulary, queryRandom, randomInteger(queryRandom, 3, 8)),
  );
  progress(`corpus: ${chunkCount} chunks in ${corpus.length} documents; ${queries.length} queries`);

  const storage = await openPostgresStorage({ pglite: {} });
  try {
    const pglite = await loadPglite(storage, corpus);
    const referenceBuild = buildReferenceIndex(pglite.chunks);
    const miniSearchBuild = buildMiniSearch(pglite.chunks);
    const firstSearch = pglite.firstSearch;
    const measured = await runQueries(
      [pglite.engine, referenceBuild.engine, miniSearchBuild.engine],
      queries,
    );
    const analyzed = await measureAfterAnalyze(storage, pglite.engine, queries);
    printResult(
      buildReport({
        quick,
        chunkCount,
        builds: {
          pglite: pglite.build,
          'bm25-index': referenceBuild.build,
          minisearch: miniSearchBuild.build,
        },
        measured,
        analyzed,
        firstSearch,
      }),
    );
  } finally {
    await storage.close();
  }
}

function generateCorpus(chunkCount: number, text: (random: Random) => string): CorpusDocument[] {
  const random = createRandom(7);
  const documents: CorpusDocument[] = [];
  for (let start = 0; start < chunkCount; start += CHUNKS_PER_DOCUMENT) {
    const size = Math.min(CHUNKS_PER_DOCUMENT, chunkCount - start);
    documents.push({ texts: Array.from({ length: size }, () => text(random)) });
  }
  return documents;
}

interface BuildStatistics {
  milliseconds: number;
  chunksPerSecond: number;
  cpuMilliseconds: number;
  chunksPerCpuSecond: number;
}

function buildStatistics(chunks: number, milliseconds: number, cpuMilliseconds: number): BuildStatistics {
  return {
    milliseconds: round(milliseconds, 0),
    chunksPerSecond: round((chunks / milliseconds) * 1000, 0),
    cpuMilliseconds: round(cpuMilliseconds, 0),
    chunksPerCpuSecond: round((chunks / cpuMilliseconds) * 1000, 0),
  };
}

/** Inserts every document through the VectorIndex port, as ingestion does, and times it. */
async function loadPglite(storage: PostgresStorage, corpus: CorpusDocument[]) {
  const knowledgeBase = await storage.knowledge.createKnowledgeBase(DEFAULT_TENANT, { name: 'bench' });
  const chunks: { id: string; text: string }[] = [];
  let indexMs = 0;
  let indexCpuMs = 0;
  const started = performance.now();
  const totalCpu = startCpuClock();
  for (const [documentIndex, corpusDocument] of corpus.entries()) {
    const sha256 = documentIndex.toString(16).padStart(64, '0');
    const document = await storage.knowledge.upsertDocument(DEFAULT_TENANT, {
      knowledgeBaseId: knowledgeBase.id,
      source: `document-${documentIndex}.md`,
      mimeType: 'text/markdown',
      sha256,
      bytes: corpusDocument.texts.reduce((total, text) => total + text.length, 0),
    });
    const documentChunks: Chunk[] = corpusDocument.texts.map((text, position) => ({
      id: `${document.id}:${position}`,
      tenantId: DEFAULT_TENANT,
      knowledgeBaseId: knowledgeBase.id,
      documentId: document.id,
      position,
      text,
      location: {},
      metadata: {},
      tokenCount: estimateTokens(text),
      embedding: null,
    }));
    const indexCpu = startCpuClock();
    const indexStarted = performance.now();
    await storage.index.replaceDocumentChunks(
      DEFAULT_TENANT,
      { id: document.id, knowledgeBaseId: knowledgeBase.id, sha256 },
      documentChunks,
    );
    indexMs += performance.now() - indexStarted;
    indexCpuMs += indexCpu.elapsedMs();
    for (const chunk of documentChunks) chunks.push({ id: chunk.id, text: chunk.text });
    if ((documentIndex + 1) % 100 === 0) progress(`pglite: ${chunks.length} chunks inserted`);
  }
  const totalMs = performance.now() - started;
  const totalCpuMs = totalCpu.elapsedMs();
  const engine: Engine = {
    name: 'pglite',
    search: async (text) =>
      (
        await storage.index.keywordSearch(DEFAULT_TENANT, { knowledgeBaseId: knowledgeBase.id, text, k: K })
      ).map((hit) => hit.chunkId),
  };
  const firstSearch = {
    ...(await measureFirstSearch(engine)),
    index: await describeKeywordIndex(storage, knowledgeBase.id),
  };
  return {
    chunks,
    engine,
    firstSearch,
    build: {
      ...buildStatistics(chunks.length, indexMs, indexCpuMs),
      withDocumentRows: buildStatistics(chunks.length, totalMs, totalCpuMs),
    },
  };
}

/** The embedded keyword index's size (null where keyword search runs in SQL). */
async function describeKeywordIndex(storage: PostgresStorage, knowledgeBaseId: string) {
  const index = storage.index;
  if (!(index instanceof PostgresVectorIndex) || !index.keyword) return null;
  return (await index.keyword.base(DEFAULT_TENANT, knowledgeBaseId)).describe();
}

/** The first search of a base builds its in-process index from the rows: its time and memory. */
async function measureFirstSearch(engine: Engine) {
  const collect = (globalThis as { gc?: () => void }).gc;
  collect?.();
  const before = process.memoryUsage();
  const cpu = startCpuClock();
  const started = performance.now();
  await engine.search('first search');
  const milliseconds = performance.now() - started;
  const cpuMilliseconds = cpu.elapsedMs();
  collect?.();
  const after = process.memoryUsage();
  const mebibytes = (bytes: number) => round(bytes / 2 ** 20, 1);
  const result = {
    milliseconds: round(milliseconds, 0),
    cpuMilliseconds: round(cpuMilliseconds, 0),
    rssGrowthMiB: mebibytes(after.rss - before.rss),
    heapGrowthMiB: mebibytes(after.heapUsed - before.heapUsed),
    arrayBufferGrowthMiB: mebibytes(after.arrayBuffers - before.arrayBuffers),
    gcExposed: collect !== undefined,
  };
  progress(`pglite: first search (index build) ${result.milliseconds} ms, RSS +${result.rssGrowthMiB} MiB`);
  return result;
}

function buildReferenceIndex(chunks: readonly { id: string; text: string }[]) {
  const cpu = startCpuClock();
  const started = performance.now();
  const index = new Bm25Index();
  for (const chunk of chunks) index.add(chunk.id, analyze(chunk.text));
  const build = buildStatistics(chunks.length, performance.now() - started, cpu.elapsedMs());
  progress(`bm25-index: built in ${build.milliseconds} ms`);
  const engine: Engine = {
    name: 'bm25-index',
    search: async (text) => index.search(analyze(text), K).map((hit) => hit.id),
  };
  return { engine, build };
}

function buildMiniSearch(chunks: readonly { id: string; text: string }[]) {
  const cpu = startCpuClock();
  const started = performance.now();
  const miniSearch = new MiniSearch<{ id: string; text: string }>({
    fields: ['text'],
    // Same terms as the other engines: Godwit's tokenizer (lower case, stop words) and Porter stems.
    tokenize: (text) => tokenize(text),
    processTerm: (term) => stem(term),
  });
  miniSearch.addAll(chunks);
  const build = buildStatistics(chunks.length, performance.now() - started, cpu.elapsedMs());
  progress(`minisearch: built in ${build.milliseconds} ms`);
  const engine: Engine = {
    name: 'minisearch',
    search: async (text) =>
      miniSearch
        .search(text)
        .slice(0, K)
        .map((result) => String(result.id)),
  };
  return { engine, build };
}

interface MeasuredQueries {
  /** Wall milliseconds per query and engine. */
  latencies: Record<string, number[]>;
  /** CPU milliseconds of this process per query and engine (PGlite runs in-process). */
  cpuLatencies: Record<string, number[]>;
  /** Mean share of PGlite's top 10 that each engine also returns in its top 10. */
  overlapWithPglite: Record<string, number>;
  stoppedEarly: boolean;
}

/** Warm-up, then each query on every engine in a rotating order, so drift in background load evens out. */
async function runQueries(engines: Engine[], queries: string[]): Promise<MeasuredQueries> {
  const latencies: Record<string, number[]> = {};
  const cpuLatencies: Record<string, number[]> = {};
  const overlapTotals: Record<string, number> = {};
  for (const engine of engines) {
    latencies[engine.name] = [];
    cpuLatencies[engine.name] = [];
    overlapTotals[engine.name] = 0;
  }
  const started = performance.now();
  let stoppedEarly = false;
  let measuredCount = 0;
  for (const [queryIndex, query] of queries.entries()) {
    const measuring = queryIndex >= WARMUP_QUERIES;
    const results = new Map<string, string[]>();
    for (let offset = 0; offset < engines.length; offset++) {
      const engine = engines[(queryIndex + offset) % engines.length]!;
      const cpu = startCpuClock();
      const queryStarted = performance.now();
      results.set(engine.name, await engine.search(query));
      if (measuring) {
        latencies[engine.name]!.push(performance.now() - queryStarted);
        cpuLatencies[engine.name]!.push(cpu.elapsedMs());
      }
    }
    if (measuring) {
      measuredCount++;
      accumulateOverlap(overlapTotals, results);
    }
    if ((queryIndex + 1) % 20 === 0)
      progress(`queries (${[...results.keys()].join(', ')}): ${queryIndex + 1}/${queries.length}`);
    if (performance.now() - started > QUERY_PHASE_LIMIT_MS) {
      stoppedEarly = true;
      break;
    }
  }
  const overlapWithPglite = Object.fromEntries(
    Object.entries(overlapTotals).map(([name, total]) => [
      name,
      round(total / Math.max(1, measuredCount), 3),
    ]),
  );
  return { latencies, cpuLatencies, overlapWithPglite, stoppedEarly };
}

function accumulateOverlap(totals: Record<string, number>, results: Map<string, string[]>): void {
  const reference = new Set(results.get('pglite') ?? []);
  for (const [name, ids] of results) {
    const shared = ids.filter((id) => reference.has(id)).length;
    totals[name] = (totals[name] ?? 0) + (reference.size === 0 ? 1 : shared / reference.size);
  }
}

/**
 * Diagnostic: the same queries after `ANALYZE`. PGlite runs no autovacuum, so unless something runs
 * ANALYZE the planner works from default row estimates and may pick a plan that ignores the indexes. The
 * storage does not expose its SQL client, so this reaches for the private field; it returns null if that
 * field ever moves.
 */
async function measureAfterAnalyze(
  storage: PostgresStorage,
  pglite: Engine,
  queries: string[],
): Promise<{ analyzeMs: number; measured: MeasuredQueries } | null> {
  const client = (storage.index as unknown as { client?: SqlClient }).client;
  if (!client || typeof client.query !== 'function') return null;
  const started = performance.now();
  await client.query('ANALYZE');
  const analyzeMs = performance.now() - started;
  progress(`pglite: ANALYZE took ${round(analyzeMs, 0)} ms; measuring again`);
  const measured = await runQueries([{ name: 'pglite-analyzed', search: pglite.search }], queries);
  return { analyzeMs: round(analyzeMs, 0), measured };
}

function buildReport(input: {
  quick: boolean;
  chunkCount: number;
  builds: Record<EngineName, BuildStatistics>;
  measured: MeasuredQueries;
  analyzed: { analyzeMs: number; measured: MeasuredQueries } | null;
  firstSearch: Awaited<ReturnType<typeof loadPglite>>['firstSearch'];
}) {
  const { measured, builds, analyzed } = input;
  const summaries = (latencies: Record<string, number[]>): Record<string, LatencySummary> =>
    Object.fromEntries(Object.entries(latencies).map(([name, values]) => [name, summarize(values)]));
  const wall = summaries(measured.latencies);
  const cpu = summaries(measured.cpuLatencies);
  const analyzedWall = analyzed ? summaries(analyzed.measured.latencies)['pglite-analyzed'] : undefined;
  const analyzedCpu = analyzed ? summaries(analyzed.measured.cpuLatencies)['pglite-analyzed'] : undefined;
  const versus = (
    subject: { wall?: LatencySummary; cpu?: LatencySummary },
    peer: { wall?: LatencySummary; cpu?: LatencySummary },
    digits = 1,
  ) => ({
    p50: subject.wall && peer.wall ? ratio(subject.wall.p50, peer.wall.p50, digits) : null,
    p95: subject.wall && peer.wall ? ratio(subject.wall.p95, peer.wall.p95, digits) : null,
    cpuP50: subject.cpu && peer.cpu ? ratio(subject.cpu.p50, peer.cpu.p50, digits) : null,
    cpuP95: subject.cpu && peer.cpu ? ratio(subject.cpu.p95, peer.cpu.p95, digits) : null,
  });
  const engine = (name: string) => ({ wall: wall[name], cpu: cpu[name] });
  const analyzedEngine = { wall: analyzedWall, cpu: analyzedCpu };
  const buildRatio = (peer: EngineName) => ({
    buildRate: ratio(builds.pglite.chunksPerSecond, builds[peer].chunksPerSecond, 3),
    buildRateCpu: ratio(builds.pglite.chunksPerCpuSecond, builds[peer].chunksPerCpuSecond, 3),
  });
  return {
    benchmark: 'search-latency',
    date: new Date().toISOString(),
    mode: input.quick ? 'quick' : 'full',
    machine: describeMachine(),
    source: describeSource(),
    corpus: {
      chunks: input.chunkCount,
      chunksPerDocument: CHUNKS_PER_DOCUMENT,
      wordsPerChunk: '60-180',
      vocabulary: '20,000 invented words after 50 English function words, Zipf s=1',
    },
    queries: { count: measured.latencies.pglite?.length ?? 0, warmup: WARMUP_QUERIES, words: '3-8', k: K },
    stoppedEarly: measured.stoppedEarly || (analyzed?.measured.stoppedEarly ?? false),
    latencyMs: wall,
    cpuMs: cpu,
    build: builds,
    firstSearch: input.firstSearch,
    overlapAt10WithPglite: measured.overlapWithPglite,
    ratios: {
      'pglite / bm25-index': {
        ...versus(engine('pglite'), engine('bm25-index')),
        ...buildRatio('bm25-index'),
      },
      'pglite / minisearch': {
        ...versus(engine('pglite'), engine('minisearch')),
        ...buildRatio('minisearch'),
      },
    },
    diagnosticAfterAnalyze: analyzed && {
      analyzeMs: analyzed.analyzeMs,
      latencyMs: analyzedWall ?? null,
      cpuMs: analyzedCpu ?? null,
      'pglite-analyzed / pglite': versus(analyzedEngine, engine('pglite'), 2),
      'pglite-analyzed / bm25-index': versus(analyzedEngine, engine('bm25-index')),
      'pglite-analyzed / minisearch': versus(analyzedEngine, engine('minisearch')),
    },
  };
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
