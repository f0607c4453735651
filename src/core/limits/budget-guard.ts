/**
 * Spending limits in USD per UTC day and month, per API key, per user and per tenant, on a shared CounterStore (in
 * micro-dollars). Before a model call its estimated cost is reserved in every window (refused when a
 * window would pass its limit); when the call's usage row is written the reservation becomes the actual
 * cost; a call that ends without one gives the reservation back. Concurrent calls therefore overshoot a
 * limit only by what their actual costs exceed their estimates.
 */
import { GodwitError } from '../errors.ts';
import type { CounterIncrement, CounterStore } from '../ports.ts';

export interface BudgetRule {
  /** null = no limit. */
  dailyUsd: number | null;
  monthlyUsd: number | null;
}

export interface BudgetScope {
  kind: 'key' | 'user' | 'tenant';
  /** `<tenant>/<key id>`, `<tenant>/<user id>` or `<tenant>`. */
  id: string;
  tenantId: string;
  /** The key of a `key` scope; null otherwise. */
  apiKeyId: string | null;
  /** The user of a `user` scope; null (or absent) otherwise. */
  userId?: string | null;
  rule: BudgetRule;
}

export type BudgetPeriod = 'day' | 'month';

export interface BudgetAlert {
  scope: BudgetScope;
  period: BudgetPeriod;
  /** The fraction crossed (0.5, 0.75, 0.9 by default; 1 when the limit itself is reached). */
  threshold: number;
  limitUsd: number;
  usedUsd: number;
}

export interface BudgetStatus {
  scope: BudgetScope['kind'];
  id: string;
  period: BudgetPeriod;
  limitUsd: number;
  /** Spent in this window (actual costs of finished calls). */
  usedUsd: number;
  /** Held by calls in flight (their estimates). */
  reservedUsd: number;
  /** Thresholds already passed (fractions of the limit). */
  crossed: number[];
  /** When this window ends. */
  resetsAt: string;
}

/** A held estimate; settle or release it once. */
export interface Reservation {
  readonly windows: readonly Window[];
  readonly estimateMicros: number;
  open: boolean;
}

interface Window {
  scope: BudgetScope;
  period: BudgetPeriod;
  /** Spending plus reservations: what admission checks. */
  key: string;
  /** Actual spending only: only ever grows, so each threshold is passed once, whichever instance sees it. */
  spentKey: string;
  limitMicros: number;
  expiresAt: Date;
}

export interface BudgetGuardOptions {
  store: CounterStore;
  /** Fractions of a limit that raise an alert when spending passes them. Default 0.5, 0.75, 0.9. */
  thresholds?: readonly number[];
  onAlert?: (alert: BudgetAlert) => void;
  now?: () => Date;
  /**
   * Spending already in the ledger for a window this process has not counted yet, in USD. Only for a
   * store that forgets (in-process memory): a shared store already holds it.
   */
  seed?: (scope: BudgetScope, from: Date, to: Date) => Promise<number>;
}

const MICROS = 1_000_000;

export class BudgetGuard {
  private readonly store: CounterStore;
  private readonly thresholds: readonly number[];
  private readonly onAlert: (alert: BudgetAlert) => void;
  private readonly now: () => Date;
  private readonly seed: BudgetGuardOptions['seed'];
  private readonly seeded = new Map<string, Promise<void>>();

  constructor(options: BudgetGuardOptions) {
    this.store = options.store;
    this.thresholds = [...(options.thresholds ?? [0.5, 0.75, 0.9])].sort((a, b) => a - b);
    this.onAlert = options.onAlert ?? (() => {});
    this.now = options.now ?? (() => new Date());
    this.seed = options.seed;
  }

