/** What an HTTP request asks of a chat turn, mapped once for every chat surface. */
import type { Context } from 'hono';
import type { ChatRequest, ResumeRequest } from '../../core/chat/chat-service.ts';
import { abortWithRequest } from '../abort-with-request.ts';
import type { AppEnv } from '../app-env.ts';
import { callerOf } from '../middleware/auth.ts';

/** The fields a surface takes from its own request body. */
export interface TurnFields {
  message: string;
  conversationId?: string | null;
  /** Knowledge base to answer from; null for a plain chat; absent for the conversation's own. */
  knowledgeBase?: string | null;
  model?: string;
  /** A configured assistant that answers with its tools. */
  assistant?: string;
  k?: number;
  /** Restricts a grounded answer to these documents of the knowledge base. */
  documentIds?: string[];
}

/**
 * The turn for this request: the caller's tenant, user and API key, aborted when the client disconnects,
 * and ended as `interrupted` when `shutdownSignal` fires.
 */
export function turnRequest(
  c: Context<AppEnv>,
  fields: TurnFields,
  shutdownSignal: AbortSignal | undefined,
): ChatRequest {
  return {
    tenantId: c.var.tenantId,
    userId: c.var.userId,
    apiKeyId: callerOf(c).apiKeyId,
    message: fields.message,
    ...(fields.conversationId ? { conversationId: fields.conversationId } : {}),
    ...(fields.knowledgeBase !== undefined ? { knowledgeBase: fields.knowledgeBase } : {}),
    ...(fields.model !== undefined ? { model: fields.model } : {}),
    ...(fields.assistant !== undefined ? { assistant: fields.assistant } : {}),
    ...(fields.k !== undefined ? { k: fields.k } : {}),
    ...(fields.documentIds !== undefined ? { documentIds: fields.documentIds } : {}),
    abortSignal: abortWithRequest(c).signal,
    ...(shutdownSignal ? { shutdownSignal } : {}),
  };
}

/** Who resumes a turn after tool approvals: the caller's tenant, user and key, with the same signals. */
export function resumeRequest(
  c: Context<AppEnv>,
  shutdownSignal: AbortSignal | undefined,
): Pick<ResumeRequest, 'tenantId' | 'userId' | 'apiKeyId' | 'abortSignal' | 'shutdownSignal'> {
  return {
    tenantId: c.var.tenantId,
    userId: c.var.userId,
    apiKeyId: callerOf(c).apiKeyId,
    abortSignal: abortWithRequest(c).signal,
    ...(shutdownSignal ? { shutdownSignal } : {}),
  };
}
