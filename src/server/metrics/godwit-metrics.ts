/**
 * The metrics Godwit exposes at `GET /metrics`: HTTP request durations, model calls (latency, tokens,
 * cost, outcome), errors by kind, circuit breaker states and cache hit ratios. Model-call metrics are
 * fed from usage-ledger rows, so every metered call (chat, grounded answers, the OpenAI-compatible API,
 * embeddings) is counted once, the same way the ledger counts it.
 */
import type { UsageEntry } from '../../core/types.ts';
import { type Counter, type Gauge, type Histogram, MetricsRegistry } from './metrics-registry.ts';
import type { ModelLabeler } from './model-labels.ts';

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CacheStats {
  cache: string;
  hits: number;
  misses: number;
}

export interface RequestObservation {
  method: string;
  /** The route pattern (`/api/conversations/:id`), never the raw path, so series stay few. */
  route: string;
  status: number;
  seconds: number;
}

const HTTP_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const MODEL_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120];
const CIRCUIT_STATES: readonly CircuitState[] = ['closed', 'open', 'half-open'];

/** `openai:gpt-4.1-mini` → `openai`; names without a provider part count as their own provider. */
function providerOf(model: string): string {
  const separator = model.indexOf(':');
  return separator > 0 ? model.slice(0, separator) : model;
}

export class GodwitMetrics {
  readonly registry = new MetricsRegistry();
  private readonly requestDuration: Histogram;
  private readonly modelCallDuration: Histogram;
  private readonly modelCalls: Counter;
  private readonly tokens: Counter;
  private readonly cost: Counter;
  private readonly unpricedCalls: Counter;
  private readonly errors: Counter;
  private readonly limitRefusals: Counter;
  private readonly budgetAlerts: Counter;
  private circuitSource: (() => Record<string, CircuitState>) | undefined;
  private modelLabel: ModelLabeler = (model) => ({ provider: providerOf(model), model });
  private cacheSource: (() => CacheStats[]) | undefined;

  constructor() {
    const registry = this.registry;
    this.requestDuration = registry.histogram({
      name: 'godwit_http_request_duration_seconds',
      help: 'HTTP request duration until the response starts (for streams: until the first byte can be sent).',
      labelNames: ['method', 'route', 'status'],
      buckets: HTTP_BUCKETS,
    });
    this.modelCallDuration = registry.histogram({
      name: 'godwit_model_call_duration_seconds',
      help: 'Model provider call latency, from request to the last token, by outcome.',
      labelNames: ['provider', 'model', 'operation', 'outcome'],
      buckets: MODEL_BUCKETS,
    });
    this.modelCalls = registry.counter({
      name: 'godwit_model_calls_total',
      help: 'Model provider calls by outcome (ok, error, cancelled).',
      labelNames: ['provider', 'model', 'operation', 'outcome'],
    });
    this.tokens = registry.counter({
      name: 'godwit_model_tokens_total',
      help: 'Tokens sent to (input) and received from (output) models.',
      labelNames: ['provider', 'model', 'direction'],
    });
    this.cost = registry.counter({
      name: 'godwit_model_cost_usd_total',
      help: 'Cost of priced model calls in US dollars, from the dated price table.',
      labelNames: ['provider', 'model'],
    });
    this.unpricedCalls = registry.counter({
      name: 'godwit_model_unpriced_calls_total',
      help: 'Model calls whose model has no price; their cost is unknown, not zero.',
      labelNames: ['provider', 'model'],
    });
    this.limitRefusals = registry.counter({
      name: 'godwit_limit_refusals_total',
      help: 'Requests (429) and Discord or Slack questions refused by a rate limit or a budget, by reason and scope (key, user, tenant).',
      labelNames: ['reason', 'scope'],
    });
    this.budgetAlerts = registry.counter({
      name: 'godwit_budget_alerts_total',
      help: 'Budget thresholds passed (fractions of a daily or monthly budget; 1 = the budget itself).',
      labelNames: ['scope', 'period', 'threshold'],
    });
    this.errors = registry.counter({
      name: 'godwit_errors_total',
      help: 'Errors answered to clients, by kind (the error code).',
      labelNames: ['kind'],
    });
  }

  observeRequest(observation: RequestObservation): void {
    const { method, route, status, seconds } = observation;
    this.requestDuration.observe({ method, route, status: String(status) }, seconds);
  }

