/**
 * Runs a store operation again in the background while the store is unavailable (a retryable error), for
 * clean-ups a request could not finish before failing: the request has already answered with its error.
 */
import { GodwitError } from '../errors.ts';

export interface BackgroundRetryOptions {
  /** Waits between attempts; the last one repeats until `budgetMs` has passed. */
  delaysMs: readonly number[];
  /** Default 15 minutes. */
  budgetMs?: number;
  /** Called once when the operation fails for good (an error that is not an outage, or the budget ran out). */
  onGiveUp?: (error: unknown) => void;
}

export function retryInBackground(operation: () => Promise<unknown>, options: BackgroundRetryOptions): void {
  const since = Date.now();
  const budgetMs = options.budgetMs ?? 15 * 60_000;
  const attempt = (index: number) => {
    const delay = options.delaysMs[Math.min(index, options.delaysMs.length - 1)] ?? 1_000;
    const timer = setTimeout(() => {
      operation().catch((error: unknown) => {
        const retryable = GodwitError.isInstance(error) && error.isRetryable;
        if (retryable && Date.now() - since < budgetMs) attempt(index + 1);
        else options.onGiveUp?.(error);
      });
    }, delay);
    // A process that is otherwise done may exit; nothing here must keep it alive.
    timer.unref?.();
  };
  attempt(0);
}
