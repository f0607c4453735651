/**
 * A restartable deadline tied to an AbortController: when it passes, the signal aborts with the timeout
 * error and `expired` rejects, so a call is cut off even if the provider ignores the signal.
 */

export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export class Deadline {
  readonly signal: AbortSignal;
  /** Rejects with the timeout error when the deadline passes (or the caller's reason when it aborts); never resolves. */
  readonly expired: Promise<never>;
  private readonly controller = new AbortController();
  private handle: unknown;
  private expire!: (error: unknown) => void;
  private timedOutFlag = false;
  private readonly unlink: () => void;

  constructor(
    private readonly ms: number,
    private readonly error: () => Error,
    parent: AbortSignal | undefined,
    private readonly timers: Timers = systemTimers,
  ) {
    this.signal = this.controller.signal;
    this.expired = new Promise<never>((_, reject) => {
      this.expire = reject;
    });
    this.expired.catch(() => {});
    // The caller's abort ends the wait too, even if the provider ignores its signal.
    const onParentAbort = () => {
      this.controller.abort(parent?.reason);
      this.expire(parent?.reason);
    };
    if (parent?.aborted) onParentAbort();
    parent?.addEventListener('abort', onParentAbort, { once: true });
    this.unlink = () => parent?.removeEventListener('abort', onParentAbort);
    this.restart();
  }

  get timedOut(): boolean {
    return this.timedOutFlag;
  }

  /** Starts the full period again (used between stream parts). */
  restart(): void {
    if (this.timedOutFlag) return;
    if (this.handle !== undefined) this.timers.clearTimeout(this.handle);
    this.handle = this.timers.setTimeout(() => this.fire(), this.ms);
  }

  clear(): void {
    if (this.handle !== undefined) this.timers.clearTimeout(this.handle);
    this.handle = undefined;
    this.unlink();
  }

  private fire(): void {
    this.handle = undefined;
    this.timedOutFlag = true;
    const error = this.error();
    this.controller.abort(error);
    this.expire(error);
  }
}
