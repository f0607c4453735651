/**
 * Request and response schemas of the OpenAI-compatible API (`/v1`), following OpenAI's published shapes.
 * Requests are loose objects: OpenAI clients send fields Godwit does not use (`logprobs`, `metadata`,
 * `store`, `parallel_tool_calls`), and those are ignored rather than refused.
 */
import { z } from '@hono/zod-openapi';

const ROLES = '"system", "developer", "user", "assistant" or "tool"';

const TextPartSchema = z.object({
  type: z.literal('text'),
  text: z.string({ error: 'expected a string' }),
});

const ImagePartSchema = z.object({
  type: z.literal('image_url'),
  image_url: z.object({
    url: z.string({ error: 'expected an http(s) or data: URL' }),
    detail: z.string().optional(),
  }),
});

const UserPartSchema = z.discriminatedUnion('type', [TextPartSchema, ImagePartSchema], {
  error: 'expected a content part of type "text" or "image_url"',
});

const TextContentSchema = z.union([z.string(), z.array(TextPartSchema)], {
  error: 'expected a string or an array of text parts',
});

const ToolCallSchema = z.object({
  id: z.string({ error: 'expected a string' }),
  type: z.literal('function'),
  function: z.object({
    name: z.string({ error: 'expected a string' }),
    arguments: z.string({ error: 'expected the arguments as a JSON string' }),
  }),
});

const MessageSchema = z.discriminatedUnion(
  'role',
  [
    z.object({ role: z.literal('system'), content: TextContentSchema, name: z.string().optional() }),
    z.object({ role: z.literal('developer'), content: TextContentSchema, name: z.string().optional() }),
    z.object({
      role: z.literal('user'),
      content: z.union([z.string(), z.array(UserPartSchema)], {
        error: 'expected a string or an array of content parts',
      }),
      name: z.string().optional(),
    }),
    z.object({
      role: z.literal('assistant'),
      content: TextContentSchema.nullable().optional(),
      tool_calls: z.array(ToolCallSchema).optional(),
      name: z.string().optional(),
      refusal: z.string().nullable().optional(),
    }),
    z.object({
      role: z.literal('tool'),
      tool_call_id: z.string({ error: 'expected the id of the tool call this answers' }),
      content: TextContentSchema,
    }),
  ],
  { error: `expected a message with role ${ROLES}` },
);

export type OpenAIChatMessage = z.infer<typeof MessageSchema>;

const FunctionToolSchema = z.object({
  type: z.literal('function'),
  function: z.object({
    name: z
      .string({ error: 'expected a string' })
      .regex(/^[a-zA-Z0-9_-]{1,64}$/, 'expected 1-64 letters, digits, "_" or "-"'),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    strict: z.boolean().nullable().optional(),
  }),
});

const ToolChoiceSchema = z.union(
  [
    z.enum(['none', 'auto', 'required']),
    z.object({ type: z.literal('function'), function: z.object({ name: z.string() }) }),
  ],
  { error: 'expected "none", "auto", "required" or {"type":"function","function":{"name":…}}' },
);

function rangedNumber(minimum: number, maximum: number) {
  const message = `expected a number from ${minimum} to ${maximum}`;
  return z.number({ error: message }).min(minimum, message).max(maximum, message).nullable().optional();
}

function positiveInteger() {
  const message = 'expected a whole number ≥ 1';
  return z.number({ error: message }).int(message).min(1, message).nullable().optional();
}

export const ChatCompletionRequestSchema = z
  .object({
    model: z
      .string({ error: 'expected a model name' })
      .min(1, 'expected a model name')
      .openapi({ description: '`provider:model-id` (passthrough chat) or `kb:<name>` (grounded answer).' }),
    messages: z
      .array(MessageSchema, { error: 'expected an array of messages' })
      .min(1, 'expected at least one message'),
    stream: z.boolean({ error: 'expected true or false' }).nullable().optional(),
    stream_options: z
      .object({ include_usage: z.boolean().optional() })
      .nullable()
      .optional()
      .openapi({ description: 'With `include_usage`, a last chunk carries the token usage.' }),
    tools: z.array(FunctionToolSchema, { error: 'expected an array of function tools' }).optional(),
    tool_choice: ToolChoiceSchema.optional(),
    temperature: rangedNumber(0, 2),
    top_p: rangedNumber(0, 1),
    presence_penalty: rangedNumber(-2, 2),
    frequency_penalty: rangedNumber(-2, 2),
    max_tokens: positiveInteger(),
    max_completion_tokens: positiveInteger(),
    stop: z
      .union([z.string(), z.array(z.string()).max(4, 'expected at most 4 stop sequences')], {
        error: 'expected a string or an array of up to 4 strings',
      })
      .nullable()
      .optional(),
    seed: z.number({ error: 'expected a whole number' }).int('expected a whole number').nullable().optional(),
    n: z
      .number({ error: 'expected 1' })
      .int('expected 1')
      .min(1, 'expected 1')
      .max(1, 'expected 1: Godwit returns one choice per request')
      .nullable()
      .optional(),
    response_format: z
      .object({ type: z.string() })
      .nullable()
      .optional()
      .openapi({ description: 'Only `{"type":"text"}` is supported.' }),
    user: z.string().optional(),
  })
  .openapi('ChatCompletionRequest');

