/**
 * What an Approve / Deny button carries: the conversation and the approval id, `<conversation id>:<approval
 * id>`. The conversation is named so that a click is checked against the conversation's user, whoever clicks.
 */

export interface ApprovalReference {
  conversationId: string;
  approvalId: string;
}

export function approvalReference(conversationId: string, approvalId: string): string {
  return `${conversationId}:${approvalId}`;
}

/** The reference in a button's value, or null when the value is not one. Conversation ids hold no colon. */
export function parseApprovalReference(value: string): ApprovalReference | null {
  const separator = value.indexOf(':');
  if (separator <= 0 || separator === value.length - 1) return null;
  return { conversationId: value.slice(0, separator), approvalId: value.slice(separator + 1) };
}
