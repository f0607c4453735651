/**
 * The user's decisions on tool calls that wait for approval: which calls of a stored answer wait, and the
 * answer's parts with the decisions applied, ready for the loop to resume. A turn resumes only once every
 * waiting call is decided, so it never leaves one behind; a decision for a call that does not wait is refused.
 *
 * Decisions are written with a compare-and-set on the stored answer ({@link recordDecisions}), so concurrent
 * requests (two instances, two clicks) never both resume the turn, and decisions on different calls of one
 * answer merge instead of overwriting each other.
 */
import { ApprovalAlreadyDecidedError, ConflictError, ValidationError } from '../errors.ts';
import type { ConversationStore } from '../ports.ts';
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

export type WaitingCall = ToolCallPart & { approval: ToolApproval };

/**
 * The message's parts with each decision applied, the assistant whose loop resumes, and the calls that still
 * wait. With `requireAll` (the default), every waiting call needs a decision.
 */
export function applyDecisions(
  message: Message,
  decisions: readonly ApprovalDecision[],
  requireAll = true,
): { parts: MessagePart[]; assistant: string; waiting: WaitingCall[] } {
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
  if (decisions.length === 0) throw invalid('approvals is empty: decide at least one waiting call.');
  const missing = waiting.filter((call) => !decided.has(call.approval.id));
  if (requireAll && missing.length > 0) {
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
  return { parts, assistant, waiting: missing };
}

/** Stored decisions that lose against another writer this many times in a row give up (retryable). */
const MAX_ATTEMPTS = 8;

export interface RecordedDecisions {
  /** The answer as stored after this request's decisions. */
  message: Message;
  /** The conversation's messages before it. */
  before: Message[];
  /** The answer's parts with every stored decision applied. */
  parts: MessagePart[];
  assistant: string;
  /** Calls that still wait. Empty: this request decided the last one and holds the turn (status `pending`). */
  waiting: WaitingCall[];
}

export interface RecordDecisionsOptions {
  /** Every call that waits needs a decision in this request (the HTTP API); else some may stay waiting. */
  requireAll: boolean;
  /** Checks made before the turn is claimed (the assistant still exists…); a throw changes nothing. */
  beforeClaim?: (claim: { message: Message; before: Message[]; assistant: string }) => void;
}

/**
 * Stores `decisions` on the answer that waits, merged with decisions stored by others since it was read, with
 * a conditional write on the stored answer (its status and parts as read). When the last waiting call is
 * decided, the same write sets the answer `pending`: the request that makes it holds the turn and resumes
 * it; every other request sees its calls decided and gets {@link ApprovalAlreadyDecidedError}.
 * @throws ApprovalAlreadyDecidedError (409) when a named call was decided already, by anyone.
 * @throws ValidationError for an unknown approval id, a duplicate, or (with `requireAll`) a missing decision.
 * @throws ConflictError when nothing waits (the conversation moved on).
 */
export async function recordDecisions(
  store: ConversationStore,
  target: { tenantId: string; conversationId: string },
  decisions: readonly ApprovalDecision[],
  options: RecordDecisionsOptions,
): Promise<RecordedDecisions> {
  const { tenantId, conversationId } = target;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const history = await store.listMessages(tenantId, conversationId);
    refuseDecidedCalls(history, decisions);
    const message = messageAwaitingApproval(conversationId, history);
    const { parts, assistant, waiting } = applyDecisions(message, decisions, options.requireAll);
    const before = history.slice(0, history.indexOf(message));
    const claim = waiting.length === 0;
    if (claim) options.beforeClaim?.({ message, before, assistant });
    const updated = await store.updateMessageIf(
      tenantId,
      message.id,
      { status: 'complete', parts: message.parts },
      claim ? { parts, status: 'pending' } : { parts },
    );
    if (updated) return { message: updated, before, parts, assistant, waiting };
    // Another request changed the answer between the read and the write: read it again and merge.
  }
  throw new ConflictError(
    `The approvals of conversation "${conversationId}" kept changing while this decision was stored; send it again.`,
    { isRetryable: true },
  );
}

/** A decision for a call that was approved or denied already (by this or another request) is refused. */
function refuseDecidedCalls(history: readonly Message[], decisions: readonly ApprovalDecision[]): void {
  const ids = new Set(decisions.map((decision) => decision.approvalId));
  for (const message of [...history].reverse()) {
    if (message.role !== 'assistant') continue;
    for (const part of message.parts) {
      if (part.type !== 'tool-call' || !part.approval || !ids.has(part.approval.id)) continue;
      if (part.approval.state === 'requested') continue;
      throw new ApprovalAlreadyDecidedError(
        `The call to "${part.toolName}" (approval ${part.approval.id}) was already ${part.approval.state}; this decision changed nothing.`,
        { details: { approvalId: part.approval.id, state: part.approval.state } },
      );
    }
  }
}
