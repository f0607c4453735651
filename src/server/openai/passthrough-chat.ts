/**
 * Passthrough chat: the client's messages go to a `provider:model-id` through the registry (so retries,
 * the circuit breaker, rate limits and the fallback chain apply), and the answer comes back in OpenAI's
 * shape. Declared tools reach the model as function tools and their calls are returned, not run.
 */
import { generateText, type LanguageModel, streamText, type TextStreamPart, type ToolSet } from 'ai';
import { answeringModel } from '../../core/chat/answering-model.ts';
import type { ChatCall, UsageMeter } from './chat-call.ts';
import { startUsageMeter } from './chat-call.ts';
import {
  ChunkWriter,
  completionBody,
  toFinishReason,
  toOpenAIToolCall,
  toOpenAIUsage,
} from './completion-format.ts';
import { contentFilterText, guardrailIntervention } from './content-filter.ts';
import { NO_IMAGES } from './fetch-message-images.ts';
import { toModelMessages } from './map-messages.ts';
import { toCallSettings, toToolChoice, toToolSet } from './map-request.ts';
import { openAIErrorReply } from './openai-errors.ts';

async function callOptions(call: ChatCall, model: LanguageModel) {
  const tools = toToolSet(call.request);
  // Linked images are fetched here, through the guard, and the model gets their bytes.
  const images = (await call.fetchImages?.()) ?? NO_IMAGES;
  return {
    model,
    messages: toModelMessages(call.request.messages, images),
    // OpenAI clients put system messages anywhere in the list; keep them where they are.
    allowSystemInMessages: true,
    tools,
    toolChoice: toToolChoice(call.request, tools),
    ...toCallSettings(call.request),
    abortSignal: call.abort.signal,
    // Retries live in the resilience middleware; the SDK's own would multiply them.
    maxRetries: 0,
  };
}

/** The whole answer as one `chat.completion`. `modelName`: the name `model` was resolved from, for the ledger. */
export async function completePassthrough(
  call: ChatCall,
  model: LanguageModel,
  modelName = call.identity.model,
) {
  const options = await callOptions(call, model);
  const meter = startUsageMeter(call, call.identity.model, 'chat');
  try {
    const result = await generateText(options);
    await meter.settle('ok', result.totalUsage, answeringModel(modelName, result.providerMetadata));
    return completionBody(call.identity, {
      text: result.text,
      toolCalls: result.toolCalls.map(toOpenAIToolCall),
      finishReason: toFinishReason(result.finishReason),
      usage: toOpenAIUsage(result.totalUsage),
    });
  } catch (error) {
    const blocked = guardrailIntervention(error);
    if (blocked) {
      await meter.settle('ok', null);
      return completionBody(call.identity, {
        text: contentFilterText('', blocked.intervention.replacement, blocked.message),
        toolCalls: [],
        finishReason: 'content_filter',
        usage: toOpenAIUsage(null),
      });
    }
    await meter.settle(call.abort.signal.aborted ? 'cancelled' : 'error', null);
    throw error;
  }
}

type Part = TextStreamPart<ToolSet>;

const OUTPUT_PARTS = new Set<Part['type']>(['text-delta', 'tool-call', 'finish', 'error', 'abort']);

/**
 * Reads up to the first part that produces output or ends the call. A failure before any output is
 * thrown, so the client gets a plain HTTP error with the right status instead of a broken stream.
 */
async function firstOutput(
  parts: AsyncIterator<Part>,
  meter: UsageMeter,
  signal: AbortSignal,
): Promise<Part | undefined> {
  for (;;) {
    const next = await parts.next();
    if (next.done) return undefined;
    const part = next.value;
    if (!OUTPUT_PARTS.has(part.type)) continue;
    // A guardrail's block is an answer (content_filter), not an HTTP error.
    if (part.type === 'error' && !guardrailIntervention(part.error)) {
      await meter.settle(signal.aborted ? 'cancelled' : 'error', null);
      throw part.error;
    }
    return part;
  }
}

