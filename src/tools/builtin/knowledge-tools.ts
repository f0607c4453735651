/**
 * `search_knowledge_base` and `get_document`: the assistant's read-only view of its knowledge bases.
 * Passages come back numbered "Source N" for the whole turn (CitationCollector), so the answer's [N]
 * citations point at stored passages after any number of steps.
 */
import { z } from 'zod';
import type { AgentTool, ToolContext } from '../../core/agent/agent-tool.ts';
import { formatLocation } from '../../core/chat/prompt.ts';
import { ValidationError } from '../../core/errors.ts';
import type { KnowledgeService } from '../../core/knowledge/knowledge-service.ts';
import type { Retriever } from '../../core/retrieval/retriever.ts';
import type { Citation, JsonValue, SearchHit } from '../../core/types.ts';

export interface KnowledgeToolsOptions {
  knowledge: KnowledgeService;
  retriever: Retriever;
  /** The knowledge bases this assistant may read; the first is the default. */
  knowledgeBases: readonly string[];
  /** Passages per search. Default 6. */
  k?: number;
}

export function knowledgeTools(options: KnowledgeToolsOptions): AgentTool[] {
  if (options.knowledgeBases.length === 0) return [];
  const names = options.knowledgeBases.join(', ');
  const knowledgeBase = z
    .string()
    .optional()
    .describe(`One of: ${names}. Default ${options.knowledgeBases[0]}.`);
  return [
    {
      name: 'search_knowledge_base',
      description: `Searches the knowledge base for passages relevant to a query. Returns numbered sources to cite as [N].`,
      inputSchema: z.object({ query: z.string().min(1).max(1000), knowledgeBase }),
      readOnly: true,
      kind: 'builtin',
      async execute(input, context) {
        const { query, knowledgeBase: name } = input as { query: string; knowledgeBase?: string };
        const hits = await search(options, context, name, query, {});
        return sourcesOutput(context.citations.add(hits));
      },
    },
    {
      name: 'get_document',
      description:
        'Reads more of one document (by its file name as shown in a search result): its passages most relevant to the query.',
      inputSchema: z.object({
        source: z.string().min(1),
        query: z.string().min(1).max(1000).optional(),
        knowledgeBase,
      }),
      readOnly: true,
      kind: 'builtin',
      async execute(input, context) {
        const {
          source,
          query,
          knowledgeBase: name,
        } = input as {
          source: string;
          query?: string;
          knowledgeBase?: string;
        };
        const hits = await search(options, context, name, query ?? source, { sources: [source] }, 12);
        if (hits.length === 0) {
          throw new ValidationError(
            `There is no document "${source}" in this knowledge base (or it has no text).`,
          );
        }
        return sourcesOutput(context.citations.add(hits));
      },
    },
  ];
}

async function search(
  options: KnowledgeToolsOptions,
  context: ToolContext,
  name: string | undefined,
  query: string,
  filter: { sources?: string[] },
  k = options.k ?? 6,
): Promise<SearchHit[]> {
  const chosen = name ?? options.knowledgeBases[0]!;
  if (!options.knowledgeBases.includes(chosen)) {
    throw new ValidationError(
      `This assistant cannot read knowledge base "${chosen}"; it may read: ${options.knowledgeBases.join(', ')}.`,
    );
  }
  const knowledgeBase = await options.knowledge.requireKnowledgeBase(context.tenantId, chosen);
  return options.retriever.search(context.tenantId, {
    knowledgeBase,
    query,
    k,
    ...(filter.sources ? { filter } : {}),
    abortSignal: context.abortSignal,
    caller: { userId: context.userId, apiKeyId: null },
    ...(context.onDegraded ? { onDegraded: context.onDegraded } : {}),
  });
}

function sourcesOutput(citations: Citation[]): JsonValue {
  return {
    sources: citations.map((citation) => ({
      source: `Source ${citation.index}`,
      cite: `[${citation.index}]`,
      document: citation.source,
      location: formatLocation(citation.location),
      text: citation.text,
    })),
  };
}
