/**
 * The user's decisions on tool calls that wait for approval: which calls of a stored answer wait, and the
 * answer's parts with the decisions applied, ready for the loop to resume. Every waiting call needs a
 * decision, so a resumed turn never leaves one behind; a decision for a call that does not wait is refused.
 */
import { ConflictError, ValidationError } from '../errors.ts';
import type { Message, MessagePart, ToolApproval } from '../types.ts';

export interface ApprovalDecision {
  /** The approval's id (`approval.id` of the waiting call). */
  approvalId: string;
  approved: boolean;
  /** Why, shown to the model with a denial. */
  reason?: string;
}

type ToolCallPart = Extract<MessagePart, { type: 'tool-call' }>;

/** The calls of `message` that wait for a decision, in order. */
export function waitingCalls(message: Message): (ToolCallPart & { approval: ToolApproval })[] {
  const answered = new Set(
    message.parts.flatMap((part) => (part.type === 'tool-result' ? [part.toolCallId] : [])),
  );
  return message.parts.filter(
    (part): part is ToolCallPart & { approval: ToolApproval } =>
      part.type === 'tool-call' && part.approval?.state === 'requested' && !answered.has(part.toolCallId),
  );
}

/**
 * The newest assistant message of a conversation when it waits for approvals. Throws ConflictError when
 * nothing waits (answered already, or the conversation moved on).
 */
export function messageAwaitingApproval(conversationId: string, messages: readonly Message[]): Message {
  const last = messages.findLast((message) => message.role === 'assistant');
  if (!last || last !== messages.at(-1) || last.status !== 'complete' || waitingCalls(last).length === 0) {
    throw new ConflictError(
      `No tool call in conversation "${conversationId}" waits for approval: it was decided already, or the conversation has moved on. Ask again to start a new turn.`,
    );
  }
  return last;
}

/** The message's parts with each decision applied, and the assistant whose loop resumes. */
export function applyDecisions(
  message: Message,
  decisions: readonly ApprovalDecision[],
): { parts: MessagePart[]; assistant: string } {
  const waiting = waitingCalls(message);
  const byId = new Map(waiting.map((call) => [call.approval.id, call]));
  const decided = new Map<string, ApprovalDecision>();
  const invalid = (text: string) => new ValidationError(text, { details: { field: 'approvals' } });
  const listing = waiting.map((call) => `${call.approval.id} (${call.toolName})`).join(', ');
  for (const [index, decision] of decisions.entries()) {
    if (!byId.has(decision.approvalId)) {
      throw invalid(
        `approvals[${index}].approvalId "${decision.approvalId}" is not a call waiting for approval. Waiting: ${listing}.`,
      );
    }
    if (decided.has(decision.approvalId)) {
      throw invalid(
        `approvals[${index}] decides "${decision.approvalId}" a second time; send one decision per call.`,
      );
    }
    decided.set(decision.approvalId, decision);
  }
  const missing = waiting.filter((call) => !decided.has(call.approval.id));
  if (missing.length > 0) {
    throw invalid(
      `Decide every waiting call: no decision for ${missing.map((call) => `${call.approval.id} (${call.toolName})`).join(', ')}.`,
    );
  }
  const assistant = waiting[0]?.approval.assistant;
  if (!assistant) {
    throw new ConflictError('The waiting calls do not name their assistant, so the turn cannot be resumed.');
  }
  const parts = message.parts.map((part): MessagePart => {
    if (part.type !== 'tool-call' || !part.approval) return part;
    const decision = decided.get(part.approval.id);
    if (!decision) return part;
    return {
      ...part,
      approval: {
        ...part.approval,
        state: decision.approved ? 'approved' : 'denied',
        ...(decision.reason ? { reason: decision.reason } : {}),
      },
    };
  });
  return { parts, assistant };
}