  /**
   * Holds `estimateUsd` in every limited window of `scopes`. Throws `rate_limited` (reason
   * `budget_exceeded`, 429) naming the budget when one would pass its limit; then nothing stays held.
   */
  async reserve(scopes: readonly BudgetScope[], estimateUsd: number): Promise<Reservation> {
    const windows = this.windows(scopes);
    const estimateMicros = Math.max(0, Math.ceil(estimateUsd * MICROS));
    if (windows.length === 0) return { windows, estimateMicros: 0, open: false };
    await this.seedWindows(windows);
    const values = await this.add(windows, estimateMicros);
    const refused = windows.findIndex((window, index) => {
      const value = values[index] ?? 0;
      return estimateMicros === 0 ? value >= window.limitMicros : value > window.limitMicros;
    });
    if (refused === -1) return { windows, estimateMicros, open: estimateMicros > 0 };
    if (estimateMicros > 0) await this.add(windows, -estimateMicros);
    throw budgetError(windows[refused]!, values[refused]! - estimateMicros, this.now());
  }

  /** Turns the reservation into the actual cost of a call (and adds later calls' costs once it is used). */
  async settle(reservation: Reservation, actualUsd: number): Promise<void> {
    const actual = Math.max(0, Math.round(actualUsd * MICROS));
    const held = reservation.open ? reservation.estimateMicros : 0;
    reservation.open = false;
    const delta = actual - held;
    const windows = reservation.windows;
    if (windows.length === 0 || (delta === 0 && actual === 0)) return;
    const values = await this.store.increment([
      ...windows.map((window) => ({ key: window.key, by: delta, expiresAt: window.expiresAt })),
      ...windows.map((window) => ({ key: window.spentKey, by: actual, expiresAt: window.expiresAt })),
    ]);
    if (actual > 0) this.alertCrossings(windows, values.slice(windows.length), actual);
  }

  /** Gives back what a call held when it ended without a cost (failed, or cut off before usage). */
  async release(reservation: Reservation): Promise<void> {
    if (!reservation.open) return;
    reservation.open = false;
    await this.add(reservation.windows, -reservation.estimateMicros);
  }

  /** Adds a cost that no reservation held (calls made outside a request: the CLI, ingestion). */
  async charge(scopes: readonly BudgetScope[], actualUsd: number): Promise<void> {
    const windows = this.windows(scopes);
    if (windows.length === 0) return;
    await this.seedWindows(windows);
    await this.settle({ windows, estimateMicros: 0, open: false }, actualUsd);
  }

  /** Each limited window of `scopes` now, for `GET /api/usage` and `godwit usage`. */
  async status(scopes: readonly BudgetScope[]): Promise<BudgetStatus[]> {
    const windows = this.windows(scopes);
    if (windows.length === 0) return [];
    await this.seedWindows(windows);
    const values = await this.store.increment([
      ...windows.map((window) => ({ key: window.key, by: 0, expiresAt: window.expiresAt })),
      ...windows.map((window) => ({ key: window.spentKey, by: 0, expiresAt: window.expiresAt })),
    ]);
    return windows.map((window, index) => {
      const used = values[windows.length + index] ?? 0;
      const held = Math.max(0, (values[index] ?? 0) - used);
      return {
        scope: window.scope.kind,
        id: window.scope.id,
        period: window.period,
        limitUsd: window.limitMicros / MICROS,
        usedUsd: used / MICROS,
        reservedUsd: held / MICROS,
        crossed: this.thresholds.filter((threshold) => used >= threshold * window.limitMicros),
        resetsAt: windowBounds(window.period, this.now()).end.toISOString(),
      };
    });
  }

  private alertCrossings(windows: readonly Window[], values: number[], added: number): void {
    for (const [index, window] of windows.entries()) {
      const after = values[index] ?? 0;
      const before = after - added;
      for (const threshold of [...this.thresholds, 1]) {
        const mark = threshold * window.limitMicros;
        if (before < mark && after >= mark) {
          this.onAlert({
            scope: window.scope,
            period: window.period,
            threshold,
            limitUsd: window.limitMicros / MICROS,
            usedUsd: after / MICROS,
          });
        }
      }
    }
  }

