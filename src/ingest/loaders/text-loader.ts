/** Plain text: paragraphs are separated by blank lines; each chunk records the line it starts on. */
import type { TextBlock } from '../chunking/pack-blocks.ts';
import { chunkSections } from '../chunking/section-chunker.ts';
import { decodeText } from '../text-decoding.ts';
import type { LoadedDocument, LoaderContext } from './loader.ts';

export async function loadText({ source, bytes, settings }: LoaderContext): Promise<LoadedDocument> {
  const blocks = paragraphsOf(decodeText(source, bytes));
  return { chunks: chunkSections([{ headings: [], blocks }], settings), metadata: {} };
}

/** Paragraphs with their 1-based first line, in one pass over the lines. */
export function paragraphsOf(text: string): TextBlock[] {
  const blocks: TextBlock[] = [];
  let buffer: string[] = [];
  let firstLine = 0;
  const lines = text.split(/\r\n|\r|\n/);
  lines.forEach((line, index) => {
    if (line.trim().length === 0) {
      if (buffer.length > 0) blocks.push({ text: buffer.join('\n'), line: firstLine });
      buffer = [];
      return;
    }
    if (buffer.length === 0) firstLine = index + 1;
    buffer.push(line.trimEnd());
  });
  if (buffer.length > 0) blocks.push({ text: buffer.join('\n'), line: firstLine });
  return blocks;
}
