import { describe, expect, it } from 'vitest';
import { ValidationError } from '../core/errors.ts';
import { createPricing } from '../providers/pricing.ts';
import { estimateMonthlyCost } from './estimate-monthly-cost.ts';

const HAIKU = 'bedrock:anthropic.claude-3-5-haiku-20241022-v1:0';
const pricing = createPricing();

describe('estimateMonthlyCost', () => {
  it('adds the infrastructure lines and prices the model apart from the price table', () => {
    const estimate = estimateMonthlyCost({ requestsPerMonth: 100_000, model: HAIKU }, pricing);
    const sum = estimate.infrastructure.reduce((total, line) => total + line.usd, 0);
    expect(estimate.infrastructureUsd).toBeCloseTo(sum, 1);
    // Claude 3.5 Haiku: $0.80 / $4.00 per million tokens; 1,500 in + 300 out per turn.
    expect(estimate.modelUsd).toBeCloseTo((100_000 * (1_500 * 0.8 + 300 * 4)) / 1e6, 2);
    expect(estimate.totalUsd).toBeCloseTo(estimate.infrastructureUsd + estimate.modelUsd!, 2);
    expect(estimate.infrastructure.every((line) => line.basis.length > 0)).toBe(true);
  });

  it('costs an idle default stack a few dollars, and OpenSearch Serverless its floor', () => {
    const idle = estimateMonthlyCost({ requestsPerMonth: 0, model: HAIKU }, pricing);
    expect(idle.infrastructureUsd).toBeLessThan(15);
    expect(idle.modelUsd).toBe(0);
    const opensearch = estimateMonthlyCost(
      { requestsPerMonth: 0, model: HAIKU, vectorStore: 'opensearch' },
      pricing,
    );
    expect(opensearch.infrastructureUsd - idle.infrastructureUsd).toBeGreaterThan(170);
  });

  it('grows with traffic, and Fargate costs its always-on tasks even when idle', () => {
    const levels = [0, 10_000, 100_000, 1_000_000].map(
      (requestsPerMonth) =>
        estimateMonthlyCost({ requestsPerMonth, model: HAIKU }, pricing).infrastructureUsd,
    );
    expect([...levels].sort((a, b) => a - b)).toEqual(levels);
    const fargate = estimateMonthlyCost({ requestsPerMonth: 0, model: HAIKU, compute: 'fargate' }, pricing);
    expect(fargate.infrastructureUsd).toBeGreaterThan(100);
    expect(fargate.infrastructure.some((line) => line.item.startsWith('Lambda'))).toBe(false);
  });

  it('never counts an unpriced model as free', () => {
    const estimate = estimateMonthlyCost(
      { requestsPerMonth: 1_000, model: 'bedrock:acme.unlisted-model-v1:0' },
      pricing,
    );
    expect(estimate.modelUsd).toBeNull();
    expect(estimate.totalUsd).toBeNull();
  });

  it('refuses a negative traffic or token count, naming it', () => {
    expect(() => estimateMonthlyCost({ requestsPerMonth: -1, model: HAIKU }, pricing)).toThrow(
      ValidationError,
    );
    expect(() =>
      estimateMonthlyCost({ requestsPerMonth: 10, model: HAIKU, inputTokens: Number.NaN }, pricing),
    ).toThrow(/input tokens/);
  });
});
