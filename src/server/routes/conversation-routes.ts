/** Conversations of the calling user: list, read with messages, rename, delete. */
import { createRoute } from '@hono/zod-openapi';
import { NotFoundError } from '../../core/errors.ts';
import type { GodwitServices } from '../../core/services.ts';
import type { Conversation } from '../../core/types.ts';
import type { GodwitApp } from '../app-env.ts';
import { recordAudit } from '../audit.ts';
import { jsonBody } from '../middleware/body-limits.ts';
import { errorResponse } from '../schemas/common-schemas.ts';
import {
  ConversationDetailSchema,
  ConversationListQuerySchema,
  ConversationPageSchema,
  ConversationParamsSchema,
  ConversationSchema,
  RenameConversationSchema,
} from '../schemas/conversation-schemas.ts';
import { conversationView, messageView } from '../views.ts';

const tags = ['conversations'];
const notFound = errorResponse('No such conversation for this user');

const listRoute = createRoute({
  method: 'get',
  path: '/api/conversations',
  tags,
  summary: 'List conversations, newest first',
  request: { query: ConversationListQuerySchema },
  responses: {
    200: { description: 'One page', content: { 'application/json': { schema: ConversationPageSchema } } },
  },
});

const getRoute = createRoute({
  method: 'get',
  path: '/api/conversations/{id}',
  tags,
  summary: 'A conversation with its messages',
  request: { params: ConversationParamsSchema },
  responses: {
    200: {
      description: 'The conversation',
      content: { 'application/json': { schema: ConversationDetailSchema } },
    },
    404: notFound,
  },
});

function renameRoute(maxBodyBytes: number) {
  return createRoute({
    method: 'patch',
    path: '/api/conversations/{id}',
    tags,
    summary: 'Rename a conversation',
    middleware: [jsonBody(maxBodyBytes)] as const,
    request: {
      params: ConversationParamsSchema,
      body: { required: true, content: { 'application/json': { schema: RenameConversationSchema } } },
    },
    responses: {
      200: { description: 'Renamed', content: { 'application/json': { schema: ConversationSchema } } },
      404: notFound,
    },
  });
}

const deleteRoute = createRoute({
  method: 'delete',
  path: '/api/conversations/{id}',
  tags,
  summary: 'Delete a conversation and its messages',
  request: { params: ConversationParamsSchema },
  responses: { 204: { description: 'Deleted' }, 404: notFound },
});

/** The conversation, if it belongs to this tenant and user; another user's is reported as absent. */
async function requireOwnConversation(
  services: GodwitServices,
  who: { tenantId: string; userId: string },
  conversationId: string,
): Promise<Conversation> {
  const conversation = await services.conversations.getConversation(who.tenantId, conversationId);
  if (!conversation || conversation.userId !== who.userId) {
    throw new NotFoundError(
      `Conversation "${conversationId}" does not exist. List yours with GET /api/conversations.`,
    );
  }
  return conversation;
}

export function registerConversationRoutes(
  app: GodwitApp,
  services: GodwitServices,
  options: { maxBodyBytes: number },
): void {
  app.openapi(listRoute, async (c) => {
    const query = c.req.valid('query');
    const page = await services.conversations.listConversations(c.var.tenantId, {
      userId: c.var.userId,
      query: query.q,
      limit: query.limit,
      cursor: query.cursor,
    });
    return c.json(
      { conversations: page.conversations.map(conversationView), nextCursor: page.nextCursor },
      200,
    );
  });

  app.openapi(getRoute, async (c) => {
    const { id } = c.req.valid('param');
    const conversation = await requireOwnConversation(services, c.var, id);
    const messages = await services.conversations.listMessages(c.var.tenantId, conversation.id);
    return c.json({ ...conversationView(conversation), messages: messages.map(messageView) }, 200);
  });

  app.openapi(renameRoute(options.maxBodyBytes), async (c) => {
    const { id } = c.req.valid('param');
    const { title } = c.req.valid('json');
    await requireOwnConversation(services, c.var, id);
    const renamed = await services.conversations.renameConversation(c.var.tenantId, id, title);
    return c.json(conversationView(renamed), 200);
  });

  app.openapi(deleteRoute, async (c) => {
    const { id } = c.req.valid('param');
    await requireOwnConversation(services, c.var, id);
    await services.conversations.deleteConversation(c.var.tenantId, id);
    await recordAudit(c, services, 'conversation.delete', id);
    return c.body(null, 204);
  });
}
