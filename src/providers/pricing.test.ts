import { describe, expect, it } from 'vitest';
import { ConfigError } from '../core/errors.ts';
import {
  createPricing,
  findPrice,
  type ModelPrice,
  PRICE_TABLE,
  PRICE_TABLE_VERSION,
  PRICES,
  pricedUsageFrom,
  validatePriceTable,
} from './pricing.ts';

const usage = (inputTokens: number, outputTokens: number) => ({
  inputTokens,
  outputTokens,
  totalTokens: inputTokens + outputTokens,
});

const REQUIRED_MODELS = [
  'bedrock:anthropic.claude-3-5-haiku-20241022-v1:0',
  'bedrock:anthropic.claude-3-5-sonnet-20241022-v2:0',
  'bedrock:anthropic.claude-3-7-sonnet-20250219-v1:0',
  'bedrock:anthropic.claude-sonnet-4-20250514-v1:0',
  'bedrock:amazon.nova-micro-v1:0',
  'bedrock:amazon.nova-lite-v1:0',
  'bedrock:amazon.nova-pro-v1:0',
  'bedrock:amazon.titan-text-express-v1',
  'bedrock:amazon.titan-text-lite-v1',
  'bedrock:amazon.titan-embed-text-v1',
  'bedrock:amazon.titan-embed-text-v2:0',
  'bedrock:cohere.embed-english-v3',
  'bedrock:meta.llama3-1-8b-instruct-v1:0',
  'openai:gpt-4.1',
  'openai:gpt-4.1-mini',
  'openai:gpt-4.1-nano',
  'openai:gpt-4o',
  'openai:gpt-4o-mini',
  'openai:text-embedding-3-small',
  'openai:text-embedding-3-large',
  'google:gemini-2.0-flash',
  'google:gemini-2.5-flash',
  'google:gemini-2.5-pro',
  'google:text-embedding-004',
  'ollama:llama3.1:8b',
  'local:extractive',
];

describe('the price table', () => {
  it('is dated and every entry is well formed', () => {
    expect(PRICE_TABLE_VERSION).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(PRICE_TABLE.currency).toBe('USD');
    expect(() => validatePriceTable(PRICES)).not.toThrow();
    for (const [model, price] of Object.entries(PRICES)) {
      expect(model).toMatch(/^(bedrock|openai|google|ollama|local):/);
      expect(price.source.length, model).toBeGreaterThan(5);
      expect(Date.parse(price.asOf) <= Date.parse(PRICE_TABLE_VERSION), model).toBe(true);
      // A per-1k price above $1 would be a per-million figure entered in the wrong unit.
      expect(price.inputPer1k, model).toBeLessThan(1);
      expect(price.outputPer1k, model).toBeLessThan(1);
      if (price.cachedInputPer1k !== undefined) expect(price.cachedInputPer1k).toBeLessThan(price.inputPer1k);
    }
  });

  it('prices every model the product names', () => {
    for (const model of REQUIRED_MODELS) expect(findPrice(PRICES, model), model).toBeDefined();
  });

  it('prices cloud models above zero and self-hosted ones at zero', () => {
    const pricing = createPricing();
    expect(pricing('bedrock:anthropic.claude-3-5-haiku-20241022-v1:0', usage(1000, 1000))).toBeCloseTo(
      0.0048,
    );
    expect(pricing('openai:gpt-4.1-mini', usage(1200, 300))).toBeCloseTo(0.00096);
    expect(pricing('ollama:llama3.1:8b', usage(5000, 5000))).toBe(0);
    expect(pricing('local:extractive', usage(5000, 5000))).toBe(0);
  });
});

