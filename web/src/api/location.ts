import type { Location } from './types.ts';

/** "page 3", "sheet Staff, row 12", "Leave › Vacation", "line 40" — or "" when nothing is known. */
export function describeLocation(location: Location): string {
  const parts: string[] = [];
  if (location.page !== undefined) parts.push(`page ${location.page}`);
  if (location.sheet !== undefined) parts.push(`sheet ${location.sheet}`);
  if (location.row !== undefined) parts.push(`row ${location.row}`);
  if (location.headings && location.headings.length > 0) parts.push(location.headings.join(' › '));
  if (location.line !== undefined) parts.push(`line ${location.line}`);
  return parts.join(', ');
}

export function documentFileUrl(knowledgeBase: string, documentId: string): string {
  return `/api/knowledge-bases/${encodeURIComponent(knowledgeBase)}/documents/${encodeURIComponent(documentId)}/file`;
}
