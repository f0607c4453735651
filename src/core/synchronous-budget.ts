/**
 * A cap on the synchronous work that one turn of the event loop may do. A small file written with
 * synchronous calls costs less CPU than the same calls sent to libuv's thread pool and back, but each call
 * holds the event loop, and on a slow disk they add up: 200 small files, written in one batch, held it for
 * 170–450 ms on a virtual disk whose file creation took 0.6–0.8 ms. Work is charged to the budget as it
 * runs. Once the turn's budget is spent, `available` is false until the next turn, and the caller uses
 * asynchronous calls instead.
 *
 * @example
 *   const budget = new SynchronousBudget(4);
 *   if (budget.available) budget.run(() => writeFileSync(path, bytes));
 *   else await writeFile(path, bytes);
 */
import { ValidationError } from './errors.ts';

export class SynchronousBudget {
  private spentMs = 0;
  private resetScheduled = false;

  private readonly now: () => number;

  /**
   * @param limitMs Longest synchronous work per turn of the event loop, in milliseconds; 0 allows none.
   * @param options.now A clock in milliseconds (tests pass their own).
   * @param options.name What the limit is called where it is set, for the error a bad value gets.
   */
  constructor(
    private readonly limitMs: number,
    options: { now?: () => number; name?: string } = {},
  ) {
    if (typeof limitMs !== 'number' || !Number.isFinite(limitMs) || limitMs < 0) {
      throw new ValidationError(
        `${options.name ?? 'A synchronous work budget'} must be a number of milliseconds, 0 or more; got ${String(limitMs)}.`,
      );
    }
    this.now = options.now ?? (() => performance.now());
  }

  /** Whether synchronous work may start in this turn of the event loop. */
  get available(): boolean {
    return this.spentMs < this.limitMs;
  }

  /** Runs `work` on this thread now and charges its duration to this turn. */
  run<T>(work: () => T): T {
    if (!this.resetScheduled) {
      this.resetScheduled = true;
      // The check phase of this turn: everything charged before it belongs to the turn that just ran.
      setImmediate(() => {
        this.spentMs = 0;
        this.resetScheduled = false;
      }).unref();
    }
    const started = this.now();
    try {
      return work();
    } finally {
      this.spentMs += this.now() - started;
    }
  }
}