describe('createPricing', () => {
  it('yields null, never zero, for an unpriced model', () => {
    const pricing = createPricing();
    expect(pricing('openai:gpt-9-imaginary', usage(100, 100))).toBeNull();
    expect(pricing('bedrock:vendor.unknown-model-v1:0', usage(0, 0))).toBeNull();
    expect(pricing('not-a-model-name', usage(1, 1))).toBeNull();
  });

  it('prices cached input at the cached rate when the table has one', () => {
    const pricing = createPricing();
    const plain = pricing('openai:gpt-4.1', usage(10_000, 0));
    const mostlyCached = pricing('openai:gpt-4.1', { ...usage(10_000, 0), cachedInputTokens: 8000 });
    expect(plain).toBeCloseTo(0.02);
    // 2,000 tokens at $2/M plus 8,000 at $0.50/M.
    expect(mostlyCached).toBeCloseTo(0.008);
  });

  it('prices cached input as ordinary input when the table has no cached rate', () => {
    const table: Record<string, ModelPrice> = {
      'openai:plain': { inputPer1k: 0.001, outputPer1k: 0.002, source: 'test page', asOf: '2025-01-01' },
    };
    const pricing = createPricing(table);
    expect(pricing('openai:plain', { ...usage(1000, 0), cachedInputTokens: 1000 })).toBeCloseTo(0.001);
  });

  it('prices prompt-cache writes at their own rate', () => {
    const pricing = createPricing();
    const cost = pricing('bedrock:anthropic.claude-sonnet-4-20250514-v1:0', {
      ...usage(2000, 0),
      cacheWriteInputTokens: 1000,
      cachedInputTokens: 1000,
    });
    // 1,000 written at $3.75/M plus 1,000 read at $0.30/M.
    expect(cost).toBeCloseTo(0.00405);
  });

  it('applies long-context rates above the threshold', () => {
    const pricing = createPricing();
    expect(pricing('google:gemini-2.5-pro', usage(100_000, 1000))).toBeCloseTo(0.135);
    expect(pricing('google:gemini-2.5-pro', usage(300_000, 1000))).toBeCloseTo(0.765);
  });

  it('prices a Bedrock cross-region inference profile as its model', () => {
    const pricing = createPricing();
    const direct = pricing('bedrock:anthropic.claude-3-7-sonnet-20250219-v1:0', usage(1000, 1000));
    expect(pricing('bedrock:us.anthropic.claude-3-7-sonnet-20250219-v1:0', usage(1000, 1000))).toBe(direct);
    expect(pricing('bedrock:eu.amazon.nova-lite-v1:0', usage(1000, 0))).toBeCloseTo(0.00006);
  });

  it('rejects a malformed table, naming the entry and the field', () => {
    const bad: Record<string, ModelPrice> = {
      'openai:broken': { inputPer1k: -1, outputPer1k: 0, source: 'test page', asOf: '2025-01-01' },
    };
    expect(() => createPricing(bad)).toThrow(ConfigError);
    expect(() => createPricing(bad)).toThrow(/openai:broken.*inputPer1k/);
    const undated = { 'openai:x': { inputPer1k: 0, outputPer1k: 0, source: 'page', asOf: 'July' } };
    expect(() => createPricing(undated)).toThrow(/asOf/);
    const unsourced = { 'openai:x': { inputPer1k: 0, outputPer1k: 0, source: ' ', asOf: '2025-01-01' } };
    expect(() => createPricing(unsourced)).toThrow(/source/);
    const badKey = { 'gpt-4o': { inputPer1k: 0, outputPer1k: 0, source: 'page', asOf: '2025-01-01' } };
    expect(() => createPricing(badKey)).toThrow(/provider:model-id/);
  });

  it('reads the AI SDK usage shape, cache reads included', () => {
    const priced = pricedUsageFrom({
      inputTokens: 500,
      inputTokenDetails: { noCacheTokens: 100, cacheReadTokens: 400, cacheWriteTokens: undefined },
      outputTokens: 20,
      outputTokenDetails: { textTokens: 20, reasoningTokens: undefined },
      totalTokens: 520,
    });
    expect(priced).toEqual({
      inputTokens: 500,
      outputTokens: 20,
      totalTokens: 520,
      cachedInputTokens: 400,
      cacheWriteInputTokens: 0,
    });
  });
});
