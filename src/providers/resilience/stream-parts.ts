/**
 * Helpers over AI SDK language model streams. A stream is "committed" once it has produced a part the
 * caller may already have shown (text, a tool call, a finish): before that, a failed attempt can be
 * retried or handed to another model; after it, restarting would duplicate the answer.
 */
import type { LanguageModelV4StreamPart } from '@ai-sdk/provider';

type Part = LanguageModelV4StreamPart;

const PREAMBLE = new Set<Part['type']>(['stream-start', 'response-metadata', 'raw']);

export function isPreamble(part: Part): boolean {
  return PREAMBLE.has(part.type);
}

export type CommitOutcome = { ok: true; stream: ReadableStream<Part> } | { ok: false; error: unknown };

/**
 * Reads until the first committing part. On success the returned stream replays what was read and then
 * continues with the source; on an error before that point the source is cancelled and the error returned.
 */
export async function awaitCommit(stream: ReadableStream<Part>): Promise<CommitOutcome> {
  const reader = stream.getReader();
  const buffered: Part[] = [];
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return { ok: true, stream: replay(buffered, reader, true) };
      if (value.type === 'error') {
        reader.cancel().catch(() => {});
        return { ok: false, error: value.error };
      }
      buffered.push(value);
      if (!isPreamble(value)) return { ok: true, stream: replay(buffered, reader, false) };
    }
  } catch (error) {
    return { ok: false, error };
  }
}

function replay(
  buffered: Part[],
  reader: ReadableStreamDefaultReader<Part>,
  ended: boolean,
): ReadableStream<Part> {
  return new ReadableStream<Part>({
    async pull(controller) {
      const next = buffered.shift();
      if (next) return controller.enqueue(next);
      if (ended) return controller.close();
      try {
        const { value, done } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (error) {
        controller.error(error);
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

export interface StreamOutcome {
  /** The error part or stream error that ended the stream, if any. */
  error?: unknown;
  /** The consumer stopped reading before the end. */
  cancelled?: boolean;
}

export interface PartHandlers {
  /** Maps one part; emit zero or more parts downstream. Default: pass it through. */
  onPart?(part: Part, emit: (part: Part) => void): void;
  /** The source failed: emit parts to end gracefully, or throw to fail the stream. Default: rethrow. */
  onError?(error: unknown, emit: (part: Part) => void): void;
  /** Runs exactly once, however the stream ends. */
  onDone?(outcome: StreamOutcome): void;
}

/** Pipes a part stream through handlers, reading on demand so cancellation reaches the source. */
export function pipeParts(source: ReadableStream<Part>, handlers: PartHandlers): ReadableStream<Part> {
  const reader = source.getReader();
  let finished = false;
  let lastError: unknown;
  const finish = (outcome: StreamOutcome) => {
    if (finished) return;
    finished = true;
    handlers.onDone?.(outcome);
  };
  return new ReadableStream<Part>({
    async pull(controller) {
      let emitted = 0;
      const emit = (part: Part) => {
        emitted++;
        if (part.type === 'error') lastError = part.error;
        controller.enqueue(part);
      };
      try {
        while (emitted === 0) {
          const { value, done } = await reader.read();
          if (done) {
            finish(lastError === undefined ? {} : { error: lastError });
            controller.close();
            return;
          }
          if (handlers.onPart) handlers.onPart(value, emit);
          else emit(value);
        }
      } catch (error) {
        failSource(error, handlers, emit, controller, finish);
      }
    },
    async cancel(reason) {
      // Cancelled right after an error part (a retry or fallback giving up on this attempt) is a failure.
      finish(lastError === undefined ? { cancelled: true } : { error: lastError });
      await reader.cancel(reason);
    },
  });
}

function failSource(
  error: unknown,
  handlers: PartHandlers,
  emit: (part: Part) => void,
  controller: ReadableStreamDefaultController<Part>,
  finish: (outcome: StreamOutcome) => void,
): void {
  if (!handlers.onError) {
    finish({ error });
    controller.error(error);
    return;
  }
  try {
    handlers.onError(error, emit);
    finish({ error });
    controller.close();
  } catch (rethrown) {
    finish({ error: rethrown });
    controller.error(rethrown);
  }
}
