/**
 * Knowledge bases kept outside Godwit (Bedrock Knowledge Bases from config) beside the stored ones: listed,
 * found by name and searched like local ones in every tenant, with no documents here and no writes. The
 * composition root wraps the KnowledgeStore with them; KnowledgeService refuses changes (409) and the
 * Retriever sends their searches to `search`.
 */
import { ConflictError } from '../errors.ts';
import type { KnowledgeStore } from '../ports.ts';
import type { RetrievalRequest } from '../retrieval/retriever.ts';
import type { KnowledgeBase, SearchHit } from '../types.ts';

export interface ExternalKnowledgeBase {
  /** The base as Godwit shows it (`external` set); `tenantId` is filled in per caller. */
  knowledgeBase: Omit<KnowledgeBase, 'tenantId'>;
  search(request: RetrievalRequest): Promise<SearchHit[]>;
  /** Set when the service answers grounded questions itself (retrieval and generation in one call). */
  answerer?: ExternalAnswerer;
}

/** One piece of an answer a knowledge base service generates. */
export type ExternalAnswerEvent =
  /** The service's session for this conversation (new, or the one it was given). */
  | { type: 'session'; id: string }
  | { type: 'text'; delta: string }
  /** The text just streamed (`text`) is grounded on these passages. */
  | { type: 'citation'; text: string; passages: SearchHit[] };

export interface ExternalAnswerer {
  /** Names the answering service in the stored turn and usage (`bedrock-knowledge-base:KB12345678`). */
  readonly label: string;
  /** The service key of the stored session part. */
  readonly service: string;
  /**
   * Streams the answer to `question`; `sessionId` continues the conversation's earlier session (a session
   * the service no longer knows starts a new one). Failures throw GodwitErrors naming the base and the fix.
   */
  answer(request: {
    question: string;
    sessionId?: string;
    abortSignal: AbortSignal;
  }): AsyncIterable<ExternalAnswerEvent>;
}

/**
 * The answerers of the bases that generate their own answers, by knowledge base name (two configured
 * names may front the same Bedrock Knowledge Base, in different modes).
 */
export function externalAnswerers(
  externals: readonly ExternalKnowledgeBase[],
): Map<string, ExternalAnswerer> {
  return new Map(
    externals.flatMap((external) =>
      external.answerer ? [[external.knowledgeBase.name, external.answerer] as const] : [],
    ),
  );
}

export function withExternalKnowledgeBases(
  store: KnowledgeStore,
  externals: readonly ExternalKnowledgeBase[],
): KnowledgeStore {
  if (externals.length === 0) return store;
  const byName = new Map(externals.map((external) => [external.knowledgeBase.name, external]));
  const byId = new Map(externals.map((external) => [external.knowledgeBase.id, external]));
  const forTenant = (external: ExternalKnowledgeBase, tenantId: string): KnowledgeBase => ({
    ...external.knowledgeBase,
    tenantId,
  });
  const taken = (name: string) =>
    new ConflictError(
      `Knowledge base "${name}" is configured as a Bedrock Knowledge Base (knowledgeBases.${name}); choose another name.`,
    );
  return {
    ...bind(store),
    async createKnowledgeBase(tenantId, input) {
      if (byName.has(input.name)) throw taken(input.name);
      return store.createKnowledgeBase(tenantId, input);
    },
    async getKnowledgeBase(tenantId, name) {
      const external = byName.get(name);
      return external ? forTenant(external, tenantId) : store.getKnowledgeBase(tenantId, name);
    },
    async listKnowledgeBases(tenantId) {
      // A configured base hides a stored one of the same name, as getKnowledgeBase does.
      const stored = (await store.listKnowledgeBases(tenantId)).filter((base) => !byName.has(base.name));
      return [...stored, ...externals.map((external) => forTenant(external, tenantId))];
    },
    async knowledgeBaseStats(tenantId, knowledgeBaseId) {
      if (byId.has(knowledgeBaseId)) return { documents: 0, chunks: 0, failed: 0 };
      return store.knowledgeBaseStats(tenantId, knowledgeBaseId);
    },
    async listDocuments(tenantId, knowledgeBaseId) {
      if (byId.has(knowledgeBaseId)) return [];
      return store.listDocuments(tenantId, knowledgeBaseId);
    },
  };
}

/** The store's methods bound to it, so the wrapper can spread them. */
function bind(store: KnowledgeStore): KnowledgeStore {
  const bound: Record<string, unknown> = {};
  for (const key of [
    'createKnowledgeBase',
    'getKnowledgeBase',
    'listKnowledgeBases',
    'updateKnowledgeBase',
    'deleteKnowledgeBase',
    'knowledgeBaseStats',
    'upsertDocument',
    'upsertDocuments',
    'getDocument',
    'findDocumentBySource',
    'findDocumentsBySources',
    'listDocuments',
    'markDocumentFailed',
    'deleteDocument',
  ] as const) {
    const method = store[key] as ((...args: unknown[]) => unknown) | undefined;
    if (method) bound[key] = method.bind(store);
  }
  return bound as unknown as KnowledgeStore;
}

/** The search for a request on an external base, or undefined when the base is not one of them. */
export function externalSearch(
  externals: readonly ExternalKnowledgeBase[],
): (tenantId: string, request: RetrievalRequest) => Promise<SearchHit[]> {
  const byId = new Map(externals.map((external) => [external.knowledgeBase.id, external]));
  return async (_tenantId, request) => {
    const external = byId.get(request.knowledgeBase.id);
    if (!external)
      throw new ConflictError(`Knowledge base "${request.knowledgeBase.name}" is not configured here.`);
    return external.search(request);
  };
}
