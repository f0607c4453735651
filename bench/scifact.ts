/**
 * SciFact retrieval benchmark for the offline default: BM25 with pseudo-relevance feedback, fused with the
 * local lexical embedding. Documents go through the real parser (title + blank line + abstract as a .txt
 * file, 512-token chunks with 64 of overlap); chunk hits count for their document at their best score.
 *
 *   npx tsx bench/scifact.ts [--split test|train] [--variant NAME] [--whole-documents] [--dataset DIR]
 *
 * Variants: bm25, bm25-feedback, hybrid (bm25 + lexical embedding), hybrid-feedback (the default).
 * Prints one JSON document on stdout; progress goes to stderr. Tune on train, report test.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { analyze } from '../src/core/retrieval/analyzer.ts';
import { Bm25Index } from '../src/core/retrieval/bm25.ts';
import { fuseResults } from '../src/core/retrieval/fusion.ts';
import { LEXICAL_EMBEDDING, lexicalEmbedding } from '../src/core/retrieval/lexical-embedding.ts';
import { searchWithFeedback } from '../src/core/retrieval/pseudo-relevance-feedback.ts';
import { type BeirDataset, evaluateRetrieval, loadBeirDataset } from '../src/eval/index.ts';
import { createDocumentParser } from '../src/ingest/index.ts';

const VARIANTS = ['bm25', 'bm25-feedback', 'hybrid', 'hybrid-feedback'] as const;
type Variant = (typeof VARIANTS)[number];

/** Keyword and vector lists are this deep before fusion; evaluation reads the top 100. */
const DEPTH = 100;
/** Weights of the keyword and the lexical-embedding list in the min-max fusion. */
const HYBRID_WEIGHTS = [0.8, 0.2] as const;

interface IndexedChunk {
  chunkId: string;
  documentId: string;
  text: string;
  embedding: Float64Array;
}

interface ChunkHit {
  chunkId: string;
  documentId: string;
  text: string;
  score: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      split: { type: 'string', default: 'test' },
      variant: { type: 'string', default: 'hybrid-feedback' },
      dataset: { type: 'string', default: defaultDatasetDirectory() },
      'whole-documents': { type: 'boolean', default: false },
    },
  });
  const variant = values.variant as Variant;
  if (!VARIANTS.includes(variant)) throw new Error(`--variant must be one of ${VARIANTS.join(', ')}`);
  const dataset = await loadBeirDataset(values.dataset, values.split);
  const chunks = await chunkCorpus(dataset, values['whole-documents']);

  const keywordStarted = performance.now();
  const keywordIndex = new Bm25Index();
  for (const chunk of chunks) keywordIndex.add(chunk.chunkId, analyze(chunk.text));
  const keywordIndexMs = performance.now() - keywordStarted;
  const embeddingStarted = performance.now();
  if (variant.startsWith('hybrid')) for (const chunk of chunks) chunk.embedding = embed(chunk.text);
  const embeddingIndexMs = performance.now() - embeddingStarted;

  const search = createSearch(variant, keywordIndex, chunks);
  const report = await evaluateRetrieval({
    dataset,
    search: async (query) =>
      (await search(query)).map((hit) => ({ documentId: hit.documentId, score: hit.score })),
    onProgress: ({ done, total }) => {
      if (done % 100 === 0 || done === total) process.stderr.write(`\r${done}/${total} queries`);
    },
  });
  process.stderr.write('\n');
  const result = {
    dataset: values.dataset,
    split: values.split,
    variant,
    chunking: values['whole-documents'] ? 'whole documents' : '512 tokens, 64 overlap',
    documents: dataset.corpus.length,
    chunks: chunks.length,
    keyword_index_build_ms: Math.round(keywordIndexMs),
    embedding_build_ms: Math.round(embeddingIndexMs),
    ...report,
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

function createSearch(variant: Variant, keywordIndex: Bm25Index, chunks: IndexedChunk[]) {
  const byId = new Map(chunks.map((chunk) => [chunk.chunkId, chunk]));
  const keywordSearch = async (text: string, k: number): Promise<ChunkHit[]> =>
    keywordIndex.search(analyze(text), k).map((hit) => toHit(byId.get(hit.id)!, hit.score));
  const keywordSide = (query: string) =>
    variant.endsWith('feedback')
      ? searchWithFeedback(keywordSearch, query, { key: (hit) => hit.chunkId, k: DEPTH })
      : keywordSearch(query, DEPTH);
  if (!variant.startsWith('hybrid')) return keywordSide;
  return async (query: string): Promise<ChunkHit[]> => {
    const [keywordHits, vectorHits] = await Promise.all([
      keywordSide(query),
      vectorSearch(chunks, query, DEPTH),
    ]);
    return fuseResults([keywordHits, vectorHits], {
      key: (hit) => hit.chunkId,
      weights: HYBRID_WEIGHTS,
      k: DEPTH,
    });
  };
}

/** Exact cosine search (vectors are unit length, so the dot product is the cosine). */
async function vectorSearch(chunks: readonly IndexedChunk[], query: string, k: number): Promise<ChunkHit[]> {
  const queryVector = embed(query);
  const scored = chunks.map((chunk) => ({ chunk, score: dot(queryVector, chunk.embedding) }));
  scored.sort(
    (left, right) => right.score - left.score || (left.chunk.chunkId < right.chunk.chunkId ? -1 : 1),
  );
  return scored.slice(0, k).map(({ chunk, score }) => toHit(chunk, score));
}

async function chunkCorpus(dataset: BeirDataset, wholeDocuments: boolean): Promise<IndexedChunk[]> {
  const parser = createDocumentParser({ maxChunkTokens: 512, chunkOverlapTokens: 64 });
  const chunks: IndexedChunk[] = [];
  for (const document of dataset.corpus) {
    const text = `${document.title}\n\n${document.text}`;
    const pieces = wholeDocuments
      ? [text]
      : (await parser.parse({ source: `${document.id}.txt`, bytes: Buffer.from(text) })).chunks.map(
          (chunk) => chunk.text,
        );
    pieces.forEach((piece, index) => {
      chunks.push({
        chunkId: `${document.id}#${index}`,
        documentId: document.id,
        text: piece,
        embedding: EMPTY,
      });
    });
  }
  return chunks;
}

const EMPTY = new Float64Array(0);

function embed(text: string): Float64Array {
  return Float64Array.from(lexicalEmbedding(text, LEXICAL_EMBEDDING.dimension));
}

function dot(left: Float64Array, right: Float64Array): number {
  let sum = 0;
  for (let index = 0; index < left.length; index++) sum += left[index]! * right[index]!;
  return sum;
}

function toHit(chunk: IndexedChunk, score: number): ChunkHit {
  return { chunkId: chunk.chunkId, documentId: chunk.documentId, text: chunk.text, score };
}

function defaultDatasetDirectory(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../shared/datasets/scifact');
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
