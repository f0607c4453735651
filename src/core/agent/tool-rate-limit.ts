/**
 * Calls per minute per tool and tenant, counted in this process over a fixed one-minute window. A call
 * over the limit fails (the model sees why and when to retry) and runs nothing. Several server instances
 * each count their own calls.
 */
import { ToolError } from './tool-error.ts';

export interface ToolRateLimits {
  /** Calls per minute for every tool; null = no limit. */
  perMinute: number | null;
  /** Per tool name, overriding `perMinute`. */
  tools: Record<string, number>;
}

const WINDOW_MS = 60_000;

export class ToolRateLimiter {
  private readonly windows = new Map<string, { startedAt: number; count: number }>();

  constructor(
    private readonly limits: ToolRateLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one call of `toolName` for `tenantId`. @throws ToolError when the limit is reached. */
  take(tenantId: string, toolName: string): void {
    const limit = this.limits.tools[toolName] ?? this.limits.perMinute;
    if (limit === null || limit === undefined) return;
    const key = `${tenantId}\u0000${toolName}`;
    const now = this.now();
    let window = this.windows.get(key);
    if (!window || now - window.startedAt >= WINDOW_MS) {
      window = { startedAt: now, count: 0 };
      this.windows.set(key, window);
    }
    if (window.count >= limit) {
      const seconds = Math.ceil((window.startedAt + WINDOW_MS - now) / 1000);
      throw new ToolError(
        `Tool "${toolName}" reached its limit of ${limit} calls per minute; it did not run. Try again in ${seconds} s.`,
      );
    }
    window.count += 1;
  }
}
