/**
 * What a chat turn yields as it runs, in order: start, (degraded), citations, text and tool events, then
 * finish or error.
 */
import type { ToolCallView } from '../agent/tool-call-view.ts';
import type { Citation, Conversation, Message } from '../types.ts';

export type ChatEvent =
  | {
      type: 'start';
      conversation: Conversation;
      userMessage: Message;
      assistantMessageId: string;
      model: string;
    }
  /** The sources were found by keyword only (the embedding provider was unavailable); says why. */
  | { type: 'degraded'; reason: string }
  | { type: 'citations'; citations: Citation[] }
  | { type: 'text'; delta: string }
  /** An assistant's tool call started, changed state (approval asked, result, error) or ended. */
  | { type: 'tool'; call: ToolCallView }
  | { type: 'finish'; message: Message }
  /** `guardrailMessage`: a guardrail's own text in place of what it blocked (code `guardrail_intervened`). */
  | { type: 'error'; code: string; message: string; assistantMessage: Message; guardrailMessage?: string };
