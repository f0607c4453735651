/**
 * Godwit as an MCP server: the caller's knowledge and assistants as MCP tools, built per request for one
 * caller (tenant and user come from authentication, never from tool arguments). Stateless, so it runs
 * the same behind Lambda: every request gets its own server and transport.
 */
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { toolCallViews } from '../../core/agent/tool-call-view.ts';
import type { ChatRequest } from '../../core/chat/chat-service.ts';
import { GodwitError, publicErrorMessage } from '../../core/errors.ts';
import type { GodwitServices } from '../../core/services.ts';
import { citationView, searchResultView } from '../views.ts';

export interface McpCaller {
  tenantId: string;
  userId: string;
  apiKeyId: string | null;
  signal: AbortSignal;
}

/** Answers one MCP request (streamable HTTP: JSON-RPC over POST, JSON responses). */
export async function handleMcpRequest(
  request: Request,
  parsedBody: unknown,
  services: GodwitServices,
  caller: McpCaller,
): Promise<Response> {
  const server = godwitMcpServer(services, caller);
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
  await server.connect(transport);
  try {
    return await transport.handleRequest(request, parsedBody === undefined ? {} : { parsedBody });
  } finally {
    await server.close();
  }
}

function godwitMcpServer(services: GodwitServices, caller: McpCaller): McpServer {
  const server = new McpServer({ name: 'godwit', version: services.version });
  const readOnly = { readOnlyHint: true, openWorldHint: false } as const;
  registerKnowledgeBaseResources(server, services, caller);
  server.registerTool(
    'list_knowledge_bases',
    { description: 'The knowledge bases you can search, with their descriptions.', annotations: readOnly },
    () =>
      result(async () => {
        const bases = await services.knowledgeStore.listKnowledgeBases(caller.tenantId);
        return { knowledgeBases: bases.map((base) => ({ name: base.name })) };
      }),
  );
  server.registerTool(
    'search_knowledge_base',
    {
      description:
        'Searches a knowledge base; returns the most relevant passages with their source documents.',
      inputSchema: {
        knowledgeBase: z.string().min(1).max(63),
        query: z.string().min(1).max(2000),
        k: z.number().int().min(1).max(50).optional(),
      },
      annotations: readOnly,
    },
    ({ knowledgeBase, query, k }) =>
      result(async () => {
        const base = await services.knowledge.requireKnowledgeBase(caller.tenantId, knowledgeBase);
        const hits = await services.retriever.search(caller.tenantId, {
          knowledgeBase: base,
          query,
          k: k ?? 6,
          abortSignal: caller.signal,
          caller: { userId: caller.userId, apiKeyId: caller.apiKeyId },
        });
        return { results: hits.map(searchResultView) };
      }),
  );
  server.registerTool(
    'get_document',
    {
      description:
        'Reads one document of a knowledge base (by its file name as search results show it): its passages most relevant to the query, or its first passages.',
      inputSchema: {
        knowledgeBase: z.string().min(1).max(63),
        source: z.string().min(1).max(1000),
        query: z.string().min(1).max(2000).optional(),
      },
      annotations: readOnly,
    },
    ({ knowledgeBase, source, query }) =>
      result(async () => {
        const base = await services.knowledge.requireKnowledgeBase(caller.tenantId, knowledgeBase);
        const hits = await services.retriever.search(caller.tenantId, {
          knowledgeBase: base,
          query: query ?? source,
          k: 12,
          filter: { sources: [source] },
          abortSignal: caller.signal,
          caller: { userId: caller.userId, apiKeyId: caller.apiKeyId },
        });
        if (hits.length === 0) {
          throw new GodwitError(
            'not_found',
            `There is no document "${source}" in knowledge base "${knowledgeBase}" (or it has no text).`,
          );
        }
        return { source, passages: hits.map(searchResultView) };
      }),
  );
  server.registerTool(
    'ask',
    {
      description: 'Answers a question from a knowledge base, with citations.',
      inputSchema: { question: z.string().min(1).max(32_000), knowledgeBase: z.string().min(1).max(63) },
      annotations: { readOnlyHint: false, openWorldHint: false },
    },
    ({ question, knowledgeBase }) =>
      result(() => answer(services, caller, { message: question, knowledgeBase })),
  );
  for (const name of services.assistants?.names() ?? []) {
    server.registerTool(
      `assistant_${name}`,
      {
        description: `Asks the "${name}" assistant, which may use its own tools. Continue a conversation by its conversationId.`,
        inputSchema: {
          message: z.string().min(1).max(32_000),
          conversationId: z.string().max(200).optional(),
        },
        annotations: { readOnlyHint: false },
      },
      ({ message, conversationId }) =>
        result(() =>
          answer(services, caller, {
            message,
            assistant: name,
            ...(conversationId ? { conversationId } : {}),
          }),
        ),
    );
  }
  return server;
}

