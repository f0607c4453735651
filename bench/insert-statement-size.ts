/**
 * Statement size on the embedded database: one document's chunks written in one transaction (as
 * `replaceDocumentChunks` does) as statements of 1,000 chunks or of 50 with a turn of the event loop between
 * them, on in-memory PGlite. Reports CPU, chunks per CPU second and the longest stretch without a turn of the
 * event loop (what a /healthz request waits at most).
 *
 *   npx tsx bench/insert-statement-size.ts [--quick]
 *
 * 2,000 chunks of 200 words (500 with --quick) from a seeded Zipf vocabulary; the two sizes alternate, twice.
 * Prints one JSON document on stdout; progress goes to stderr.
 */

import { openPostgresStorage } from '../src/storage/postgres/index.ts';
import { insertChunks } from '../src/storage/postgres/insert-chunks.ts';
import {
  createRandom,
  createZipfVocabulary,
  describeMachine,
  describeSource,
  printResult,
  progress,
  readFlags,
  syntheticProse,
} from './support/index.ts';

const { quick } = readFlags();
const vocabulary = createZipfVocabulary();
const random = createRandom(3);
const texts = Array.from({ length: quick ? 500 : 2000 }, () => syntheticProse(vocabulary, random, 200));

async function writeOnce(batchRows: number) {
  const storage = await openPostgresStorage({ pglite: {} });
  try {
    const base = await storage.knowledge.createKnowledgeBase('bench', { name: 'kb' });
    const document = await storage.knowledge.upsertDocument('bench', {
      knowledgeBaseId: base.id,
      source: 'large.md',
      mimeType: 'text/markdown',
      sha256: 'v',
      bytes: 1,
    });
    const chunks = texts.map((text, position) => ({
      id: `c${position}`,
      tenantId: 'bench',
      documentId: document.id,
      knowledgeBaseId: base.id,
      position,
      text,
      tokenCount: 200,
      location: {},
      metadata: {},
      embedding: null,
    }));
    let lastTurn = performance.now();
    let longestStallMs = 0;
    const pause = async () => {
      longestStallMs = Math.max(longestStallMs, performance.now() - lastTurn);
      await new Promise((resolvePause) => setImmediate(resolvePause));
      lastTurn = performance.now();
    };
    const cpuBefore = process.cpuUsage();
    const startedAt = performance.now();
    const write = { knowledgeBaseId: base.id, documentId: document.id, sha256: 'v', chunks };
    await storage.client.transaction((transaction) =>
      insertChunks(transaction, 'bench', [write], [], new Date(), false, { batchRows, pause }),
    );
    longestStallMs = Math.max(longestStallMs, performance.now() - lastTurn);
    const cpu = process.cpuUsage(cpuBefore);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    return {
      batchRows,
      chunks: texts.length,
      wallMs: Math.round(performance.now() - startedAt),
      cpuMs: Math.round(cpuMs),
      chunksPerCpuSecond: Math.round(texts.length / (cpuMs / 1000)),
      longestStallMs: Math.round(longestStallMs),
    };
  } finally {
    await storage.close();
  }
}

const runs = [];
for (const batchRows of [1000, 50, 1000, 50]) {
  const run = await writeOnce(batchRows);
  progress(JSON.stringify(run));
  runs.push(run);
}
printResult({
  benchmark: 'insert-statement-size',
  machine: describeMachine(),
  source: describeSource(),
  runs,
});
