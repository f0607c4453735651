/**
 * Key builders. Every tenant-owned key starts with `T#<tenant>`, so no read by one tenant's keys can reach
 * another tenant's items. `#` separates parts; `%` and `#` inside values are escaped so that no value can
 * forge a separator (tenant "a#X" can never alias tenant "a").
 */
import { requireText } from '../../core/storage-input.ts';

export function escapeKeyPart(value: string): string {
  return value.replaceAll('%', '%25').replaceAll('#', '%23');
}

export function tenantKey(tenantId: string, ...parts: string[]): string {
  requireText(tenantId, 'tenant id');
  return ['T', escapeKeyPart(tenantId), ...parts.map(escapeKeyPart)].join('#');
}

/** ISO-8601 in UTC with milliseconds: fixed width, so string order is time order (years 0–9999). */
export function sortableTime(date: Date): string {
  return date.toISOString();
}

export const keys = {
  conversation: (tenantId: string, conversationId: string) => ({
    pk: tenantKey(tenantId, 'CONV', conversationId),
    sk: '#CONV',
  }),
  conversationList: (tenantId: string) => tenantKey(tenantId, 'CONVS'),
  /**
   * Messages still being written carry this list key (and lose it when they end), so the list index holds
   * only the turns in flight: a sparse index that finds turns a dead process left pending.
   */
  pendingTurns: 'PENDING_TURNS',
  pendingTurnSort: (createdAt: Date, tenantId: string, messageId: string) =>
    `${sortableTime(createdAt)}#${escapeKeyPart(tenantId)}#${escapeKeyPart(messageId)}`,
  conversationListSort: (updatedAt: Date, conversationId: string) =>
    `${sortableTime(updatedAt)}#${conversationId}`,
  /** Messages live in their conversation's partition, ordered by time then a per-conversation sequence. */
  message: (tenantId: string, conversationId: string, createdAt: Date, sequence: number) => ({
    pk: tenantKey(tenantId, 'CONV', conversationId),
    sk: `MSG#${sortableTime(createdAt)}#${String(sequence).padStart(10, '0')}`,
  }),
  messagePrefix: 'MSG#',
  /** Finds a message by id (updateMessage has no conversation id) and guards id uniqueness. */
  messagePointer: (tenantId: string, messageId: string) => ({
    pk: tenantKey(tenantId, 'MSGID', messageId),
    sk: '#MSGID',
  }),
  usage: (tenantId: string, entryId: string) => ({ pk: tenantKey(tenantId, 'USAGE', entryId), sk: '#USAGE' }),
  usageList: (tenantId: string) => tenantKey(tenantId, 'USAGE'),
  audit: (tenantId: string, eventId: string) => ({ pk: tenantKey(tenantId, 'AUDIT', eventId), sk: '#AUDIT' }),
  auditList: (tenantId: string) => tenantKey(tenantId, 'AUDIT'),
  /** Knowledge bases by name: the name is the sort key, so it is unique per tenant and lists in order. */
  knowledgeBase: (tenantId: string, name: string) => ({ pk: tenantKey(tenantId, 'KBS'), sk: `KB#${name}` }),
  knowledgeBasePartition: (tenantId: string) => tenantKey(tenantId, 'KBS'),
  knowledgeBaseById: (tenantId: string, knowledgeBaseId: string) => ({
    pk: tenantKey(tenantId, 'KBID', knowledgeBaseId),
    sk: '#KBID',
  }),
  /** Documents by source within their base: unique per base, listed by source. */
  document: (tenantId: string, knowledgeBaseId: string, source: string) => ({
    pk: tenantKey(tenantId, 'KB', knowledgeBaseId, 'DOCS'),
    sk: `DOC#${source}`,
  }),
  documentPartition: (tenantId: string, knowledgeBaseId: string) =>
    tenantKey(tenantId, 'KB', knowledgeBaseId, 'DOCS'),
  documentById: (tenantId: string, documentId: string) => ({
    pk: tenantKey(tenantId, 'DOCID', documentId),
    sk: '#DOCID',
  }),
  apiKey: (tenantId: string, keyId: string) => ({ pk: tenantKey(tenantId, 'APIKEYS'), sk: `KEY#${keyId}` }),
  apiKeyPartition: (tenantId: string) => tenantKey(tenantId, 'APIKEYS'),
  /** The one key without a tenant: a request's key hash is how its tenant is found. */
  apiKeyHash: (hash: string) => ({ pk: `APIKEYHASH#${escapeKeyPart(hash)}`, sk: '#APIKEYHASH' }),
};
