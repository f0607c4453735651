/**
 * Group commit for the usage ledger: rows recorded while a write is in flight are written together in the
 * next one, so a busy server pays one database round trip per batch instead of one per model call. A lone
 * row is written at once (on the next turn of the event loop), so a quiet server adds no delay. Each
 * caller's promise settles when its own row is stored; a batch the store refuses is retried row by row,
 * so one bad row fails alone.
 */
import type { UsageLedger, UsageQuery } from '../ports.ts';
import type { UsageEntry, UsageSummaryRow } from '../types.ts';

interface Pending {
  entry: UsageEntry;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export interface GroupCommitOptions {
  /** Rows per write at most. Default 500. */
  maxBatch?: number;
  /**
   * Under load, writes start at most this often, so that more rows share each one. A row arriving after
   * a quiet spell is written at once. Default 0: every write starts as soon as the previous one ends.
   */
  windowMs?: number;
  now?: () => number;
}

export class GroupCommitUsageLedger implements UsageLedger {
  private queue: Pending[] = [];
  private running: Promise<void> | undefined;
  private readonly maxBatch: number;
  private readonly windowMs: number;
  private readonly now: () => number;
  private lastWriteAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly inner: UsageLedger,
    options: GroupCommitOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 500;
    this.windowMs = options.windowMs ?? 0;
    this.now = options.now ?? (() => performance.now());
  }

  record(entry: UsageEntry): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ entry, resolve, reject });
      this.running ??= this.drain();
    });
  }

  recordMany(entries: UsageEntry[]): Promise<void> {
    return Promise.all(entries.map((entry) => this.record(entry))).then(() => {});
  }

  async summarize(tenantId: string, query?: UsageQuery): Promise<UsageSummaryRow[]> {
    // A summary read right after a call must include that call's row.
    await this.flush();
    return this.inner.summarize(tenantId, query);
  }

  /** Resolves once every row recorded so far is written (or has failed). */
  async flush(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        // Let the rows of requests finishing in the same turn of the event loop, or within the window
        // when writes are frequent, join this write.
        const wait = this.windowMs - (this.now() - this.lastWriteAt);
        await new Promise((resolve) => (wait > 0 ? setTimeout(resolve, wait) : setImmediate(resolve)));
        this.lastWriteAt = this.now();
        const batch = this.queue.splice(0, this.maxBatch);
        await this.write(batch);
      }
    } finally {
      this.running = undefined;
    }
  }

  private async write(batch: Pending[]): Promise<void> {
    if (batch.length > 1 && this.inner.recordMany) {
      try {
        await this.inner.recordMany(batch.map((pending) => pending.entry));
        for (const pending of batch) pending.resolve();
        return;
      } catch {
        // Fall through: write row by row so that only the row the store refuses fails.
      }
    }
    for (const pending of batch) {
      try {
        await this.inner.record(pending.entry);
        pending.resolve();
      } catch (error) {
        pending.reject(error);
      }
    }
  }
}
