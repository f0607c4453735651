/**
 * Ingestion of a BEIR corpus end to end: every record through `createGodwit(...).knowledge.ingestMany` with
 * its default batches, on a fresh on-disk data dir, as `godwit eval retrieval` indexes it (one document per
 * record, the title and the text, `text/plain`). Parsing alone is timed on the same documents, and the
 * process's memory is sampled every 1,000 documents, to show whether it grows with the corpus.
 *
 * Parsing is followed by the keyword analysis the embedded write does for each chunk, timed apart: parsing plus
 * that analysis is the floor of any store that indexes the same terms.
 *
 * The peer is MiniSearch, the in-process full-text library, as a user would set it up for a local knowledge
 * base: the same parser makes the same chunks, MiniSearch indexes them with its defaults and keeps their text
 * for citations, and the index is then saved to a file (`JSON.stringify`, as its documentation shows), since
 * an index that is not kept is lost at the next start. Its rate is reported in memory and saved.
 *
 *   NODE_OPTIONS=--expose-gc npx tsx bench/ingest-corpus.ts --corpus ../shared/datasets/scifact [--quick]
 *
 * With --expose-gc, each sample is taken after a full collection, so heap figures are what is still held.
 * Repetitions (3, or 1 with --quick) rotate the order of parsing, the pipeline and the peer. Prints one JSON
 * document on stdout; progress goes to stderr.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import MiniSearch from 'minisearch';
import { createGodwit, loadConfig } from '../src/config/index.ts';
import { DEFAULT_TENANT } from '../src/core/types.ts';
import { loadBeirDataset } from '../src/eval/index.ts';
import { createDocumentParser } from '../src/ingest/index.ts';
import { encodeKeywordFrequencies } from '../src/storage/postgres/embedded-keyword-index.ts';
import { chunkPostings } from '../src/storage/postgres/keyword-terms.ts';
import {
  describeMachine,
  describeSource,
  median,
  printResult,
  progress,
  ratio,
  round,
  startCpuClock,
} from './support/index.ts';

interface CorpusFile {
  source: string;
  bytes: Uint8Array;
  mimeType: string;
}

interface Timing {
  milliseconds: number;
  cpuMilliseconds: number;
  chunks: number;
}

interface MemorySample {
  documents: number;
  rssMiB: number;
  heapUsedMiB: number;
}

const SAMPLE_EVERY = 1000;
const MINISEARCH_VERSION: string = JSON.parse(
  readFileSync(new URL('../node_modules/minisearch/package.json', import.meta.url), 'utf8'),
).version;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { corpus: { type: 'string' }, quick: { type: 'boolean', default: false } },
  });
  if (!values.corpus)
    throw new Error('pass --corpus DIR, a BEIR dataset folder (corpus.jsonl, qrels/test.tsv)');
  const quick = values.quick ?? false;
  const repetitions = quick ? 1 : 3;
  const dataset = await loadBeirDataset(values.corpus, 'test');
  const files: CorpusFile[] = dataset.corpus.map((document) => ({
    source: `${document.id}.txt`,
    bytes: new TextEncoder().encode(document.title ? `${document.title}\n\n${document.text}` : document.text),
    mimeType: 'text/plain',
  }));
  const scratch = mkdtempSync(join(tmpdir(), 'godwit-bench-corpus-'));
  const runs: {
    pipeline: Timing;
    parse: Timing;
    analysis: Timing;
    peerInMemory: Timing;
    peerSaved: Timing;
    memory: MemorySample[];
  }[] = [];
  try {
    for (let repetition = 1; repetition <= repetitions; repetition++) {
      const dataDir = join(scratch, `pipeline-${repetition}`);
      let pipeline: Awaited<ReturnType<typeof measurePipeline>> | undefined;
      let parse: Timing | undefined;
      let analysis: Timing | undefined;
      let peer: Awaited<ReturnType<typeof measurePeer>> | undefined;
      const steps = [
        async () => {
          pipeline = await measurePipeline(dataDir, files);
        },
        async () => {
          ({ parse, analysis } = await measureParse(files));
        },
        async () => {
          peer = await measurePeer(files, join(scratch, `minisearch-${repetition}.json`));
        },
      ];
      for (let step = 0; step < steps.length; step++) await steps[(step + repetition - 1) % steps.length]!();
      if (!pipeline || !parse || !analysis || !peer) throw new Error('a measurement did not run');
      progress(
        `[${repetition}/${repetitions}] chunks/s (per CPU s): pipeline ${rate(pipeline.timing)}, parse ${rate(parse)}, ` +
          `keyword analysis ${rate(analysis)}, ` +
          `MiniSearch ${rate(peer.inMemory)} in memory, ${rate(peer.saved)} saved`,
      );
      for (const [name, chunks] of [
        ['the pipeline indexed', pipeline.timing.chunks],
        ['MiniSearch indexed', peer.saved.chunks],
      ] as const) {
        if (chunks !== parse.chunks)
          throw new Error(`${name} ${chunks} chunks, the parser made ${parse.chunks}`);
      }
      runs.push({
        pipeline: pipeline.timing,
        parse,
        analysis,
        peerInMemory: peer.inMemory,
        peerSaved: peer.saved,
        memory: pipeline.memory,
      });
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const pipeline = summarize(runs.map((run) => run.pipeline));
  const parse = summarize(runs.map((run) => run.parse));
  const analysis = summarize(runs.map((run) => run.analysis));
  // Parsing and then analyzing, each run's two times added: what no store can go below.
  const parseAndAnalysis = summarize(
    runs.map((run) => ({
      milliseconds: run.parse.milliseconds + run.analysis.milliseconds,
      cpuMilliseconds: run.parse.cpuMilliseconds + run.analysis.cpuMilliseconds,
      chunks: run.parse.chunks,
    })),
  );
  const peerInMemory = summarize(runs.map((run) => run.peerInMemory));
  const peerSaved = summarize(runs.map((run) => run.peerSaved));
  printResult({
    benchmark: 'ingest-corpus',
    date: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    repetitions,
    machine: describeMachine(),
    source: describeSource(),
    statistic: 'median over repetitions',
    workload: {
      corpus: values.corpus,
      documents: files.length,
      bytes: files.reduce((total, file) => total + file.bytes.byteLength, 0),
      chunks: runs[0]!.pipeline.chunks,
      storage: 'PGlite on disk (fresh data dir per repetition), keyword-only knowledge base',
      garbageCollectedSamples: typeof globalThis.gc === 'function',
    },
    pipeline,
    parseOnly: parse,
    keywordAnalysisOnly: analysis,
    parseThenKeywordAnalysis: parseAndAnalysis,
    peer: {
      name: `MiniSearch ${MINISEARCH_VERSION}, default options, chunk text stored, parsed by the same parser`,
      inMemory: peerInMemory,
      savedToFile: peerSaved,
    },
    ratios: {
      'pipeline / parse (rate, wall)': ratio(pipeline.chunksPerSecond, parse.chunksPerSecond, 3),
      'pipeline / parse (rate, CPU)': ratio(pipeline.chunksPerCpuSecond, parse.chunksPerCpuSecond, 3),
      'parse then keyword analysis / parse (rate, wall)': ratio(
        parseAndAnalysis.chunksPerSecond,
        parse.chunksPerSecond,
        3,
      ),
      'MiniSearch in memory / parse (rate, wall)': ratio(
        peerInMemory.chunksPerSecond,
        parse.chunksPerSecond,
        3,
      ),
      'MiniSearch saved / parse (rate, wall)': ratio(peerSaved.chunksPerSecond, parse.chunksPerSecond, 3),
      'pipeline / MiniSearch saved (rate, wall)': ratio(
        pipeline.chunksPerSecond,
        peerSaved.chunksPerSecond,
        3,
      ),
      'pipeline / MiniSearch saved (rate, CPU)': ratio(
        pipeline.chunksPerCpuSecond,
        peerSaved.chunksPerCpuSecond,
        3,
      ),
    },
    memory: runs[runs.length - 1]!.memory,
  });
}

function rate(timing: Timing): string {
  const perSecond = (milliseconds: number) => round((timing.chunks / milliseconds) * 1000, 0);
  return `${perSecond(timing.milliseconds)} (${perSecond(timing.cpuMilliseconds)})`;
}

async function measurePipeline(dataDir: string, files: readonly CorpusFile[]) {
  const config = loadConfig({ env: { GODWIT_DATA_DIR: dataDir }, cwd: dataDir }).config;
  const services = await createGodwit({ ...config, sample: false }, { env: {} });
  try {
    const knowledgeBase = await services.knowledge.createKnowledgeBase(DEFAULT_TENANT, {
      name: 'corpus',
      embeddingModel: null,
    });
    const memory: MemorySample[] = [sampleMemory(0)];
    let documents = 0;
    let chunks = 0;
    let failed = 0;
    const cpu = startCpuClock();
    const started = performance.now();
    let sampling = 0;
    await services.knowledge.ingestMany(DEFAULT_TENANT, knowledgeBase, files, {
      onOutcome: (outcome) => {
        documents++;
        chunks += outcome.chunks;
        if (outcome.status === 'failed') failed++;
        if (documents % SAMPLE_EVERY === 0) {
          // The sample (and its collection) is left out of the timing.
          const before = performance.now();
          memory.push(sampleMemory(documents));
          sampling += performance.now() - before;
        }
      },
    });
    const milliseconds = performance.now() - started - sampling;
    const cpuMilliseconds = cpu.elapsedMs() - sampling;
    memory.push(sampleMemory(documents));
    if (failed > 0) progress(`${failed} documents failed (no text): they count no chunks`);
    return { timing: { milliseconds, cpuMilliseconds, chunks }, memory };
  } finally {
    await services.close();
  }
}

/**
 * Parsing alone, and then the keyword analysis the embedded database's write does for each chunk (terms and
 * their frequencies, encoded): the work of any store that indexes these terms, without storing anything.
 */
