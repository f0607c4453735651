/**
 * The shape of a list price and the helpers the providers' price lists are written with (see
 * price-table.ts for how figures are sourced and dated).
 */

export interface LongContextPrice {
  /** The long-context rates apply to a whole call whose input exceeds this many tokens. */
  aboveInputTokens: number;
  inputPer1k: number;
  outputPer1k: number;
  cachedInputPer1k?: number;
}

export interface ModelPrice {
  inputPer1k: number;
  outputPer1k: number;
  /** Input tokens read from the provider's prompt cache; absent: priced as ordinary input. */
  cachedInputPer1k?: number;
  /** Input tokens written to the provider's prompt cache; absent: priced as ordinary input. */
  cacheWriteInputPer1k?: number;
  longContext?: LongContextPrice;
  /** The vendor's public pricing page the figures come from. */
  source: string;
  /** The day the figures were last confirmed on that page, `YYYY-MM-DD`. */
  asOf: string;
  note?: string;
}

export interface PriceTable {
  /** Changes whenever a figure changes, so recorded costs can name the table that priced them. */
  version: string;
  currency: 'USD';
  prices: Record<string, ModelPrice>;
}

/** The day most figures were last confirmed on their vendor page. */
export const MID_2025 = '2025-07-01';

/** Per-million figures read from the vendor pages, stored per 1,000 tokens. */
export function perMillion(
  input: number,
  output: number,
  extra: { cachedInput?: number; cacheWrite?: number } = {},
): Pick<ModelPrice, 'inputPer1k' | 'outputPer1k' | 'cachedInputPer1k' | 'cacheWriteInputPer1k'> {
  const price: ReturnType<typeof perMillion> = { inputPer1k: input / 1000, outputPer1k: output / 1000 };
  if (extra.cachedInput !== undefined) price.cachedInputPer1k = extra.cachedInput / 1000;
  if (extra.cacheWrite !== undefined) price.cacheWriteInputPer1k = extra.cacheWrite / 1000;
  return price;
}

/** Embedding models are billed on input tokens only. */
export const embeddingPrice = (perMillionInput: number) => perMillion(perMillionInput, 0);
