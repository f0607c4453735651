/**
 * Writes a turn's ending (its final message row) and, when the store is unavailable at that moment, keeps
 * retrying in the background until it takes. A database outage must not leave an answered or failed turn
 * `pending`: the request that hit the outage still gets its error, but the row is set right when the store
 * comes back. Only the newest ending of each message is retried, so a later `failed` never loses to an
 * earlier `complete` that could not be written.
 */
import { GodwitError } from '../errors.ts';
import type { ConversationStore, MessagePatch } from '../ports.ts';
import type { Message } from '../types.ts';
import { retryInBackground } from './retry-in-background.ts';

/** Waits between background attempts; the last one repeats until about 15 minutes have passed. */
export const DEFAULT_ENDING_RETRY_DELAYS_MS = [1_000, 2_000, 5_000, 10_000, 30_000, 60_000];
const DEFAULT_RETRY_BUDGET_MS = 15 * 60_000;

export interface EndingTarget {
  tenantId: string;
  conversationId: string;
  messageId: string;
}

interface PendingEnding {
  target: EndingTarget;
  patch: MessagePatch;
}

export interface TurnEndingWriterOptions {
  retryDelaysMs?: readonly number[];
  /** Total time to keep retrying one message. Default 15 minutes. */
  retryBudgetMs?: number;
  /** Called when a background write gives up (the store stayed unavailable, or refused the write). */
  onGiveUp?: (error: unknown, target: EndingTarget) => void;
}

export class TurnEndingWriter {
  private readonly pending = new Map<string, PendingEnding>();
  /** One write at a time per message, in order: a background retry never lands after a newer ending. */
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly delays: readonly number[];
  private readonly budgetMs: number;

  constructor(
    private readonly conversations: ConversationStore,
    private readonly options: TurnEndingWriterOptions = {},
  ) {
    this.delays = options.retryDelaysMs ?? DEFAULT_ENDING_RETRY_DELAYS_MS;
    this.budgetMs = options.retryBudgetMs ?? DEFAULT_RETRY_BUDGET_MS;
  }

  /**
   * Writes the ending now. If the store is unavailable (a retryable error), the same ending is retried in
   * the background and the error is still thrown, so the caller answers as it would have.
   */
  async write(target: EndingTarget, patch: MessagePatch): Promise<Message> {
    const { tenantId, messageId } = target;
    const retrying = this.pending.has(messageId);
    this.pending.set(messageId, { target, patch });
    try {
      const message = await this.inOrder(messageId, () =>
        this.conversations.updateMessage(tenantId, messageId, patch),
      );
      if (this.pending.get(messageId)?.patch === patch) this.pending.delete(messageId);
      return message;
    } catch (error) {
      if (!isRetryable(error)) {
        if (this.pending.get(messageId)?.patch === patch) this.pending.delete(messageId);
        throw error;
      }
      if (!retrying) this.retryLater(messageId);
      throw error;
    }
  }

  /** How many endings are waiting for the store to come back. */
  get waiting(): number {
    return this.pending.size;
  }

  private inOrder<T>(messageId: string, write: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(messageId) ?? Promise.resolve();
    const next = previous.then(write, write);
    const settled = next.catch(() => {});
    this.queues.set(messageId, settled);
    void settled.then(() => {
      if (this.queues.get(messageId) === settled) this.queues.delete(messageId);
    });
    return next;
  }

  /**
   * Retries the newest ending of `messageId` until it takes. When a newer ending arrives while an older one
   * is being written, the newer one gets a retry of its own, with a fresh budget.
   */
  private retryLater(messageId: string): void {
    retryInBackground(
      async () => {
        const ending = this.pending.get(messageId);
        if (!ending) return;
        await this.inOrder(messageId, () =>
          this.conversations.updateMessage(ending.target.tenantId, messageId, ending.patch),
        );
        if (this.pending.get(messageId) === ending) this.pending.delete(messageId);
        else this.retryLater(messageId);
      },
      {
        delaysMs: this.delays,
        budgetMs: this.budgetMs,
        onGiveUp: (error) => {
          const ending = this.pending.get(messageId);
          this.pending.delete(messageId);
          if (ending) this.options.onGiveUp?.(error, ending.target);
        },
      },
    );
  }
}

function isRetryable(error: unknown): boolean {
  return GodwitError.isInstance(error) && error.isRetryable;
}
