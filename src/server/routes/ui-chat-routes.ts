/**
 * `POST /api/ui/chat`: one chat turn in the AI SDK UI message stream protocol, for `useChat` with
 * `DefaultChatTransport`. The request is `{ id, messages, ...body }`; only the last user message is new
 * (earlier turns come from the conversation store). The stream's format is in chat-turn/ui-message-encoder.ts.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { ApprovalDecision } from '../../core/chat/approval-decisions.ts';
import { ValidationError } from '../../core/errors.ts';
import type { GodwitServices } from '../../core/services.ts';
import type { GodwitApp, ResolvedAppOptions } from '../app-env.ts';
import {
  resumeRequest,
  turnRequest,
  turnStream,
  UI_MESSAGE_STREAM_HEADERS,
  UIMessageEncoder,
} from '../chat-turn/index.ts';
import { describeForLog } from '../http-errors.ts';
import { jsonBody } from '../middleware/body-limits.ts';
import { boundedInteger, errorResponse, text } from '../schemas/common-schemas.ts';

const UIMessagePartSchema = z.looseObject({
  type: z.string(),
  text: z.string().optional(),
  state: z.string().optional(),
  approval: z
    .looseObject({ id: z.string(), approved: z.boolean().optional(), reason: z.string().optional() })
    .optional(),
});

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
    assistant: text(64).optional().openapi({
      description:
        'Answer as this configured assistant (its model, instructions and tools); see docs/AGENTS.md.',
    }),
    k: boundedInteger(1, 100).optional(),
  })
  .openapi('UIChatRequest');

type UIChatRequest = z.infer<typeof UIChatRequestSchema>;

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
          'UI message stream (SSE, header `x-vercel-ai-ui-message-stream: v1`): start, data-citations, source-document, text, dynamic tool parts (with approval requests), finish or error. A last assistant message with `approval-responded` tool parts continues that answer.',
        content: { 'text/event-stream': { schema: { type: 'string' } } },
      },
      400: errorResponse('No user message, or an invalid field'),
      404: errorResponse('Unknown conversation or knowledge base'),
    },
  });
}

function lastUserText(messages: UIChatRequest['messages']): string {
  const last = messages.at(-1);
  if (last?.role !== 'user') {
    throw new ValidationError(
      'messages: the last message must be the user message to answer, or the assistant message with your tool approval responses.',
      { details: { field: 'messages' } },
    );
  }
  return last.parts
    .filter((part) => part.type === 'text' && typeof part.text === 'string')
    .map((part) => part.text)
    .join('');
}

/**
 * The approval responses of a last assistant message (`addToolApprovalResponse` in `useChat`, sent by
 * `lastAssistantMessageIsCompleteWithApprovalResponses`), or null when the last message is not one.
 */
function approvalResponses(body: UIChatRequest): ApprovalDecision[] | null {
  const last = body.messages.at(-1);
  if (last?.role !== 'assistant') return null;
  const decisions = last.parts.flatMap((part) =>
    part.state === 'approval-responded' && part.approval && typeof part.approval.approved === 'boolean'
      ? [
          {
            approvalId: part.approval.id,
            approved: part.approval.approved,
            ...(part.approval.reason ? { reason: part.approval.reason } : {}),
          },
        ]
      : [],
  );
  if (decisions.length === 0) return null;
  if (!body.conversationId) {
    throw new ValidationError(
      'conversationId: approval responses continue a stored conversation; send its conversationId.',
      { details: { field: 'conversationId' } },
    );
  }
  return decisions;
}

export function registerUIChatRoutes(
  app: GodwitApp,
  services: GodwitServices,
  options: Pick<ResolvedAppOptions, 'maxBodyBytes' | 'logger' | 'shutdownSignal'>,
): void {
  app.openapi(uiChatRoute(options.maxBodyBytes), async (c) => {
    const body = c.req.valid('json');
    const decisions = approvalResponses(body);
    // Validation errors come before the turn starts and are answered as plain JSON with their status.
    const turn = decisions
      ? await services.chat.resume({
          ...resumeRequest(c, options.shutdownSignal),
          conversationId: body.conversationId ?? '',
          decisions,
        })
      : await services.chat.start(
          turnRequest(c, { ...body, message: lastUserText(body.messages) }, options.shutdownSignal),
        );
    const requestId = c.var.requestId;
    const stream = turnStream(turn, new UIMessageEncoder(body.knowledgeBase ?? null), {
      onFailure: (error) =>
        options.logger({
          level: 'error',
          message: 'chat stream failed',
          requestId,
          error: describeForLog(error),
        }),
    });
    return new Response(stream, { headers: UI_MESSAGE_STREAM_HEADERS }) as never;
  });
}
