/** HTML pages: headings give the heading path, block elements give paragraphs. */
import { chunkSections } from '../chunking/section-chunker.ts';
import { decodeText } from '../text-decoding.ts';
import { htmlToSections } from './html-sections.ts';
import type { LoadedDocument, LoaderContext } from './loader.ts';

export async function loadHtml({ source, bytes, settings }: LoaderContext): Promise<LoadedDocument> {
  const { sections, title } = htmlToSections(decodeText(source, bytes));
  return { chunks: chunkSections(sections, settings), metadata: title ? { title } : {} };
}
