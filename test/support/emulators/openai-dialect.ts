/**
 * OpenAI wire format: `/v1/chat/completions` (JSON and SSE chunks ending in `[DONE]`), `/v1/responses`
 * (JSON and typed SSE events) and `/v1/embeddings` (float arrays or base64 float32).
 */
import type { DialectDefinition, HttpReply, RenderContext, StreamFrame } from './dialect.ts';
import { json } from './dialect.ts';
import { defaultDimension, hashEmbedding, toBase64Float32 } from './hash-embedding.ts';
import type { ResolvedReply } from './script.ts';

const FINISH = { stop: 'stop', length: 'length', 'tool-calls': 'tool_calls' } as const;

export const openaiDialect: DialectDefinition = {
  name: 'openai',
  match(method, url, body) {
    if (method !== 'POST') return undefined;
    const model = String(body.model ?? '');
    const stream = body.stream === true;
    if (url.pathname === '/v1/chat/completions') {
      return { operation: 'chat', stream, model, variant: 'chat-completions' };
    }
    if (url.pathname === '/v1/responses') return { operation: 'chat', stream, model, variant: 'responses' };
    if (url.pathname === '/v1/embeddings')
      return { operation: 'embed', stream: false, model, variant: 'embeddings' };
    return undefined;
  },
  checkAuth(headers) {
    const authorization = headers.authorization ?? '';
    if (!/^Bearer \S+$/.test(authorization)) return 'You did not provide an API key.';
    return undefined;
  },
  error(kind, status, message): HttpReply {
    const code =
      kind === 'unknown-model'
        ? 'model_not_found'
        : kind === 'unauthorized'
          ? 'invalid_api_key'
          : status === 429
            ? 'rate_limit_exceeded'
            : null;
    const type = status >= 500 ? 'server_error' : status === 429 ? 'requests' : 'invalid_request_error';
    return { status, body: json({ error: { message, type, param: null, code } }) };
  },
  chat(reply, context) {
    return context.variant === 'responses'
      ? responseObject(reply, context, 'completed')
      : chatCompletion(reply, context);
  },
  chatStream(reply, context) {
    const frames =
      context.variant === 'responses' ? responseEvents(reply, context) : chatChunks(reply, context);
    return { contentType: 'text/event-stream', frames };
  },
  malformedStream() {
    return {
      contentType: 'text/event-stream',
      frames: [{ data: 'data: {"id": "broken", "choices": [{"delta": \n\n' }],
    };
  },
  embed(context) {
    const inputs = Array.isArray(context.body.input) ? context.body.input : [context.body.input];
    const dimension =
      typeof context.body.dimensions === 'number' ? context.body.dimensions : defaultDimension(context.model);
    const base64 = context.body.encoding_format === 'base64';
    const tokens = inputs.reduce((sum: number, input) => sum + String(input).split(/\s+/).length, 0);
    return {
      object: 'list',
      data: inputs.map((input, index) => {
        const vector = hashEmbedding(String(input), dimension);
        return { object: 'embedding', index, embedding: base64 ? toBase64Float32(vector) : vector };
      }),
      model: context.model,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    };
  },
};

function chatUsage(reply: ResolvedReply) {
  const { inputTokens, outputTokens } = reply.usage;
  return {
    prompt_tokens: inputTokens,
    completion_tokens: outputTokens,
    total_tokens: inputTokens + outputTokens,
    prompt_tokens_details: { cached_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0 },
  };
}

function chatCompletion(reply: ResolvedReply, context: RenderContext) {
  const toolCalls = reply.toolCalls.map((call) => ({
    id: call.id,
    type: 'function',
    function: { name: call.name, arguments: JSON.stringify(call.input) },
  }));
  return {
    id: context.nextId('chatcmpl-'),
    object: 'chat.completion',
    created: context.now(),
    model: context.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: reply.text === '' && toolCalls.length > 0 ? null : reply.text,
          refusal: null,
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        },
        logprobs: null,
        finish_reason: FINISH[reply.finish],
      },
    ],
    usage: chatUsage(reply),
    system_fingerprint: null,
  };
}

function chatChunks(reply: ResolvedReply, context: RenderContext): StreamFrame[] {
  const base = {
    id: context.nextId('chatcmpl-'),
    object: 'chat.completion.chunk',
    created: context.now(),
    model: context.model,
  };
  const event = (choice: Record<string, unknown>): string =>
    `data: ${json({ ...base, choices: [{ index: 0, logprobs: null, finish_reason: null, ...choice }] })}\n\n`;
  const frames: StreamFrame[] = [{ data: event({ delta: { role: 'assistant', content: '' } }) }];
  for (const chunk of reply.chunks)
    frames.push({ data: event({ delta: { content: chunk } }), textChunk: true });
  reply.toolCalls.forEach((call, index) => {
    frames.push({
      data: event({
        delta: {
          tool_calls: [
            { index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } },
          ],
        },
      }),
    });
    frames.push({
      data: event({
        delta: { tool_calls: [{ index, function: { arguments: JSON.stringify(call.input) } }] },
      }),
    });
  });
  frames.push({ data: event({ delta: {}, finish_reason: FINISH[reply.finish] }) });
  const options = context.body.stream_options as { include_usage?: boolean } | undefined;
  if (options?.include_usage)
    frames.push({ data: `data: ${json({ ...base, choices: [], usage: chatUsage(reply) })}\n\n` });
  frames.push({ data: 'data: [DONE]\n\n' });
  return frames;
}

