/**
 * Rate limits and budgets for one deployment: which rules apply to a caller, the request scope a model
 * call's usage is charged to, and the one place usage rows turn into token counts and spending.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { DependencyError, GodwitError } from '../errors.ts';
import type { CounterStore } from '../ports.ts';
import type { Role, UsageEntry } from '../types.ts';
import {
  type BudgetAlert,
  BudgetGuard,
  type BudgetRule,
  type BudgetScope,
  type Reservation,
} from './budget-guard.ts';
import { RateLimiter, type RateRule, type RateScope, rateLimitError } from './rate-limiter.ts';

/** Told of a refusal: `rate_limited` or `budget_exceeded`, and the scope kind (key, user, tenant). */
export type RefusalListener = (reason: 'rate_limited' | 'budget_exceeded', scope: string) => void;

export interface LimitSettings {
  /** Every API key or user, unless a role or key rule says otherwise. */
  caller: RateRule;
  roles: Partial<Record<Role, RateRule>>;
  /** By API key id. */
  keys: Record<string, RateRule>;
  /** Every tenant (all its callers together), unless `tenants` names it. */
  tenant: RateRule;
  tenants: Record<string, RateRule>;
  /** Failed sign-ins per client address per minute before further attempts get 429. */
  failedAuthPerMinute: number;
}

export interface BudgetSettings {
  key: BudgetRule;
  keys: Record<string, BudgetRule>;
  /** Each user calling without an API key (a JWT user, a channel user), unless `users` names it. */
  user: BudgetRule;
  /** By user id (`discord:<id>`, `slack:<team>:<id>`, a JWT subject). */
  users: Record<string, BudgetRule>;
  tenant: BudgetRule;
  tenants: Record<string, BudgetRule>;
  alertThresholds: readonly number[];
  /** Output tokens assumed when a call names no maximum, for the estimate reserved before it. */
  estimateOutputTokens: number;
}

export interface GovernedCaller {
  tenantId: string;
  userId: string;
  role: Role;
  apiKeyId: string | null;
}

/** What a request holds while it runs: usage rows written inside it are charged here. */
export interface RequestAllowance {
  rateScopes: readonly RateScope[];
  budgetScopes: readonly BudgetScope[];
  reservation?: Reservation;
  /** Countings of usage rows still being written, when the holder waits for them (`runMetered`). */
  counting?: Set<Promise<void>>;
}

export interface GovernanceOptions {
  store: CounterStore;
  limits: LimitSettings;
  budgets: BudgetSettings;
  /** Where the counters live, for messages and docs (`memory`, `redis`, `database`, `dynamodb`). */
  storeName: string;
  /**
   * When the counter store cannot be reached: `closed` (default) refuses limited requests with a
   * DependencyError (503), `open` lets them through uncounted and reports each such request.
   */
  onStoreDown?: StoreDownPolicy;
  /** Told about each request the store's failure refused (`closed`) or let through uncounted (`open`). */
  onStoreFailure?: (error: unknown, outcome: 'refused' | 'uncounted') => void;
  onAlert?: (alert: BudgetAlert) => void;
  /** Reported when a usage row could not be counted (the counter store failed). */
  reportError?: (error: unknown) => void;
  now?: () => Date;
  seed?: (scope: BudgetScope, from: Date, to: Date) => Promise<number>;
}

export type StoreDownPolicy = 'closed' | 'open';

const NO_RATE: RateRule = { requestsPerMinute: null, tokensPerMinute: null };
const NO_BUDGET: BudgetRule = { dailyUsd: null, monthlyUsd: null };

export class Governance {
  readonly rate: RateLimiter;
  readonly budget: BudgetGuard;
  readonly storeName: string;
  readonly limits: LimitSettings;
  readonly budgets: BudgetSettings;
  readonly onStoreDown: StoreDownPolicy;
  private readonly onStoreFailure: (error: unknown, outcome: 'refused' | 'uncounted') => void;
  private readonly scope = new AsyncLocalStorage<RequestAllowance>();
  private readonly alertListeners = new Set<(alert: BudgetAlert) => void>();
  private readonly refusalListeners = new Set<RefusalListener>();
  private readonly reportError: (error: unknown) => void;

  constructor(options: GovernanceOptions) {
    const now = options.now ?? (() => new Date());
    this.rate = new RateLimiter({ store: options.store, now: () => now().getTime() });
    this.budget = new BudgetGuard({
      store: options.store,
      thresholds: options.budgets.alertThresholds,
      now,
      onAlert: (alert) => {
        options.onAlert?.(alert);
        for (const listener of this.alertListeners) listener(alert);
      },
      ...(options.seed ? { seed: options.seed } : {}),
    });
    this.storeName = options.storeName;
    this.limits = options.limits;
    this.budgets = options.budgets;
    this.reportError = options.reportError ?? (() => {});
    this.onStoreDown = options.onStoreDown ?? 'closed';
    this.onStoreFailure = options.onStoreFailure ?? (() => {});
  }