async function answer(
  services: GodwitServices,
  caller: McpCaller,
  fields: Pick<ChatRequest, 'message' | 'knowledgeBase' | 'assistant' | 'conversationId'>,
) {
  const turn = await services.chat.start({
    tenantId: caller.tenantId,
    userId: caller.userId,
    apiKeyId: caller.apiKeyId,
    abortSignal: caller.signal,
    ...fields,
  });
  const outcome = await turn.outcome();
  if (outcome.type === 'error') throw new GodwitError('provider_error', outcome.message);
  const message = outcome.message;
  const waiting = toolCallViews(message.parts).filter((call) => call.state === 'awaiting-approval');
  return {
    conversationId: message.conversationId,
    answer: message.content,
    citations: message.citations.map(citationView),
    status: message.status,
    ...(waiting.length > 0
      ? {
          awaitingApproval: waiting.map((call) => ({ toolName: call.toolName, input: call.input })),
          note: 'Tool calls wait for the user to approve them in Godwit (POST /api/conversations/{id}/tool-approvals).',
        }
      : {}),
  };
}

/** A tool result as structured content and text; a failure as an error result the client's model sees. */
async function result(run: () => Promise<Record<string, unknown>>): Promise<CallToolResult> {
  try {
    const value = await run();
    return { content: [{ type: 'text', text: JSON.stringify(value) }], structuredContent: value };
  } catch (error) {
    return { isError: true, content: [{ type: 'text', text: publicErrorMessage(error) }] };
  }
}

/**
 * Each knowledge base of the caller's tenant as a resource, `godwit://knowledge-bases/<name>`: its description
 * and its documents (source, type, status, chunks), as JSON. Listing and reading act for the caller.
 */
function registerKnowledgeBaseResources(
  server: McpServer,
  services: GodwitServices,
  caller: McpCaller,
): void {
  const uriOf = (name: string) => `godwit://knowledge-bases/${encodeURIComponent(name)}`;
  server.registerResource(
    'knowledge-base',
    new ResourceTemplate('godwit://knowledge-bases/{name}', {
      list: async () => {
        const bases = await services.knowledgeStore.listKnowledgeBases(caller.tenantId);
        return {
          resources: bases.map((base) => ({
            uri: uriOf(base.name),
            name: base.name,
            ...(base.description ? { description: base.description } : {}),
            mimeType: 'application/json',
          })),
        };
      },
    }),
    {
      title: 'Knowledge base',
      description: 'A knowledge base and its documents',
      mimeType: 'application/json',
    },
    async (uri, variables) => {
      const name = decodeURIComponent(String(variables.name));
      const base = await services.knowledge.requireKnowledgeBase(caller.tenantId, name);
      const documents = await services.knowledgeStore.listDocuments(caller.tenantId, base.id);
      const body = {
        name: base.name,
        description: base.description,
        documents: documents.map((document) => ({
          source: document.source,
          mimeType: document.mimeType,
          status: document.status,
          chunks: document.chunkCount,
        })),
      };
      return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(body) }] };
    },
  );
}
