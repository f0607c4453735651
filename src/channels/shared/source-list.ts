import type { ChunkLocation, Citation } from '../../core/types.ts';

/** One numbered source as a channel shows it: the number the answer cites, a label, and a link if any. */
export interface SourceEntry {
  index: number;
  label: string;
  url: string | null;
}

/** The cited sources, one per number, in order; a source that is a web address becomes a link. */
export function sourceEntries(citations: readonly Citation[]): SourceEntry[] {
  const byIndex = new Map<number, SourceEntry>();
  for (const citation of citations) {
    if (byIndex.has(citation.index)) continue;
    const where = locationLabel(citation.location);
    const url = /^https?:\/\//i.test(citation.source) ? citation.source : null;
    byIndex.set(citation.index, {
      index: citation.index,
      label: where ? `${citation.source} (${where})` : citation.source,
      url,
    });
  }
  return [...byIndex.values()].sort((left, right) => left.index - right.index);
}

function locationLabel(location: ChunkLocation): string {
  const parts: string[] = [];
  if (location.page !== undefined) parts.push(`page ${location.page}`);
  if (location.sheet) parts.push(`sheet ${location.sheet}`);
  if (location.row !== undefined) parts.push(`row ${location.row}`);
  if (location.line !== undefined) parts.push(`line ${location.line}`);
  if (location.headings?.length) parts.push(location.headings.join(' › '));
  return parts.join(', ');
}