  /**
   * Runs one check on the counter store. When the store is unreachable (a `dependency_unavailable`
   * error), `onStoreDown: open` answers undefined (the request goes on uncounted) and `closed` throws a
   * DependencyError naming the store; any other error is thrown as it is.
   *
   * @example const decision = await governance.counted(() => governance.rate.check(scopes));
   */
  async counted<T>(check: () => Promise<T>): Promise<T | undefined> {
    try {
      return await check();
    } catch (error) {
      if (!GodwitError.isInstance(error) || error.code !== 'dependency_unavailable') throw error;
      if (this.onStoreDown === 'open') {
        this.onStoreFailure(error, 'uncounted');
        return undefined;
      }
      this.onStoreFailure(error, 'refused');
      // The cause (which names the store's address) goes to the log, not to the caller.
      throw new DependencyError(
        `Rate limits and budgets cannot be checked right now: the ${this.storeName} counter store is unavailable. Retry later.`,
        { cause: error, details: { dependency: 'limits' } },
      );
    }
  }

  /** The caller's own scope (its key, else its user) and its tenant's, with the rule of each. */
  rateScopes(caller: GovernedCaller): RateScope[] {
    const { limits } = this;
    const own: RateScope =
      caller.apiKeyId !== null
        ? {
            kind: 'key',
            id: `${caller.tenantId}/${caller.apiKeyId}`,
            rule: limits.keys[caller.apiKeyId] ?? limits.roles[caller.role] ?? limits.caller,
          }
        : {
            kind: 'user',
            id: `${caller.tenantId}/${caller.userId}`,
            rule: limits.roles[caller.role] ?? limits.caller,
          };
    const tenant: RateScope = {
      kind: 'tenant',
      id: caller.tenantId,
      rule: limits.tenants[caller.tenantId] ?? limits.tenant,
    };
    return [own, tenant].filter((scope) => !isUnlimited(scope.rule));
  }

  /**
   * The budgets a call is charged to: its API key's or, for a caller without a key, its user's (as for
   * rate limits); and its tenant's. Only limited ones.
   */
  budgetScopes(owner: { tenantId: string; apiKeyId: string | null; userId?: string | null }): BudgetScope[] {
    const { budgets } = this;
    const scopes: BudgetScope[] = [];
    if (owner.apiKeyId !== null) {
      scopes.push({
        kind: 'key',
        id: `${owner.tenantId}/${owner.apiKeyId}`,
        tenantId: owner.tenantId,
        apiKeyId: owner.apiKeyId,
        rule: budgets.keys[owner.apiKeyId] ?? budgets.key,
      });
    } else if (owner.userId) {
      scopes.push({
        kind: 'user',
        id: `${owner.tenantId}/${owner.userId}`,
        tenantId: owner.tenantId,
        apiKeyId: null,
        userId: owner.userId,
        rule: budgets.users[owner.userId] ?? budgets.user,
      });
    }
    scopes.push({
      kind: 'tenant',
      id: owner.tenantId,
      tenantId: owner.tenantId,
      apiKeyId: null,
      rule: budgets.tenants[owner.tenantId] ?? budgets.tenant,
    });
    return scopes.filter((scope) => scope.rule.dailyUsd !== null || scope.rule.monthlyUsd !== null);
  }

  /**
   * Every budget of a tenant an admin reads: the tenant's, each key's in `apiKeyIds`, and each user's in
   * `userIds` or named in `budgets.users`.
   */
  tenantBudgetScopes(
    tenantId: string,
    apiKeyIds: readonly string[],
    userIds: readonly string[],
  ): BudgetScope[] {
    const users = [...new Set([...userIds, ...Object.keys(this.budgets.users)])].sort();
    return [
      ...this.budgetScopes({ tenantId, apiKeyId: null }),
      ...apiKeyIds.flatMap((apiKeyId) =>
        this.budgetScopes({ tenantId, apiKeyId }).filter((scope) => scope.kind === 'key'),
      ),
      ...users.flatMap((userId) =>
        this.budgetScopes({ tenantId, apiKeyId: null, userId }).filter((scope) => scope.kind === 'user'),
      ),
    ];
  }

  /** Whether any budget is configured at all (else no estimate is worth computing). */
  get hasBudgets(): boolean {
    const { budgets } = this;
    return [
      budgets.key,
      budgets.user,
      budgets.tenant,
      ...Object.values(budgets.keys),
      ...Object.values(budgets.users),
      ...Object.values(budgets.tenants),
    ].some((rule) => rule.dailyUsd !== null || rule.monthlyUsd !== null);
  }

