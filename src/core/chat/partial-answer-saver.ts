/**
 * Saves an answer's text while it streams, at a bounded rate, so a process killed mid-answer leaves what
 * was said (the next start marks the turn `interrupted`). One write at a time, awaited by the turn: a save
 * never races the final update.
 *
 * Text offered while more of the answer is already waiting (a burst) is saved only once an interval has
 * passed since the last save or, before the first, since the answer started: an answer that arrives at once
 * is written by its ending alone, and a long burst is still saved as often as any other text.
 */
import type { ConversationStore } from '../ports.ts';

export class PartialAnswerSaver {
  private savedLength = 0;
  private lastSaveAt = Number.NEGATIVE_INFINITY;
  private failed = false;
  private readonly startedAt: number;

  constructor(
    private readonly conversations: ConversationStore,
    private readonly target: { tenantId: string; messageId: string },
    private readonly intervalMs: number,
    private readonly now: () => number,
    private readonly onFailure: (error: unknown) => void,
  ) {
    this.startedAt = now();
  }

  /**
   * Saves `text` when it grew and the interval since the last save has passed (for a burst, also since the
   * answer started). Never throws.
   */
  async offer(text: string, options: { burst?: boolean } = {}): Promise<void> {
    if (this.failed || text.length === this.savedLength) return;
    const at = this.now();
    const since = options.burst ? Math.max(this.lastSaveAt, this.startedAt) : this.lastSaveAt;
    if (at - since < this.intervalMs) return;
    this.lastSaveAt = at;
    try {
      await this.conversations.updateMessage(this.target.tenantId, this.target.messageId, {
        content: text,
        parts: [{ type: 'text', text }],
      });
      this.savedLength = text.length;
    } catch (error) {
      // The final update reports the store's state; one report is enough, and the answer goes on.
      this.failed = true;
      this.onFailure(error);
    }
  }
}
