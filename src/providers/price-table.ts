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

const BEDROCK = 'Amazon Bedrock pricing (on-demand, US East N. Virginia)';
const OPENAI = 'OpenAI API pricing (standard tier)';
const GEMINI = 'Gemini Developer API pricing (paid tier)';
const MID_2025 = '2025-07-01';

/** Per-million figures read from the vendor pages, stored per 1,000 tokens. */
function perMillion(
  input: number,
  output: number,
  extra: { cachedInput?: number; cacheWrite?: number } = {},
): Pick<ModelPrice, 'inputPer1k' | 'outputPer1k' | 'cachedInputPer1k' | 'cacheWriteInputPer1k'> {
  const price: ReturnType<typeof perMillion> = { inputPer1k: input / 1000, outputPer1k: output / 1000 };
  if (extra.cachedInput !== undefined) price.cachedInputPer1k = extra.cachedInput / 1000;
  if (extra.cacheWrite !== undefined) price.cacheWriteInputPer1k = extra.cacheWrite / 1000;
  return price;
}

const bedrock = (price: ReturnType<typeof perMillion>, asOf = MID_2025): ModelPrice => ({
  ...price,
  source: BEDROCK,
  asOf,
});
const openai = (price: ReturnType<typeof perMillion>): ModelPrice => ({
  ...price,
  source: OPENAI,
  asOf: MID_2025,
});
const gemini = (price: ReturnType<typeof perMillion>, more: Partial<ModelPrice> = {}): ModelPrice => ({
  ...price,
  source: GEMINI,
  asOf: MID_2025,
  ...more,
});
/** Embedding models are billed on input tokens only. */
const embedding = (perMillionInput: number) => perMillion(perMillionInput, 0);