interface ResponseIds {
  response: string;
  message: string;
  calls: { item: string; call: string }[];
}

function responseIds(reply: ResolvedReply, context: RenderContext): ResponseIds {
  return {
    response: context.nextId('resp_'),
    message: context.nextId('msg_'),
    calls: reply.toolCalls.map((call) => ({ item: context.nextId('fc_'), call: call.id })),
  };
}

function responseObject(
  reply: ResolvedReply,
  context: RenderContext,
  status: 'completed' | 'in_progress',
  ids: ResponseIds = responseIds(reply, context),
) {
  const incomplete = status === 'completed' && reply.finish === 'length';
  const output =
    status === 'in_progress'
      ? []
      : [
          ...(reply.text === '' ? [] : [messageItem(ids.message, reply.text, 'completed')]),
          ...reply.toolCalls.map((call, index) =>
            functionCallItem(ids.calls[index]!, call.name, call.input, 'completed'),
          ),
        ];
  return {
    id: ids.response,
    object: 'response',
    created_at: context.now(),
    status: incomplete ? 'incomplete' : status,
    error: null,
    incomplete_details: incomplete ? { reason: 'max_output_tokens' } : null,
    model: context.model,
    output,
    parallel_tool_calls: true,
    tool_choice: 'auto',
    tools: [],
    usage:
      status === 'in_progress'
        ? null
        : {
            input_tokens: reply.usage.inputTokens,
            input_tokens_details: { cached_tokens: 0 },
            output_tokens: reply.usage.outputTokens,
            output_tokens_details: { reasoning_tokens: 0 },
            total_tokens: reply.usage.inputTokens + reply.usage.outputTokens,
          },
  };
}

function messageItem(id: string, text: string, status: string) {
  return {
    type: 'message',
    id,
    status,
    role: 'assistant',
    content: status === 'completed' ? [{ type: 'output_text', text, annotations: [], logprobs: [] }] : [],
  };
}

function functionCallItem(ids: { item: string; call: string }, name: string, input: unknown, status: string) {
  const complete = status === 'completed';
  return {
    type: 'function_call',
    id: ids.item,
    call_id: ids.call,
    name,
    arguments: complete ? JSON.stringify(input) : '',
    status,
  };
}

function responseEvents(reply: ResolvedReply, context: RenderContext): StreamFrame[] {
  const ids = responseIds(reply, context);
  let sequence = 0;
  const event = (type: string, payload: Record<string, unknown>, textChunk = false): StreamFrame => ({
    data: `event: ${type}\ndata: ${json({ type, sequence_number: sequence++, ...payload })}\n\n`,
    textChunk,
  });
  const frames: StreamFrame[] = [
    event('response.created', { response: responseObject(reply, context, 'in_progress', ids) }),
    event('response.in_progress', { response: responseObject(reply, context, 'in_progress', ids) }),
  ];
  let outputIndex = 0;
  if (reply.text !== '') {
    const item = { item_id: ids.message, output_index: outputIndex, content_index: 0 };
    frames.push(
      event('response.output_item.added', {
        output_index: outputIndex,
        item: messageItem(ids.message, '', 'in_progress'),
      }),
    );
    frames.push(
      event('response.content_part.added', {
        ...item,
        part: { type: 'output_text', text: '', annotations: [] },
      }),
    );
    for (const delta of reply.chunks)
      frames.push(event('response.output_text.delta', { ...item, delta, logprobs: [] }, true));
    frames.push(event('response.output_text.done', { ...item, text: reply.text, logprobs: [] }));
    frames.push(
      event('response.content_part.done', {
        ...item,
        part: { type: 'output_text', text: reply.text, annotations: [] },
      }),
    );
    frames.push(
      event('response.output_item.done', {
        output_index: outputIndex,
        item: messageItem(ids.message, reply.text, 'completed'),
      }),
    );
    outputIndex++;
  }
  reply.toolCalls.forEach((call, index) => {
    const callIds = ids.calls[index]!;
    const argumentsText = JSON.stringify(call.input);
    const position = { item_id: callIds.item, output_index: outputIndex };
    frames.push(
      event('response.output_item.added', {
        output_index: outputIndex,
        item: functionCallItem(callIds, call.name, call.input, 'in_progress'),
      }),
    );
    frames.push(event('response.function_call_arguments.delta', { ...position, delta: argumentsText }));
    frames.push(event('response.function_call_arguments.done', { ...position, arguments: argumentsText }));
    frames.push(
      event('response.output_item.done', {
        output_index: outputIndex,
        item: functionCallItem(callIds, call.name, call.input, 'completed'),
      }),
    );
    outputIndex++;
  });
  const final = responseObject(reply, context, 'completed', ids);
  frames.push(
    event(final.status === 'incomplete' ? 'response.incomplete' : 'response.completed', { response: final }),
  );
  return frames;
}
