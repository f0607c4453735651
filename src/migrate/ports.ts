/**
 * The two sides of a migration. Every source streams records in a stable order and can skip the ones a
 * checkpoint says are done; every sink writes idempotently, keyed by the records' stable ids.
 */
import type { EmbeddingInfo, MigrationKind, MigrationRecord } from './records.ts';

export interface SourceDescription {
  kind: MigrationKind;
  /** Where the data comes from, without secrets. */
  location: string;
  /** Collection, knowledge base or table name. */
  name: string;
  /** Records the source holds (knowledge: chunks; conversations: conversations). */
  count: number;
  /** For knowledge sources: the vectors' model and size (null: the source has no vectors). */
  embedding: EmbeddingInfo | null;
  description?: string;
}

export interface MigrationSource<R extends MigrationRecord = MigrationRecord> {
  describe(): Promise<SourceDescription>;
  /** Batches of records in a stable order, starting after the first `skip`. */
  read(options: { skip: number; batchSize: number }): AsyncIterable<R[]>;
  /**
   * Record keys of the `k` nearest records to a vector, best first, when the source can search (used by
   * verification's retrieval agreement).
   */
  nearest?(embedding: number[], k: number): Promise<string[]>;
  close(): Promise<void>;
}

export interface SinkPlan {
  source: SourceDescription;
  /** What the records' vectors will be when they reach the sink (after any re-embedding). */
  embedding: EmbeddingInfo | null;
  /** True on a resumed run: keep what is there. */
  resume: boolean;
  /** Records a checkpoint counted as durable (0 on a fresh run). */
  resumeFrom: number;
}

export interface MigrationSink<R extends MigrationRecord = MigrationRecord> {
  /** Where the data goes, without secrets. */
  readonly location: string;
  readonly kind: MigrationKind;
  /** Creates or checks the target (knowledge base, dump folder). Throws before any write on a mismatch. */
  prepare(plan: SinkPlan): Promise<void>;
  /**
   * Writes a batch; returns how many records (counted from the oldest not yet reported) are now durable.
   * A sink may hold back the tail of a batch (a document whose chunks continue in the next batch).
   */
  write(records: R[]): Promise<number>;
  /** Makes everything held back durable; returns how many records that was. */
  finish(): Promise<number>;
  /** Removes what a failed first run wrote before any record was durable (a dump's partial part). */
  discard?(): Promise<void>;
  /** Reads the target back, for verification. */
  reader(): MigrationSource<R>;
  close(): Promise<void>;
}
