/**
 * Requests and tokens per minute for each scope of a call (its API key or user, its tenant), counted in
 * fixed one-minute windows of a shared CounterStore: one round trip checks every scope. A request counts
 * when it is checked; tokens count when the model call reports them, so a window's token limit stops the
 * calls that come after it is spent.
 */
import { GodwitError } from '../errors.ts';
import type { CounterIncrement, CounterStore } from '../ports.ts';

export interface RateRule {
  /** null = no limit. */
  requestsPerMinute: number | null;
  tokensPerMinute: number | null;
}

export interface RateScope {
  /** `key` (an API key), `user` (a JWT user, or the local caller) or `tenant`. */
  kind: 'key' | 'user' | 'tenant';
  /** Unique across tenants: `<tenant>/<key id>`, `<tenant>/<user>`, `<tenant>`. */
  id: string;
  rule: RateRule;
}

export interface WindowState {
  limit: number;
  remaining: number;
  /** Milliseconds until the window resets. */
  resetMs: number;
}

export interface RateDecision {
  /** The tightest window of each kind among the limited scopes (for x-ratelimit-* headers). */
  requests?: WindowState;
  tokens?: WindowState;
  /** Set when the call is refused. */
  exceeded?: { scope: RateScope; kind: 'requests' | 'tokens'; retryAfterMs: number };
}

export interface RateLimiterOptions {
  store: CounterStore;
  now?: () => number;
  /** Default 60,000 (per minute). */
  windowMs?: number;
}

export class RateLimiter {
  private readonly store: CounterStore;
  private readonly now: () => number;
  private readonly windowMs: number;

  constructor(options: RateLimiterOptions) {
    this.store = options.store;
    this.now = options.now ?? Date.now;
    this.windowMs = options.windowMs ?? 60_000;
  }

  /** Counts one request in every limited scope and reads their token windows, in one round trip. */
  async check(scopes: readonly RateScope[]): Promise<RateDecision> {
    const window = this.window();
    const checks: Array<{ scope: RateScope; kind: 'requests' | 'tokens'; limit: number }> = [];
    const increments: CounterIncrement[] = [];
    for (const scope of scopes) {
      if (scope.rule.requestsPerMinute !== null) {
        checks.push({ scope, kind: 'requests', limit: scope.rule.requestsPerMinute });
        increments.push({ key: this.key(scope, 'r', window.index), by: 1, expiresAt: window.end });
      }
      if (scope.rule.tokensPerMinute !== null) {
        checks.push({ scope, kind: 'tokens', limit: scope.rule.tokensPerMinute });
        increments.push({ key: this.key(scope, 't', window.index), by: 0, expiresAt: window.end });
      }
    }
    if (increments.length === 0) return {};
    const values = await this.store.increment(increments);
    const decision: RateDecision = {};
    for (const [index, check] of checks.entries()) {
      const used = values[index] ?? 0;
      // A request is over when it is past the limit; tokens are over once the window is spent.
      const over = check.kind === 'requests' ? used > check.limit : used >= check.limit;
      const state = {
        limit: check.limit,
        remaining: Math.max(0, check.limit - used),
        resetMs: window.resetMs,
      };
      const current = decision[check.kind];
      if (!current || state.remaining < current.remaining) decision[check.kind] = state;
      if (over && !decision.exceeded) {
        decision.exceeded = { scope: check.scope, kind: check.kind, retryAfterMs: window.resetMs };
      }
    }
    return decision;
  }

  /** Adds the tokens a model call used to every scope with a token limit. */
  async addTokens(scopes: readonly RateScope[], tokens: number): Promise<void> {
    const amount = Math.max(0, Math.round(tokens));
    const window = this.window();
    const increments = scopes
      .filter((scope) => scope.rule.tokensPerMinute !== null)
      .map((scope) => ({ key: this.key(scope, 't', window.index), by: amount, expiresAt: window.end }));
    if (increments.length > 0 && amount > 0) await this.store.increment(increments);
  }

  /**
   * Failed sign-ins from one client address: `count` false only looks. Refuses (throws `rate_limited`)
   * once `limit` failures were counted in this window.
   */
  async failedAuth(address: string, limit: number, count: boolean): Promise<void> {
    const window = this.window();
    const [failures = 0] = await this.store.increment([
      { key: `authfail:${address}:${window.index}`, by: count ? 1 : 0, expiresAt: window.end },
    ]);
    if (failures >= limit + (count ? 1 : 0)) {
      throw new GodwitError(
        'rate_limited',
        `Too many failed sign-ins from this address (${limit} a minute); wait ${Math.ceil(window.resetMs / 1000)} s and check the credential.`,
        { details: { retryAfterMs: window.resetMs, reason: 'auth_throttled' } },
      );
    }
  }

  private window() {
    const now = this.now();
    const index = Math.floor(now / this.windowMs);
    const endMs = (index + 1) * this.windowMs;
    return { index, end: new Date(endMs + 1000), resetMs: endMs - now };
  }

  private key(scope: RateScope, kind: 'r' | 't', index: number): string {
    return `rate:${scope.kind}:${scope.id}:${kind}:${index}`;
  }
}

/** The 429 for a refused call: names the scope, the limit and when to retry. */
export function rateLimitError(decision: RateDecision): GodwitError {
  const exceeded = decision.exceeded!;
  const rule = exceeded.scope.rule;
  const limit = exceeded.kind === 'requests' ? rule.requestsPerMinute : rule.tokensPerMinute;
  const who =
    exceeded.scope.kind === 'tenant'
      ? 'this tenant'
      : exceeded.scope.kind === 'key'
        ? 'this API key'
        : 'this user';
  return new GodwitError(
    'rate_limited',
    `Rate limit reached: ${who} may use ${limit} ${exceeded.kind} a minute; retry in ${Math.ceil(exceeded.retryAfterMs / 1000)} s.`,
    {
      details: {
        retryAfterMs: exceeded.retryAfterMs,
        reason: 'rate_limited',
        scope: exceeded.scope.kind,
        limit: exceeded.kind,
      },
    },
  );
}
