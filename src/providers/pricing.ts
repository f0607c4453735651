/**
 * Prices per model, in US dollars per 1,000 tokens. A model without an entry is unpriced: its cost is
 * null and reports flag it, never count it as free.
 */
import type { Pricing } from '../core/models.ts';

export interface ModelPrice {
  inputPer1k: number;
  outputPer1k: number;
  /** Where the figure comes from, and when it was read. */
  source: string;
}

export const PRICE_TABLE_VERSION = '2026-11-23';

export const PRICES: Record<string, ModelPrice> = {
  'local:extractive': { inputPer1k: 0, outputPer1k: 0, source: 'runs in-process; no charge' },
};

export function createPricing(table: Record<string, ModelPrice> = PRICES): Pricing {
  return (model, usage) => {
    const price = table[model];
    if (!price) return null;
    return (usage.inputTokens / 1000) * price.inputPer1k + (usage.outputTokens / 1000) * price.outputPer1k;
  };
}
