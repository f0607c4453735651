/**
 * Migration throughput and memory: Chroma (a real server) → a Godwit knowledge base on a fresh on-disk
 * PGlite, keeping the vectors, against the sink's raw batched insert rate in the same run: the same records,
 * read beforehand, written with KnowledgeStore.upsertDocuments + VectorIndex.replaceManyDocumentChunks in
 * batches of the sink's size. For context it also measures the single-call rate: replaceDocumentChunks
 * alone, one record at a time, into documents created beforehand (untimed). Peak RSS of the migrating
 * process as the collection grows, for the knowledge-base target and for a dump target (which isolates the
 * migration's own memory from the database's).
 *
 *   npx tsx bench/migrate-throughput.ts [--quick]
 *
 * `--quick`: 2k and 4k records into the knowledge base, 5k and 20k into a dump (else 5k/10k and 10k–100k).
 * `--repeat N` (default 3): knowledge-base runs per size, alternating with the raw baseline; medians are
 * reported, with every run's rate under `runs`.
 *
 * Records: ~40 words of seeded Zipf prose, 5 metadata keys, 64-dimensional vectors. Each measured run is
 * a separate child process, so its peak RSS (getrusage maxrss) is its own. Prints one JSON document on
 * stdout; progress goes to stderr.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createGodwit, loadConfig } from '../src/config/index.ts';
import type { UpsertDocumentInput } from '../src/core/ports.ts';
import { type Chunk, DEFAULT_TENANT } from '../src/core/types.ts';
import {
  openSink,
  openSource,
  parseLocation,
  planMigration,
  runMigration,
  startChroma,
} from '../src/migrate/index.ts';
import type { KnowledgeRecord } from '../src/migrate/records.ts';
import { KNOWLEDGE_BATCH_RECORDS } from '../src/migrate/sinks/knowledge-base-sink.ts';
import { ChromaSource } from '../src/migrate/sources/chroma-source.ts';
import {
  createRandom,
  createZipfVocabulary,
  describeMachine,
  describeSource,
  median,
  printResult,
  progress,
  ratio,
  round,
  syntheticProse,
} from './support/index.ts';

const DIMENSION = 64;
const MODEL = 'openai:text-embedding-3-small';

interface RunResult {
  records: number;
  seconds: number;
  recordsPerSecond: number;
  peakRssMb: number;
}

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    child: { type: 'string' },
    url: { type: 'string' },
    collection: { type: 'string' },
    records: { type: 'string' },
    repeat: { type: 'string', default: '3' },
  },
});

if (values.child) {
  const result =
    values.child === 'raw'
      ? await rawBatchedInsert()
      : values.child === 'raw-single'
        ? await rawSingleInsert()
        : await migrateOnce(values.child as 'kb' | 'dump');
  process.stdout.write(JSON.stringify(result));
  process.exit(0);
} else {
  await main();
}

async function main(): Promise<void> {
  const quick = values.quick ?? false;
  const repeat = Math.max(1, Number.parseInt(values.repeat ?? '3', 10) || 1);
  const kbSizes = quick ? [2000, 4000] : [5000, 10_000];
  const dumpSizes = quick ? [5000, 20_000] : [10_000, 50_000, 100_000];
  const root = mkdtempSync(join(tmpdir(), 'godwit-bench-migrate-'));
  const chroma = await startChroma(join(root, 'chroma'));
  try {
    const largest = Math.max(...kbSizes, ...dumpSizes);
    progress(`loading ${largest} records into Chroma…`);
    await loadCollection(chroma.url, largest, kbSizes.concat(dumpSizes));
    const knowledgeBase: Array<
      RunResult & {
        rawRecordsPerSecond: number;
        ratio: number | null;
        rawSingleRecordsPerSecond: number;
        ratioToSingle: number | null;
        runs: { recordsPerSecond: number[]; rawRecordsPerSecond: number[] };
      }
    > = [];
    for (const size of kbSizes) {
      // Runs of a few seconds on a shared machine are noisy: alternate the sink and its raw baseline and
      // compare medians.
      const migrated: RunResult[] = [];
      const raw: RunResult[] = [];
      for (let run = 1; run <= repeat; run++) {
        progress(`Chroma → knowledge base, ${size} records (run ${run}/${repeat})…`);
        migrated.push(child('kb', chroma.url, size));
        progress(`raw upsertDocuments + replaceManyDocumentChunks, ${size} records (run ${run}/${repeat})…`);
        raw.push(child('raw', chroma.url, size));
      }
      progress(`raw replaceDocumentChunks one at a time, ${size} records…`);
      const single = child('raw-single', chroma.url, size);
      const rate = median(migrated.map((result) => result.recordsPerSecond));
      const rawRate = median(raw.map((result) => result.recordsPerSecond));
      knowledgeBase.push({
        records: size,
        seconds: median(migrated.map((result) => result.seconds)),
        recordsPerSecond: rate,
        peakRssMb: Math.max(...migrated.map((result) => result.peakRssMb)),
        rawRecordsPerSecond: rawRate,
        ratio: ratio(rate, rawRate),
        rawSingleRecordsPerSecond: single.recordsPerSecond,
        ratioToSingle: ratio(rate, single.recordsPerSecond),
        runs: {
          recordsPerSecond: migrated.map((result) => result.recordsPerSecond),
          rawRecordsPerSecond: raw.map((result) => result.recordsPerSecond),
        },
      });
    }
    const dump: RunResult[] = [];
    for (const size of dumpSizes) {
      progress(`Chroma → dump, ${size} records…`);
      dump.push(child('dump', chroma.url, size));
    }
    printResult({
      benchmark: 'migrate-throughput',
      machine: describeMachine(),
      source: describeSource(),
      dimension: DIMENSION,
      knowledgeBase,
      dump,
    });
  } finally {
    await chroma.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

/** One collection per size (`n<size>`), filled from the same seeded records in batches of 2000. */
async function loadCollection(url: string, largest: number, sizes: number[]): Promise<void> {
  const random = createRandom(7);
  const vocabulary = createZipfVocabulary({ size: 5000, seed: 7 });
  const base = `${url}/api/v2/tenants/default_tenant/databases/default_database/collections`;
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`Chroma ${response.status}: ${await response.text()}`);
    return (await response.json()) as { id: string };
  };
  const ids = new Map<number, string>();
  for (const size of new Set(sizes))
    ids.set(size, (await post('', { name: `n${size}`, metadata: { 'hnsw:space': 'cosine' } })).id);
  for (let start = 0; start < largest; start += 2000) {
    const count = Math.min(2000, largest - start);
    const batch = Array.from({ length: count }, (_, offset) => {
      const index = start + offset;
      return {
        id: `doc-${index}`,
        document: syntheticProse(vocabulary, random, 40),
        metadata: {
          index,
          group: `g${index % 50}`,
          score: index / 7,
          even: index % 2 === 0,
          source: `file-${index % 500}.md`,
        },
        embedding: Array.from({ length: DIMENSION }, () => random() * 2 - 1),
      };
    });
    for (const [size, id] of ids) {
      const kept = batch.filter((record) => record.metadata.index < size);
      if (kept.length === 0) continue;
      await post(`/${id}/add`, {
        ids: kept.map((record) => record.id),
        documents: kept.map((record) => record.document),
        metadatas: kept.map((record) => record.metadata),
        embeddings: kept.map((record) => record.embedding),
      });
    }
  }
}

