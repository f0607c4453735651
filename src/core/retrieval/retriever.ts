/**
 * Retrieval over one knowledge base: keyword (BM25), vector, or hybrid (both, fused). The mode defaults to
 * hybrid when the knowledge base has an embedding model and an embedder for it is configured.
 */
import { GodwitError, ValidationError } from '../errors.ts';
import type { Embedder } from '../models.ts';
import type { ChunkFilter, VectorIndex } from '../ports.ts';
import type { KnowledgeBase, SearchHit } from '../types.ts';
import { fuseResults } from './fusion.ts';
import { searchWithFeedback } from './pseudo-relevance-feedback.ts';

export type SearchMode = 'keyword' | 'vector' | 'hybrid';

export interface RetrievalRequest {
  knowledgeBase: KnowledgeBase;
  query: string;
  k: number;
  mode?: SearchMode;
  filter?: ChunkFilter;
  abortSignal?: AbortSignal;
  /** Who searches: query expansion records its model calls as theirs. Default no one. */
  caller?: SearchCaller;
  /**
   * Called when a hybrid search answered from keyword search alone because the embedding provider is
   * unavailable, with the reason; callers say the answer is degraded. Without it the fallback still happens.
   */
  onDegraded?: (reason: string) => void;
}

export interface SearchCaller {
  userId: string | null;
  apiKeyId: string | null;
}

export interface RetrieverOptions {
  index: VectorIndex;
  /** Embedders by model name; a knowledge base is searchable by vector only if its model is here. */
  embedders?: ReadonlyMap<string, Embedder>;
  /** Combines the keyword and vector lists of a hybrid search. */
  fuse: (lists: SearchHit[][], k: number, knowledgeBase: KnowledgeBase) => SearchHit[];
  /** Pseudo-relevance feedback on the keyword side (measured on SciFact: docs/decisions). Default true. */
  feedback?: boolean;
  /**
   * Query expansion: returns the query followed by paraphrases. Each paraphrase is searched by keyword
   * and fused with the original at half its weight. `tenantId` is the tenant searching and `caller` who
   * searches (the usage is recorded as theirs).
   */
  expandQuery?: (
    query: string,
    context: { tenantId: string; caller?: SearchCaller; abortSignal?: AbortSignal },
  ) => Promise<string[]>;
  /**
   * False when the index searches vectors only (S3 Vectors): the default and hybrid modes then search by
   * vector alone, and keyword mode is refused. Default true.
   */
  keywordSearch?: boolean;
  /** Searches a knowledge base kept outside Godwit (`knowledgeBase.external`), such as a Bedrock KB. */
  externalSearch?: (tenantId: string, request: RetrievalRequest) => Promise<SearchHit[]>;
}

/** Keyword lists are searched at least this deep before feedback and fusion cut them to k. */
const KEYWORD_DEPTH = 20;

export const MAX_K = 100;

export class Retriever {
  constructor(private readonly options: RetrieverOptions) {}

  /** The embedder for a knowledge base, if its vectors can be searched here. */
  embedderFor(knowledgeBase: KnowledgeBase): Embedder | undefined {
    if (!knowledgeBase.embeddingModel) return undefined;
    return this.options.embedders?.get(knowledgeBase.embeddingModel);
  }

