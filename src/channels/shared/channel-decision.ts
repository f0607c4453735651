/**
 * A click on a tool call's Approve or Deny button, decided through the one continuation
 * (`ChatService.resume`): only the channel user who asked may decide, and only a call that still waits.
 * When the answer waits for several calls, each click records its decision on the stored answer and the
 * last one resumes the turn with all of them.
 */
import { type ToolCallView, toolCallViews } from '../../core/agent/tool-call-view.ts';
import { waitingCalls } from '../../core/chat/approval-decisions.ts';
import { GodwitError, publicErrorMessage } from '../../core/errors.ts';
import { type ChannelAnswer, type ChannelTurnDeps, unmetered } from './channel-turn.ts';

export interface ChannelDecision {
  tenantId: string;
  /** The Godwit user who clicked: `discord:<user id>`, `slack:<team id>:<user id>`. */
  userId: string;
  conversationId: string;
  approvalId: string;
  approved: boolean;
}

export type ChannelDecisionResult =
  /** The turn resumed and ended: the continued answer. */
  | { kind: 'answered'; answer: ChannelAnswer }
  /** The decision is stored; other calls of the same answer still wait. */
  | { kind: 'recorded'; toolName: string; waiting: ToolCallView[] }
  /** Nothing changed; the reason is safe to show to the person who clicked. */
  | { kind: 'refused'; message: string };

/** Decides one call. Never throws: a refused decision or a fault is a `refused` result. */
export async function decideInChannel(
  deps: ChannelTurnDeps,
  decision: ChannelDecision,
): Promise<ChannelDecisionResult> {
  try {
    const refusal = await refusalOf(deps, decision);
    if (typeof refusal === 'string') return { kind: 'refused', message: refusal };
    const reason = decision.approved ? {} : { reason: 'The user denied this call from the channel.' };
    // Stored with a conditional write: a click at the same time on another call of the answer is kept too,
    // and the click that decides the last waiting call resumes the turn — within the clicker's budget.
    const meter = deps.meter ?? unmetered;
    const owner = { tenantId: decision.tenantId, userId: decision.userId };
    const decided = await meter(owner, '', async () => {
      const result = await deps.chat.decide({
        tenantId: decision.tenantId,
        userId: decision.userId,
        conversationId: decision.conversationId,
        decisions: [{ approvalId: decision.approvalId, approved: decision.approved, ...reason }],
        ...(deps.shutdownSignal ? { shutdownSignal: deps.shutdownSignal } : {}),
      });
      return result.type === 'recorded'
        ? { type: 'recorded' as const, message: result.message }
        : { type: 'resumed' as const, outcome: await result.turn.outcome() };
    });
    if (decided.type === 'recorded') {
      const waiting = toolCallViews(decided.message.parts).filter(
        (call) => call.state === 'awaiting-approval',
      );
      return { kind: 'recorded', toolName: refusal.toolName, waiting };
    }
    const { outcome } = decided;
    const answered = outcome.type === 'finish' ? outcome.message : outcome.assistantMessage;
    return {
      kind: 'answered',
      answer: {
        conversationId: decision.conversationId,
        text: answered.content,
        citations: answered.citations,
        approvals: toolCallViews(answered.parts ?? []).filter((call) => call.state === 'awaiting-approval'),
        failure: outcome.type === 'error' ? { code: outcome.code, message: outcome.message } : null,
      },
    };
  } catch (error) {
    // A second click racing the first (the turn is being resumed), or a store fault.
    if (GodwitError.isInstance(error)) return { kind: 'refused', message: publicErrorMessage(error) };
    deps.reportError?.(error);
    return { kind: 'refused', message: 'The decision failed because of an internal error.' };
  }
}

/** Why the click cannot decide, or the answer that waits for it. */
async function refusalOf(
  deps: ChannelTurnDeps,
  decision: ChannelDecision,
): Promise<string | { toolName: string }> {
  const conversation = await deps.conversations.getConversation(decision.tenantId, decision.conversationId);
  if (!conversation) return 'This conversation no longer exists, so nothing waits for a decision.';
  if (conversation.userId !== decision.userId) {
    return 'Only the person who asked can approve or deny this tool call.';
  }
  const messages = await deps.conversations.listMessages(decision.tenantId, decision.conversationId);
  const holder = messages.findLast((message) =>
    message.parts.some((part) => part.type === 'tool-call' && part.approval?.id === decision.approvalId),
  );
  const call = holder?.parts.find(
    (part) => part.type === 'tool-call' && part.approval?.id === decision.approvalId,
  );
  if (!holder || call?.type !== 'tool-call' || !call.approval) {
    return 'This tool call is not known in this conversation.';
  }
  const state = call.approval.state;
  if (state === 'approved' || state === 'denied') {
    return `This call to \`${call.toolName}\` was already ${state}.`;
  }
  const waiting = waitingCalls(holder);
  if (holder.status === 'pending') return `The answer is being continued already: wait for it.`;
  if (holder !== messages.at(-1) || holder.status !== 'complete' || waiting.length === 0) {
    return `This call to \`${call.toolName}\` no longer waits: the conversation has moved on. Ask again.`;
  }
  return { toolName: call.toolName };
}
