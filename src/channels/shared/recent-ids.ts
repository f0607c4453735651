/**
 * Ids seen lately (Discord interaction ids, Slack event ids), to refuse a replay or skip a redelivery. Held in
 * this process, oldest forgotten first past `capacity`; a second instance has its own.
 */
export class RecentIds {
  private readonly seen = new Set<string>();

  constructor(private readonly capacity = 10_000) {}

  /** True the first time `id` is offered, false every time after. */
  remember(id: string): boolean {
    if (this.seen.has(id)) return false;
    this.seen.add(id);
    if (this.seen.size > this.capacity) {
      const oldest = this.seen.values().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
    return true;
  }
}
