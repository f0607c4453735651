import { z } from '@hono/zod-openapi';
import {
  boundedInteger,
  CitationSchema,
  DegradedSchema,
  DocumentIdsSchema,
  MessageSchema,
  text,
} from './common-schemas.ts';

export const ChatRequestSchema = z
  .strictObject({
    message: z
      .string({ error: 'expected a string' })
      .openapi({ example: 'How many vacation days do I get?' }),
    conversationId: text(200)
      .optional()
      .openapi({ description: 'Continue this conversation; omit to start one.' }),
    knowledgeBase: text(63).nullable().optional().openapi({
      description: "Answer from this knowledge base; null for plain chat. Defaults to the conversation's.",
    }),
    model: text(200)
      .optional()
      .openapi({ description: '`provider:model-id`; defaults to the configured model.' }),
    assistant: text(64).optional().openapi({
      description:
        'Answer as this configured assistant (its model, instructions and tools); see docs/AGENTS.md.',
    }),
    k: boundedInteger(1, 100).optional().openapi({ description: 'Passages to retrieve. Default 6.' }),
    documentIds: DocumentIdsSchema.optional().openapi({
      description:
        'Answer only from these documents of `knowledgeBase` (ids from `GET /api/knowledge-bases/{name}/documents`). Unknown ids are refused with 400 naming them. Applies to this turn only.',
      example: ['0f9c2b7e-…'],
    }),
    stream: z
      .boolean({ error: 'expected true or false' })
      .optional()
      .openapi({ description: 'Answer as server-sent events (also chosen by `Accept: text/event-stream`).' }),
  })
  .openapi('ChatRequest');

export const ChatResponseSchema = z
  .object({
    conversationId: z.string(),
    message: MessageSchema,
    answer: z.string(),
    citations: z.array(CitationSchema),
    degraded: DegradedSchema.nullable().openapi({
      description:
        'Set when the answer is degraded (its sources were found by keyword search alone because the embedding provider was unavailable), with the reason to show the user.',
    }),
  })
  .openapi('ChatResponse');

export const CHAT_STREAM_DESCRIPTION = [
  'Server-sent events, each `data:` one JSON object:',
  '`start` {conversationId, messageId, userMessageId, model};',
  '`degraded` {reason}, before `citations`, when the sources were found by keyword search alone (the embedding provider was unavailable);',
  '`citations` {citations};',
  '`delta` {text};',
  '`done` the same body as the JSON response;',
  '`error` {code, message, conversationId, messageId}.',
].join(' ');

export const ToolApprovalsRequestSchema = z
  .strictObject({
    approvals: z
      .array(
        z.strictObject({
          approvalId: text(200).openapi({
            description: '`approval.id` of a call in state `awaiting-approval`.',
          }),
          approved: z.boolean({ error: 'expected true or false' }),
          reason: text(1000)
            .optional()
            .openapi({ description: 'Why; a denial reason is shown to the model.' }),
        }),
      )
      .min(1, { error: 'send a decision for each call waiting for approval' })
      .max(100),
    stream: z
      .boolean({ error: 'expected true or false' })
      .optional()
      .openapi({ description: 'Answer as server-sent events (also chosen by `Accept: text/event-stream`).' }),
  })
  .openapi('ToolApprovalsRequest');
