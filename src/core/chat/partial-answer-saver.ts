/**
 * Saves an answer's text while it streams, at a bounded rate, so a process killed mid-answer leaves what
 * was said (the next start marks the turn `interrupted`). One write at a time, awaited by the turn: a save
 * never races the final update.
 */
import type { ConversationStore } from '../ports.ts';

export class PartialAnswerSaver {
  private savedLength = 0;
  private lastSaveAt = Number.NEGATIVE_INFINITY;
  private failed = false;

  constructor(
    private readonly conversations: ConversationStore,
    private readonly target: { tenantId: string; messageId: string },
    private readonly intervalMs: number,
    private readonly now: () => number,
    private readonly onFailure: (error: unknown) => void,
  ) {}

  /** Saves `text` when it grew and the interval since the last save has passed. Never throws. */
  async offer(text: string): Promise<void> {
    if (this.failed || text.length === this.savedLength) return;
    const at = this.now();
    if (at - this.lastSaveAt < this.intervalMs) return;
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
