/**
 * What a test can script: each reply is consumed by the next matching request, in order. A request that
 * matches no queued reply gets the default (a short text answer, or deterministic embeddings).
 */

export type Dialect = 'bedrock' | 'openai' | 'gemini' | 'ollama';
export type Operation = 'chat' | 'embed';

export interface ScriptedToolCall {
  /** Defaults to a generated id in the dialect's style. */
  id?: string;
  name: string;
  input: Record<string, unknown>;
}

export interface ScriptedError {
  status: number;
  /** Sent as the Retry-After header (seconds, or an HTTP date). */
  retryAfter?: string | number;
  message?: string;
}

export interface ScriptedReply {
  /** Restricts which request consumes this reply. `operation` defaults to 'chat' when text or tool calls are set. */
  match?: { dialect?: Dialect; operation?: Operation; model?: string };
  /** The answer text. Streamed word by word unless `chunks` is given. */
  text?: string;
  chunks?: string[];
  toolCalls?: ScriptedToolCall[];
  usage?: { inputTokens: number; outputTokens: number };
  finish?: 'stop' | 'length' | 'tool-calls';
  /** Answer with this HTTP error instead of a result. */
  error?: ScriptedError;
  /** Wait this long before the first token (streams) or before the whole response (JSON). */
  firstTokenDelayMs?: number;
  /** Streams only: wait this long between text chunks. */
  chunkDelayMs?: number;
  /** Streams only: destroy the connection after this many text chunks were sent (0: before the first). */
  cutAfterChunks?: number;
  /** Send a body the client cannot parse (JSON: invalid JSON; streams: an invalid first event). */
  malformed?: boolean;
  /**
   * Bedrock Converse only, when the request names a `guardrailConfig`: the guardrail intervenes on the
   * input (the blocked-input message, nothing else) or on the output after `afterChunks` text chunks.
   */
  guardrail?: ScriptedGuardrail;
}

export interface ScriptedGuardrail {
  source: 'input' | 'output';
  afterChunks?: number;
  /** Denied topics reported in the trace. Default ['Blocked topic']. */
  topics?: string[];
  /** The guardrail's blocked message. */
  message?: string;
}

export interface EmulatorRequest {
  dialect: Dialect;
  operation: Operation;
  stream: boolean;
  /** The model id as the client sent it (URL-decoded for path-style APIs). */
  model: string;
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  /** `closed-early`: the connection closed before the response was complete (client abort or a scripted cut). */
  outcome: 'pending' | 'completed' | 'closed-early';
}

/** A reply resolved against the request: everything a dialect needs to render it. */
export interface ResolvedReply {
  text: string;
  chunks: string[];
  toolCalls: Required<ScriptedToolCall>[];
  usage: { inputTokens: number; outputTokens: number };
  finish: 'stop' | 'length' | 'tool-calls';
  error: ScriptedError | undefined;
  firstTokenDelayMs: number;
  chunkDelayMs: number;
  cutAfterChunks: number | undefined;
  malformed: boolean;
  guardrail: ScriptedGuardrail | undefined;
}

export const DEFAULT_TEXT = 'Hello from the emulator.';

export class ReplyQueue {
  private readonly queue: ScriptedReply[] = [];

  push(replies: ScriptedReply[]): void {
    this.queue.push(...replies);
  }

  get pending(): number {
    return this.queue.length;
  }

  /** Removes and returns the first reply that matches the request. */
  take(request: EmulatorRequest): ScriptedReply | undefined {
    const index = this.queue.findIndex((reply) => matches(reply, request));
    if (index < 0) return undefined;
    return this.queue.splice(index, 1)[0];
  }
}

function matches(reply: ScriptedReply, request: EmulatorRequest): boolean {
  const hasContent = reply.text !== undefined || reply.chunks !== undefined || reply.toolCalls !== undefined;
  const operation = reply.match?.operation ?? (hasContent ? 'chat' : undefined);
  if (operation && operation !== request.operation) return false;
  if (reply.match?.dialect && reply.match.dialect !== request.dialect) return false;
  if (reply.match?.model && reply.match.model !== request.model) return false;
  return true;
}

export function resolveReply(
  scripted: ScriptedReply | undefined,
  requestBody: unknown,
  nextId: () => string,
): ResolvedReply {
  const reply = scripted ?? {};
  const chunks = reply.chunks ?? splitWords(reply.text ?? (reply.toolCalls ? '' : DEFAULT_TEXT));
  const text = chunks.join('');
  const toolCalls = (reply.toolCalls ?? []).map((call) => ({
    id: call.id ?? nextId(),
    name: call.name,
    input: call.input,
  }));
  return {
    text,
    chunks,
    toolCalls,
    usage: reply.usage ?? {
      inputTokens: countWords(JSON.stringify(requestBody ?? '')),
      outputTokens: Math.max(1, chunks.length),
    },
    finish: reply.finish ?? (toolCalls.length > 0 ? 'tool-calls' : 'stop'),
    error: reply.error,
    firstTokenDelayMs: reply.firstTokenDelayMs ?? 0,
    chunkDelayMs: reply.chunkDelayMs ?? 0,
    cutAfterChunks: reply.cutAfterChunks,
    malformed: reply.malformed ?? false,
    guardrail: reply.guardrail,
  };
}

/** Splits text into word-sized chunks that keep their trailing spaces, so joining them restores the text. */
function splitWords(text: string): string[] {
  if (text === '') return [];
  return text.match(/\S+\s*|\s+/g) ?? [text];
}

function countWords(text: string): number {
  return Math.max(1, text.split(/\s+/).filter(Boolean).length);
}
