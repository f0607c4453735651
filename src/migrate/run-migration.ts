/**
 * The migration loop: read a batch from the source, re-embed it if asked, write it to the sink, record a
 * checkpoint. Memory holds one batch (plus one document's chunks) whatever the size of the source.
 */
import { ConfigError, ValidationError } from '../core/errors.ts';
import type { Embedder, Pricing } from '../core/models.ts';
import { estimateTokens } from '../core/text/tokens.ts';
import { Checkpoint } from './checkpoint.ts';
import type { MigrationSink, MigrationSource, SourceDescription } from './ports.ts';
import {
  type EmbeddingInfo,
  isConversationRecord,
  type KnowledgeRecord,
  type MigrationRecord,
} from './records.ts';
import { createReembedder } from './reembed.ts';

export interface MigrationProgress {
  /** Records read so far (including those a resume skipped). */
  done: number;
  total: number;
}

export interface RunMigrationOptions {
  source: MigrationSource;
  sink: MigrationSink;
  /** Where progress is recorded; a resumed run continues from it. */
  checkpointPath: string;
  resume?: boolean;
  /** Records per batch. Default 500. */
  batchSize?: number;
  reembed?: { embedder: Embedder; batchSize?: number; concurrency?: number };
  onProgress?: (progress: MigrationProgress) => void;
  /** Called after each checkpoint is saved (tests use it to stop a run at a known point). */
  onCheckpoint?: (done: number) => void;
  now?: () => Date;
}

export interface MigrationPlan {
  source: SourceDescription;
  target: string;
  records: number;
  /** Vectors as they will arrive at the target. */
  embedding: EmbeddingInfo | null;
  vectors: 'kept' | 'reembedded' | 'none';
  reembed: { model: string; texts: number; estimatedTokens: number; estimatedCostUsd: number | null } | null;
}

export interface MigrationResult {
  plan: MigrationPlan;
  /** Records written by this run (a resumed run counts only its own). */
  written: number;
  /** Records skipped because a checkpoint said they were done. */
  resumedFrom: number;
  seconds: number;
  recordsPerSecond: number;
}

/** Checks the pair and describes what a run would do, without writing anything. */
export async function planMigration(
  source: MigrationSource,
  sink: MigrationSink,
  options: { reembedModel?: Embedder; pricing?: Pricing; estimateTexts?: boolean } = {},
): Promise<MigrationPlan> {
  const description = await source.describe();
  if (description.kind !== sink.kind) {
    throw new ValidationError(
      `${description.location} holds ${description.kind}, but ${sink.location} takes ${sink.kind}. Pick a target of the same kind.`,
    );
  }
  const embedder = options.reembedModel;
  if (embedder && description.kind !== 'knowledge') {
    throw new ValidationError('--reembed applies to knowledge bases only; conversations have no vectors.');
  }
  if (!embedder && description.embedding && description.embedding.model === null) {
    throw new ConfigError(
      `${description.location} does not record which embedding model made its vectors. Name it with --embedding-model provider:model (the one that made them, so queries are embedded the same way), or re-embed with --reembed provider:model.`,
    );
  }
  const embedding: EmbeddingInfo | null = embedder
    ? { model: embedder.model, version: embedder.version, dimension: embedder.dimension }
    : description.embedding;
  let reembed: MigrationPlan['reembed'] = null;
  if (embedder) {
    const estimatedTokens = options.estimateTexts ? await estimateSourceTokens(source) : 0;
    reembed = {
      model: embedder.model,
      texts: description.count,
      estimatedTokens,
      estimatedCostUsd:
        options.pricing?.(embedder.model, {
          inputTokens: estimatedTokens,
          outputTokens: 0,
          totalTokens: estimatedTokens,
        }) ?? null,
    };
  }
  return {
    source: description,
    target: sink.location,
    records: description.count,
    embedding,
    vectors: embedder ? 'reembedded' : description.embedding ? 'kept' : 'none',
    reembed,
  };
}

