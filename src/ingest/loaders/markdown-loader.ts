/**
 * Markdown: ATX and setext headings give the heading path; blank lines separate paragraphs; fenced code
 * stays one block. Inline markup that only adds noise to search (link targets, emphasis marks) is removed.
 */

import { parse as parseYaml } from 'yaml';
import { SectionBuilder } from '../chunking/section-builder.ts';
import { chunkSections } from '../chunking/section-chunker.ts';
import { decodeText } from '../text-decoding.ts';
import type { LoadedDocument, LoaderContext } from './loader.ts';

const ATX_HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const SETEXT_UNDERLINE = /^ {0,3}(=+|-+)[ \t]*$/;
const THEMATIC_BREAK = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const BLOCK_START = /^ {0,3}(?:[-*+>|]|\d+[.)])/;

export async function loadMarkdown({ source, bytes, settings }: LoaderContext): Promise<LoadedDocument> {
  const { text, title } = splitFrontMatter(blankOutComments(decodeText(source, bytes)));
  const builder = new SectionBuilder();
  walkMarkdown(text.lines, text.firstLine, builder);
  const chunks = chunkSections(builder.finish(), settings);
  const documentTitle = title ?? builder.title();
  return { chunks, metadata: documentTitle ? { title: documentTitle } : {} };
}

function walkMarkdown(lines: readonly string[], firstLine: number, builder: SectionBuilder): void {
  let buffer: string[] = [];
  let bufferLine = 0;
  let fence: string | undefined;
  const flush = (raw = false) => {
    if (buffer.length > 0)
      builder.paragraph(raw ? buffer.join('\n') : stripInlineMarkdown(buffer.join('\n')), bufferLine);
    buffer = [];
  };
  for (const [index, line] of lines.entries()) {
    const lineNumber = firstLine + index;
    if (fence) {
      if (line.trim().startsWith(fence) && line.trim().replace(/[`~]/g, '') === '') {
        fence = undefined;
        flush(true);
      } else {
        if (buffer.length === 0) bufferLine = lineNumber;
        buffer.push(line);
      }
      continue;
    }
    const fenceMatch = FENCE.exec(line);
    if (fenceMatch) {
      flush();
      fence = fenceMatch[1];
      continue;
    }
    if (line.trim() === '') {
      flush();
      continue;
    }
    const heading = ATX_HEADING.exec(line);
    if (heading) {
      flush();
      builder.heading(heading[1]!.length, stripInlineMarkdown(heading[2] ?? ''));
      continue;
    }
    const underline = SETEXT_UNDERLINE.exec(line);
    if (underline && buffer.length === 1 && !BLOCK_START.test(buffer[0]!)) {
      const headingText = buffer[0]!;
      buffer = [];
      builder.heading(underline[1]!.startsWith('=') ? 1 : 2, stripInlineMarkdown(headingText));
      continue;
    }
    if (THEMATIC_BREAK.test(line)) {
      flush();
      continue;
    }
    if (buffer.length === 0) bufferLine = lineNumber;
    buffer.push(line.trimEnd());
  }
  flush(fence !== undefined);
}

/**
 * YAML front matter is metadata, not prose: its `title` becomes the document title. It is read with a
 * YAML parser, so folded and literal blocks (`title: >-`), quotes and escapes mean what they mean in
 * YAML. Front matter that is not valid YAML is still left out of the text; the title then comes from
 * the first heading.
 */
function splitFrontMatter(text: string): { text: { lines: string[]; firstLine: number }; title?: string } {
  const lines = text.split(/\r\n|\r|\n/);
  if (lines[0]?.trim() !== '---') return { text: { lines, firstLine: 1 } };
  const end = lines.findIndex((line, index) => index > 0 && (line.trim() === '---' || line.trim() === '...'));
  if (end < 0) return { text: { lines, firstLine: 1 } };
  const title = frontMatterTitle(lines.slice(1, end).join('\n'));
  const rest = { lines: lines.slice(end + 1), firstLine: end + 2 };
  return title ? { text: rest, title } : { text: rest };
}

function frontMatterTitle(yaml: string): string | undefined {
  let data: unknown;
  try {
    data = parseYaml(yaml);
  } catch {
    return undefined;
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) return undefined;
  const entry = Object.entries(data).find(([key]) => key.toLowerCase() === 'title');
  const value = entry?.[1];
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const title = String(value).replace(/\s+/g, ' ').trim();
  return title === '' ? undefined : title;
}

/** Comments are removed but their line breaks kept, so line numbers still match the file. */
function blankOutComments(text: string): string {
  return text.replace(/<!--[\s\S]*?-->/g, (comment) => comment.replace(/[^\n]/g, ''));
}

/** Quantifiers are bounded so a pathological line (thousands of unmatched "[" or "**") stays linear. */
export function stripInlineMarkdown(text: string): string {
  return text
    .replace(/!\[([^\]\n]{0,300})\]\([^)\n]{0,2000}\)/g, '$1')
    .replace(/\[([^\]\n]{1,300})\]\([^)\n]{0,2000}\)/g, '$1')
    .replace(/\[([^\]\n]{1,300})\]\[[^\]\n]{0,300}\]/g, '$1')
    .replace(/(\*\*|__)(?=\S)([^\n]{1,300}?)(?<=\S)\1/g, '$2')
    .replace(/(^|[^\w*])\*(?=[^\s*])([^*\n]{1,300}?)(?<=\S)\*(?![\w*])/g, '$1$2')
    .replace(/`([^`\n]{1,300})`/g, '$1');
}
