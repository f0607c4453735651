/**
 * Amazon Bedrock Runtime wire format: `/model/{id}/converse` (JSON), `/model/{id}/converse-stream`
 * (AWS event-stream binary frames) and `/model/{id}/invoke` for Titan and Cohere embeddings. Requests must
 * carry a well-formed SigV4 Authorization header for service `bedrock` (or a Bedrock API key).
 */
import { randomUUID } from 'node:crypto';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import type { DialectDefinition, HttpReply, RenderContext, StreamFrame } from './dialect.ts';
import { DialectError, json } from './dialect.ts';
import { defaultDimension, hashEmbedding } from './hash-embedding.ts';
import type { ResolvedReply } from './script.ts';
import { describeSigV4Problem } from './sigv4.ts';

const STOP_REASON = { stop: 'end_turn', length: 'max_tokens', 'tool-calls': 'tool_use' } as const;

const ERROR_TYPE: Record<number, string> = {
  400: 'ValidationException',
  403: 'AccessDeniedException',
  404: 'ResourceNotFoundException',
  408: 'ModelTimeoutException',
  424: 'ModelErrorException',
  429: 'ThrottlingException',
  500: 'InternalServerException',
  503: 'ServiceUnavailableException',
};

const codec = new EventStreamCodec(
  (bytes) => new TextDecoder().decode(bytes),
  (text) => new TextEncoder().encode(text),
);

export const bedrockDialect: DialectDefinition = {
  name: 'bedrock',
  match(method, url) {
    const found = /^\/model\/([^/]+)\/(converse|converse-stream|invoke)$/.exec(url.pathname);
    if (method !== 'POST' || !found) return undefined;
    const model = decodeURIComponent(found[1]!);
    const action = found[2]!;
    if (action === 'invoke') return { operation: 'embed', stream: false, model, variant: 'invoke' };
    return { operation: 'chat', stream: action === 'converse-stream', model, variant: action };
  },
  checkAuth(headers) {
    const authorization = headers.authorization;
    if (typeof authorization === 'string' && /^Bearer \S+$/.test(authorization)) return undefined;
    return describeSigV4Problem(headers, 'bedrock');
  },
  error(kind, status, message): HttpReply {
    const type =
      kind === 'unauthorized'
        ? 'UnrecognizedClientException'
        : (ERROR_TYPE[status] ?? 'InternalServerException');
    return {
      status: kind === 'unauthorized' ? 403 : status,
      headers: {
        'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
        'x-amzn-requestid': randomUUID(),
      },
      body: json({ message }),
    };
  },
  chat(reply, context) {
    const guardrail = guardrailOf(reply, context);
    if (guardrail) return guardrailReply(reply, guardrail);
    return {
      output: {
        message: {
          role: 'assistant',
          content: [
            ...(reply.text === '' ? [] : [{ text: reply.text }]),
            ...reply.toolCalls.map((call) => ({
              toolUse: { toolUseId: call.id, name: call.name, input: call.input },
            })),
          ],
        },
      },
      stopReason: STOP_REASON[reply.finish],
      usage: usageOf(reply),
      metrics: { latencyMs: 12 },
    };
  },
  chatStream(reply, context) {
    const guardrail = guardrailOf(reply, context);
    return {
      contentType: 'application/vnd.amazon.eventstream',
      frames: guardrail ? guardrailFrames(reply, guardrail) : streamFrames(reply),
    };
  },
  malformedStream() {
    return {
      contentType: 'application/vnd.amazon.eventstream',
      frames: [{ data: eventFrame('messageStart', '{"role": "assistant", ') }],
    };
  },
  embed(context) {
    return context.model.startsWith('cohere.') ? cohereEmbeddings(context) : titanEmbedding(context);
  },
  refuseChat(context) {
    return converseRefusal(context.model, context.variant === 'converse-stream', context.body);
  },
};

/**
 * What Bedrock refuses per model family in Converse (AWS's "Supported models and model features" table for
 * Converse), with the service's ValidationException messages: a system block, a toolConfig, a toolConfig on
 * ConverseStream, document and image blocks. Written here from the table, apart from Godwit's own table, so
 * the two check each other.
 */
