/**
 * Gemini API wire format: `models/{model}:generateContent`, `:streamGenerateContent?alt=sse`,
 * `:embedContent` and `:batchEmbedContents`, authenticated by the `x-goog-api-key` header or `?key=`.
 */
import type { DialectDefinition, HttpReply, RenderContext } from './dialect.ts';
import { json } from './dialect.ts';
import { defaultDimension, hashEmbedding } from './hash-embedding.ts';
import type { ResolvedReply } from './script.ts';

const FINISH = { stop: 'STOP', length: 'MAX_TOKENS', 'tool-calls': 'STOP' } as const;

const STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

export const geminiDialect: DialectDefinition = {
  name: 'gemini',
  match(method, url) {
    const found =
      /^\/v1(?:beta)?\/models\/([^/:]+):(generateContent|streamGenerateContent|embedContent|batchEmbedContents)$/.exec(
        url.pathname,
      );
    if (method !== 'POST' || !found) return undefined;
    const model = decodeURIComponent(found[1]!);
    const action = found[2]!;
    if (action === 'embedContent' || action === 'batchEmbedContents') {
      return { operation: 'embed', stream: false, model, variant: action };
    }
    return { operation: 'chat', stream: action === 'streamGenerateContent', model, variant: action };
  },
  checkAuth(headers) {
    const key = headers['x-goog-api-key'];
    if (typeof key === 'string' && key.trim() !== '') return undefined;
    return "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.";
  },
  error(kind, status, message): HttpReply {
    const code = kind === 'unauthorized' ? 403 : status;
    return { status: code, body: json({ error: { code, message, status: STATUS[code] ?? 'UNKNOWN' } }) };
  },
  chat(reply, context) {
    const textParts = reply.text === '' ? [] : [{ text: reply.text }];
    return response(reply, context, [...textParts, ...functionCallParts(reply)], true);
  },
  chatStream(reply, context) {
    const frames = reply.chunks.map((text) => ({
      data: sse(response(reply, context, [{ text }], false)),
      textChunk: true,
    }));
    frames.push({ data: sse(response(reply, context, functionCallParts(reply), true)), textChunk: false });
    return { contentType: 'text/event-stream', frames };
  },
  malformedStream() {
    return {
      contentType: 'text/event-stream',
      frames: [{ data: 'data: {"candidates": [{"content": \r\n\r\n' }],
    };
  },
  embed(context) {
    if (context.variant === 'embedContent')
      return { embedding: { values: embedRequest(context.body, context.model) } };
    const requests = (context.body.requests as Record<string, unknown>[] | undefined) ?? [];
    return { embeddings: requests.map((request) => ({ values: embedRequest(request, context.model) })) };
  },
};

function sse(value: unknown): string {
  return `data: ${json(value)}\r\n\r\n`;
}

function functionCallParts(reply: ResolvedReply) {
  return reply.toolCalls.map((call) => ({ functionCall: { name: call.name, args: call.input } }));
}

function response(reply: ResolvedReply, context: RenderContext, parts: unknown[], last: boolean) {
  const { inputTokens, outputTokens } = reply.usage;
  return {
    candidates: [
      {
        content: { parts, role: 'model' },
        ...(last ? { finishReason: FINISH[reply.finish] } : {}),
        index: 0,
      },
    ],
    usageMetadata: last
      ? {
          promptTokenCount: inputTokens,
          candidatesTokenCount: outputTokens,
          totalTokenCount: inputTokens + outputTokens,
        }
      : { promptTokenCount: inputTokens, totalTokenCount: inputTokens },
    modelVersion: context.model,
    responseId: context.nextId('gem-'),
  };
}

function embedRequest(request: Record<string, unknown>, model: string): number[] {
  const content = request.content as { parts?: { text?: string }[] } | undefined;
  const text = (content?.parts ?? []).map((part) => part.text ?? '').join(' ');
  const dimension =
    typeof request.outputDimensionality === 'number' ? request.outputDimensionality : defaultDimension(model);
  return hashEmbedding(text, dimension);
}
