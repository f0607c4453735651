/** `POST /api/chat`: one turn, answered as JSON or, when asked, as server-sent events. */
import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { ChatEvent } from '../../core/chat/chat-service.ts';
import { GodwitError } from '../../core/errors.ts';
import type { GodwitServices } from '../../core/services.ts';
import { abortWithRequest } from '../abort-with-request.ts';
import type { AppEnv, GodwitApp, Logger } from '../app-env.ts';
import { describeForLog, errorBody, statusForCode } from '../http-errors.ts';
import { callerOf } from '../middleware/auth.ts';
import { jsonBody } from '../middleware/body-limits.ts';
import { CHAT_STREAM_DESCRIPTION, ChatRequestSchema, ChatResponseSchema } from '../schemas/chat-schemas.ts';
import { ErrorResponseSchema, errorResponse } from '../schemas/common-schemas.ts';
import { chatResultView } from '../views.ts';
import { chatEventStream } from './chat-stream.ts';

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

function wantsEventStream(c: Context, stream: boolean | undefined): boolean {
  if (stream !== undefined) return stream;
  return (c.req.header('accept') ?? '').includes('text/event-stream');
}

async function answerAsJson(
  c: Context<AppEnv>,
  first: ChatEvent,
  events: AsyncGenerator<ChatEvent>,
): Promise<Response> {
  let conversationId = first.type === 'start' ? first.conversation.id : null;
  for (
    let next: IteratorResult<ChatEvent> = { done: false, value: first };
    !next.done;
    next = await events.next()
  ) {
    const event = next.value;
    if (event.type === 'start') conversationId = event.conversation.id;
    if (event.type === 'finish')
      return c.json(chatResultView(event.message.conversationId, event.message), 200);
    if (event.type === 'error') {
      const details = { conversationId, messageId: event.assistantMessage.id };
      return c.json(errorBody(event.code, event.message, details), statusForCode(event.code));
    }
  }
  throw new GodwitError('internal', 'The chat turn ended without an answer or an error.');
}

export function registerChatRoutes(
  app: GodwitApp,
  services: GodwitServices,
  options: { maxBodyBytes: number; logger: Logger },
): void {
  app.openapi(chatRoute(options.maxBodyBytes), async (c) => {
    const body = c.req.valid('json');
    const abort = abortWithRequest(c);
    const events = services.chat.turn({
      tenantId: c.var.tenantId,
      userId: c.var.userId,
      apiKeyId: callerOf(c).apiKeyId,
      message: body.message,
      conversationId: body.conversationId,
      knowledgeBase: body.knowledgeBase,
      model: body.model,
      k: body.k,
      abortSignal: abort.signal,
    });
    // The first event comes after validation: errors before it are still answered as plain JSON.
    const first = await events.next();
    if (first.done) throw new GodwitError('internal', 'The chat turn ended before it started.');
    // The route's typed responses cannot express an event stream or a status taken from the turn's error
    // code, so both answers are built as plain Responses and cast once here.
    if (!wantsEventStream(c, body.stream)) return (await answerAsJson(c, first.value, events)) as never;
    const requestId = c.var.requestId;
    const stream = chatEventStream(first.value, events, abort, (error) => {
      options.logger({
        level: 'error',
        message: 'chat stream failed',
        requestId,
        error: describeForLog(error),
      });
    });
    return c.body(stream, 200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
    }) as never;
  });
}