/**
 * The answer as `chat.completion.chunk` server-sent events ending with `data: [DONE]`. The stream pulls
 * one model part per read, so a slow client slows the model instead of filling memory; a client that
 * goes away aborts the model call and the ledger records it as cancelled.
 */
export async function streamPassthrough(
  call: ChatCall,
  model: LanguageModel,
  modelName = call.identity.model,
): Promise<ReadableStream<Uint8Array>> {
  const options = await callOptions(call, model);
  const meter = startUsageMeter(call, call.identity.model, 'chat');
  const result = streamText({ ...options, onError: () => {} });
  const parts = result.fullStream[Symbol.asyncIterator]();
  let pending = await firstOutput(parts, meter, call.abort.signal);
  const writer = new ChunkWriter(call.identity, call.request.stream_options?.include_usage === true);
  let answeredBy = modelName;
  let said = '';
  // After cancel() the controller refuses data; the drain in cancel() owns the rest of the call.
  let cancelled = false;
  const send = (controller: ReadableStreamDefaultController<Uint8Array>, chunk: Uint8Array) => {
    if (!cancelled) controller.enqueue(chunk);
  };

  /** Enqueues what one part produces: nothing (`skipped`), a chunk (`sent`), or the end (`ended`). */
  const emit = async (
    part: Part | undefined,
    controller: ReadableStreamDefaultController<Uint8Array>,
  ): Promise<'skipped' | 'sent' | 'ended'> => {
    if (!part) {
      await meter.settle('error', null);
      return 'ended';
    }
    switch (part.type) {
      case 'text-delta':
        if (!part.text) return 'skipped';
        said += part.text;
        send(controller, writer.text(part.text));
        return 'sent';
      case 'tool-call':
        send(controller, writer.toolCall(toOpenAIToolCall(part)));
        return 'sent';
      case 'finish-step':
        answeredBy = answeringModel(answeredBy, part.providerMetadata);
        return 'skipped';
      case 'finish':
        await meter.settle('ok', part.totalUsage, answeredBy);
        for (const chunk of writer.finish(toFinishReason(part.finishReason), toOpenAIUsage(part.totalUsage)))
          send(controller, chunk);
        return 'ended';
      case 'error': {
        const blocked = guardrailIntervention(part.error);
        if (blocked) {
          await meter.settle('ok', null);
          const tail = contentFilterText(said, blocked.intervention.replacement, blocked.message);
          if (tail) send(controller, writer.text(tail));
          for (const chunk of writer.finish('content_filter', toOpenAIUsage(null))) send(controller, chunk);
          return 'ended';
        }
        if (call.abort.signal.aborted) {
          await meter.settle('cancelled', null);
          return 'ended';
        }
        await meter.settle('error', null);
        call.onStreamError(part.error);
        send(controller, writer.error(openAIErrorReply(part.error, undefined).body));
        return 'ended';
      }
      case 'abort':
        await meter.settle('cancelled', null);
        return 'ended';
      default:
        return 'skipped';
    }
  };

  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(writer.start());
    },
    async pull(controller) {
      let ended = false;
      try {
        let status: 'skipped' | 'sent' | 'ended' = 'skipped';
        while (status === 'skipped') {
          const part = pending ?? (await parts.next()).value;
          pending = undefined;
          status = await emit(part, controller);
        }
        ended = status === 'ended';
      } catch (error) {
        if (cancelled) return;
        ended = true;
        await meter.settle('error', null);
        call.onStreamError(error);
        send(controller, writer.error(openAIErrorReply(error, undefined).body));
      }
      if (ended && !cancelled) controller.close();
    },
    async cancel() {
      cancelled = true;
      call.abort.abort();
      // Let the SDK observe the abort and finish, then record the cut-off call.
      try {
        while (!(await parts.next()).done) {
          // The client is gone: nothing to send.
        }
      } catch {
        // An aborted call may end by throwing; it is recorded as cancelled below either way.
      }
      await meter.settle('cancelled', null);
    },
  });
}
