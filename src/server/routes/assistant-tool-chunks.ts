/**
 * An assistant's tool calls on the chat streams: AI SDK UI message chunks (dynamic tool parts, so `useChat`
 * shows name, input, output or error, and the approval request), and Godwit SSE `tool` events.
 */
import type { UIMessageChunk } from 'ai';
import type { ToolCallView } from '../../core/agent/tool-call-view.ts';

/** UI chunks for a change of one call; `announced` remembers which calls already sent their input. */
export function toolCallChunks(call: ToolCallView, announced: Set<string>): UIMessageChunk[] {
  const chunks: UIMessageChunk[] = [];
  const common = { toolCallId: call.toolCallId, dynamic: true } as const;
  if (!announced.has(call.toolCallId)) {
    announced.add(call.toolCallId);
    chunks.push({ type: 'tool-input-available', ...common, toolName: call.toolName, input: call.input });
  }
  switch (call.state) {
    case 'awaiting-approval':
      if (call.approval) {
        chunks.push({
          type: 'tool-approval-request',
          approvalId: call.approval.id,
          toolCallId: call.toolCallId,
          ...(call.approval.signature ? { signature: call.approval.signature } : {}),
        });
      }
      break;
    case 'complete':
      chunks.push({ type: 'tool-output-available', ...common, output: call.output ?? null });
      break;
    case 'failed':
      chunks.push({ type: 'tool-output-error', ...common, errorText: call.error ?? 'The tool call failed.' });
      break;
    case 'denied':
      chunks.push({ type: 'tool-output-denied', toolCallId: call.toolCallId });
      break;
    case 'running':
      break;
  }
  return chunks;
}
