/**
 * Chunks structured prose (Markdown, HTML, DOCX, plain text, PDF pages). Each chunk starts with its heading
 * path on its own line ("Leave policy > Vacation") so the heading words are searchable with the text.
 */
import type { ChunkDraft } from '../../core/ports.ts';
import { estimateTokens } from '../../core/text/tokens.ts';
import type { ChunkLocation } from '../../core/types.ts';
import type { ChunkingSettings } from './chunking-settings.ts';
import { packBlocks, type TextBlock } from './pack-blocks.ts';
import { splitLongText } from './split-text.ts';

export interface Section {
  /** Heading path, outermost first; empty for text before the first heading. */
  headings: string[];
  blocks: TextBlock[];
}

export function chunkSections(
  sections: readonly Section[],
  settings: ChunkingSettings,
  baseLocation: ChunkLocation = {},
): ChunkDraft[] {
  const drafts: ChunkDraft[] = [];
  sections.forEach((section, index) => {
    const headingLine = formatHeadingPath(section.headings, settings.maxChunkTokens);
    const headingTokens = headingLine ? estimateTokens(headingLine) + 1 : 0;
    const bodies = packBlocks(section.blocks, {
      budget: settings.maxChunkTokens - headingTokens,
      overlapTokens: settings.chunkOverlapTokens,
    });
    const location: ChunkLocation = { ...baseLocation };
    if (section.headings.length > 0) location.headings = [...section.headings];
    for (const body of bodies) {
      const text = headingLine ? `${headingLine}\n${body.text}` : body.text;
      const bodyLocation = body.line === undefined ? location : { ...location, line: body.line };
      drafts.push({ text, location: bodyLocation, metadata: {}, tokenCount: estimateTokens(text) });
    }
    // A heading with no text of its own and no subsections would otherwise vanish from the index.
    if (bodies.length === 0 && headingLine && !opensSubsection(section, sections[index + 1])) {
      drafts.push({ text: headingLine, location, metadata: {}, tokenCount: estimateTokens(headingLine) });
    }
  });
  return drafts;
}

/** "Leave policy > Vacation", shortened when a pathological path would crowd out the text. */
export function formatHeadingPath(headings: readonly string[], maxChunkTokens: number): string {
  const line = headings.join(' > ');
  if (line.length === 0) return '';
  const limit = Math.max(4, Math.floor(maxChunkTokens / 4));
  if (estimateTokens(line) <= limit) return line;
  return splitLongText(line, limit)[0]?.text ?? '';
}

function opensSubsection(section: Section, next: Section | undefined): boolean {
  if (!next || next.headings.length <= section.headings.length) return false;
  return section.headings.every((heading, index) => next.headings[index] === heading);
}
