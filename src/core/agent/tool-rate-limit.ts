/**
 * Calls per minute per tool and tenant, counted in fixed one-minute windows of the shared CounterStore that
 * governance limits use (Redis, DynamoDB, the database, or memory): every instance adds to the same count,
 * so a limit holds across instances. A call over the limit fails (the model sees why and when to retry) and
 * runs nothing.
 */
import type { CounterStore } from '../ports.ts';
import { ToolError } from './tool-error.ts';

export interface ToolRateLimits {
  /** Calls per minute for every tool; null = no limit. */
  perMinute: number | null;
  /** Per tool name, overriding `perMinute`. */
  tools: Record<string, number>;
}

const WINDOW_MS = 60_000;

export class ToolRateLimiter {
  constructor(
    private readonly limits: ToolRateLimits,
    private readonly counters: CounterStore,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Counts one call of `toolName` for `tenantId` (one round trip to the counter store; none without a limit).
   * @throws ToolError when the limit is reached.
   */
  async take(tenantId: string, toolName: string): Promise<void> {
    const limit = this.limits.tools[toolName] ?? this.limits.perMinute;
    if (limit === null || limit === undefined) return;
    const now = this.now();
    const index = Math.floor(now / WINDOW_MS);
    const endMs = (index + 1) * WINDOW_MS;
    const [used = 0] = await this.counters.increment([
      {
        key: `tool:${JSON.stringify([tenantId, toolName])}:${index}`,
        by: 1,
        expiresAt: new Date(endMs + 1000),
      },
    ]);
    if (used > limit) {
      const seconds = Math.ceil((endMs - now) / 1000);
      throw new ToolError(
        `Tool "${toolName}" reached its limit of ${limit} calls per minute; it did not run. Try again in ${seconds} s.`,
      );
    }
  }
}