function child(mode: 'kb' | 'dump' | 'raw' | 'raw-single', url: string, records: number): RunResult {
  const output = execFileSync(
    process.execPath,
    [
      '--import',
      'tsx',
      import.meta.filename,
      '--child',
      mode,
      '--url',
      url,
      '--collection',
      `n${records}`,
      '--records',
      String(records),
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 },
  );
  return JSON.parse(output) as RunResult;
}

function finish(records: number, started: number): RunResult {
  const seconds = (performance.now() - started) / 1000;
  return {
    records,
    seconds: round(seconds, 1),
    recordsPerSecond: round(records / seconds, 0),
    peakRssMb: round(process.resourceUsage().maxRSS / 1024, 0),
  };
}

async function openServices(dataDir: string) {
  const { config } = loadConfig({ env: {}, overrides: { dataDir, sample: false } });
  return createGodwit(config, { env: {} });
}

async function migrateOnce(target: 'kb' | 'dump'): Promise<RunResult> {
  const root = mkdtempSync(join(tmpdir(), 'godwit-bench-run-'));
  const services = target === 'kb' ? await openServices(join(root, 'data')) : undefined;
  try {
    const context = {
      godwit: async () => ({
        knowledge: services!.knowledgeStore,
        index: services!.index,
        conversations: services!.conversations,
        location: 'bench',
      }),
      postgresConversations: async () => {
        throw new Error('not used');
      },
      embeddingModel: MODEL,
    };
    const source = await openSource(
      parseLocation(`chroma://${new URL(values.url!).host}/${values.collection}`),
      context,
    );
    const sink = await openSink(
      parseLocation(target === 'kb' ? 'godwit://bench' : join(root, 'dump')),
      'knowledge',
      context,
    );
    const plan = await planMigration(source, sink);
    const started = performance.now();
    const result = await runMigration(plan, {
      source,
      sink,
      checkpointPath: join(root, 'checkpoint.json'),
    });
    return finish(result.written, started);
  } finally {
    await services?.close();
    rmSync(root, { recursive: true, force: true });
  }
}