  /** A request refused by a rate limit or budget. */
  limitRefused(reason: 'rate_limited' | 'budget_exceeded', scope: string): void {
    this.limitRefusals.inc({ reason, scope });
  }

  /** A budget threshold passed. */
  budgetAlert(scope: string, period: string, threshold: number): void {
    this.budgetAlerts.inc({ scope, period, threshold: String(threshold) });
  }

  recordError(kind: string): void {
    this.errors.inc({ kind });
  }

  /**
   * Sets how model names become labels; connecting the services sets one that keeps only the models the
   * server knows (see model-labels.ts). Until then every name is its own label.
   */
  labelModelsWith(labeler: ModelLabeler): void {
    this.modelLabel = labeler;
  }

  /** One usage-ledger row: latency, outcome, tokens and cost of a model call. */
  recordModelCall(entry: UsageEntry): void {
    const model = this.modelLabel(entry.model);
    const call = { ...model, operation: entry.operation, outcome: entry.outcome };
    this.modelCalls.inc(call);
    this.modelCallDuration.observe(call, entry.latencyMs / 1000);
    if (entry.inputTokens > 0) this.tokens.inc({ ...model, direction: 'input' }, entry.inputTokens);
    if (entry.outputTokens > 0) this.tokens.inc({ ...model, direction: 'output' }, entry.outputTokens);
    if (entry.costUsd !== null) this.cost.inc(model, entry.costUsd);
    // A call that used no tokens (failed before answering) has nothing to price.
    else if (entry.inputTokens + entry.outputTokens > 0) this.unpricedCalls.inc(model);
  }

  /**
   * Exposes `godwit_circuit_breaker_state`, one series per state with 1 for the current one. A second
   * call replaces the source.
   */
  watchCircuits(states: () => Record<string, CircuitState>): void {
    if (!this.circuitSource) {
      const gauge = this.registry.gauge({
        name: 'godwit_circuit_breaker_state',
        help: 'Circuit breaker state per provider and model: 1 for the current state, 0 for the others.',
        labelNames: ['provider', 'model', 'state'],
      });
      this.registry.onCollect(() => this.collectCircuits(gauge));
    }
    this.circuitSource = states;
  }

  /** Exposes hits, misses and the hit ratio of each cache, read at scrape time. A second call replaces the source. */
  watchCaches(stats: () => CacheStats[]): void {
    if (!this.cacheSource) {
      const registry = this.registry;
      const families = {
        hits: registry.counter({
          name: 'godwit_cache_hits_total',
          help: 'Cache lookups that found an entry.',
          labelNames: ['cache'],
        }),
        misses: registry.counter({
          name: 'godwit_cache_misses_total',
          help: 'Cache lookups that found nothing.',
          labelNames: ['cache'],
        }),
        ratio: registry.gauge({
          name: 'godwit_cache_hit_ratio',
          help: 'Hits divided by lookups since the process started (0 before the first lookup).',
          labelNames: ['cache'],
        }),
      };
      registry.onCollect(() => this.collectCaches(families));
    }
    this.cacheSource = stats;
  }

  /** Breakers grouped under one label (`openai:other`) show 1 for every state one of them is in. */
  private collectCircuits(gauge: Gauge): void {
    gauge.reset();
    const groups = new Map<
      string,
      { labels: { provider: string; model: string }; states: Set<CircuitState> }
    >();
    for (const [key, current] of Object.entries(this.circuitSource?.() ?? {})) {
      const labels = this.modelLabel(key);
      const group = groups.get(labels.model) ?? { labels, states: new Set<CircuitState>() };
      group.states.add(current);
      groups.set(labels.model, group);
    }
    for (const { labels, states } of groups.values()) {
      for (const state of CIRCUIT_STATES) gauge.set({ ...labels, state }, states.has(state) ? 1 : 0);
    }
  }

  private collectCaches(families: { hits: Counter; misses: Counter; ratio: Gauge }): void {
    for (const entry of this.cacheSource?.() ?? []) {
      const labels = { cache: entry.cache };
      families.hits.sync(labels, entry.hits);
      families.misses.sync(labels, entry.misses);
      const lookups = entry.hits + entry.misses;
      families.ratio.set(labels, lookups === 0 ? 0 : entry.hits / lookups);
    }
  }

  render(): string {
    return this.registry.render();
  }
}

/** @example const metrics = createGodwitMetrics(); metrics.render(); */
export function createGodwitMetrics(): GodwitMetrics {
  return new GodwitMetrics();
}