async function measureParse(files: readonly CorpusFile[]): Promise<{ parse: Timing; analysis: Timing }> {
  const parser = createDocumentParser();
  const texts: string[] = [];
  const cpu = startCpuClock();
  const started = performance.now();
  for (const file of files) {
    try {
      for (const chunk of (await parser.parse(file)).chunks) texts.push(chunk.text);
    } catch {
      // A record with no text: the pipeline skips it too.
    }
  }
  const parse = {
    milliseconds: performance.now() - started,
    cpuMilliseconds: cpu.elapsedMs(),
    chunks: texts.length,
  };
  const analysisCpu = startCpuClock();
  const analysisStarted = performance.now();
  let encoded = 0;
  for (const text of texts) {
    const postings = chunkPostings(text);
    encoded += encodeKeywordFrequencies(postings.terms, postings.frequencies).length;
  }
  if (encoded === 0) throw new Error('the keyword analysis found no terms');
  const analysis = {
    milliseconds: performance.now() - analysisStarted,
    cpuMilliseconds: analysisCpu.elapsedMs(),
    chunks: texts.length,
  };
  return { parse, analysis };
}

/**
 * The peer: the same parser, then MiniSearch over the chunks (text kept for citations). `inMemory` ends when
 * the last chunk is indexed; `saved` when the serialized index is written to `indexFile`.
 */
