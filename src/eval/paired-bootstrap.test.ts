import { describe, expect, it } from 'vitest';
import { pairedBootstrap, seededRandom } from './paired-bootstrap.ts';

describe('pairedBootstrap', () => {
  it('gives the same result for the same seed', () => {
    const baseline = [1, 0.5, 1, 1, 0, 1, 0.5, 1];
    const candidate = [0.5, 0.5, 1, 0, 0, 1, 0, 1];
    expect(pairedBootstrap(baseline, candidate, { seed: 3 })).toEqual(
      pairedBootstrap(baseline, candidate, { seed: 3 }),
    );
  });

  it('finds a consistent drop significant, with an interval below zero', () => {
    const baseline = Array.from({ length: 30 }, () => 1);
    const candidate = Array.from({ length: 30 }, (_, index) => (index % 3 === 0 ? 1 : 0.5));
    const result = pairedBootstrap(baseline, candidate, { seed: 1 });
    expect(result.pairs).toBe(30);
    expect(result.meanDifference).toBeCloseTo(-1 / 3, 10);
    expect(result.high).toBeLessThan(0);
    expect(result.low).toBeLessThanOrEqual(result.meanDifference);
    expect(result.pValue).toBeLessThan(0.01);
  });

  it('does not call a single changed question out of many significant', () => {
    const baseline = Array.from({ length: 20 }, () => 1);
    const candidate = baseline.map((value, index) => (index === 0 ? 0 : value));
    const result = pairedBootstrap(baseline, candidate, { seed: 1 });
    expect(result.low).toBeLessThan(0);
    expect(result.high).toBe(0);
    expect(result.pValue).toBeGreaterThan(0.05);
  });

  it('reports no difference with p = 1 for identical or empty scores', () => {
    expect(pairedBootstrap([1, 0], [1, 0]).pValue).toBe(1);
    expect(pairedBootstrap([], [])).toEqual({ pairs: 0, meanDifference: 0, low: 0, high: 0, pValue: 1 });
  });

  it('refuses unpaired inputs', () => {
    expect(() => pairedBootstrap([1], [1, 0])).toThrow(/differ in length/);
  });
});

describe('seededRandom', () => {
  it('is reproducible and stays in [0, 1)', () => {
    const first = seededRandom(42);
    const second = seededRandom(42);
    for (let draw = 0; draw < 1000; draw++) {
      const value = first();
      expect(value).toBe(second());
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
    }
  });
});
