/**
 * Chat completions forwarded unchanged to a provider that speaks the same API (the fast path): the
 * client's request goes out as written, with `model` set to the provider's id, and the provider's answer
 * comes back with `model` set to the name the client asked for. Usage is read from the answer for the
 * ledger; a stream always asks the provider for its usage chunk and drops it again when the client did
 * not ask for one. A failure before the answer starts falls back like every other model call; a stream
 * cut after it started ends with an error event, never a silent restart.
 */
import { Readable } from 'node:stream';
import type { LanguageModel } from 'ai';
import { GodwitError, ProviderError } from '../../core/errors.ts';
import type { ChatCompletionsForwarder, ForwardedResponse } from '../../core/models.ts';
import type { ChatCall, TokenCounts, UsageMeter } from './chat-call.ts';
import { startUsageMeter } from './chat-call.ts';
import { ForwardedEventRewriter, type UpstreamUsage } from './forwarded-event-rewriter.ts';
import { openAIErrorReply } from './openai-errors.ts';
import { completePassthrough, streamPassthrough } from './passthrough-chat.ts';

export interface ForwardTarget {
  forwarder: ChatCompletionsForwarder;
  /** The request body as the client sent it (after validation). */
  body: Record<string, unknown>;
  /** The fallback chain to answer with when the provider fails before answering; none when absent. */
  fallback?: { name: string; model: () => LanguageModel };
}

function tokenCounts(usage: UpstreamUsage | null | undefined): TokenCounts | null {
  if (!usage || typeof usage !== 'object') return null;
  return {
    inputTokens: usage.prompt_tokens,
    outputTokens: usage.completion_tokens,
    inputTokenDetails: { cacheReadTokens: usage.prompt_tokens_details?.cached_tokens },
  };
}

const canFallBack = (error: unknown, call: ChatCall, target: ForwardTarget) =>
  target.fallback !== undefined &&
  !call.abort.signal.aborted &&
  GodwitError.isInstance(error) &&
  error.isRetryable;

/** Starts the forwarded call; on a failure before the answer starts, the meter records it unless a fallback will. */
async function start(
  call: ChatCall,
  target: ForwardTarget,
  body: Record<string, unknown>,
  meter: UsageMeter,
): Promise<ForwardedResponse | undefined> {
  try {
    return await target.forwarder.forward(call.identity.model, body, call.abort.signal);
  } catch (error) {
    if (canFallBack(error, call, target)) return undefined;
    await meter.settle(call.abort.signal.aborted ? 'cancelled' : 'error', null);
    throw error;
  }
}

function malformed(call: ChatCall, cause: unknown): ProviderError {
  return new ProviderError(`${call.identity.model} returned a response that could not be read.`, {
    cause,
    isRetryable: true,
    unavailable: true,
    details: { reason: 'malformed_response' },
  });
}

function cut(call: ChatCall, cause: unknown): unknown {
  if (GodwitError.isInstance(cause)) return cause;
  return new ProviderError(
    `${call.identity.model}: the connection to the provider failed before the answer was complete.`,
    { cause, isRetryable: true, unavailable: true, details: { reason: 'stream_cut' } },
  );
}

/** Bytes as a Buffer, not copied when they are one already. */
const asBuffer = (chunk: Uint8Array): Buffer => (Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));

const joined = (chunks: Buffer[]): string =>
  chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');

/**
 * A Node stream is read through its events: the same bytes and the same failures as `for await`, without
 * the cost of building an async iterator for every answer. A stream destroyed without an error before its
 * end fails as `for await` does ("Premature close").
 */
function readStream(stream: Readable): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const onData = (chunk: Uint8Array) => chunks.push(asBuffer(chunk));
    const onEnd = () => {
      cleanup();
      resolve(joined(chunks));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onClose = () => {
      cleanup();
      reject(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    };
    const cleanup = () => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('close', onClose);
    };
    if (stream.errored) return reject(stream.errored);
    if (stream.destroyed) return onClose();
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.on('close', onClose);
  });
}

async function readAll(body: AsyncIterable<Uint8Array>): Promise<string> {
  if (body instanceof Readable) return readStream(body);
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(asBuffer(chunk));
  return joined(chunks);
}

