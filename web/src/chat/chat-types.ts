import type { DynamicToolUIPart, UIMessage } from 'ai';
import type { AnswerMetadata, Citation, StoredMessage, StoredToolCall } from '../api/types.ts';

export interface CitationsData {
  /** False while the answer streams (every retrieved passage); true at the end (the ones it cites). */
  final: boolean;
  citations: Citation[];
}

export type ChatMessage = UIMessage<AnswerMetadata, { citations: CitationsData }>;

export function messageText(message: ChatMessage): string {
  return message.parts.map((part) => (part.type === 'text' ? part.text : '')).join('');
}

export function messageCitations(message: ChatMessage): CitationsData | null {
  for (const part of message.parts) if (part.type === 'data-citations') return part.data;
  return null;
}

/** A stored conversation's messages as `useChat` holds them, so a reloaded conversation looks the same. */
export function toChatMessages(
  messages: StoredMessage[],
  conversationId: string,
  knowledgeBase: string | null,
): ChatMessage[] {
  return messages
    .filter((message) => message.role === 'user' || message.role === 'assistant')
    .map((message): ChatMessage => {
      const parts: ChatMessage['parts'] = (message.toolCalls ?? []).map(toolPart);
      if (message.content) parts.push({ type: 'text', text: message.content });
      if (message.role === 'assistant' && message.citations.length > 0) {
        const citations = message.citations.map((citation) => ({ ...citation, knowledgeBase }));
        parts.push({ type: 'data-citations', id: 'citations', data: { final: true, citations } });
      }
      const status = message.status === 'pending' ? 'incomplete' : message.status;
      return {
        id: message.id,
        role: message.role as 'user' | 'assistant',
        parts,
        metadata: {
          conversationId,
          status,
          ...(message.model ? { model: message.model } : {}),
          ...(message.error ? { error: { code: status, message: message.error } } : {}),
          ...(message.degraded ? { degraded: message.degraded } : {}),
        },
      };
    });
}

/** A stored tool call as the dynamic tool part `useChat` streams, so a waiting call can be approved after a reload. */
export function toolPart(call: StoredToolCall): DynamicToolUIPart {
  const common = {
    type: 'dynamic-tool',
    toolName: call.toolName,
    toolCallId: call.toolCallId,
    input: call.input,
  } as const;
  const approval = call.approval ? { id: call.approval.id } : undefined;
  switch (call.state) {
    case 'awaiting-approval':
      return { ...common, state: 'approval-requested', approval: { id: call.approval?.id ?? '' } };
    case 'complete':
      return {
        ...common,
        state: 'output-available',
        output: call.output,
        ...(approval ? { approval: { ...approval, approved: true } } : {}),
      };
    case 'failed':
      return { ...common, state: 'output-error', errorText: call.error ?? 'The tool call failed.' };
    case 'denied':
      return {
        ...common,
        state: 'output-denied',
        approval: { id: call.approval?.id ?? '', approved: false },
      };
    default:
      return { ...common, state: 'input-available' };
  }
}
