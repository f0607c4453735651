/**
 * Prices model calls in US dollars from the price table (price-table.ts). A model without an entry is
 * unpriced: its cost is null and reports flag it, never count it as free.
 */
import type { LanguageModelUsage } from 'ai';
import { ConfigError } from '../core/errors.ts';
import type { Pricing } from '../core/models.ts';
import type { Usage } from '../core/types.ts';
import { type ModelPrice, PRICE_TABLE } from './price-table.ts';

export { type LongContextPrice, type ModelPrice, PRICE_TABLE, type PriceTable } from './price-table.ts';

export const PRICE_TABLE_VERSION = PRICE_TABLE.version;
export const PRICES: Record<string, ModelPrice> = PRICE_TABLE.prices;

/** Usage with the prompt-cache detail some providers report; both counts are part of `inputTokens`. */
export interface PricedUsage extends Usage {
  /** Input tokens read from the provider's prompt cache. */
  cachedInputTokens?: number;
  /** Input tokens written to the provider's prompt cache. */
  cacheWriteInputTokens?: number;
}

/** A Pricing that also reads the prompt-cache counts when they are given. */
export type CachePricing = (model: string, usage: PricedUsage) => number | null;

/** Bedrock cross-region inference profiles (`us.anthropic…`) are billed as the model they route to. */
const BEDROCK_PROFILE_PREFIX = /^(?:us|us-gov|eu|apac|jp|au|ca|global)\./;

/**
 * The entry for `model`: the exact name, else the Bedrock model behind an inference profile, else the
 * provider's `provider:*` entry. Undefined when the model is unpriced.
 */
export function findPrice(table: Record<string, ModelPrice>, model: string): ModelPrice | undefined {
  const exact = table[model];
  if (exact) return exact;
  const separator = model.indexOf(':');
  if (separator <= 0) return undefined;
  const provider = model.slice(0, separator);
  const modelId = model.slice(separator + 1);
  if (provider === 'bedrock' && BEDROCK_PROFILE_PREFIX.test(modelId)) {
    const base = table[`bedrock:${modelId.replace(BEDROCK_PROFILE_PREFIX, '')}`];
    if (base) return base;
  }
  return table[`${provider}:*`];
}

/** The cost of one call at `price`, in US dollars. */
export function costOf(price: ModelPrice, usage: PricedUsage): number {
  const inputTokens = Math.max(0, usage.inputTokens);
  const rates =
    price.longContext && inputTokens > price.longContext.aboveInputTokens ? price.longContext : price;
  const cached = Math.min(inputTokens, Math.max(0, usage.cachedInputTokens ?? 0));
  const written = Math.min(inputTokens - cached, Math.max(0, usage.cacheWriteInputTokens ?? 0));
  const plain = inputTokens - cached - written;
  const cachedRate = rates.cachedInputPer1k ?? rates.inputPer1k;
  const writeRate = price.cacheWriteInputPer1k ?? rates.inputPer1k;
  const dollars =
    plain * rates.inputPer1k +
    cached * cachedRate +
    written * writeRate +
    Math.max(0, usage.outputTokens) * rates.outputPer1k;
  return dollars / 1000;
}

/**
 * Builds the Pricing the chat service and the usage ledger call. The table is checked once here.
 *
 * @example
 *   const pricing = createPricing();
 *   pricing('openai:gpt-4.1-mini', { inputTokens: 1200, outputTokens: 300, totalTokens: 1500 }); // 0.00096
 *   pricing('openai:some-new-model', usage); // null: unpriced, never $0
 */
export function createPricing(table: Record<string, ModelPrice> = PRICES): CachePricing & Pricing {
  validatePriceTable(table);
  return (model, usage) => {
    const price = findPrice(table, model);
    if (!price) return null;
    const cost = costOf(price, usage);
    return Number.isFinite(cost) ? cost : null;
  };
}

/** The AI SDK's usage of a call (generateText, streamText) as the counts pricing reads. */
export function pricedUsageFrom(usage: LanguageModelUsage): PricedUsage {
  const inputTokens = usage.inputTokens ?? 0;
  const outputTokens = usage.outputTokens ?? 0;
  return {
    inputTokens,
    outputTokens,
    totalTokens: usage.totalTokens ?? inputTokens + outputTokens,
    cachedInputTokens: usage.inputTokenDetails?.cacheReadTokens ?? 0,
    cacheWriteInputTokens: usage.inputTokenDetails?.cacheWriteTokens ?? 0,
  };
}

const MODEL_NAME = /^[a-z][a-z0-9-]*:(?:\*|\S+)$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Throws ConfigError naming the first malformed entry and field. */
export function validatePriceTable(table: Record<string, ModelPrice>): void {
  for (const [model, price] of Object.entries(table)) {
    const fail = (problem: string): never => {
      throw new ConfigError(`Price table entry "${model}": ${problem}.`, { details: { field: model } });
    };
    if (!MODEL_NAME.test(model)) fail('the key must be provider:model-id or provider:*');
    const rates: Array<[string, number | undefined]> = [
      ['inputPer1k', price.inputPer1k],
      ['outputPer1k', price.outputPer1k],
      ['cachedInputPer1k', price.cachedInputPer1k],
      ['cacheWriteInputPer1k', price.cacheWriteInputPer1k],
      ['longContext.inputPer1k', price.longContext?.inputPer1k],
      ['longContext.outputPer1k', price.longContext?.outputPer1k],
      ['longContext.cachedInputPer1k', price.longContext?.cachedInputPer1k],
    ];
    for (const [field, value] of rates) {
      const required = field === 'inputPer1k' || field === 'outputPer1k';
      if (value === undefined && !required) continue;
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
        fail(`${field} must be a price in US dollars per 1,000 tokens (0 or more); got ${value}`);
      }
    }
    const threshold = price.longContext?.aboveInputTokens;
    if (threshold !== undefined && !(Number.isInteger(threshold) && threshold > 0)) {
      fail(`longContext.aboveInputTokens must be a positive whole number of tokens; got ${threshold}`);
    }
    if (typeof price.source !== 'string' || price.source.trim() === '') {
      fail('source must name the pricing page the figures come from');
    }
    if (!DAY.test(price.asOf ?? '') || Number.isNaN(Date.parse(price.asOf))) {
      fail(`asOf must be the day the figures were read, as YYYY-MM-DD; got ${price.asOf}`);
    }
  }
}
