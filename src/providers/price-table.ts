/**
 * The price table: public list prices in US dollars per 1,000 tokens, per `provider:model-id`.
 *
 * Figures are the vendors' published on-demand list prices (Bedrock: US East, N. Virginia; OpenAI:
 * standard tier; Gemini Developer API: paid tier), each with the page it comes from. `asOf` is the date a
 * figure was last confirmed as the list price on that page — not the date of this table's revision
 * (`version`), so an old `asOf` is a prompt to re-check. When a price changes, change the figure and its
 * `asOf`, and set `version` to the day of the edit. A model missing here is unpriced: its cost is null and
 * reports flag its calls.
 *
 * `provider:*` entries price every model of a provider that runs on your own hardware (Ollama, local).
 */

import { MID_2025, type PriceTable } from './price-figures.ts';
import { PROVIDER_DESCRIPTORS } from './provider-descriptors.ts';

export type { LongContextPrice, ModelPrice, PriceTable } from './price-figures.ts';

/** The figures themselves sit in each provider's descriptor (e.g. openai/openai-descriptor.ts). */
export const PRICE_TABLE: PriceTable = {
  version: '2026-11-23',
  currency: 'USD',
  prices: {
    ...Object.fromEntries(PROVIDER_DESCRIPTORS.flatMap((descriptor) => Object.entries(descriptor.prices))),
    'local:*': { inputPer1k: 0, outputPer1k: 0, source: 'runs in-process; no charge', asOf: MID_2025 },
  },
};
