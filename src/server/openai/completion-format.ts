/**
 * The response side of `/v1/chat/completions`: ids, finish reasons, usage, the completion object, the
 * `chat.completion.chunk` objects of a stream, and their server-sent-event framing.
 */
import { randomUUID } from 'node:crypto';
import type { FinishReason } from 'ai';
import type { Citation } from '../../core/types.ts';

export type OpenAIFinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

export interface OpenAIUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface OpenAIToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** What a completion or a stream needs to know about the request it answers. */
export interface CompletionIdentity {
  id: string;
  created: number;
  model: string;
}

export function newCompletionIdentity(model: string, now: () => number = Date.now): CompletionIdentity {
  return { id: `chatcmpl-${randomUUID().replace(/-/g, '')}`, created: Math.floor(now() / 1000), model };
}

/** OpenAI has no finish reason for errors or interruptions; those streams end with an error event. */
export function toFinishReason(reason: FinishReason | undefined): OpenAIFinishReason {
  switch (reason) {
    case 'length':
      return 'length';
    case 'tool-calls':
      return 'tool_calls';
    case 'content-filter':
      return 'content_filter';
    default:
      return 'stop';
  }
}

export function toOpenAIUsage(
  usage: { inputTokens?: number; outputTokens?: number } | null | undefined,
): OpenAIUsage {
  const prompt = usage?.inputTokens ?? 0;
  const completion = usage?.outputTokens ?? 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

export function toOpenAIToolCall(call: {
  toolCallId: string;
  toolName: string;
  input: unknown;
}): OpenAIToolCall {
  return {
    id: call.toolCallId,
    type: 'function',
    function: { name: call.toolName, arguments: JSON.stringify(call.input ?? {}) },
  };
}

/** The `citations` extension: the sources a grounded answer cites, in OpenAI's snake_case. */
export function toOpenAICitation(citation: Citation) {
  return {
    index: citation.index,
    source: citation.source,
    location: citation.location,
    text: citation.text,
    document_id: citation.documentId,
    chunk_id: citation.chunkId,
    ...(citation.score === undefined ? {} : { score: citation.score }),
  };
}

export function completionBody(
  identity: CompletionIdentity,
  answer: {
    text: string;
    toolCalls: OpenAIToolCall[];
    finishReason: OpenAIFinishReason;
    usage: OpenAIUsage;
    citations?: Citation[];
    /** The `degraded` extension: why a grounded answer's sources were found by keyword search alone. */
    degraded?: { reason: string } | null;
  },
) {
  const hasTools = answer.toolCalls.length > 0;
  return {
    id: identity.id,
    object: 'chat.completion' as const,
    created: identity.created,
    model: identity.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant' as const,
          content: answer.text === '' && hasTools ? null : answer.text,
          refusal: null,
          ...(hasTools ? { tool_calls: answer.toolCalls } : {}),
        },
        logprobs: null,
        finish_reason: answer.finishReason,
      },
    ],
    usage: answer.usage,
    ...(answer.citations ? { citations: answer.citations.map(toOpenAICitation) } : {}),
    ...(answer.degraded ? { degraded: answer.degraded } : {}),
  };
}

/** Writes `chat.completion.chunk` events for one stream. */
export class ChunkWriter {
  private readonly encoder = new TextEncoder();
  private toolCallCount = 0;

  constructor(
    private readonly identity: CompletionIdentity,
    /** With `stream_options.include_usage`, every chunk has `usage: null` and a last one the totals. */
    private readonly includeUsage: boolean,
  ) {}

  private chunk(choices: unknown[], extra: Record<string, unknown> = {}): Uint8Array {
    const { id, created, model } = this.identity;
    const body = {
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      choices,
      ...(this.includeUsage ? { usage: null } : {}),
      ...extra,
    };
    return this.event(body);
  }

  private delta(delta: Record<string, unknown>, finishReason: OpenAIFinishReason | null = null, extra = {}) {
    return this.chunk([{ index: 0, delta, logprobs: null, finish_reason: finishReason }], extra);
  }

  /** The first chunk announces the role, as OpenAI's streams do. */
  start(): Uint8Array {
    return this.delta({ role: 'assistant', content: '' });
  }

  text(text: string): Uint8Array {
    return this.delta({ content: text });
  }

  toolCall(call: OpenAIToolCall): Uint8Array {
    return this.delta({ tool_calls: [{ index: this.toolCallCount++, ...call }] });
  }

  /** The finish chunk, then the usage chunk when asked for, then `[DONE]`. */
  finish(
    finishReason: OpenAIFinishReason,
    usage: OpenAIUsage,
    citations?: Citation[],
    degraded?: { reason: string } | null,
  ): Uint8Array[] {
    const extra = {
      ...(citations ? { citations: citations.map(toOpenAICitation) } : {}),
      ...(degraded ? { degraded } : {}),
    };
    const chunks = [this.delta({}, finishReason, extra)];
    if (this.includeUsage) chunks.push(this.chunk([], { usage }));
    chunks.push(this.encoder.encode('data: [DONE]\n\n'));
    return chunks;
  }

  /** An error after the stream started: the OpenAI SDKs raise an APIError from it. */
  error(body: unknown): Uint8Array {
    return this.event(body);
  }

  private event(body: unknown): Uint8Array {
    // JSON.stringify never emits a raw newline, so one `data:` line always holds the whole object.
    return this.encoder.encode(`data: ${JSON.stringify(body)}\n\n`);
  }
}

export const EVENT_STREAM_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
} as const;