export const PRICE_TABLE: PriceTable = {
  version: '2026-11-23',
  currency: 'USD',
  prices: {
    // Anthropic Claude on Bedrock. Cache writes cost 1.25× input, cache reads 0.1× input.
    'bedrock:anthropic.claude-3-haiku-20240307-v1:0': bedrock(perMillion(0.25, 1.25)),
    'bedrock:anthropic.claude-3-5-haiku-20241022-v1:0': bedrock(
      perMillion(0.8, 4, { cachedInput: 0.08, cacheWrite: 1 }),
    ),
    'bedrock:anthropic.claude-3-5-sonnet-20240620-v1:0': bedrock(perMillion(3, 15)),
    'bedrock:anthropic.claude-3-5-sonnet-20241022-v2:0': bedrock(perMillion(3, 15)),
    'bedrock:anthropic.claude-3-7-sonnet-20250219-v1:0': bedrock(
      perMillion(3, 15, { cachedInput: 0.3, cacheWrite: 3.75 }),
    ),
    'bedrock:anthropic.claude-sonnet-4-20250514-v1:0': bedrock(
      perMillion(3, 15, { cachedInput: 0.3, cacheWrite: 3.75 }),
    ),
    'bedrock:anthropic.claude-sonnet-4-5-20250929-v1:0': bedrock(
      perMillion(3, 15, { cachedInput: 0.3, cacheWrite: 3.75 }),
      '2025-10-01',
    ),
    'bedrock:anthropic.claude-haiku-4-5-20251001-v1:0': bedrock(
      perMillion(1, 5, { cachedInput: 0.1, cacheWrite: 1.25 }),
      '2025-10-20',
    ),
    // Amazon Nova: cached reads are billed at a quarter of the input price.
    'bedrock:amazon.nova-micro-v1:0': bedrock(perMillion(0.035, 0.14, { cachedInput: 0.00875 })),
    'bedrock:amazon.nova-lite-v1:0': bedrock(perMillion(0.06, 0.24, { cachedInput: 0.015 })),
    'bedrock:amazon.nova-pro-v1:0': bedrock(perMillion(0.8, 3.2, { cachedInput: 0.2 })),
    // Amazon Titan Text and Embeddings.
    'bedrock:amazon.titan-text-express-v1': bedrock(perMillion(0.2, 0.6)),
    'bedrock:amazon.titan-text-lite-v1': bedrock(perMillion(0.15, 0.2)),
    'bedrock:amazon.titan-text-premier-v1:0': bedrock(perMillion(0.5, 1.5)),
    'bedrock:amazon.titan-embed-text-v1': bedrock(embedding(0.1)),
    'bedrock:amazon.titan-embed-text-v2:0': bedrock(embedding(0.02)),
    // Cohere Embed on Bedrock.
    'bedrock:cohere.embed-english-v3': bedrock(embedding(0.1)),
    'bedrock:cohere.embed-multilingual-v3': bedrock(embedding(0.1)),
    // Meta Llama on Bedrock (3.2 and 3.3 are served through cross-region inference profiles).
    'bedrock:meta.llama3-8b-instruct-v1:0': bedrock(perMillion(0.3, 0.6)),
    'bedrock:meta.llama3-70b-instruct-v1:0': bedrock(perMillion(2.65, 3.5)),
    'bedrock:meta.llama3-1-8b-instruct-v1:0': bedrock(perMillion(0.22, 0.22)),
    'bedrock:meta.llama3-1-70b-instruct-v1:0': bedrock(perMillion(0.72, 0.72)),
    'bedrock:meta.llama3-1-405b-instruct-v1:0': bedrock(perMillion(2.4, 2.4)),
    'bedrock:meta.llama3-2-1b-instruct-v1:0': bedrock(perMillion(0.1, 0.1)),
    'bedrock:meta.llama3-2-3b-instruct-v1:0': bedrock(perMillion(0.15, 0.15)),
    'bedrock:meta.llama3-2-11b-instruct-v1:0': bedrock(perMillion(0.16, 0.16)),
    'bedrock:meta.llama3-2-90b-instruct-v1:0': bedrock(perMillion(0.72, 0.72)),
    'bedrock:meta.llama3-3-70b-instruct-v1:0': bedrock(perMillion(0.72, 0.72)),
    // Mistral on Bedrock.
    'bedrock:mistral.mistral-7b-instruct-v0:2': bedrock(perMillion(0.15, 0.2)),
    'bedrock:mistral.mixtral-8x7b-instruct-v0:1': bedrock(perMillion(0.45, 0.7)),
    'bedrock:mistral.mistral-large-2402-v1:0': bedrock(perMillion(4, 12)),

    // OpenAI: cached input is the price of prompt-cache hits, applied automatically by OpenAI.
    'openai:gpt-4.1': openai(perMillion(2, 8, { cachedInput: 0.5 })),
    'openai:gpt-4.1-mini': openai(perMillion(0.4, 1.6, { cachedInput: 0.1 })),
    'openai:gpt-4.1-nano': openai(perMillion(0.1, 0.4, { cachedInput: 0.025 })),
    'openai:gpt-4o': openai(perMillion(2.5, 10, { cachedInput: 1.25 })),
    'openai:gpt-4o-mini': openai(perMillion(0.15, 0.6, { cachedInput: 0.075 })),
    'openai:text-embedding-3-small': openai(embedding(0.02)),
    'openai:text-embedding-3-large': openai(embedding(0.13)),
    'openai:text-embedding-ada-002': openai(embedding(0.1)),

    // Google Gemini (text input prices; audio input is billed higher and is not priced here).
    'google:gemini-2.0-flash': gemini(perMillion(0.1, 0.4, { cachedInput: 0.025 })),
    'google:gemini-2.0-flash-lite': gemini(perMillion(0.075, 0.3)),
    'google:gemini-2.5-flash': gemini(perMillion(0.3, 2.5)),
    'google:gemini-2.5-flash-lite': gemini(perMillion(0.1, 0.4)),
    'google:gemini-2.5-pro': gemini(perMillion(1.25, 10), {
      longContext: { aboveInputTokens: 200_000, inputPer1k: 2.5 / 1000, outputPer1k: 15 / 1000 },
    }),
    'google:text-embedding-004': gemini(embedding(0), {
      note: 'listed as free of charge on the Gemini Developer API',
    }),
    'google:gemini-embedding-001': gemini(embedding(0.15)),

    // Models that run on your own hardware: no per-token charge.
    'ollama:*': {
      inputPer1k: 0,
      outputPer1k: 0,
      source: 'runs on your own Ollama server; no per-token charge',
      asOf: MID_2025,
    },
    'local:*': { inputPer1k: 0, outputPer1k: 0, source: 'runs in-process; no charge', asOf: MID_2025 },
  },
};
