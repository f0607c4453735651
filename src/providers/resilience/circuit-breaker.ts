/**
 * A circuit breaker per provider+model. Closed: calls pass and consecutive provider-side failures are
 * counted. Open (after `failureThreshold` of them): calls fail at once with a retryable error, so a
 * fallback model answers without waiting. Half-open (after `cooldownMs`): one probe call decides whether
 * to close again or stay open for another cooldown. Client-side failures (HTTP 400) do not count.
 *
 * Each opening starts a new generation: a call admitted before it (still running when the circuit opened)
 * reports into an older generation and changes nothing, so only the probe can close the circuit. A probe
 * that has not reported after `probeTimeoutMs` is presumed lost and the next call probes instead.
 */
import { ProviderError } from '../../core/errors.ts';
import { isRetryableFailure } from './classify-error.ts';

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. Default 5. */
  failureThreshold?: number;
  /** Time the circuit stays open before a probe. Default 30 s. */
  cooldownMs?: number;
  /** Time after which a probe that has not reported is presumed lost and another call may probe. Default: `cooldownMs`. */
  probeTimeoutMs?: number;
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
  /** Bumped when the circuit opens and when a probe is given up: permits from older generations change nothing. */
  private generation = 0;
  /** When the probe in flight was admitted; undefined when none is. */
  private probeStartedAt: number | undefined;

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
    if (state === 'open' || (state === 'half-open' && this.probeInFlight())) throw this.openError();
    const probe = state === 'half-open';
    if (probe) {
      if (this.probeStartedAt !== undefined) this.generation++;
      this.transition('half-open');
      this.probeStartedAt = this.now();
    }
    const generation = this.generation;
    let settled = false;
    const settle = (outcome: 'success' | 'failure' | 'neutral') => {
      if (settled) return;
      settled = true;
      if (generation !== this.generation) return;
      if (probe) this.probeStartedAt = undefined;
      this.record(outcome, probe);
    };
    return {
      success: () => settle('success'),
      failure: (error) => settle(isRetryableFailure(error) ? 'failure' : 'success'),
      release: () => settle('neutral'),
    };
  }

  private probeInFlight(): boolean {
    return this.probeStartedAt !== undefined && this.now() - this.probeStartedAt < this.probeTimeoutMs;
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
      this.generation++;
      this.transition('open');
    }
  }

  private transition(to: CircuitState): void {
    const from = this.current;
    this.current = to;
    if (from !== to) this.options.onStateChange?.({ key: this.key, from, to });
  }

  private openError(): ProviderError {
    const until =
      this.probeStartedAt !== undefined && this.current === 'half-open'
        ? this.probeStartedAt + this.probeTimeoutMs
        : this.openedAt + this.cooldownMs;
    const remaining = Math.max(0, until - this.now());
    return new ProviderError(
      `${this.key} is failing (${this.failures} consecutive failures); calls are paused for ${Math.ceil(remaining / 1000)} s.`,
      { isRetryable: true, unavailable: true, details: { reason: 'circuit_open', retryAfterMs: remaining } },
    );
  }

  private get cooldownMs(): number {
    return this.options.cooldownMs ?? 30_000;
  }

  private get probeTimeoutMs(): number {
    return this.options.probeTimeoutMs ?? this.cooldownMs;
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
