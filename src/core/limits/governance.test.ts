import { describe, expect, it } from 'vitest';
import { MemoryCounterStore } from '../../storage/memory/memory-counter-store.ts';
import type { CounterIncrement, CounterStore } from '../ports.ts';
import type { UsageEntry } from '../types.ts';
import type { BudgetAlert, BudgetRule } from './budget-guard.ts';
import { Governance, UNLIMITED } from './governance.ts';

const NOW = new Date('2026-12-07T12:00:00Z');

function governance(
  budgets: { user?: BudgetRule; users?: Record<string, BudgetRule>; key?: BudgetRule },
  store: CounterStore = new MemoryCounterStore({ now: () => NOW.getTime() }),
) {
  const alerts: BudgetAlert[] = [];
  const instance = new Governance({
    store,
    storeName: 'memory',
    now: () => NOW,
    limits: {
      caller: UNLIMITED.rate,
      roles: {},
      keys: {},
      tenant: UNLIMITED.rate,
      tenants: {},
      failedAuthPerMinute: 20,
    },
    budgets: {
      key: budgets.key ?? UNLIMITED.budget,
      keys: {},
      user: budgets.user ?? UNLIMITED.budget,
      users: budgets.users ?? {},
      tenant: UNLIMITED.budget,
      tenants: {},
      alertThresholds: [0.5],
      estimateOutputTokens: 1024,
    },
    onAlert: (alert) => alerts.push(alert),
  });
  return { instance, alerts };
}

function usage(userId: string, costUsd: number): UsageEntry {
  return {
    id: `usage-${Math.random()}`,
    tenantId: 'acme',
    apiKeyId: null,
    userId,
    model: 'openai:gpt-4.1-mini',
    operation: 'chat',
    inputTokens: 100,
    outputTokens: 10,
    cachedTokens: 0,
    costUsd,
    latencyMs: 5,
    outcome: 'ok',
    createdAt: NOW,
  };
}

const dollar = (dailyUsd: number): BudgetRule => ({ dailyUsd, monthlyUsd: null });

describe('Governance budgets per user', () => {
  it("charges a caller without a key to its user's budget, one named in users before the default", () => {
    const { instance } = governance({ user: dollar(1), users: { 'discord:1': dollar(3) }, key: dollar(9) });
    const scopes = (owner: { apiKeyId: string | null; userId?: string }) =>
      instance
        .budgetScopes({ tenantId: 'acme', ...owner })
        .map((scope) => [scope.kind, scope.id, scope.rule.dailyUsd]);
    expect(scopes({ apiKeyId: null, userId: 'discord:1' })).toEqual([['user', 'acme/discord:1', 3]]);
    expect(scopes({ apiKeyId: null, userId: 'slack:T:U' })).toEqual([['user', 'acme/slack:T:U', 1]]);
    // A key is charged to its key budget, not its user's.
    expect(scopes({ apiKeyId: 'k1', userId: 'key:k1' })).toEqual([['key', 'acme/k1', 9]]);
  });

  it('settles the cost counted inside a metered run, then refuses the next run past the budget', async () => {
    const { instance, alerts } = governance({ user: dollar(0.01) });
    const owner = { tenantId: 'acme', apiKeyId: null, userId: 'discord:1' };
    const answer = await instance.runMetered(owner, 0.004, async () => {
      void instance.recordUsage(usage('discord:1', 0.02));
      return 'answered';
    });
    expect(answer).toBe('answered');
    const [status] = await instance.budget.status(instance.budgetScopes(owner));
    expect(status).toMatchObject({ scope: 'user', usedUsd: 0.02, reservedUsd: 0 });
    expect(alerts.map((alert) => [alert.scope.kind, alert.threshold])).toEqual([
      ['user', 0.5],
      ['user', 1],
    ]);

    let ran = false;
    await expect(
      instance.runMetered(owner, 0.004, async () => {
        ran = true;
      }),
    ).rejects.toThrow(/Budget reached: this user may spend \$0\.01 per UTC day/);
    expect(ran).toBe(false);

    // Another user has a window of their own.
    const other = { ...owner, userId: 'slack:T:U' };
    expect(await instance.runMetered(other, 0.004, async () => 'also answered')).toBe('also answered');
  });

  it('gives the estimate back when the work fails without usage', async () => {
    const { instance } = governance({ user: dollar(1) });
    const owner = { tenantId: 'acme', apiKeyId: null, userId: 'discord:1' };
    await expect(
      instance.runMetered(owner, 0.5, async () => {
        throw new Error('model down');
      }),
    ).rejects.toThrow('model down');
    const [status] = await instance.budget.status(instance.budgetScopes(owner));
    expect(status).toMatchObject({ usedUsd: 0, reservedUsd: 0 });
  });

  it('ends a metered run only once its cost is counted (a queue worker may freeze right after)', async () => {
    const memory = new MemoryCounterStore({ now: () => NOW.getTime() });
    let openGate: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      openGate = resolve;
    });
    // Counting spending (the `:spent` windows) waits for the gate; reservations go through.
    const store: CounterStore = {
      ...memory,
      increment: async (increments: CounterIncrement[]) => {
        if (increments.some((increment) => increment.key.endsWith(':spent'))) await gate;
        return memory.increment(increments);
      },
    };
    const { instance } = governance({ user: dollar(1) }, store);
    const owner = { tenantId: 'acme', apiKeyId: null, userId: 'discord:1' };
    let ended = false;
    const run = instance
      .runMetered(owner, 0.1, async () => {
        void instance.recordUsage(usage('discord:1', 0.2));
      })
      .then(() => {
        ended = true;
      });
    await new Promise((resolve) => setImmediate(resolve));
    expect(ended).toBe(false);
    openGate();
    await run;
    const [status] = await instance.budget.status(instance.budgetScopes(owner));
    expect(status).toMatchObject({ usedUsd: 0.2, reservedUsd: 0 });
  });
});
