/**
 * One chat turn as a byte stream, for any wire format. The stream pulls one turn event per read, so a slow
 * client slows the model instead of filling memory; when the client goes away the stream is cancelled and
 * so is the turn, which the chat service then stores as cut off. An encoder only says how events look.
 */
import type { ChatEvent } from '../../core/chat/chat-service.ts';
import type { ChatTurn } from '../../core/chat/chat-turn.ts';
import { toPublicError } from '../http-errors.ts';

export type EncodedChunk = string | Uint8Array;

/** How one surface writes a turn: Godwit SSE, the AI SDK UI message stream, OpenAI chunks, a channel. */
export interface TurnEncoder {
  /** Sent before any event (the OpenAI role chunk). */
  open?(): EncodedChunk[];
  /** One turn event; `finish` and `error` are the last ones. May be empty. */
  event(event: ChatEvent): EncodedChunk[];
  /** The turn broke off with a fault the service could not store as an event (a storage error). */
  failure(error: { code: string; message: string }): EncodedChunk[];
  /** Sent after the last event (a `[DONE]` line). */
  close?(): EncodedChunk[];
}

export interface TurnStreamOptions {
  /** Receives faults the turn threw mid-stream, for the log. They are also sent to the client, safely. */
  onFailure: (error: unknown) => void;
}

/** What the client is shown of a mid-stream fault: a known error as itself, anything else as internal. */
export function publicFailure(error: unknown): { code: string; message: string } {
  return (
    toPublicError(error)?.body.error ?? {
      code: 'internal',
      message: 'The answer stopped because of an internal error.',
    }
  );
}

/**
 * Streams a started turn through `encoder`.
 *
 * @example
 * const turn = await services.chat.start(turnRequest(c, body, shutdownSignal));
 * return c.body(turnStream(turn, new ServerSentEventEncoder(), { onFailure: log }), 200, SSE_HEADERS);
 */
export function turnStream(
  turn: ChatTurn,
  encoder: TurnEncoder,
  options: TurnStreamOptions,
): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder();
  let cancelled = false;
  const send = (controller: ReadableStreamDefaultController<Uint8Array>, chunks: EncodedChunk[]) => {
    for (const chunk of chunks) controller.enqueue(typeof chunk === 'string' ? bytes.encode(chunk) : chunk);
  };
  return new ReadableStream<Uint8Array>({
    start(controller) {
      send(controller, encoder.open?.() ?? []);
    },
    async pull(controller) {
      try {
        // Read until an event that writes something, so every pull delivers bytes or ends the stream.
        for (;;) {
          const event = await turn.next();
          // After cancel() the controller refuses data; the turn was stopped and stored by then.
          if (cancelled) return;
          if (!event) break;
          const chunks = encoder.event(event);
          send(controller, chunks);
          if (chunks.length > 0) return;
        }
      } catch (error) {
        options.onFailure(error);
        if (cancelled) return;
        send(controller, encoder.failure(publicFailure(error)));
      }
      send(controller, encoder.close?.() ?? []);
      controller.close();
    },
    async cancel() {
      cancelled = true;
      try {
        await turn.cancel();
      } catch (error) {
        options.onFailure(error);
      }
    },
  });
}