const REFUSALS: Array<{
  model: RegExp;
  system?: true;
  tools?: true;
  streamingTools?: true;
  documents?: true;
  images?: true;
}> = [
  { model: /^amazon\.titan-text-premier/, system: true, tools: true, documents: true, images: true },
  { model: /^amazon\.(titan-text-|titan-tg1-)/, system: true, tools: true, images: true },
  {
    model: /^(mistral\.mistral-7b-instruct|mistral\.mixtral-8x7b-instruct)/,
    system: true,
    tools: true,
    images: true,
  },
  { model: /^cohere\.command-(light-)?text/, system: true, tools: true, images: true },
  { model: /^ai21\.j2-/, system: true, tools: true, documents: true, images: true },
  { model: /^cohere\.command-r/, streamingTools: true, images: true },
  { model: /^meta\.(llama3-1|llama3-3)/, streamingTools: true, images: true },
  { model: /^meta\.(llama3-2-(11b|90b)|llama4-)/, streamingTools: true },
  { model: /^meta\.(llama2|llama3-2-(1b|3b)|llama3-)/, tools: true, images: true },
  { model: /^mistral\.(mistral-large|mistral-small)/, streamingTools: true, images: true },
  { model: /^amazon\.nova-micro/, documents: true, images: true },
  { model: /^anthropic\.claude-3-5-haiku/, images: true },
];

function converseRefusal(
  modelId: string,
  stream: boolean,
  body: Record<string, unknown>,
): string | undefined {
  const id = modelId.replace(/^(us|eu|apac|us-gov|global)\./, '');
  const rule = REFUSALS.find((entry) => entry.model.test(id));
  if (!rule) return undefined;
  const system = body.system;
  if (rule.system && Array.isArray(system) && system.length > 0) {
    return "This model doesn't support system messages. Try again without a system message or use a model that supports system messages.";
  }
  const toolConfig = body.toolConfig as { tools?: unknown[] } | undefined;
  const offersTools = (toolConfig?.tools?.length ?? 0) > 0;
  if (rule.tools && offersTools) return "This model doesn't support tool use.";
  if (rule.streamingTools && stream && offersTools)
    return "This model doesn't support tool use in streaming mode.";
  const blocks = (Array.isArray(body.messages) ? body.messages : []).flatMap(
    (message: { content?: Array<Record<string, unknown>> }) => message.content ?? [],
  );
  if (rule.documents && blocks.some((block) => 'document' in block)) {
    return "This model doesn't support documents.";
  }
  if (rule.images && blocks.some((block) => 'image' in block)) return "This model doesn't support images.";
  return undefined;
}

function usageOf(reply: ResolvedReply) {
  const { inputTokens, outputTokens } = reply.usage;
  return { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens };
}

/** One event-stream message; the `p` field pads payloads as the real service does. */
function eventFrame(eventType: string, body: string): Uint8Array {
  return codec.encode({
    headers: {
      ':event-type': { type: 'string', value: eventType },
      ':content-type': { type: 'string', value: 'application/json' },
      ':message-type': { type: 'string', value: 'event' },
    },
    body: new TextEncoder().encode(body),
  });
}

function event(eventType: string, payload: Record<string, unknown>, textChunk = false): StreamFrame {
  return { data: eventFrame(eventType, json({ ...payload, p: 'abcdefgh' })), textChunk };
}

function streamFrames(reply: ResolvedReply): StreamFrame[] {
  const frames: StreamFrame[] = [event('messageStart', { role: 'assistant' })];
  let blockIndex = 0;
  if (reply.chunks.length > 0) {
    for (const text of reply.chunks) {
      frames.push(event('contentBlockDelta', { contentBlockIndex: blockIndex, delta: { text } }, true));
    }
    frames.push(event('contentBlockStop', { contentBlockIndex: blockIndex }));
    blockIndex++;
  }
  for (const call of reply.toolCalls) {
    const contentBlockIndex = blockIndex++;
    frames.push(
      event('contentBlockStart', {
        contentBlockIndex,
        start: { toolUse: { toolUseId: call.id, name: call.name } },
      }),
    );
    frames.push(
      event('contentBlockDelta', {
        contentBlockIndex,
        delta: { toolUse: { input: JSON.stringify(call.input) } },
      }),
    );
    frames.push(event('contentBlockStop', { contentBlockIndex }));
  }
  frames.push(event('messageStop', { stopReason: STOP_REASON[reply.finish] }));
  frames.push(event('metadata', { usage: usageOf(reply), metrics: { latencyMs: 12 } }));
  return frames;
}

interface ActiveGuardrail {
  identifier: string;
  source: 'input' | 'output';
  afterChunks: number;
  topics: string[];
  message: string;
}

