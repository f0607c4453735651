import { describe, expect, it } from 'vitest';
import { ValidationError } from './errors.ts';
import { SynchronousBudget } from './synchronous-budget.ts';

/** A clock that moves `stepMs` each time it is read. */
function steppingClock(stepMs: number): () => number {
  let now = 0;
  return () => {
    now += stepMs;
    return now;
  };
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('SynchronousBudget', () => {
  it('allows work until the turn has spent its limit, then again in the next turn', async () => {
    // Each run reads the clock before and after its work: 1 ms a run.
    const budget = new SynchronousBudget(3, { now: steppingClock(1) });
    let runs = 0;
    while (budget.available) budget.run(() => runs++);
    expect(runs).toBe(3);
    expect(budget.available).toBe(false);
    await nextTurn();
    expect(budget.available).toBe(true);
  });

  it('returns what the work returns and charges work that throws', async () => {
    const budget = new SynchronousBudget(1, { now: steppingClock(1) });
    expect(() =>
      budget.run(() => {
        throw new Error('disk full');
      }),
    ).toThrow('disk full');
    expect(budget.available).toBe(false);
    await nextTurn();
    expect(budget.run(() => 42)).toBe(42);
  });

  it('allows nothing with a limit of 0', () => {
    expect(new SynchronousBudget(0).available).toBe(false);
  });

  it('refuses a limit that is not a number of milliseconds, naming it', () => {
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, '4' as unknown as number]) {
      expect(() => new SynchronousBudget(bad, { name: 'blobs.synchronousBudgetMs' })).toThrow(
        ValidationError,
      );
      expect(() => new SynchronousBudget(bad, { name: 'blobs.synchronousBudgetMs' })).toThrow(
        /^blobs\.synchronousBudgetMs must be a number of milliseconds, 0 or more; got /,
      );
    }
  });
});
