import type { JsonValue, MessagePart, ToolApproval } from '../types.ts';

export type ToolCallState = 'running' | 'awaiting-approval' | 'complete' | 'failed' | 'denied';

/** One tool call as surfaces show it: what was called, with what, and how it ended. */
export interface ToolCallView {
  toolCallId: string;
  toolName: string;
  input: JsonValue;
  state: ToolCallState;
  output?: JsonValue;
  error?: string;
  durationMs?: number;
  approval?: ToolApproval;
}

/** The tool calls of a stored message, each merged with its result. */
export function toolCallViews(parts: readonly MessagePart[]): ToolCallView[] {
  const views = new Map<string, ToolCallView>();
  for (const part of parts) {
    if (part.type === 'tool-call') {
      views.set(part.toolCallId, {
        toolCallId: part.toolCallId,
        toolName: part.toolName,
        input: part.input,
        state: part.approval?.state === 'requested' ? 'awaiting-approval' : 'running',
        ...(part.approval ? { approval: part.approval } : {}),
      });
    } else if (part.type === 'tool-result') {
      const view = views.get(part.toolCallId);
      if (!view) continue;
      view.state = part.denied ? 'denied' : part.isError ? 'failed' : 'complete';
      if (part.isError || part.denied)
        view.error = typeof part.output === 'string' ? part.output : JSON.stringify(part.output);
      else view.output = part.output;
      if (part.durationMs !== undefined) view.durationMs = part.durationMs;
    }
  }
  return [...views.values()];
}