/** The whole answer as one `chat.completion`, as the provider wrote it. */
export async function completeForwarded(
  call: ChatCall,
  target: ForwardTarget,
): Promise<Record<string, unknown>> {
  const meter = startUsageMeter(call, call.identity.model, 'chat');
  const forwarded = await start(call, target, { ...target.body, stream: false }, meter);
  if (!forwarded) return completePassthrough(call, target.fallback!.model(), target.fallback!.name);
  try {
    // A read that fails is a cut connection (handled below); a whole answer that is not JSON is malformed.
    const text = await readAll(forwarded.body);
    let completion: Record<string, unknown>;
    try {
      completion = JSON.parse(text);
    } catch (error) {
      throw malformed(call, error);
    }
    if (!completion || typeof completion !== 'object' || !Array.isArray(completion.choices)) {
      throw malformed(call, new Error('the completion has no choices array'));
    }
    forwarded.end({});
    // Unless the runtime needs it, the answer does not wait for its ledger row: the row is queued now and
    // written with others (the meter reports a failed write itself).
    const recorded = meter.settle('ok', tokenCounts(completion.usage as UpstreamUsage | undefined));
    if (call.awaitUsageWrites) await recorded;
    completion.model = call.identity.model;
    return completion;
  } catch (error) {
    const aborted = call.abort.signal.aborted;
    const failure = aborted ? error : cut(call, error);
    forwarded.end(aborted ? { cancelled: true } : { error: failure });
    await meter.settle(aborted ? 'cancelled' : 'error', null);
    throw failure;
  }
}

/**
 * The provider's `chat.completion.chunk` stream, passed on event by event. A slow client slows the
 * provider read (one read per pull); a client that goes away closes the provider connection and the
 * ledger records the call as cancelled with whatever usage was seen.
 */
export async function streamForwarded(
  call: ChatCall,
  target: ForwardTarget,
): Promise<ReadableStream<Uint8Array>> {
  const meter = startUsageMeter(call, call.identity.model, 'chat');
  const options = (target.body.stream_options ?? {}) as Record<string, unknown>;
  const clientWantsUsage = options.include_usage === true;
  const body = { ...target.body, stream: true, stream_options: { ...options, include_usage: true } };
  const forwarded = await start(call, target, body, meter);
  if (!forwarded) return streamPassthrough(call, target.fallback!.model(), target.fallback!.name);
  const reader = forwarded.body[Symbol.asyncIterator]();
  const decoder = new TextDecoder();
  const rewriter = new ForwardedEventRewriter(call.identity.model, clientWantsUsage);
  let finished = false;

  /** Ends the stream once: `error` undefined for a complete answer; the error event is sent unless the provider sent its own. */
  const finish = async (
    controller: ReadableStreamDefaultController<Uint8Array>,
    error: unknown | undefined,
  ): Promise<void> => {
    finished = true;
    forwarded.end(error === undefined ? {} : { error });
    const recorded = meter.settle(error === undefined ? 'ok' : 'error', tokenCounts(rewriter.usage));
    if (call.awaitUsageWrites) await recorded;
    if (error !== undefined) {
      call.onStreamError(error);
      if (rewriter.sawError === undefined) {
        const reply = openAIErrorReply(error, undefined).body;
        controller.enqueue(new TextEncoder().encode(`data: ${JSON.stringify(reply)}\n\n`));
      }
    }
    controller.close();
  };

  const outcome = (): unknown | undefined => {
    if (rewriter.sawError !== undefined) {
      return new ProviderError(`${call.identity.model} reported an error in its response stream.`, {
        cause: rewriter.sawError,
        isRetryable: true,
        unavailable: true,
        details: { reason: 'server_error' },
      });
    }
    return rewriter.sawDone ? undefined : cut(call, new Error('the stream ended before [DONE]'));
  };

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        for (;;) {
          const next = await reader.next();
          if (next.done) {
            const last = rewriter.end(decoder.decode());
            if (last) controller.enqueue(last);
            await finish(controller, outcome());
            return;
          }
          const output = rewriter.push(decoder.decode(next.value, { stream: true }));
          if (output) {
            controller.enqueue(output);
            return;
          }
        }
      } catch (error) {
        if (finished || call.abort.signal.aborted) return;
        await finish(controller, cut(call, error));
      }
    },
    async cancel() {
      if (finished) return;
      finished = true;
      call.abort.abort();
      forwarded.close();
      forwarded.end({ cancelled: true });
      await meter.settle('cancelled', tokenCounts(rewriter.usage));
    },
  });
}