async function estimateSourceTokens(source: MigrationSource): Promise<number> {
  let tokens = 0;
  for await (const batch of source.read({ skip: 0, batchSize: 1000 })) {
    for (const record of batch) if (!isConversationRecord(record)) tokens += estimateTokens(record.text);
  }
  return tokens;
}

/**
 * Runs a migration to the end and removes its checkpoint. A leftover checkpoint without `resume` is a
 * ValidationError naming both ways forward (resume, or delete it).
 */
export async function runMigration(
  plan: MigrationPlan,
  options: RunMigrationOptions,
): Promise<MigrationResult> {
  const now = options.now ?? (() => new Date());
  const started = performance.now();
  const checkpoint = new Checkpoint(options.checkpointPath);
  const previous = checkpoint.load();
  if (previous && !options.resume) {
    throw new ValidationError(
      `A previous migration of ${plan.source.location} to ${plan.target} stopped after ${previous.done} records (checkpoint ${checkpoint.path}). Run again with --resume to continue, or delete the checkpoint to start over.`,
    );
  }
  if (previous && (previous.source !== plan.source.location || previous.target !== plan.target)) {
    throw new ValidationError(
      `The checkpoint ${checkpoint.path} belongs to a migration of ${previous.source} to ${previous.target}, not of ${plan.source.location} to ${plan.target}. Finish that one, or delete the checkpoint.`,
    );
  }
  const resumedFrom = options.resume ? (previous?.done ?? 0) : 0;
  const batchSize = options.batchSize ?? 500;
  const { source, sink } = options;
  const resuming = Boolean(options.resume && previous);
  await sink.prepare({
    source: plan.source,
    embedding: plan.embedding,
    resume: resuming,
    resumeFrom: resumedFrom,
  });
  const reembedder = options.reembed ? createReembedder(options.reembed) : undefined;
  const startedAt = previous?.startedAt ?? now().toISOString();
  let done = resumedFrom;
  let read = resumedFrom;
  const save = () => {
    checkpoint.save({
      source: plan.source.location,
      target: plan.target,
      done,
      startedAt,
      updatedAt: now().toISOString(),
    });
    options.onCheckpoint?.(done);
  };
  // A checkpoint from the start: a run stopped before its first batch still resumes into the same target.
  save();
  try {
    for await (const batch of readAhead(source.read({ skip: resumedFrom, batchSize }))) {
      const records: MigrationRecord[] = reembedder
        ? await reembedder.apply(batch as KnowledgeRecord[])
        : batch;
      done += await sink.write(records);
      read += batch.length;
      save();
      options.onProgress?.({ done: read, total: Math.max(plan.records, read) });
    }
    done += await sink.finish();
  } catch (error) {
    // A first run that failed before anything was durable leaves nothing to resume: start clean next time.
    if (!previous && done === 0) {
      checkpoint.clear();
      await sink.discard?.();
    }
    throw error;
  }
  checkpoint.clear();
  const seconds = (performance.now() - started) / 1000;
  const written = read - resumedFrom;
  return { plan, written, resumedFrom, seconds, recordsPerSecond: seconds > 0 ? written / seconds : 0 };
}

/**
 * Yields `batches` while already reading the next one, so the source's read overlaps the sink's write of
 * the batch before (two batches in memory at most). A read that fails surfaces when its batch is due.
 */
export async function* readAhead<T>(batches: AsyncIterable<T>): AsyncGenerator<T> {
  const iterator = batches[Symbol.asyncIterator]();
  let next = iterator.next();
  // Kept from counting as unhandled while the consumer works; the same promise is awaited below.
  next.catch(() => {});
  let finished = false;
  try {
    for (;;) {
      const result = await next;
      if (result.done) {
        finished = true;
        return;
      }
      next = iterator.next();
      next.catch(() => {});
      yield result.value;
    }
  } finally {
    // The consumer stopped early (or a read failed): let the source close what it holds.
    if (!finished) await iterator.return?.(undefined).catch(() => {});
  }
}
