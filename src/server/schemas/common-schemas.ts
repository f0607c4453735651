/** Schemas shared by several routes: errors, locations, citations, messages. */
import { z } from '@hono/zod-openapi';

export const ErrorResponseSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'validation_failed' }),
      message: z.string().openapi({ example: 'k: expected a whole number from 1 to 100, got a string' }),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .openapi('Error');

/** A required, non-blank string field with a length cap. */
export function text(maxLength: number) {
  return z
    .string({ error: 'expected a string' })
    .min(1, 'expected a non-empty string')
    .max(maxLength, `expected at most ${maxLength} characters`);
}

/** A whole number within bounds, with one message for every way of missing them. */
export function boundedInteger(minimum: number, maximum: number) {
  const message = `expected a whole number from ${minimum} to ${maximum}`;
  return z.number({ error: message }).int(message).min(minimum, message).max(maximum, message);
}

/** The same bound for query strings, where every value arrives as text. */
export function boundedIntegerQuery(minimum: number, maximum: number) {
  const message = `expected a whole number from ${minimum} to ${maximum}`;
  return z.coerce.number({ error: message }).int(message).min(minimum, message).max(maximum, message);
}

/** Documents of one knowledge base, by id: 1 to 100 of them. */
export const DocumentIdsSchema = z
  .array(text(200), { error: 'expected an array of document ids' })
  .min(1, 'expected at least one document id; omit documentIds to use every document')
  .max(100, 'expected at most 100 document ids');

export const LocationSchema = z
  .object({
    page: z.number().optional(),
    sheet: z.string().optional(),
    row: z.number().optional(),
    headings: z.array(z.string()).optional(),
    line: z.number().optional(),
  })
  .openapi('Location', { description: 'Where a passage sits in its document; loaders set what they know.' });

export const CitationSchema = z
  .object({
    index: z.number().int().openapi({ description: 'The number the answer cites: [1], [2]…' }),
    chunkId: z.string(),
    documentId: z.string(),
    source: z.string().openapi({ description: 'File name or URL as ingested.' }),
    location: LocationSchema,
    text: z.string(),
    score: z.number().optional(),
  })
  .openapi('Citation');

export const UsageSchema = z
  .object({ inputTokens: z.number(), outputTokens: z.number(), totalTokens: z.number() })
  .openapi('TokenUsage');

export const DegradedSchema = z
  .object({ reason: z.string().openapi({ description: 'What was unavailable and what was done instead.' }) })
  .openapi('Degraded');

export const MessageSchema = z
  .object({
    id: z.string(),
    role: z.enum(['system', 'user', 'assistant', 'tool']),
    content: z.string(),
    citations: z.array(CitationSchema),
    model: z.string().nullable(),
    usage: UsageSchema.nullable(),
    costUsd: z.number().nullable().openapi({ description: 'Null when the model has no known price.' }),
    latencyMs: z.number().nullable(),
    status: z.enum(['pending', 'complete', 'incomplete', 'failed', 'interrupted']).openapi({
      description:
        '`pending` while the answer is written; `incomplete` when the request was cancelled; `failed` with the reason in `error`; `interrupted` when the server stopped or died mid-answer (the text said so far is kept). Retry by sending the question again.',
    }),
    error: z.string().nullable().openapi({ description: 'Why the answer failed or stopped early.' }),
    degraded: DegradedSchema.nullable().openapi({
      description:
        'Set when the answer is degraded: its sources were found by keyword search alone because the embedding provider was unavailable. Null otherwise.',
    }),
    toolCalls: z
      .array(
        z.object({
          toolCallId: z.string(),
          toolName: z.string(),
          input: z.unknown(),
          state: z.enum(['running', 'awaiting-approval', 'complete', 'failed', 'denied']),
          output: z.unknown().optional(),
          error: z.string().optional(),
          durationMs: z.number().optional(),
          approval: z
            .object({
              id: z.string(),
              state: z.enum(['requested', 'approved', 'denied']),
              signature: z.string().optional(),
              reason: z.string().optional(),
            })
            .optional(),
        }),
      )
      .openapi({
        description: "An assistant's tool calls, in order (empty for plain and grounded answers).",
      }),
    createdAt: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('Message');

export function errorResponse(description: string) {
  return { description, content: { 'application/json': { schema: ErrorResponseSchema } } };
}
