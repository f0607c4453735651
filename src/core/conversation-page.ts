/**
 * Paging of conversation lists, the same in every ConversationStore: a page size checked once, and an
 * opaque cursor (base64url of `[updatedAt ISO, id]` of the last conversation on the page).
 */
import { ValidationError } from './errors.ts';
import type { Conversation } from './types.ts';

const DEFAULT_PAGE = 50;
const MAX_PAGE = 200;

/** A validated page size: 50 when absent, never above 200. */
export function conversationPageSize(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new ValidationError(`limit must be a positive integer; got ${limit}.`, {
      details: { field: 'limit' },
    });
  }
  return Math.min(limit, MAX_PAGE);
}

/** The cursor after `conversation`, the last of a page. */
export function encodeConversationCursor(conversation: Pick<Conversation, 'updatedAt' | 'id'>): string {
  return Buffer.from(JSON.stringify([conversation.updatedAt.toISOString(), conversation.id])).toString(
    'base64url',
  );
}

/** The position a cursor names; a ValidationError for anything but a cursor a page gave. */
export function decodeConversationCursor(cursor: string): { updatedAt: Date; id: string } {
  try {
    const [updatedAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    const date = new Date(String(updatedAt));
    if (typeof id === 'string' && !Number.isNaN(date.getTime())) return { updatedAt: date, id };
  } catch {
    // fall through to the error below
  }
  throw new ValidationError('cursor is not valid; pass the nextCursor of a previous page unchanged.', {
    details: { field: 'cursor' },
  });
}