/** A scripted intervention applies only when the request names a guardrail, as on the real service. */
function guardrailOf(reply: ResolvedReply, context: RenderContext): ActiveGuardrail | undefined {
  const config = context.body.guardrailConfig as { guardrailIdentifier?: unknown } | undefined;
  if (!reply.guardrail || typeof config?.guardrailIdentifier !== 'string') return undefined;
  return {
    identifier: config.guardrailIdentifier,
    source: reply.guardrail.source,
    afterChunks: reply.guardrail.source === 'input' ? 0 : (reply.guardrail.afterChunks ?? 0),
    topics: reply.guardrail.topics ?? ['Blocked topic'],
    message: reply.guardrail.message ?? 'Sorry, the model cannot answer this question.',
  };
}

/** `trace.guardrail` as Converse reports it: assessments keyed by guardrail id. */
function guardrailTrace(guardrail: ActiveGuardrail) {
  const assessment = {
    topicPolicy: {
      topics: guardrail.topics.map((name) => ({ name, type: 'DENY', action: 'BLOCKED', detected: true })),
    },
  };
  return {
    guardrail: {
      actionReason: 'Guardrail blocked.',
      ...(guardrail.source === 'input'
        ? { inputAssessment: { [guardrail.identifier]: assessment } }
        : { outputAssessments: { [guardrail.identifier]: [assessment] } }),
    },
  };
}

function guardrailReply(reply: ResolvedReply, guardrail: ActiveGuardrail) {
  return {
    output: { message: { role: 'assistant', content: [{ text: guardrail.message }] } },
    stopReason: 'guardrail_intervened',
    usage: usageOf(reply),
    metrics: { latencyMs: 12 },
    trace: guardrailTrace(guardrail),
  };
}

/**
 * A stream the guardrail stops: the chunks it let through (none for a blocked input, then the blocked
 * message), `guardrail_intervened`, and the trace in the metadata event.
 */
function guardrailFrames(reply: ResolvedReply, guardrail: ActiveGuardrail): StreamFrame[] {
  const frames: StreamFrame[] = [event('messageStart', { role: 'assistant' })];
  const passed =
    guardrail.source === 'input' ? [guardrail.message] : reply.chunks.slice(0, guardrail.afterChunks);
  for (const text of passed) {
    frames.push(event('contentBlockDelta', { contentBlockIndex: 0, delta: { text } }, true));
  }
  if (passed.length > 0) frames.push(event('contentBlockStop', { contentBlockIndex: 0 }));
  frames.push(event('messageStop', { stopReason: 'guardrail_intervened' }));
  frames.push(
    event('metadata', {
      usage: usageOf(reply),
      metrics: { latencyMs: 12 },
      trace: guardrailTrace(guardrail),
    }),
  );
  return frames;
}

function titanEmbedding(context: RenderContext) {
  const text = String(context.body.inputText ?? '');
  const isVersion2 = context.model.startsWith('amazon.titan-embed-text-v2');
  for (const key of Object.keys(context.body)) {
    if (key !== 'inputText' && !(isVersion2 && ['dimensions', 'normalize', 'embeddingTypes'].includes(key))) {
      throw new DialectError(
        'bad-request',
        400,
        `Malformed input request: extraneous key [${key}] is not permitted`,
      );
    }
  }
  const dimension =
    isVersion2 && typeof context.body.dimensions === 'number'
      ? context.body.dimensions
      : defaultDimension(context.model);
  const vector = hashEmbedding(text, dimension);
  // Titan v2 normalizes unless told not to; an unnormalized vector here is simply longer than 1.
  const scale = isVersion2 && context.body.normalize === false ? 2 : 1;
  return {
    embedding: vector.map((value) => value * scale),
    inputTextTokenCount: text.split(/\s+/).filter(Boolean).length,
  };
}

function cohereEmbeddings(context: RenderContext) {
  const texts = (context.body.texts as unknown[] | undefined)?.map(String) ?? [];
  if (typeof context.body.input_type !== 'string') {
    throw new DialectError(
      'bad-request',
      400,
      'Malformed input request: required key [input_type] not found',
    );
  }
  const dimension = defaultDimension(context.model);
  return {
    id: randomUUID(),
    embeddings: texts.map((text) => hashEmbedding(text, dimension)),
    response_type: 'embeddings_floats',
    texts,
  };
}