  /** Calls `listener` for every budget alert (metrics); returns the unsubscribe function. */
  subscribeAlerts(listener: (alert: BudgetAlert) => void): () => void {
    this.alertListeners.add(listener);
    return () => {
      this.alertListeners.delete(listener);
    };
  }

  /** Runs `work` with `allowance` as the request's: usage rows written inside are charged to it. */
  run<T>(allowance: RequestAllowance, work: () => T): T {
    return this.scope.run(allowance, work);
  }

  /** Calls `listener` for every refusal made here (a channel turn's), for metrics; returns the unsubscribe. */
  subscribeRefusals(listener: RefusalListener): () => void {
    this.refusalListeners.add(listener);
    return () => {
      this.refusalListeners.delete(listener);
    };
  }

  private refused(reason: 'rate_limited' | 'budget_exceeded', scope: string): void {
    for (const listener of this.refusalListeners) listener(reason, scope);
  }

  /**
   * Counts one request of `caller` against its and its tenant's per-minute limits, as every /api and /v1
   * request is counted; throws `rate_limited` (with `retryAfterMs`) when a limit is reached. Answers the
   * scopes that the request's tokens count against (empty when nothing limits the caller).
   */
  async admit(caller: GovernedCaller): Promise<RateScope[]> {
    const rateScopes = this.rateScopes(caller);
    if (rateScopes.length === 0) return rateScopes;
    const decision = await this.counted(() => this.rate.check(rateScopes));
    if (decision?.exceeded) {
      this.refused('rate_limited', decision.exceeded.scope.kind);
      throw rateLimitError(decision);
    }
    return rateScopes;
  }

  /**
   * Runs one metered piece of work outside an HTTP request (a channel turn): reserves `estimateUsd`
   * against the owner's budgets (throws `rate_limited`, reason `budget_exceeded`, when one is spent),
   * charges the usage rows written inside (their tokens also to `rateScopes`, from `admit`), and gives back
   * what no row used once `work` settles.
   */
  async runMetered<T>(
    owner: { tenantId: string; apiKeyId: string | null; userId: string | null },
    estimateUsd: number,
    work: () => Promise<T>,
    rateScopes: readonly RateScope[] = [],
  ): Promise<T> {
    const budgetScopes = this.budgetScopes(owner);
    if (budgetScopes.length === 0 && rateScopes.length === 0) return work();
    let reservation: Reservation | undefined;
    if (budgetScopes.length > 0) {
      try {
        reservation = await this.counted(() => this.budget.reserve(budgetScopes, estimateUsd));
      } catch (error) {
        if (GodwitError.isInstance(error) && error.details?.reason === 'budget_exceeded') {
          this.refused('budget_exceeded', String(error.details.scope));
        }
        throw error;
      }
    }
    const counting = new Set<Promise<void>>();
    try {
      return await this.run(
        { rateScopes, budgetScopes, ...(reservation ? { reservation } : {}), counting },
        work,
      );
    } finally {
      // The work is over once its cost is counted: the next turn sees it, and a queue worker that
      // freezes after its job loses no count.
      await Promise.all(counting);
      if (reservation) {
        await this.budget.release(reservation).catch((error: unknown) => this.reportError(error));
      }
    }
  }

  /**
   * Counts a usage row: its tokens against the request's token limits, its cost against budgets (turning
   * the request's reservation into the actual cost). Never throws; failures are reported.
   */
  recordUsage(entry: UsageEntry): Promise<void> {
    const allowance = this.scope.getStore();
    const counted = this.count(entry, allowance);
    if (allowance?.counting) {
      allowance.counting.add(counted);
      void counted.then(() => allowance.counting?.delete(counted));
    }
    return counted;
  }

  private async count(entry: UsageEntry, allowance: RequestAllowance | undefined): Promise<void> {
    const tokens = entry.inputTokens + entry.outputTokens;
    const cost = entry.costUsd ?? 0;
    try {
      await Promise.all([
        allowance && tokens > 0 ? this.rate.addTokens(allowance.rateScopes, tokens) : undefined,
        allowance?.reservation
          ? this.budget.settle(allowance.reservation, cost)
          : cost > 0
            ? this.budget.charge(allowance?.budgetScopes ?? this.budgetScopes(entry), cost)
            : undefined,
      ]);
    } catch (error) {
      this.reportError(error);
    }
  }
}

function isUnlimited(rule: RateRule): boolean {
  return rule.requestsPerMinute === null && rule.tokensPerMinute === null;
}

export const UNLIMITED = { rate: NO_RATE, budget: NO_BUDGET };