  async search(tenantId: string, request: RetrievalRequest): Promise<SearchHit[]> {
    const query = request.query.trim();
    if (query.length === 0) throw new ValidationError('query is empty: send the text to search for.');
    if (!Number.isInteger(request.k) || request.k < 1 || request.k > MAX_K) {
      throw new ValidationError(`k must be an integer from 1 to ${MAX_K}; got ${request.k}.`);
    }
    if (request.knowledgeBase.external) {
      if (!this.options.externalSearch) {
        throw new ValidationError(`Knowledge base "${request.knowledgeBase.name}" cannot be searched here.`);
      }
      return this.options.externalSearch(tenantId, { ...request, query });
    }
    const embedder = this.embedderFor(request.knowledgeBase);
    const keywordSearch = this.options.keywordSearch !== false;
    const requested = request.mode ?? (embedder ? 'hybrid' : 'keyword');
    if (requested === 'keyword' && !keywordSearch) {
      throw new ValidationError(vectorOnlyMessage(request.knowledgeBase, embedder));
    }
    const mode = requested === 'hybrid' && !keywordSearch ? 'vector' : requested;
    if (mode !== 'keyword' && !embedder) {
      throw new ValidationError(
        `Knowledge base "${request.knowledgeBase.name}" has no usable embedding model, so ${mode} search is not available; use mode "keyword" or re-embed it with a configured model.`,
      );
    }
    const base = { knowledgeBaseId: request.knowledgeBase.id, filter: request.filter };
    const keyword = (depth: number) => this.expandedKeywordSearch(tenantId, base, query, depth, request);
    if (mode === 'keyword') return (await keyword(Math.max(request.k, KEYWORD_DEPTH))).slice(0, request.k);
    let embedding: number[] | undefined;
    try {
      [embedding] = await embedder!.embed([query], { abortSignal: request.abortSignal });
    } catch (error) {
      // With the embedding provider down, a hybrid search still has its keyword half.
      if (mode !== 'hybrid' || !isUnavailable(error)) throw error;
      request.onDegraded?.(
        `The embedding model ${embedder!.model} is unavailable, so knowledge base "${request.knowledgeBase.name}" was searched by keyword only.`,
      );
      return (await keyword(Math.max(request.k, KEYWORD_DEPTH))).slice(0, request.k);
    }
    if (!embedding) throw new ValidationError('The embedding model returned no vector for the query.');
    // A query with no indexable words embeds as zeros, which has no direction to compare.
    const searchable = embedding.some((value) => value !== 0);
    if (mode === 'vector') {
      return searchable
        ? this.options.index.vectorSearch(tenantId, { ...base, embedding, k: request.k })
        : [];
    }
    // Fusion works on deeper lists than the final k, so a chunk ranked well by one side is not cut early.
    const depth = Math.min(MAX_K, Math.max(request.k * 2, KEYWORD_DEPTH));
    const [keywordHits, vectorHits] = await Promise.all([
      keyword(depth),
      searchable
        ? this.options.index.vectorSearch(tenantId, { ...base, embedding, k: depth })
        : Promise.resolve([]),
    ]);
    return this.options.fuse([keywordHits, vectorHits], request.k, request.knowledgeBase);
  }

  private async expandedKeywordSearch(
    tenantId: string,
    base: { knowledgeBaseId: string; filter: ChunkFilter | undefined },
    query: string,
    k: number,
    request: Pick<RetrievalRequest, 'abortSignal' | 'caller'>,
  ): Promise<SearchHit[]> {
    const expand = this.options.expandQuery;
    if (!expand) return this.keywordSearch(tenantId, base, query, k);
    const context = {
      tenantId,
      ...(request.abortSignal ? { abortSignal: request.abortSignal } : {}),
      ...(request.caller ? { caller: request.caller } : {}),
    };
    const variants = (await expand(query, context)).filter((variant) => variant !== query);
    const lists = await Promise.all([
      this.keywordSearch(tenantId, base, query, k),
      ...variants.map((variant) => this.options.index.keywordSearch(tenantId, { ...base, text: variant, k })),
    ]);
    return fuseResults(lists, {
      key: (hit) => hit.chunkId,
      k,
      weights: lists.map((_, index) => (index === 0 ? 1 : 0.5)),
    });
  }

  private keywordSearch(
    tenantId: string,
    base: { knowledgeBaseId: string; filter: ChunkFilter | undefined },
    query: string,
    k: number,
  ): Promise<SearchHit[]> {
    const search = (text: string, depth: number) =>
      this.options.index.keywordSearch(tenantId, { ...base, text, k: depth });
    if (this.options.feedback === false) return search(query, k);
    return searchWithFeedback(search, query, { key: (hit) => hit.chunkId, k });
  }
}

/** Why a vector-only store (S3 Vectors) cannot answer a keyword search, and what to do instead. */
function vectorOnlyMessage(knowledgeBase: KnowledgeBase, embedder: Embedder | undefined): string {
  const name = knowledgeBase.name;
  const store = 'The configured vector store searches vectors only (no keyword search)';
  if (embedder) {
    return `${store}: search knowledge base "${name}" with mode "vector" or "hybrid" (the default).`;
  }
  if (knowledgeBase.embeddingModel) {
    return `${store}, and knowledge base "${name}" is embedded with ${knowledgeBase.embeddingModel}, which is not configured here: set models.embedding (GODWIT_EMBEDDING_MODEL) to it, or make its provider reachable.`;
  }
  return `${store}, and knowledge base "${name}" has no embedding model: re-create it with one, or choose a vector store with keyword search.`;
}

/** A provider or dependency that cannot be reached now (not a bad request or a bad key). */
function isUnavailable(error: unknown): boolean {
  return (
    GodwitError.isInstance(error) &&
    (error.code === 'provider_unavailable' || error.code === 'dependency_unavailable')
  );
}
