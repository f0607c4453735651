/**
 * Rewrites a provider's `chat.completion.chunk` event stream for the client: `model` becomes the name the
 * client asked for, the usage chunk is read for the ledger (and dropped when the client did not ask for
 * it). Events are parsed with `eventsource-parser`, so every line ending the SSE format allows (LF, CRLF,
 * CR), `id:` and `event:` lines, data split over several lines and a last event without its blank line
 * are all read as the provider meant them.
 */
import { createParser, type EventSourceMessage, type EventSourceParser } from 'eventsource-parser';

export interface UpstreamUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number } | null;
}

export class ForwardedEventRewriter {
  usage: UpstreamUsage | null = null;
  sawDone = false;
  sawError: unknown;
  private readonly encoder = new TextEncoder();
  private readonly parser: EventSourceParser;
  private output = '';

  constructor(
    private readonly model: string,
    private readonly clientWantsUsage: boolean,
  ) {
    this.parser = createParser({
      onEvent: (event) => {
        this.output += this.rewrite(event);
      },
      // Keep-alive comments reach the client as they came: they keep idle proxies from closing it.
      onComment: (comment) => {
        this.output += `: ${comment}\n\n`;
      },
    });
  }

  /** Feeds decoded text; returns the rewritten events it completed (undefined when none). */
  push(text: string): Uint8Array | undefined {
    this.parser.feed(text);
    return this.take();
  }

  /** The provider closed the stream: `rest` is the last decoded text; an event still open (no blank line after it) is complete now. */
  end(rest = ''): Uint8Array | undefined {
    this.parser.feed(`${rest}\n\n`);
    return this.take();
  }

  private take(): Uint8Array | undefined {
    if (!this.output) return undefined;
    const bytes = this.encoder.encode(this.output);
    this.output = '';
    return bytes;
  }

  private rewrite(event: EventSourceMessage): string {
    if (event.data.trim() === '[DONE]') {
      this.sawDone = true;
      return serialize(event, '[DONE]');
    }
    let chunk: Record<string, unknown>;
    try {
      chunk = JSON.parse(event.data);
    } catch {
      return serialize(event, event.data);
    }
    if (!chunk || typeof chunk !== 'object') return serialize(event, event.data);
    if ('error' in chunk || event.event === 'error') {
      this.sawError = 'error' in chunk ? chunk.error : chunk;
      return serialize(event, event.data);
    }
    if (chunk.usage) this.usage = chunk.usage as UpstreamUsage;
    if (!this.clientWantsUsage) {
      if (Array.isArray(chunk.choices) && chunk.choices.length === 0 && chunk.usage) return '';
      delete chunk.usage;
    }
    if ('model' in chunk) chunk.model = this.model;
    return serialize(event, JSON.stringify(chunk));
  }
}

/** One event in LF form, keeping its `id` and `event` fields; data with line breaks becomes several `data:` lines. */
function serialize(event: EventSourceMessage, data: string): string {
  let text = '';
  if (event.id !== undefined) text += `id: ${event.id}\n`;
  if (event.event !== undefined) text += `event: ${event.event}\n`;
  for (const line of data.split('\n')) text += `data: ${line}\n`;
  return `${text}\n`;
}