async function measurePeer(files: readonly CorpusFile[], indexFile: string) {
  const parser = createDocumentParser();
  const miniSearch = new MiniSearch<{ id: string; text: string }>({
    fields: ['text'],
    storeFields: ['text'],
  });
  let chunks = 0;
  const cpu = startCpuClock();
  const started = performance.now();
  for (const file of files) {
    let parsed: Awaited<ReturnType<typeof parser.parse>>;
    try {
      parsed = await parser.parse(file);
    } catch {
      continue; // A record with no text, as above.
    }
    miniSearch.addAll(
      parsed.chunks.map((chunk, position) => ({ id: `${file.source}#${position}`, text: chunk.text })),
    );
    chunks += parsed.chunks.length;
  }
  const inMemory = { milliseconds: performance.now() - started, cpuMilliseconds: cpu.elapsedMs(), chunks };
  writeFileSync(indexFile, JSON.stringify(miniSearch));
  const saved = { milliseconds: performance.now() - started, cpuMilliseconds: cpu.elapsedMs(), chunks };
  return { inMemory, saved };
}

function sampleMemory(documents: number): MemorySample {
  globalThis.gc?.();
  const usage = process.memoryUsage();
  return {
    documents,
    rssMiB: round(usage.rss / 1024 ** 2, 1),
    heapUsedMiB: round(usage.heapUsed / 1024 ** 2, 1),
  };
}

function summarize(timings: readonly Timing[]) {
  const milliseconds = median(timings.map((timing) => timing.milliseconds));
  const cpuMilliseconds = median(timings.map((timing) => timing.cpuMilliseconds));
  const { chunks } = timings[0]!;
  return {
    milliseconds: round(milliseconds, 0),
    chunksPerSecond: round((chunks / milliseconds) * 1000, 0),
    cpuMilliseconds: round(cpuMilliseconds, 0),
    chunksPerCpuSecond: round((chunks / cpuMilliseconds) * 1000, 0),
    samples: timings.map((timing) => ({
      milliseconds: round(timing.milliseconds, 0),
      cpuMilliseconds: round(timing.cpuMilliseconds, 0),
    })),
  };
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
