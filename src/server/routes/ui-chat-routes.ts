/**
 * `POST /api/ui/chat`: one chat turn in the AI SDK UI message stream protocol, for `useChat` with
 * `DefaultChatTransport`. The request is `{ id, messages, ...body }`; only the last user message is new
 * (earlier turns come from the conversation store). The stream carries the conversation id and status as
 * message metadata, the passages as `data-citations` (retrieved first, then the ones the answer cites) and
 * `source-document` parts, the answer as text parts, and failures as an `error` chunk.
 */
import { createRoute, z } from '@hono/zod-openapi';
import {
  createUIMessageStream,
  createUIMessageStreamResponse,
  type UIMessage,
  type UIMessageChunk,
} from 'ai';
import type { ChatEvent } from '../../core/chat/chat-service.ts';
import { GodwitError, ValidationError } from '../../core/errors.ts';
import type { GodwitServices } from '../../core/services.ts';
import type { Citation } from '../../core/types.ts';
import { abortWithRequest } from '../abort-with-request.ts';
import type { GodwitApp, Logger } from '../app-env.ts';
import { describeForLog, toPublicError } from '../http-errors.ts';
import { callerOf } from '../middleware/auth.ts';
import { jsonBody } from '../middleware/body-limits.ts';
import { boundedInteger, errorResponse, text } from '../schemas/common-schemas.ts';
import { citationView } from '../views.ts';

const UIMessagePartSchema = z.looseObject({ type: z.string(), text: z.string().optional() });

const UIChatRequestSchema = z
  .looseObject({
    id: z.string().optional().openapi({ description: 'The client-side chat id (not stored).' }),
    messages: z
      .array(
        z.looseObject({
          id: z.string().optional(),
          role: z.enum(['system', 'user', 'assistant']),
          parts: z.array(UIMessagePartSchema),
        }),
      )
      .min(1, { error: 'send at least the new user message' }),
    conversationId: text(200).nullable().optional(),
    knowledgeBase: text(63).nullable().optional(),
    model: text(200).optional(),
    k: boundedInteger(1, 100).optional(),
  })
  .openapi('UIChatRequest');

/** Metadata of the assistant message, sent at start and finish (`message.metadata` in `useChat`). */
export interface UIChatMetadata {
  conversationId: string | null;
  userMessageId?: string;
  model?: string;
  knowledgeBase?: string | null;
  status?: 'streaming' | 'complete' | 'incomplete' | 'failed';
  usage?: { inputTokens: number; outputTokens: number; totalTokens: number } | null;
  costUsd?: number | null;
  error?: { code: string; message: string };
}

type CitationData = ReturnType<typeof citationView> & { knowledgeBase: string | null };
type UIChatMessage = UIMessage<UIChatMetadata, { citations: { final: boolean; citations: CitationData[] } }>;

function uiChatRoute(maxBodyBytes: number) {
  return createRoute({
    method: 'post',
    path: '/api/ui/chat',
    tags: ['chat'],
    summary: 'Ask a question, answered as an AI SDK UI message stream (for `useChat`)',
    middleware: [jsonBody(maxBodyBytes)] as const,
    request: { body: { required: true, content: { 'application/json': { schema: UIChatRequestSchema } } } },
    responses: {
      200: {
        description:
          'UI message stream (SSE, header `x-vercel-ai-ui-message-stream: v1`): start, data-citations, source-document, text, finish or error',
        content: { 'text/event-stream': { schema: { type: 'string' } } },
      },
      400: errorResponse('No user message, or an invalid field'),
      404: errorResponse('Unknown conversation or knowledge base'),
    },
  });
}

function lastUserText(messages: z.infer<typeof UIChatRequestSchema>['messages']): string {
  const last = messages.at(-1);
  if (last?.role !== 'user') {
    throw new ValidationError('messages: the last message must be the user message to answer.', {
      details: { field: 'messages' },
    });
  }
  return last.parts
    .filter((part) => part.type === 'text' && typeof part.text === 'string')
    .map((part) => part.text)
    .join('');
}

function citationData(citations: Citation[], knowledgeBase: string | null): CitationData[] {
  return citations.map((citation) => ({ ...citationView(citation), knowledgeBase }));
}

function sourceDocuments(citations: CitationData[]): UIMessageChunk[] {
  return citations.map((citation) => ({
    type: 'source-document',
    sourceId: String(citation.index),
    mediaType: 'text/plain',
    title: citation.source,
    filename: citation.source,
    providerMetadata: {
      godwit: {
        documentId: citation.documentId,
        chunkId: citation.chunkId,
        knowledgeBase: citation.knowledgeBase,
        location: { ...citation.location },
      },
    },
  }));
}

