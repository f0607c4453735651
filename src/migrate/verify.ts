/**
 * Verification: the target holds exactly the source's records — same ids, same content checksums, same
 * metadata (after the normalisation in records.ts), same vectors when they were kept — and answers vector
 * queries the same way (top-k overlap on sample queries; recall on a golden set after re-embedding).
 */
import type { Embedder } from '../core/models.ts';
import type { MigrationSource } from './ports.ts';
import {
  conversationDigest,
  isConversationRecord,
  type KnowledgeDigest,
  knowledgeDigest,
  type MigrationRecord,
  recordKey,
} from './records.ts';

/** Mean top-k overlap below this fails verification: approximate indexes (HNSW) may differ slightly. */
export const RETRIEVAL_AGREEMENT_THRESHOLD = 0.9;
const EXAMPLES = 10;

export interface Discrepancy {
  count: number;
  /** Up to ten record ids. */
  examples: string[];
}

export interface VerifyReport {
  ok: boolean;
  counts: { source: number; target: number };
  missing: Discrepancy;
  unexpected: Discrepancy;
  duplicates: Discrepancy;
  content: Discrepancy;
  metadata: Discrepancy;
  vectors: Discrepancy | null;
  retrieval: { queries: number; k: number; meanOverlap: number; threshold: number; ok: boolean } | null;
  golden: { queries: number; k: number; recall: number } | null;
}

export interface VerifyOptions {
  source: MigrationSource;
  target: MigrationSource;
  /** Whether vectors were copied as they were (compared one by one) or re-embedded. */
  vectors: 'kept' | 'reembedded' | 'none';
  /** Sample queries for retrieval agreement. Default 20. */
  samples?: number;
  k?: number;
  /** After re-embedding: queries with the record ids that should come back. */
  golden?: { queries: Array<{ query: string; relevant: string[] }>; embedder: Embedder };
  batchSize?: number;
}

class Tally {
  count = 0;
  examples: string[] = [];
  add(id: string): void {
    this.count += 1;
    if (this.examples.length < EXAMPLES) this.examples.push(id);
  }
  toJSON(): Discrepancy {
    return { count: this.count, examples: this.examples };
  }
}

type Digest = KnowledgeDigest | string;

function keyAndDigest(record: MigrationRecord): [string, Digest] {
  if (isConversationRecord(record)) return [record.conversation.id, conversationDigest(record)];
  return [recordKey(record), knowledgeDigest(record)];
}

export async function verifyMigration(options: VerifyOptions): Promise<VerifyReport> {
  const batchSize = options.batchSize ?? 500;
  const k = options.k ?? 10;
  const sourceDescription = await options.source.describe();
  const sampleEvery = Math.max(1, Math.floor(sourceDescription.count / (options.samples ?? 20)));
  const expected = new Map<string, Digest>();
  const samples: number[][] = [];
  const duplicates = new Tally();
  let sourceCount = 0;
  for await (const batch of options.source.read({ skip: 0, batchSize })) {
    for (const record of batch) {
      const [key, digest] = keyAndDigest(record);
      if (expected.has(key)) duplicates.add(key);
      expected.set(key, digest);
      if (!isConversationRecord(record) && record.embedding && sourceCount % sampleEvery === 0) {
        if (samples.length < (options.samples ?? 20)) samples.push(record.embedding);
      }
      sourceCount += 1;
    }
  }
  const unexpected = new Tally();
  const content = new Tally();
  const metadata = new Tally();
  const vectors = new Tally();
  const seen = new Set<string>();
  let targetCount = 0;
  for await (const batch of options.target.read({ skip: 0, batchSize })) {
    for (const record of batch) {
      targetCount += 1;
      const [key, digest] = keyAndDigest(record);
      if (seen.has(key)) duplicates.add(key);
      seen.add(key);
      const want = expected.get(key);
      if (want === undefined) {
        unexpected.add(key);
        continue;
      }
      expected.delete(key);
      if (typeof want === 'string' || typeof digest === 'string') {
        if (want !== digest) content.add(key);
        continue;
      }
      if (want.content !== digest.content) content.add(key);
      if (want.metadata !== digest.metadata) metadata.add(key);
      if (options.vectors === 'kept' && want.vector !== digest.vector) vectors.add(key);
    }
  }
  const missing = new Tally();
  for (const key of expected.keys()) if (!seen.has(key)) missing.add(key);
  const retrieval =
    options.vectors === 'kept' ? await retrievalAgreement(options.source, options.target, samples, k) : null;
  const golden = options.golden ? await goldenRecall(options.target, options.golden, k) : null;
  const tallies = [missing, unexpected, duplicates, content, metadata, vectors];
  return {
    ok: tallies.every((tally) => tally.count === 0) && (retrieval?.ok ?? true),
    counts: { source: sourceCount, target: targetCount },
    missing: missing.toJSON(),
    unexpected: unexpected.toJSON(),
    duplicates: duplicates.toJSON(),
    content: content.toJSON(),
    metadata: metadata.toJSON(),
    vectors: options.vectors === 'kept' ? vectors.toJSON() : null,
    retrieval,
    golden,
  };
}

async function retrievalAgreement(
  source: MigrationSource,
  target: MigrationSource,
  samples: number[][],
  k: number,
): Promise<VerifyReport['retrieval']> {
  if (!source.nearest || !target.nearest || samples.length === 0) return null;
  let total = 0;
  for (const embedding of samples) {
    const [expected, actual] = await Promise.all([
      source.nearest(embedding, k),
      target.nearest(embedding, k),
    ]);
    const wanted = new Set(expected);
    const overlap = actual.filter((key) => wanted.has(key)).length;
    total += wanted.size === 0 ? 1 : overlap / wanted.size;
  }
  const meanOverlap = total / samples.length;
  return {
    queries: samples.length,
    k,
    meanOverlap,
    threshold: RETRIEVAL_AGREEMENT_THRESHOLD,
    ok: meanOverlap >= RETRIEVAL_AGREEMENT_THRESHOLD,
  };
}

async function goldenRecall(
  target: MigrationSource,
  golden: NonNullable<VerifyOptions['golden']>,
  k: number,
): Promise<VerifyReport['golden']> {
  if (!target.nearest || golden.queries.length === 0) return null;
  let total = 0;
  for (const entry of golden.queries) {
    const [embedding] = await golden.embedder.embed([entry.query]);
    const found = new Set(await target.nearest(embedding!, k));
    const relevant = entry.relevant.length;
    total += relevant === 0 ? 1 : entry.relevant.filter((id) => found.has(id)).length / relevant;
  }
  return { queries: golden.queries.length, k, recall: total / golden.queries.length };
}