export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequestSchema>;

const UsageSchema = z.object({
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  total_tokens: z.number().int(),
});

const CitationSchema = z
  .object({
    index: z.number().int(),
    source: z.string(),
    location: z.record(z.string(), z.unknown()),
    text: z.string(),
    document_id: z.string(),
    chunk_id: z.string(),
    score: z.number().optional(),
  })
  .openapi('ChatCompletionCitation');

export const ChatCompletionSchema = z
  .object({
    id: z.string().openapi({ example: 'chatcmpl-3f9a0c2e4b7d4e1a9c0b5d6e' }),
    object: z.literal('chat.completion'),
    created: z.number().int(),
    model: z.string(),
    choices: z.array(
      z.object({
        index: z.number().int(),
        message: z.object({
          role: z.literal('assistant'),
          content: z.string().nullable(),
          refusal: z.null(),
          tool_calls: z
            .array(
              z.object({
                id: z.string(),
                type: z.literal('function'),
                function: z.object({ name: z.string(), arguments: z.string() }),
              }),
            )
            .optional(),
        }),
        logprobs: z.null(),
        finish_reason: z.enum(['stop', 'length', 'tool_calls', 'content_filter']),
      }),
    ),
    usage: UsageSchema,
    citations: z
      .array(CitationSchema)
      .optional()
      .openapi({ description: 'Extension: the sources a `kb:` answer cites as [n].' }),
  })
  .openapi('ChatCompletion');

export const ModelSchema = z
  .object({
    id: z.string().openapi({ example: 'openai:gpt-4.1-mini' }),
    object: z.literal('model'),
    created: z.number().int(),
    owned_by: z.string(),
  })
  .openapi('Model');

export const ModelListSchema = z
  .object({ object: z.literal('list'), data: z.array(ModelSchema) })
  .openapi('ModelList');

export const EmbeddingRequestSchema = z
  .object({
    model: z.string({ error: 'expected a model name' }).min(1, 'expected a model name'),
    input: z.union([z.string(), z.array(z.string()).min(1, 'expected at least one input')], {
      error: 'expected a string or an array of strings',
    }),
    encoding_format: z.enum(['float', 'base64']).optional(),
    dimensions: z
      .number({ error: 'expected a whole number ≥ 1' })
      .int('expected a whole number ≥ 1')
      .min(1, 'expected a whole number ≥ 1')
      .optional(),
    user: z.string().optional(),
  })
  .openapi('EmbeddingRequest');

export type EmbeddingRequest = z.infer<typeof EmbeddingRequestSchema>;

export const EmbeddingResponseSchema = z
  .object({
    object: z.literal('list'),
    data: z.array(
      z.object({
        object: z.literal('embedding'),
        index: z.number().int(),
        embedding: z.union([z.array(z.number()), z.string()]).openapi({
          description: 'Floats, or with `encoding_format: "base64"` little-endian float32 bytes in base64.',
        }),
      }),
    ),
    model: z.string(),
    usage: z.object({ prompt_tokens: z.number().int(), total_tokens: z.number().int() }),
  })
  .openapi('EmbeddingResponse');

export const OpenAIErrorSchema = z
  .object({
    error: z.object({
      message: z.string(),
      type: z.string().openapi({ example: 'invalid_request_error' }),
      param: z.string().nullable(),
      code: z.string().nullable().openapi({ example: 'model_not_found' }),
    }),
  })
  .openapi('OpenAIError');

export function openAIErrorResponse(description: string) {
  return { description, content: { 'application/json': { schema: OpenAIErrorSchema } } };
}