/** The collection's records, read from Chroma (untimed by the callers). */
async function readRecords(): Promise<KnowledgeRecord[]> {
  const source = new ChromaSource({
    baseUrl: values.url!,
    collection: values.collection!,
    embeddingModel: MODEL,
  });
  const records: KnowledgeRecord[] = [];
  try {
    for await (const batch of source.read({ skip: 0, batchSize: 1000 })) records.push(...batch);
  } finally {
    await source.close();
  }
  return records;
}

async function rawBase(services: Awaited<ReturnType<typeof openServices>>) {
  return services.knowledgeStore.createKnowledgeBase(DEFAULT_TENANT, {
    name: 'raw',
    embeddingModel: MODEL,
    embeddingVersion: null,
    embeddingDimension: DIMENSION,
  });
}

function rawChunk(knowledgeBaseId: string, documentId: string, record: KnowledgeRecord): Chunk {
  return {
    id: `${documentId}:0`,
    tenantId: DEFAULT_TENANT,
    knowledgeBaseId,
    documentId,
    position: 0,
    text: record.text,
    location: {},
    metadata: record.metadata,
    tokenCount: 1,
    embedding: record.embedding,
  };
}

function rawDocumentInput(knowledgeBaseId: string, record: KnowledgeRecord): UpsertDocumentInput {
  return {
    knowledgeBaseId,
    source: record.source,
    mimeType: 'text/plain',
    sha256: 'raw',
    bytes: record.text.length,
    metadata: record.metadata,
  };
}

/**
 * The sink's raw batched rate: the same records read from Chroma first (untimed), then written with
 * upsertDocuments + replaceManyDocumentChunks in batches of the sink's size, without the migration around.
 */
async function rawBatchedInsert(): Promise<RunResult> {
  const root = mkdtempSync(join(tmpdir(), 'godwit-bench-raw-'));
  const services = await openServices(join(root, 'data'));
  try {
    const { knowledgeStore, index } = services;
    if (!knowledgeStore.upsertDocuments || !index.replaceManyDocumentChunks) {
      throw new Error('the bench target has no batch writes');
    }
    const records = await readRecords();
    const knowledgeBase = await rawBase(services);
    const started = performance.now();
    for (let start = 0; start < records.length; start += KNOWLEDGE_BATCH_RECORDS) {
      const batch = records.slice(start, start + KNOWLEDGE_BATCH_RECORDS);
      const documents = await knowledgeStore.upsertDocuments(
        DEFAULT_TENANT,
        batch.map((record) => rawDocumentInput(knowledgeBase.id, record)),
      );
      await index.replaceManyDocumentChunks(
        DEFAULT_TENANT,
        batch.map((record, position) => {
          const document = documents[position]!;
          return {
            document: { id: document.id, knowledgeBaseId: knowledgeBase.id, sha256: 'raw' },
            chunks: [rawChunk(knowledgeBase.id, document.id, record)],
          };
        }),
      );
    }
    return finish(records.length, started);
  } finally {
    await services.close();
    rmSync(root, { recursive: true, force: true });
  }
}

/** The single-call rate: documents created first (untimed), then replaceDocumentChunks one at a time. */
async function rawSingleInsert(): Promise<RunResult> {
  const root = mkdtempSync(join(tmpdir(), 'godwit-bench-raw-'));
  const services = await openServices(join(root, 'data'));
  try {
    const records = await readRecords();
    const knowledgeBase = await rawBase(services);
    const prepared: Array<{
      document: { id: string; knowledgeBaseId: string; sha256: string };
      chunk: Chunk;
    }> = [];
    for (const record of records) {
      const document = await services.knowledgeStore.upsertDocument(
        DEFAULT_TENANT,
        rawDocumentInput(knowledgeBase.id, record),
      );
      prepared.push({
        document: { id: document.id, knowledgeBaseId: knowledgeBase.id, sha256: 'raw' },
        chunk: rawChunk(knowledgeBase.id, document.id, record),
      });
    }
    const started = performance.now();
    for (const { document, chunk } of prepared)
      await services.index.replaceDocumentChunks(DEFAULT_TENANT, document, [chunk]);
    return finish(prepared.length, started);
  } finally {
    await services.close();
    rmSync(root, { recursive: true, force: true });
  }
}
