/**
 * Group commit: entries added while a write is in flight are written together in the next one, so a busy
 * process pays one round trip per group instead of one per entry. A lone entry is written at once (on the
 * next turn of the event loop), so a quiet process adds no delay. Each caller's promise settles when its own
 * entry is stored; a group the store refuses is written again entry by entry, so one bad entry fails alone.
 * Used by the usage ledger and by the embedded database's table of small blobs.
 *
 * @example
 *   const rows = new GroupCommit({ writeOne: (row) => insert(row), writeMany: (rows) => insertAll(rows) });
 *   await rows.add(row);
 */

export interface GroupCommitOptions<Entry> {
  /** Writes one entry. */
  writeOne: (entry: Entry) => Promise<void>;
  /** Writes a group of two or more in one go, all or none; without it, a group is written entry by entry. */
  writeMany?: (entries: Entry[]) => Promise<void>;
  /** Entries per group at most. Default 500. */
  maxEntries?: number;
  /** With `sizeOf`, a group closes once its entries add up to this many bytes. */
  maxBytes?: number;
  sizeOf?: (entry: Entry) => number;
  /**
   * Under load, writes start at most this often, so that more entries share each one. An entry arriving
   * after a quiet spell is written at once. Default 0: every write starts as soon as the previous one ends.
   */
  windowMs?: number;
  now?: () => number;
}

interface Pending<Entry> {
  entry: Entry;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class GroupCommit<Entry> {
  private queue: Pending<Entry>[] = [];
  private running: Promise<void> | undefined;
  private lastWriteAt = Number.NEGATIVE_INFINITY;
  private readonly maxEntries: number;
  private readonly windowMs: number;
  private readonly now: () => number;

  constructor(private readonly options: GroupCommitOptions<Entry>) {
    this.maxEntries = options.maxEntries ?? 500;
    this.windowMs = options.windowMs ?? 0;
    this.now = options.now ?? (() => performance.now());
  }

  /** Resolves once `entry` is written; rejects with the store's error if it is refused. */
  add(entry: Entry): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ entry, resolve, reject });
      this.running ??= this.drain();
    });
  }

  /** Resolves once every entry added so far is written (or has failed). */
  async flush(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        // Let the entries added in the same turn of the event loop, or within the window when writes are
        // frequent, join this write.
        const wait = this.windowMs - (this.now() - this.lastWriteAt);
        await new Promise((resolve) => (wait > 0 ? setTimeout(resolve, wait) : setImmediate(resolve)));
        this.lastWriteAt = this.now();
        await this.write(this.takeGroup());
      }
    } finally {
      this.running = undefined;
    }
  }

  private takeGroup(): Pending<Entry>[] {
    const { maxBytes, sizeOf } = this.options;
    let count = 0;
    let bytes = 0;
    while (count < this.queue.length && count < this.maxEntries) {
      if (sizeOf && maxBytes !== undefined) bytes += sizeOf(this.queue[count]!.entry);
      count++;
      if (maxBytes !== undefined && bytes >= maxBytes) break;
    }
    return this.queue.splice(0, count);
  }

  private async write(group: Pending<Entry>[]): Promise<void> {
    const { writeOne, writeMany } = this.options;
    if (group.length > 1 && writeMany) {
      try {
        await writeMany(group.map((pending) => pending.entry));
        for (const pending of group) pending.resolve();
        return;
      } catch {
        // Fall through: entry by entry, so that only the entry the store refuses fails.
      }
    }
    for (const pending of group) {
      try {
        await writeOne(pending.entry);
        pending.resolve();
      } catch (error) {
        pending.reject(error);
      }
    }
  }
}
