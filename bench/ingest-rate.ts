/**
 * Ingestion rate: files through `createGodwit(...).knowledge.ingestMany` (hash, parse, keep the original,
 * catalogue, index; written BATCH_FILES files at a time, as `godwit ingest` of a folder does with batches of
 * 200 files; 50 here keeps the figures comparable with earlier runs and makes four batches) on a fresh
 * on-disk data dir, against `VectorIndex.replaceDocumentChunks` alone for
 * the same chunks on another fresh on-disk PGlite. The ratio is the pipeline's overhead over raw indexing.
 *
 *   npx tsx bench/ingest-rate.ts [--quick]
 *
 * 200 generated Markdown files of 2–5 sections (120–300 words each, one chunk per section) from a seeded
 * Zipf vocabulary; keyword-only knowledge base (no embedding model), default chunking. Parsing alone is
 * timed too, so the report can say where the pipeline's time goes. So is the same storage write in batches
 * of BATCH_FILES files (`upsertDocuments` and `replaceManyDocumentChunks`, catalogue rows included): what
 * the storage allows when files are not written one at a time. Repetitions alternate which side runs
 * first. Prints one JSON document on stdout; progress goes to stderr.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGodwit, type GodwitConfig, loadConfig } from '../src/config/index.ts';
import type { ChunkDraft } from '../src/core/ports.ts';
import { type Chunk, DEFAULT_TENANT } from '../src/core/types.ts';
import { createDocumentParser } from '../src/ingest/index.ts';
import { openPostgresStorage } from '../src/storage/postgres/index.ts';
import {
  createRandom,
  createZipfVocabulary,
  describeMachine,
  describeSource,
  median,
  printResult,
  progress,
  type Random,
  randomInteger,
  ratio,
  readFlags,
  round,
  startCpuClock,
  syntheticProse,
  syntheticQuery,
  type ZipfVocabulary,
} from './support/index.ts';

const FILE_COUNT = 200;
/** Files per write in the pipeline and the batched measurement. */
const BATCH_FILES = 50;

interface GeneratedFile {
  source: string;
  bytes: Uint8Array;
}

interface Timing {
  milliseconds: number;
  /** CPU time of this process over the same span (PGlite runs in-process, so it is counted). */
  cpuMilliseconds: number;
  chunks: number;
  files: number;
}

