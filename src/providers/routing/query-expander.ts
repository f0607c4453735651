/**
 * Query expansion for retrieval: a language model writes a few paraphrases of a search query, and the
 * retriever searches with all of them. Expansion is best-effort: on any failure (the model errs, times
 * out or answers with nothing usable) the result is the original query alone. Successful expansions are
 * cached by (model, query), so a repeated question costs no model call.
 */
import { generateText, type LanguageModel, type LanguageModelUsage } from 'ai';
import { ValidationError } from '../../core/errors.ts';
import type { Cache } from '../../core/ports.ts';
import { CacheCounters } from '../caching/cache-counters.ts';
import { keySegment, sha256Hex } from '../caching/cache-keys.ts';
import { TolerantCache } from '../caching/tolerant-cache.ts';
import { parseVariants } from './parse-variants.ts';

export interface QueryExpanderOptions {
  model: LanguageModel;
  /** `provider:model-id` for the cache key; default the model's own provider and id. */
  modelName?: string;
  /** Without a cache every expansion asks the model. */
  cache?: Cache;
  /** Paraphrases asked for, 1 to 10. Default 3. */
  maxVariants?: number;
  /** Seconds an expansion is cached. Default 7 days. */
  ttlSeconds?: number;
  counters?: CacheCounters;
  /** Told why an expansion fell back to the original query (for logs). */
  onError?: (error: unknown) => void;
}

export interface QueryExpansion {
  /** The original query first, then the distinct paraphrases. */
  queries: string[];
  source: 'model' | 'cache' | 'fallback';
  /** Tokens spent, when the model was asked (for the usage ledger, operation `expansion`). */
  usage: LanguageModelUsage | null;
}

export interface QueryExpander {
  expand(query: string, options?: { abortSignal?: AbortSignal }): Promise<QueryExpansion>;
  readonly counters: CacheCounters;
}

const PROMPT_VERSION = 'v1';

function instructions(count: number): string {
  return [
    'You rewrite search queries for a search engine over a collection of documents.',
    `Write ${count} different phrasings of the user's query that keep its meaning: use synonyms, spell out`,
    'abbreviations, or use the words the documents are likely to use.',
    `Reply with exactly ${count} lines, one query per line, and nothing else: no numbering, no quotes, no`,
    'explanations. Keep each line as short as the original query.',
  ].join('\n');
}

/**
 * @example
 *   const expander = createQueryExpander({ model: registry.languageModel('bedrock:amazon.nova-micro-v1:0'), cache });
 *   const { queries } = await expander.expand('PTO carryover rules'); // ['PTO carryover rules', 'paid time off …', …]
 */
export function createQueryExpander(options: QueryExpanderOptions): QueryExpander {
  const maxVariants = options.maxVariants ?? 3;
  if (!(Number.isInteger(maxVariants) && maxVariants >= 1 && maxVariants <= 10)) {
    throw new ValidationError(`maxVariants must be a whole number from 1 to 10; got ${maxVariants}.`, {
      details: { field: 'maxVariants' },
    });
  }
  const counters = options.counters ?? new CacheCounters();
  const cache = options.cache && new TolerantCache({ cache: options.cache, counters });
  const modelName =
    options.modelName ??
    (typeof options.model === 'string'
      ? options.model
      : `${options.model.provider}:${options.model.modelId}`);
  const keyOf = (query: string) => `expansion:${PROMPT_VERSION}|${keySegment(modelName)}|${sha256Hex(query)}`;

  const fallback = (query: string, error: unknown): QueryExpansion => {
    options.onError?.(error);
    return { queries: [query], source: 'fallback', usage: null };
  };

  const readCached = async (key: string): Promise<string[] | undefined> => {
    const stored = await cache?.get(key);
    if (stored === undefined) return undefined;
    try {
      const variants: unknown = JSON.parse(stored);
      if (Array.isArray(variants) && variants.every((item) => typeof item === 'string')) return variants;
    } catch {
      // Unreadable entries are counted below and replaced.
    }
    cache?.unreadable(new Error('cached query expansion is unreadable'));
    return undefined;
  };

  return {
    counters,
    async expand(query, expandOptions = {}) {
      const trimmed = query.trim().replace(/\s+/g, ' ');
      if (trimmed === '') return { queries: [query], source: 'fallback', usage: null };
      const key = keyOf(trimmed);
      const cached = await readCached(key);
      if (cached) {
        counters.hits++;
        return { queries: [query, ...cached.slice(0, maxVariants)], source: 'cache', usage: null };
      }
      if (cache) counters.misses++;
      let reply: { text: string; usage: LanguageModelUsage };
      try {
        reply = await generateText({
          model: options.model,
          system: instructions(maxVariants),
          prompt: trimmed,
          temperature: 0,
          maxOutputTokens: 48 * maxVariants + 32,
          // Retries belong to the resilience middleware around the model, not to this call.
          maxRetries: 0,
          abortSignal: expandOptions.abortSignal,
        });
      } catch (error) {
        if (expandOptions.abortSignal?.aborted) throw error;
        return fallback(query, error);
      }
      const variants = parseVariants(reply.text, trimmed, maxVariants);
      if (variants.length === 0) {
        return fallback(query, new Error(`${modelName} answered with no usable paraphrase`));
      }
      await cache?.set(key, JSON.stringify(variants), options.ttlSeconds ?? 7 * 86_400);
      return { queries: [query, ...variants], source: 'model', usage: reply.usage };
    },
  };
}
