/**
 * Rebuilds the model messages of an assistant turn from its stored parts, so the loop can resume after
 * the user approves or denies a tool call. Each step becomes an assistant message (its text and tool
 * calls) and a tool message (the results); the calls that waited for approval carry their signed request
 * and the user's decision, which the AI SDK verifies before it runs or skips them.
 */
import type { AssistantContent, ModelMessage, ToolContent } from 'ai';
import type { JsonValue, MessagePart } from '../types.ts';

export function resumeMessages(parts: readonly MessagePart[]): ModelMessage[] {
  const steps = [...new Set(parts.map((part) => part.step ?? 0))].sort((left, right) => left - right);
  const messages: ModelMessage[] = [];
  for (const step of steps) {
    const inStep = parts.filter((part) => (part.step ?? 0) === step);
    const results = new Map(
      inStep.flatMap((part) => (part.type === 'tool-result' ? [[part.toolCallId, part] as const] : [])),
    );
    const assistant: Exclude<AssistantContent, string> = [];
    const tool: ToolContent = [];
    for (const part of inStep) {
      if (part.type === 'text') assistant.push({ type: 'text', text: part.text });
      if (part.type !== 'tool-call') continue;
      assistant.push({
        type: 'tool-call',
        toolCallId: part.toolCallId,
        toolName: part.toolName,
        input: part.input,
      });
      const result = results.get(part.toolCallId);
      if (result) {
        tool.push({
          type: 'tool-result',
          toolCallId: part.toolCallId,
          toolName: part.toolName,
          output: result.denied
            ? { type: 'execution-denied', reason: textOf(result.output) }
            : result.isError
              ? { type: 'error-text', value: textOf(result.output) }
              : { type: 'json', value: result.output },
        });
      } else if (part.approval && part.approval.state !== 'requested') {
        assistant.push({
          type: 'tool-approval-request',
          approvalId: part.approval.id,
          toolCallId: part.toolCallId,
          ...(part.approval.signature ? { signature: part.approval.signature } : {}),
        });
        tool.push({
          type: 'tool-approval-response',
          approvalId: part.approval.id,
          approved: part.approval.state === 'approved',
          ...(part.approval.reason ? { reason: part.approval.reason } : {}),
        });
      }
    }
    if (assistant.length > 0) messages.push({ role: 'assistant', content: assistant });
    if (tool.length > 0) messages.push({ role: 'tool', content: tool });
  }
  return messages;
}

function textOf(value: JsonValue): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