  private windows(scopes: readonly BudgetScope[]): Window[] {
    const now = this.now();
    const windows: Window[] = [];
    for (const scope of scopes) {
      for (const period of ['day', 'month'] as const) {
        const limit = period === 'day' ? scope.rule.dailyUsd : scope.rule.monthlyUsd;
        if (limit === null) continue;
        const bounds = windowBounds(period, now);
        windows.push({
          scope,
          period,
          key: `budget:${scope.kind}:${scope.id}:${bounds.label}`,
          spentKey: `budget:${scope.kind}:${scope.id}:${bounds.label}:spent`,
          limitMicros: Math.round(limit * MICROS),
          // Kept a day past its end, so a late settlement still lands in the window it belongs to.
          expiresAt: new Date(bounds.end.getTime() + 86_400_000),
        });
      }
    }
    return windows;
  }

  private add(windows: readonly Window[], by: number): Promise<number[]> {
    const increments: CounterIncrement[] = windows.map((window) => ({
      key: window.key,
      by,
      expiresAt: window.expiresAt,
    }));
    return this.store.increment(increments);
  }

  private async seedWindows(windows: readonly Window[]): Promise<void> {
    const seed = this.seed;
    if (!seed) return;
    await Promise.all(
      windows.map((window) => {
        let pending = this.seeded.get(window.key);
        if (!pending) {
          const bounds = windowBounds(window.period, this.now());
          pending = seed(window.scope, bounds.start, bounds.end).then(async (usd) => {
            const micros = Math.round(usd * MICROS);
            if (micros <= 0) return;
            await this.store.increment([
              { key: window.key, by: micros, expiresAt: window.expiresAt },
              { key: window.spentKey, by: micros, expiresAt: window.expiresAt },
            ]);
          });
          // A failed seed is tried again by the next call rather than remembered.
          pending.catch(() => this.seeded.delete(window.key));
          this.seeded.set(window.key, pending);
        }
        return pending;
      }),
    );
  }
}

/** The UTC day or month holding `now`: its start, end (exclusive) and label (`2026-12-07`, `2026-12`). */
export function windowBounds(period: BudgetPeriod, now: Date): { start: Date; end: Date; label: string } {
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth();
  if (period === 'day') {
    const start = new Date(Date.UTC(year, month, now.getUTCDate()));
    return { start, end: new Date(start.getTime() + 86_400_000), label: start.toISOString().slice(0, 10) };
  }
  const start = new Date(Date.UTC(year, month, 1));
  return { start, end: new Date(Date.UTC(year, month + 1, 1)), label: start.toISOString().slice(0, 7) };
}

/**
 * A dollar amount with cents, and with as many more digits (to the micro-dollar the counters keep) as it
 * takes not to round a small amount away: 5 → "5.00", 0.004 → "0.004", 0.0123 → "0.0123".
 */
export function formatUsd(usd: number): string {
  const exact = usd.toFixed(6).replace(/0+$/, '');
  const decimals = exact.length - exact.indexOf('.') - 1;
  return decimals >= 2 ? exact : usd.toFixed(2);
}

function budgetError(window: Window, usedMicros: number, now: Date): GodwitError {
  const end = windowBounds(window.period, now).end;
  const who =
    window.scope.kind === 'tenant'
      ? 'this tenant'
      : window.scope.kind === 'user'
        ? 'this user'
        : 'this API key';
  const limit = formatUsd(window.limitMicros / MICROS);
  const used = formatUsd(Math.max(0, usedMicros) / MICROS);
  return new GodwitError(
    'rate_limited',
    `Budget reached: ${who} may spend $${limit} per ${window.period === 'day' ? 'UTC day' : 'UTC month'} and has used $${used}; it resets at ${end.toISOString()}. Ask an admin to raise budgets in the config.`,
    {
      details: {
        retryAfterMs: end.getTime() - now.getTime(),
        reason: 'budget_exceeded',
        scope: window.scope.kind,
        period: window.period,
      },
    },
  );
}
