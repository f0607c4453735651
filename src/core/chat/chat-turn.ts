/**
 * A started chat turn, for every surface that answers one: the HTTP routes, the CLI, chat channels. The
 * turn is stored however it ends, so a reader may stop at any point: `cancel()` stops the model and records
 * the answer as cut off; nobody has to read to the end.
 *
 * @example
 * const turn = await services.chat.start({ tenantId, userId, message: 'How do refunds work?', knowledgeBase: 'faq' });
 * for await (const event of turn) {
 *   if (event.type === 'text') reply.append(event.delta);
 * }
 * // or, for one answer: const ending = await turn.outcome(); // `finish` or `error`
 */
import { GodwitError } from '../errors.ts';
import type { ChatEvent } from './chat-event.ts';

export type ChatStartEvent = Extract<ChatEvent, { type: 'start' }>;
export type ChatFinishEvent = Extract<ChatEvent, { type: 'finish' }>;
export type ChatErrorEvent = Extract<ChatEvent, { type: 'error' }>;
/** The last event of a turn: the stored answer, or why there is none (the assistant row says the same). */
export type ChatOutcome = ChatFinishEvent | ChatErrorEvent;

export class ChatTurn implements AsyncIterable<ChatEvent> {
  private readonly buffered: ChatEvent[];
  private ended = false;

  constructor(
    /** The first event: conversation, stored user message, assistant message id, model. */
    readonly started: ChatStartEvent,
    private readonly events: AsyncGenerator<ChatEvent>,
    private readonly cancelling: AbortController,
  ) {
    this.buffered = [started];
  }

  get conversationId(): string {
    return this.started.conversation.id;
  }

  get assistantMessageId(): string {
    return this.started.assistantMessageId;
  }

  /** The next event, or undefined after the last one (`finish` or `error`). Throws on a storage fault. */
  async next(): Promise<ChatEvent | undefined> {
    const event = this.buffered.shift() ?? (this.ended ? undefined : await this.read());
    if (event?.type === 'finish' || event?.type === 'error') await this.close();
    return event;
  }

  /**
   * Reads ahead until `wanted` matches an event and returns it (undefined if the turn ended first); the
   * events read stay queued for `next()`. Lets a surface decide its status code before it sends headers.
   */
  async peekUntil(wanted: (event: ChatEvent) => boolean): Promise<ChatEvent | undefined> {
    const seen = this.buffered.find(wanted);
    if (seen) return seen;
    while (!this.ended) {
      const event = await this.read();
      if (!event) return undefined;
      this.buffered.push(event);
      if (wanted(event)) return event;
    }
    return undefined;
  }

  /** Reads the turn to its end and returns how it ended. */
  async outcome(): Promise<ChatOutcome> {
    for (let event = await this.next(); event; event = await this.next()) {
      if (event.type === 'finish' || event.type === 'error') return event;
    }
    throw new GodwitError('internal', 'The chat turn ended without an answer or an error.');
  }

  /**
   * Stops the turn: the model call is aborted and the answer so far is stored as `incomplete`. Resolves once
   * it is stored. Does nothing after the turn ended.
   */
  async cancel(): Promise<void> {
    if (this.ended) return;
    this.cancelling.abort();
    await this.close();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<ChatEvent> {
    try {
      for (let event = await this.next(); event; event = await this.next()) yield event;
    } finally {
      await this.cancel();
    }
  }

  private async read(): Promise<ChatEvent | undefined> {
    const next = await this.events.next();
    if (next.done) this.ended = true;
    return next.done ? undefined : next.value;
  }

  private async close(): Promise<void> {
    this.ended = true;
    await this.events.return(undefined);
  }
}
