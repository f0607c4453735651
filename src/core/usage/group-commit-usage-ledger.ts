/**
 * Group commit for the usage ledger (see core/group-commit.ts): rows recorded while a write is in flight are
 * written together in the next one, so a busy server pays one database round trip per batch instead of one
 * per model call. A lone row is written at once (on the next turn of the event loop), so a quiet server adds
 * no delay. Each caller's promise settles when its own row is stored; a batch the store refuses is retried
 * row by row, so one bad row fails alone.
 */
import { GroupCommit } from '../group-commit.ts';
import type { UsageLedger, UsageQuery } from '../ports.ts';
import type { UsageEntry, UsageSummaryRow } from '../types.ts';

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
  private readonly rows: GroupCommit<UsageEntry>;

  constructor(
    private readonly inner: UsageLedger,
    options: GroupCommitOptions = {},
  ) {
    this.rows = new GroupCommit<UsageEntry>({
      writeOne: (entry) => inner.record(entry),
      ...(inner.recordMany ? { writeMany: (entries) => inner.recordMany!(entries) } : {}),
      ...(options.maxBatch === undefined ? {} : { maxEntries: options.maxBatch }),
      ...(options.windowMs === undefined ? {} : { windowMs: options.windowMs }),
      ...(options.now ? { now: options.now } : {}),
    });
  }

  record(entry: UsageEntry): Promise<void> {
    return this.rows.add(entry);
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
  flush(): Promise<void> {
    return this.rows.flush();
  }
}