/** Translates the service's turn events into UI message chunks. */
class TurnTranslator {
  private textOpen = false;
  metadata: UIChatMetadata = { conversationId: null };

  constructor(private readonly knowledgeBase: string | null) {}

  translate(event: ChatEvent): UIMessageChunk[] {
    switch (event.type) {
      case 'start':
        this.metadata = {
          conversationId: event.conversation.id,
          userMessageId: event.userMessage.id,
          model: event.model,
          knowledgeBase: event.conversation.knowledgeBase,
          status: 'streaming',
        };
        return [{ type: 'start', messageId: event.assistantMessageId, messageMetadata: this.metadata }];
      case 'citations': {
        const citations = citationData(event.citations, this.metadata.knowledgeBase ?? this.knowledgeBase);
        return [{ type: 'data-citations', id: 'citations', data: { final: false, citations } }];
      }
      case 'text': {
        const opening: UIMessageChunk[] = this.textOpen ? [] : [{ type: 'text-start', id: 'answer' }];
        this.textOpen = true;
        return [...opening, { type: 'text-delta', id: 'answer', delta: event.delta }];
      }
      case 'finish': {
        const message = event.message;
        const citations = citationData(message.citations, this.metadata.knowledgeBase ?? this.knowledgeBase);
        this.metadata = {
          ...this.metadata,
          status: message.status === 'complete' ? 'complete' : 'incomplete',
          usage: message.usage,
          costUsd: message.costUsd,
        };
        return [
          ...this.closeText(),
          { type: 'data-citations', id: 'citations', data: { final: true, citations } },
          ...sourceDocuments(citations),
          { type: 'finish', finishReason: 'stop', messageMetadata: this.metadata },
        ];
      }
      case 'error':
        return this.failure(event.code, event.message, event.assistantMessage.status);
    }
  }

  failure(code: string, message: string, status: string = 'failed'): UIMessageChunk[] {
    this.metadata = {
      ...this.metadata,
      status: status === 'incomplete' ? 'incomplete' : 'failed',
      error: { code, message },
    };
    return [
      ...this.closeText(),
      { type: 'message-metadata', messageMetadata: this.metadata },
      { type: 'error', errorText: message },
    ];
  }

  private closeText(): UIMessageChunk[] {
    if (!this.textOpen) return [];
    this.textOpen = false;
    return [{ type: 'text-end', id: 'answer' }];
  }
}

export function registerUIChatRoutes(
  app: GodwitApp,
  services: GodwitServices,
  options: { maxBodyBytes: number; logger: Logger },
): void {
  app.openapi(uiChatRoute(options.maxBodyBytes), async (c) => {
    const body = c.req.valid('json');
    const abort = abortWithRequest(c);
    const events = services.chat.turn({
      tenantId: c.var.tenantId,
      userId: c.var.userId,
      apiKeyId: callerOf(c).apiKeyId,
      message: lastUserText(body.messages),
      conversationId: body.conversationId ?? undefined,
      knowledgeBase: body.knowledgeBase,
      model: body.model,
      k: body.k,
      abortSignal: abort.signal,
    });
    // Validation errors come before the first event and are answered as plain JSON with their status.
    const first = await events.next();
    if (first.done) throw new GodwitError('internal', 'The chat turn ended before it started.');
    const translator = new TurnTranslator(body.knowledgeBase ?? null);
    const requestId = c.var.requestId;
    const stream = createUIMessageStream<UIChatMessage>({
      execute: async ({ writer }) => {
        const write = (chunks: UIMessageChunk[]) => {
          for (const chunk of chunks) writer.write(chunk as never);
        };
        write(translator.translate(first.value));
        try {
          // Read to the end even after the client left: the service stores how the turn ended.
          for (let next = await events.next(); !next.done; next = await events.next()) {
            write(translator.translate(next.value));
          }
        } catch (error) {
          options.logger({
            level: 'error',
            message: 'chat stream failed',
            requestId,
            error: describeForLog(error),
          });
          const shown = toPublicError(error)?.body.error ?? {
            code: 'internal',
            message: 'The answer stopped because of an internal error.',
          };
          write(translator.failure(shown.code, shown.message));
        }
      },
    });
    return createUIMessageStreamResponse({
      stream,
      headers: { 'cache-control': 'no-cache', 'x-accel-buffering': 'no' },
    }) as never;
  });
}
