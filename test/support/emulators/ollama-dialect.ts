/**
 * Ollama wire format: `/api/chat` (one JSON object, or NDJSON lines when streaming, which is Ollama's
 * default) and `/api/embed`. Ollama has no authentication.
 */
import type { DialectDefinition, HttpReply, RenderContext } from './dialect.ts';
import { json } from './dialect.ts';
import { defaultDimension, hashEmbedding } from './hash-embedding.ts';
import type { ResolvedReply } from './script.ts';

const DONE_REASON = { stop: 'stop', length: 'length', 'tool-calls': 'stop' } as const;

export const ollamaDialect: DialectDefinition = {
  name: 'ollama',
  match(method, url, body) {
    if (method !== 'POST') return undefined;
    const model = String(body.model ?? '');
    if (url.pathname === '/api/chat')
      return { operation: 'chat', stream: body.stream !== false, model, variant: 'chat' };
    if (url.pathname === '/api/embed') return { operation: 'embed', stream: false, model, variant: 'embed' };
    return undefined;
  },
  checkAuth() {
    return undefined;
  },
  error(_kind, status, message): HttpReply {
    return { status, body: json({ error: message }) };
  },
  chat(reply, context) {
    return finalLine(reply, context, reply.text);
  },
  chatStream(reply, context) {
    const frames = reply.chunks.map((content) => ({
      data: `${json({ model: context.model, created_at: createdAt(), message: { role: 'assistant', content }, done: false })}\n`,
      textChunk: true,
    }));
    frames.push({ data: `${json(finalLine(reply, context, ''))}\n`, textChunk: false });
    return { contentType: 'application/x-ndjson', frames };
  },
  malformedStream() {
    // The Ollama client skips lines that are not JSON, so the broken line is JSON of the wrong shape.
    return { contentType: 'application/x-ndjson', frames: [{ data: '{"model": 42, "done": "perhaps"}\n' }] };
  },
  embed(context) {
    const input = context.body.input;
    const texts = (Array.isArray(input) ? input : [input]).map(String);
    const dimension =
      typeof context.body.dimensions === 'number' ? context.body.dimensions : defaultDimension(context.model);
    return {
      model: context.model,
      embeddings: texts.map((text) => hashEmbedding(text, dimension)),
      total_duration: 14_143_917,
      load_duration: 1_019_500,
      prompt_eval_count: texts.reduce((sum, text) => sum + text.split(/\s+/).filter(Boolean).length, 0),
    };
  },
};

function createdAt(): string {
  return new Date().toISOString();
}

function finalLine(reply: ResolvedReply, context: RenderContext, content: string) {
  const toolCalls = reply.toolCalls.map((call) => ({ function: { name: call.name, arguments: call.input } }));
  return {
    model: context.model,
    created_at: createdAt(),
    message: { role: 'assistant', content, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) },
    done_reason: DONE_REASON[reply.finish],
    done: true,
    total_duration: 4_883_583_458,
    load_duration: 1_334_875,
    prompt_eval_count: reply.usage.inputTokens,
    prompt_eval_duration: 342_546_000,
    eval_count: reply.usage.outputTokens,
    eval_duration: 4_535_599_000,
  };
}
