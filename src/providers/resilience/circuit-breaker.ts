/**
 * A circuit breaker per provider+model. Closed: calls pass and consecutive provider-side failures are
 * counted. Open (after `failureThreshold` of them): calls fail at once with a retryable error, so a
 * fallback model answers without waiting. Half-open (after `cooldownMs`): one probe call decides whether
 * to close again or stay open for another cooldown. Client-side failures (HTTP 400) do not count.
 */
import { ProviderError } from '../../core/errors.ts';
import { isRetryableFailure } from './classify-error.ts';

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. Default 5. */
  failureThreshold?: number;
  /** Time the circuit stays open before a probe. Default 30 s. */
  cooldownMs?: number;
  now?: () => number;
  onStateChange?: (event: { key: string; from: CircuitState; to: CircuitState }) => void;
}

/** One admitted call; report how it ended exactly once. */
export interface CircuitPermit {
  success(): void;
  failure(error: unknown): void;
  /** The call ended without telling anything about the provider's health (for example, cancelled). */
  release(): void;
}

export class CircuitBreaker {
  private current: CircuitState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private probing = false;

  constructor(
    readonly key: string,
    private readonly options: CircuitBreakerOptions = {},
  ) {}

  get state(): CircuitState {
    if (this.current === 'open' && this.now() - this.openedAt >= this.cooldownMs) return 'half-open';
    return this.current;
  }

  /** Admits a call or throws a retryable ProviderError with reason `circuit_open`. */
  acquire(): CircuitPermit {
    const state = this.state;
    if (state === 'open' || (state === 'half-open' && this.probing)) throw this.openError();
    if (state === 'half-open') {
      this.transition('half-open');
      this.probing = true;
    }
    const probe = state === 'half-open';
    let settled = false;
    const settle = (outcome: 'success' | 'failure' | 'neutral') => {
      if (settled) return;
      settled = true;
      if (probe) this.probing = false;
      this.record(outcome, probe);
    };
    return {
      success: () => settle('success'),
      failure: (error) => settle(isRetryableFailure(error) ? 'failure' : 'success'),
      release: () => settle('neutral'),
    };
  }

  /** Runs one call through the breaker. */
  async run<T>(operation: () => PromiseLike<T>): Promise<T> {
    const permit = this.acquire();
    try {
      const result = await operation();
      permit.success();
      return result;
    } catch (error) {
      permit.failure(error);
      throw error;
    }
  }

  private record(outcome: 'success' | 'failure' | 'neutral', probe: boolean): void {
    if (outcome === 'neutral') return;
    if (outcome === 'success') {
      this.failures = 0;
      if (this.current !== 'closed') this.transition('closed');
      return;
    }
    this.failures++;
    if (probe || this.failures >= (this.options.failureThreshold ?? 5)) {
      this.openedAt = this.now();
      this.transition('open');
    }
  }

  private transition(to: CircuitState): void {
    const from = this.current;
    this.current = to;
    if (from !== to) this.options.onStateChange?.({ key: this.key, from, to });
  }

  private openError(): ProviderError {
    const remaining = Math.max(0, this.cooldownMs - (this.now() - this.openedAt));
    return new ProviderError(
      `${this.key} is failing (${this.failures} consecutive failures); calls are paused for ${Math.ceil(remaining / 1000)} s.`,
      { isRetryable: true, unavailable: true, details: { reason: 'circuit_open', retryAfterMs: remaining } },
    );
  }

  private get cooldownMs(): number {
    return this.options.cooldownMs ?? 30_000;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}

/** Breakers by key (`provider:model`), created on first use with shared options. */
export class CircuitBreakerRegistry {
  private readonly breakers = new Map<string, CircuitBreaker>();

  constructor(private readonly options: CircuitBreakerOptions = {}) {}

  get(key: string): CircuitBreaker {
    let breaker = this.breakers.get(key);
    if (!breaker) {
      breaker = new CircuitBreaker(key, this.options);
      this.breakers.set(key, breaker);
    }
    return breaker;
  }

  /** Current state of every breaker, for metrics and `godwit doctor`. */
  states(): Record<string, CircuitState> {
    return Object.fromEntries([...this.breakers].map(([key, breaker]) => [key, breaker.state]));
  }
}
