/** `POST /api/chat`: one turn, answered as JSON or, when asked, as server-sent events. */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { ChatTurn } from '../../core/chat/chat-turn.ts';
import type { GodwitServices } from '../../core/services.ts';
import type { AppEnv, GodwitApp, ResolvedAppOptions } from '../app-env.ts';
import {
  resumeRequest,
  SERVER_SENT_EVENT_HEADERS,
  ServerSentEventEncoder,
  turnRequest,
  turnStream,
} from '../chat-turn/index.ts';
import { describeForLog, errorBody, statusForCode } from '../http-errors.ts';
import { jsonBody } from '../middleware/body-limits.ts';
import {
  CHAT_STREAM_DESCRIPTION,
  ChatRequestSchema,
  ChatResponseSchema,
  ToolApprovalsRequestSchema,
} from '../schemas/chat-schemas.ts';
import { ErrorResponseSchema, errorResponse } from '../schemas/common-schemas.ts';
import { chatResultView } from '../views.ts';

function chatRoute(maxBodyBytes: number) {
  return createRoute({
    method: 'post',
    path: '/api/chat',
    tags: ['chat'],
    summary: 'Ask a question; grounded in a knowledge base when one is named',
    middleware: [jsonBody(maxBodyBytes)] as const,
    request: { body: { required: true, content: { 'application/json': { schema: ChatRequestSchema } } } },
    responses: {
      200: {
        description: `The finished answer (JSON), or the answer as it is written (${CHAT_STREAM_DESCRIPTION})`,
        content: {
          'application/json': { schema: ChatResponseSchema },
          'text/event-stream': { schema: { type: 'string' } },
        },
      },
      400: errorResponse('Invalid request (empty message, unknown model, bad field)'),
      404: errorResponse('Unknown conversation or knowledge base'),
      502: {
        description: 'The model failed; the turn is stored as failed',
        content: { 'application/json': { schema: ErrorResponseSchema } },
      },
    },
  });
}

function toolApprovalsRoute(maxBodyBytes: number) {
  return createRoute({
    method: 'post',
    path: '/api/conversations/{id}/tool-approvals',
    tags: ['chat'],
    summary: "Approve or deny the tool calls an assistant's answer waits for, and continue the answer",
    middleware: [jsonBody(maxBodyBytes)] as const,
    request: {
      params: z.object({ id: z.string().openapi({ description: 'Conversation id' }) }),
      body: { required: true, content: { 'application/json': { schema: ToolApprovalsRequestSchema } } },
    },
    responses: {
      200: {
        description: `The continued answer, as from POST /api/chat (JSON, or ${CHAT_STREAM_DESCRIPTION})`,
        content: {
          'application/json': { schema: ChatResponseSchema },
          'text/event-stream': { schema: { type: 'string' } },
        },
      },
      202: {
        description:
          'The decisions are stored; other calls of the answer still wait (`toolCalls` in state `awaiting-approval`). The answer continues when the last one is decided.',
        content: { 'application/json': { schema: ChatResponseSchema } },
      },
      400: errorResponse('A decision for a call that does not wait, or the same call decided twice'),
      404: errorResponse('Unknown conversation'),
      409: errorResponse(
        'A call was decided already, by this client or another (`approval_already_decided`), or nothing waits for approval in this conversation (`conflict`)',
      ),
      502: {
        description: 'The model failed; the turn is stored as failed',
        content: { 'application/json': { schema: ErrorResponseSchema } },
      },
    },
  });
}

function wantsEventStream(c: Context, stream: boolean | undefined): boolean {
  if (stream !== undefined) return stream;
  return (c.req.header('accept') ?? '').includes('text/event-stream');
}

async function answerAsJson(c: Context<AppEnv>, turn: ChatTurn): Promise<Response> {
  const outcome = await turn.outcome();
  if (outcome.type === 'finish') {
    return c.json(chatResultView(outcome.message.conversationId, outcome.message), 200);
  }
  const details = { conversationId: turn.conversationId, messageId: outcome.assistantMessage.id };
  return c.json(errorBody(outcome.code, outcome.message, details), statusForCode(outcome.code));
}

export function registerChatRoutes(
  app: GodwitApp,
  services: GodwitServices,
  options: Pick<ResolvedAppOptions, 'maxBodyBytes' | 'logger' | 'shutdownSignal'>,
): void {
  /** The turn as one JSON answer, or as server-sent events when the client asks for a stream. */
  const answer = async (c: Context<AppEnv>, turn: ChatTurn, stream?: boolean): Promise<Response> => {
    if (!wantsEventStream(c, stream)) return answerAsJson(c, turn);
    const requestId = c.var.requestId;
    const events = turnStream(turn, new ServerSentEventEncoder(), {
      onFailure: (error) =>
        options.logger({
          level: 'error',
          message: 'chat stream failed',
          requestId,
          error: describeForLog(error),
        }),
    });
    return c.body(events, 200, SERVER_SENT_EVENT_HEADERS);
  };

  app.openapi(chatRoute(options.maxBodyBytes), async (c) => {
    const body = c.req.valid('json');
    // Validation errors come before the turn starts and are answered as plain JSON.
    const turn = await services.chat.start(turnRequest(c, body, options.shutdownSignal));
    // The route's typed responses cannot express an event stream or a status taken from the turn's error
    // code, so both answers are built as plain Responses and cast once here.
    return (await answer(c, turn, body.stream)) as never;
  });

  app.openapi(toolApprovalsRoute(options.maxBodyBytes), async (c) => {
    const body = c.req.valid('json');
    const conversationId = c.req.valid('param').id;
    const decided = await services.chat.decide({
      ...resumeRequest(c, options.shutdownSignal),
      conversationId,
      decisions: body.approvals.map((decision) => ({
        approvalId: decision.approvalId,
        approved: decision.approved,
        ...(decision.reason ? { reason: decision.reason } : {}),
      })),
    });
    // Other calls of the answer still wait: the decisions are stored, and the answer continues once the
    // last one is decided (by this client or another).
    if (decided.type === 'recorded') return c.json(chatResultView(conversationId, decided.message), 202);
    return (await answer(c, decided.turn, body.stream)) as never;
  });
}