async function main(): Promise<void> {
  const { quick } = readFlags();
  const repetitions = quick ? 1 : 3;
  const files = generateFiles(FILE_COUNT);
  const scratch = mkdtempSync(join(tmpdir(), 'godwit-bench-ingest-'));
  const runs: {
    pipeline: Timing;
    raw: Timing;
    batched: Timing;
    parse: Timing;
    embeddingModel: string | null;
  }[] = [];
  try {
    for (let repetition = 1; repetition <= repetitions; repetition++) {
      const config = loadConfig({
        env: { GODWIT_DATA_DIR: join(scratch, `pipeline-${repetition}`) },
        cwd: scratch,
      }).config;
      const rawDirectory = join(scratch, `raw-${repetition}`, 'db');
      const runPipeline = () => measurePipeline(config, files);
      const runRaw = () => measureRaw(config, rawDirectory, files);
      // Alternate the order so a warmer JIT or a quieter machine does not always favour one side.
      const [pipeline, rawResult] =
        repetition % 2 === 1
          ? [await runPipeline(), await runRaw()]
          : await runRaw().then(async (raw) => [await runPipeline(), raw] as const);
      progress(
        `[${repetition}/${repetitions}] chunks/s (per CPU s): pipeline ${rate(pipeline.timing)}, raw ${rate(rawResult.raw)}, batched ${rate(rawResult.batched)}, parse ${rate(rawResult.parse)}`,
      );
      if (pipeline.timing.chunks !== rawResult.raw.chunks) {
        throw new Error(
          `the pipeline indexed ${pipeline.timing.chunks} chunks but the parser produced ${rawResult.raw.chunks}`,
        );
      }
      runs.push({ pipeline: pipeline.timing, ...rawResult, embeddingModel: pipeline.embeddingModel });
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  printResult(buildReport(runs, { quick, repetitions }));
}

function rate(timing: Timing): string {
  const perSecond = (milliseconds: number) => round((timing.chunks / milliseconds) * 1000, 0);
  return `${perSecond(timing.milliseconds)} (${perSecond(timing.cpuMilliseconds)})`;
}

/** Markdown files: a title, then 2–5 `##` sections of one to three paragraphs. */
function generateFiles(count: number): GeneratedFile[] {
  const vocabulary = createZipfVocabulary({ size: 20_000, seed: 1 });
  const random = createRandom(11);
  return Array.from({ length: count }, (_, index) => ({
    source: `notes-${String(index).padStart(3, '0')}.md`,
    bytes: new TextEncoder().encode(markdownFile(vocabulary, random)),
  }));
}

function markdownFile(vocabulary: ZipfVocabulary, random: Random): string {
  const lines = [`# ${syntheticQuery(vocabulary, random, randomInteger(random, 2, 5))}`, ''];
  const sections = randomInteger(random, 2, 5);
  for (let section = 0; section < sections; section++) {
    lines.push(`## ${syntheticQuery(vocabulary, random, randomInteger(random, 1, 4))}`, '');
    let words = randomInteger(random, 120, 300);
    while (words > 0) {
      const paragraph = Math.min(words, randomInteger(random, 40, 120));
      lines.push(syntheticProse(vocabulary, random, paragraph), '');
      words -= paragraph;
    }
  }
  return lines.join('\n');
}

async function measurePipeline(config: GodwitConfig, files: readonly GeneratedFile[]) {
  const services = await createGodwit(config, { env: {} });
  try {
    const knowledgeBase = await services.knowledge.ensureKnowledgeBase(DEFAULT_TENANT, 'bench');
    let chunks = 0;
    const cpu = startCpuClock();
    const started = performance.now();
    const outcomes = await services.knowledge.ingestMany(DEFAULT_TENANT, knowledgeBase, files, {
      batchFiles: BATCH_FILES,
    });
    for (const outcome of outcomes) {
      if (outcome.status !== 'created') {
        throw new Error(
          `${outcome.source}: expected status "created", got "${outcome.status}" (${outcome.error})`,
        );
      }
      chunks += outcome.chunks;
    }
    const timing: Timing = {
      milliseconds: performance.now() - started,
      cpuMilliseconds: cpu.elapsedMs(),
      chunks,
      files: files.length,
    };
    return { timing, embeddingModel: knowledgeBase.embeddingModel };
  } finally {
    await services.close();
  }
}

/** Parses with the pipeline's settings (timed), then times only replaceDocumentChunks per document. */
async function measureRaw(config: GodwitConfig, dataDir: string, files: readonly GeneratedFile[]) {
  const parser = createDocumentParser({
    maxFileBytes: config.ingest.maxFileBytes,
    maxChunkTokens: config.ingest.chunkTokens,
    chunkOverlapTokens: config.ingest.chunkOverlapTokens,
  });
  const parseCpu = startCpuClock();
  const parseStarted = performance.now();
  const parsed: ChunkDraft[][] = [];
  for (const file of files) parsed.push((await parser.parse(file)).chunks);
  const parseMs = performance.now() - parseStarted;
  const parseCpuMs = parseCpu.elapsedMs();
  const chunkTotal = parsed.reduce((total, drafts) => total + drafts.length, 0);

  const storage = await openPostgresStorage({ pglite: { dataDir } });
  try {
    const knowledgeBase = await storage.knowledge.createKnowledgeBase(DEFAULT_TENANT, { name: 'bench' });
    let indexMs = 0;
    let indexCpuMs = 0;
    for (const [index, file] of files.entries()) {
      const sha256 = index.toString(16).padStart(64, '0');
      const document = await storage.knowledge.upsertDocument(DEFAULT_TENANT, {
        knowledgeBaseId: knowledgeBase.id,
        source: file.source,
        mimeType: 'text/markdown',
        sha256,
        bytes: file.bytes.byteLength,
      });
      const chunks: Chunk[] = (parsed[index] ?? []).map((draft, position) => ({
        id: `${document.id}:${position}`,
        tenantId: DEFAULT_TENANT,
        knowledgeBaseId: knowledgeBase.id,
        documentId: document.id,
        position,
        text: draft.text,
        location: draft.location,
        metadata: draft.metadata,
        tokenCount: draft.tokenCount,
        embedding: null,
      }));
      const cpu = startCpuClock();
      const started = performance.now();
      await storage.index.replaceDocumentChunks(
        DEFAULT_TENANT,
        { id: document.id, knowledgeBaseId: knowledgeBase.id, sha256 },
        chunks,
      );
      indexMs += performance.now() - started;
      indexCpuMs += cpu.elapsedMs();
    }
    const batched = await measureBatched(storage, files, parsed);
    return {
      batched: { ...batched, chunks: chunkTotal, files: files.length },
      raw: { milliseconds: indexMs, cpuMilliseconds: indexCpuMs, chunks: chunkTotal, files: files.length },
      parse: { milliseconds: parseMs, cpuMilliseconds: parseCpuMs, chunks: chunkTotal, files: files.length },
    };
  } finally {
    await storage.close();
  }
}

/** The same files into another base, BATCH_FILES at a time: catalogue rows and chunks, one write each. */
async function measureBatched(
  storage: Awaited<ReturnType<typeof openPostgresStorage>>,
  files: readonly GeneratedFile[],
  parsed: readonly ChunkDraft[][],
): Promise<{ milliseconds: number; cpuMilliseconds: number }> {
  const { knowledge, index } = storage;
  if (!knowledge.upsertDocuments || !index.replaceManyDocumentChunks) {
    throw new Error('the storage has no batch writes (upsertDocuments, replaceManyDocumentChunks)');
  }
  const knowledgeBase = await knowledge.createKnowledgeBase(DEFAULT_TENANT, { name: 'bench-batched' });
  const cpu = startCpuClock();
  const started = performance.now();
  for (let start = 0; start < files.length; start += BATCH_FILES) {
    const slice = files.slice(start, start + BATCH_FILES);
    const documents = await knowledge.upsertDocuments(
      DEFAULT_TENANT,
      slice.map((file, offset) => ({
        knowledgeBaseId: knowledgeBase.id,
        source: file.source,
        mimeType: 'text/markdown',
        sha256: (start + offset).toString(16).padStart(64, '0'),
        bytes: file.bytes.byteLength,
      })),
    );
    await index.replaceManyDocumentChunks(
      DEFAULT_TENANT,
      documents.map((document, offset) => ({
        document: { id: document.id, knowledgeBaseId: knowledgeBase.id, sha256: document.sha256 },
        chunks: (parsed[start + offset] ?? []).map((draft, position) => ({
          id: `${document.id}:${position}`,
          tenantId: DEFAULT_TENANT,
          knowledgeBaseId: knowledgeBase.id,
          documentId: document.id,
          position,
          text: draft.text,
          location: draft.location,
          metadata: draft.metadata,
          tokenCount: draft.tokenCount,
          embedding: null,
        })),
      })),
    );
  }
  return { milliseconds: performance.now() - started, cpuMilliseconds: cpu.elapsedMs() };
}

function summarizeTimings(timings: readonly Timing[]) {
  const milliseconds = median(timings.map((timing) => timing.milliseconds));
  const cpuMilliseconds = median(timings.map((timing) => timing.cpuMilliseconds));
  const { chunks, files } = timings[0]!;
  return {
    milliseconds: round(milliseconds, 0),
    chunksPerSecond: round((chunks / milliseconds) * 1000, 0),
    filesPerSecond: round((files / milliseconds) * 1000, 1),
    cpuMilliseconds: round(cpuMilliseconds, 0),
    chunksPerCpuSecond: round((chunks / cpuMilliseconds) * 1000, 0),
    filesPerCpuSecond: round((files / cpuMilliseconds) * 1000, 1),
    samples: timings.map((timing) => ({
      milliseconds: round(timing.milliseconds, 0),
      cpuMilliseconds: round(timing.cpuMilliseconds, 0),
    })),
  };
}

type TimingSummary = ReturnType<typeof summarizeTimings>;

/**
 * How the pipeline's time splits, on one clock: parsing, the batched storage write it makes (catalogue rows
 * and chunks), and the rest (hashing, keeping the originals, the lookup, handing files to the parser).
 */
function shares(pipeline: number, parse: number, index: number) {
  return {
    parse: ratio(parse, pipeline, 3),
    index: ratio(index, pipeline, 3),
    rest: ratio(pipeline - parse - index, pipeline, 3),
  };
}

function buildReport(
  runs: { pipeline: Timing; raw: Timing; batched: Timing; parse: Timing; embeddingModel: string | null }[],
  run: { quick: boolean; repetitions: number },
) {
  const pipeline: TimingSummary = summarizeTimings(runs.map((entry) => entry.pipeline));
  const raw = summarizeTimings(runs.map((entry) => entry.raw));
  const batched = summarizeTimings(runs.map((entry) => entry.batched));
  const parse = summarizeTimings(runs.map((entry) => entry.parse));
  const first = runs[0]!;
  return {
    benchmark: 'ingest-rate',
    date: new Date().toISOString(),
    mode: run.quick ? 'quick' : 'full',
    repetitions: run.repetitions,
    machine: describeMachine(),
    source: describeSource(),
    statistic: 'median over repetitions',
    workload: {
      files: first.pipeline.files,
      chunks: first.pipeline.chunks,
      format: 'Markdown, 2-5 sections of 120-300 words',
      embeddingModel: first.embeddingModel,
      storage: 'PGlite on disk (fresh data dir per repetition)',
    },
    pipeline,
    rawReplaceDocumentChunks: raw,
    rawBatched: { filesPerWrite: BATCH_FILES, ...batched },
    parseOnly: parse,
    ratios: {
      'pipeline / raw (rate, wall)': ratio(pipeline.chunksPerSecond, raw.chunksPerSecond, 3),
      'pipeline / raw (rate, CPU)': ratio(pipeline.chunksPerCpuSecond, raw.chunksPerCpuSecond, 3),
      'batched / raw (rate, CPU)': ratio(batched.chunksPerCpuSecond, raw.chunksPerCpuSecond, 3),
      'pipeline / batched (rate, CPU)': ratio(pipeline.chunksPerCpuSecond, batched.chunksPerCpuSecond, 3),
      'pipeline time shares (wall)': shares(pipeline.milliseconds, parse.milliseconds, batched.milliseconds),
      'pipeline time shares (CPU)': shares(
        pipeline.cpuMilliseconds,
        parse.cpuMilliseconds,
        batched.cpuMilliseconds,
      ),
    },
  };
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
