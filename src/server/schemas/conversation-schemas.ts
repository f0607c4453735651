import { z } from '@hono/zod-openapi';
import { boundedIntegerQuery, MessageSchema, text } from './common-schemas.ts';

export const ConversationSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    knowledgeBase: z.string().nullable(),
    createdAt: z.string().openapi({ format: 'date-time' }),
    updatedAt: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('Conversation');

export const ConversationDetailSchema = ConversationSchema.extend({
  messages: z.array(MessageSchema),
}).openapi('ConversationWithMessages');

export const ConversationPageSchema = z
  .object({
    conversations: z.array(ConversationSchema),
    nextCursor: z
      .string()
      .nullable()
      .openapi({ description: 'Pass as `cursor` for the next page; null at the end.' }),
  })
  .openapi('ConversationPage');

export const ConversationListQuerySchema = z.object({
  q: z
    .string()
    .max(200, 'expected at most 200 characters')
    .optional()
    .openapi({ description: 'Part of the title.' }),
  limit: boundedIntegerQuery(1, 100).default(20),
  cursor: z.string().max(1000, 'expected at most 1000 characters').optional(),
});

export const ConversationParamsSchema = z.object({
  id: text(200).openapi({ param: { name: 'id', in: 'path' } }),
});

export const RenameConversationSchema = z
  .strictObject({
    title: z
      .string({ error: 'expected a string' })
      .trim()
      .min(1, 'expected a title that is not blank')
      .max(200, 'expected at most 200 characters'),
  })
  .openapi('RenameConversation');
