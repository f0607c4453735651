/**
 * One question asked in a channel, answered through the one chat turn (`ChatService.start`): the channel
 * user is a Godwit user of the configured tenant, the place (thread, channel) is the conversation, and the
 * configured assistant or knowledge base answers. The turn is stored however it ends.
 */
import { type ToolCallView, toolCallViews } from '../../core/agent/tool-call-view.ts';
import type { ChatService } from '../../core/chat/chat-service.ts';
import { ConflictError, GodwitError, publicErrorMessage } from '../../core/errors.ts';
import type { ConversationStore } from '../../core/ports.ts';
import type { Citation } from '../../core/types.ts';
import { conversationIdFor } from './conversation-key.ts';

/** Who answers in a place: an assistant (with its tools) or a plain answer from a knowledge base. */
export interface ChannelTarget {
  assistant: string | null;
  knowledgeBase: string | null;
}

export interface ChannelQuestion {
  tenantId: string;
  /** The Godwit user: `discord:<user id>`, `slack:<team id>:<user id>`. */
  userId: string;
  /** Names the conversation: the same parts continue the same conversation. */
  place: readonly string[];
  message: string;
  target: ChannelTarget;
}

export interface ChannelAnswer {
  conversationId: string;
  text: string;
  citations: Citation[];
  /** Tool calls waiting for the user's approval (the turn ended to ask). */
  approvals: ToolCallView[];
  /** Why there is no (full) answer, safe to show; null when answered. */
  failure: { code: string; message: string } | null;
}

/**
 * Charges the model calls `work` makes to the channel user's budgets: holds an estimate for `message`
 * before, settles the actual cost inside, gives back the rest after. Throws a budget error (nothing ran)
 * when the user's or tenant's budget is spent.
 */
export type ChannelTurnMeter = <T>(
  owner: { tenantId: string; userId: string },
  message: string,
  work: () => Promise<T>,
) => Promise<T>;

export interface ChannelTurnDeps {
  chat: ChatService;
  conversations: ConversationStore;
  /** Budgets per channel user. Default none: turns run unmetered. */
  meter?: ChannelTurnMeter;
  /** Ends turns still running as `interrupted` when the server stops. */
  shutdownSignal?: AbortSignal;
  /** Receives unexpected faults (the channel user is shown a generic message). */
  reportError?: (error: unknown) => void;
}

/** Asks the question and reads the turn to its end. Never throws: a refused question or a fault is the failure. */
export async function answerInChannel(
  deps: ChannelTurnDeps,
  question: ChannelQuestion,
): Promise<ChannelAnswer> {
  const conversationId = conversationIdFor(question.place);
  const meter = deps.meter ?? unmetered;
  const owner = { tenantId: question.tenantId, userId: question.userId };
  try {
    // A question over budget is refused before its conversation is created.
    const outcome = await meter(owner, question.message, async () => {
      const created = await ensureConversation(deps.conversations, question, conversationId);
      const { assistant, knowledgeBase } = question.target;
      const turn = await deps.chat
        .start({
          tenantId: question.tenantId,
          userId: question.userId,
          message: question.message,
          conversationId,
          ...(assistant ? { assistant } : { knowledgeBase }),
          ...(deps.shutdownSignal ? { shutdownSignal: deps.shutdownSignal } : {}),
        })
        .catch(async (error: unknown) => {
          // A first question refused before anything was stored leaves no empty conversation behind.
          if (created)
            await deps.conversations.deleteConversation(question.tenantId, conversationId).catch(() => {});
          throw error;
        });
      return turn.outcome();
    });
    const message = outcome.type === 'finish' ? outcome.message : outcome.assistantMessage;
    const approvals = toolCallViews(message.parts ?? []).filter((call) => call.state === 'awaiting-approval');
    return {
      conversationId,
      text: message.content,
      citations: message.citations,
      approvals,
      failure: outcome.type === 'error' ? { code: outcome.code, message: outcome.message } : null,
    };
  } catch (error) {
    // Refused before anything was stored (an unknown assistant, a message too long) or a store fault.
    const known = GodwitError.isInstance(error);
    if (!known) deps.reportError?.(error);
    return {
      conversationId,
      text: '',
      citations: [],
      approvals: [],
      failure: known
        ? { code: error.code, message: publicErrorMessage(error) }
        : { code: 'internal', message: 'The answer failed because of an internal error.' },
    };
  }
}

/** Runs `work` with no budget. */
export const unmetered: ChannelTurnMeter = (_owner, _message, work) => work();

/** Creates the place's conversation on its first question; true when this call created it. */
async function ensureConversation(
  conversations: ConversationStore,
  question: ChannelQuestion,
  conversationId: string,
): Promise<boolean> {
  if (await conversations.getConversation(question.tenantId, conversationId)) return false;
  try {
    await conversations.createConversation({
      id: conversationId,
      tenantId: question.tenantId,
      userId: question.userId,
      title: titleOf(question.message),
      knowledgeBase: question.target.assistant ? null : question.target.knowledgeBase,
    });
    return true;
  } catch (error) {
    // Two first messages in the same place at once: the other one created it.
    if (!(error instanceof ConflictError)) throw error;
    return false;
  }
}

function titleOf(message: string): string {
  const line = message.trim().split('\n')[0] ?? '';
  return line.length > 80 ? `${line.slice(0, 79)}…` : line || 'Channel conversation';
}
