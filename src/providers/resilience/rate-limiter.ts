/**
 * Limits calls to one provider: at most `maxConcurrency` in flight and at most `requestsPerSecond` started
 * (a token bucket holding `burst` tokens). Waiters are served first come, first served; a waiter whose
 * signal aborts leaves the queue. With requestsPerSecond 0.8 and burst 1, starts are 1.25 s apart.
 */
import { abortableSleep } from './retry-policy.ts';

export interface RateLimiterOptions {
  maxConcurrency?: number;
  requestsPerSecond?: number;
  /** Calls that may start back to back after an idle period. Default 1. */
  burst?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

interface Waiter {
  resolve(release: () => void): void;
  reject(error: unknown): void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

export class RateLimiter {
  private active = 0;
  private readonly queue: Waiter[] = [];
  private tokens: number;
  private refilledAt: number;
  private timerPending = false;

  constructor(private readonly options: RateLimiterOptions = {}) {
    this.tokens = this.burst;
    this.refilledAt = this.now();
  }

  /** Calls in flight now. */
  get inFlight(): number {
    return this.active;
  }

  /** Calls waiting for a slot. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Waits for a slot; call the returned function exactly once when the call ends. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          const index = this.queue.indexOf(waiter);
          if (index >= 0) this.queue.splice(index, 1);
          reject(signal?.reason);
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.queue.push(waiter);
      this.pump();
    });
  }

  async run<T>(operation: () => PromiseLike<T>, signal?: AbortSignal): Promise<T> {
    const release = await this.acquire(signal);
    try {
      return await operation();
    } finally {
      release();
    }
  }

  private pump(): void {
    while (this.queue.length > 0 && this.active < (this.options.maxConcurrency ?? Number.POSITIVE_INFINITY)) {
      const wait = this.takeToken();
      if (wait > 0) {
        this.scheduleRetry(wait);
        return;
      }
      const waiter = this.queue.shift()!;
      waiter.signal?.removeEventListener('abort', waiter.onAbort);
      this.active++;
      let released = false;
      waiter.resolve(() => {
        if (released) return;
        released = true;
        this.active--;
        this.pump();
      });
    }
  }

  /** Takes a token and returns 0, or returns how long until one is available. */
  private takeToken(): number {
    const rate = this.options.requestsPerSecond;
    if (rate === undefined || !Number.isFinite(rate)) return 0;
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledAt) * rate) / 1000);
    this.refilledAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) * 1000) / rate);
  }

  private scheduleRetry(ms: number): void {
    if (this.timerPending) return;
    this.timerPending = true;
    const sleep = this.options.sleep ?? ((delay: number) => abortableSleep(delay));
    sleep(ms).then(() => {
      this.timerPending = false;
      this.pump();
    });
  }

  private get burst(): number {
    return this.options.burst ?? 1;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}
