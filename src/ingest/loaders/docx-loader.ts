/**
 * DOCX: mammoth maps Word's heading styles to h1–h6, then the HTML walker builds heading paths. Images
 * are dropped (they carry no text) and linked external files are never fetched.
 */
import { IngestError } from '../../core/errors.ts';
import { chunkSections } from '../chunking/section-chunker.ts';
import { describeParseFailure } from './describe-parse-failure.ts';
import { htmlToSections } from './html-sections.ts';
import type { LoadedDocument, LoaderContext } from './loader.ts';
import { assertOpenableOfficeFile, readCoreTitle } from './office-container.ts';

/**
 * The Title style sits above Heading 1, so a titled document's sections read "Title > Heading"; without a
 * Title the paths are the same, since only the relative order of levels matters.
 */
const STYLE_MAP = [
  "p[style-name='Title'] => h1:fresh",
  "p[style-name='Subtitle'] => p:fresh",
  ...[1, 2, 3, 4, 5, 6].map(
    (level) => `p[style-name='heading ${level}'] => h${Math.min(6, level + 1)}:fresh`,
  ),
];

export async function loadDocx(context: LoaderContext): Promise<LoadedDocument> {
  const { source, bytes, settings } = context;
  assertOpenableOfficeFile(context, { label: '.docx', application: 'Word' });
  const { default: mammoth } = await import('mammoth');
  let html: string;
  try {
    const result = await mammoth.convertToHtml(
      { buffer: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) },
      {
        styleMap: STYLE_MAP,
        externalFileAccess: false,
        convertImage: mammoth.images.imgElement(async () => ({ src: '' })),
      },
    );
    html = result.value;
  } catch (error) {
    throw new IngestError(
      `${source} could not be read as a Word document (${describeParseFailure(error)}). It may be corrupt or not a real ` +
        '.docx: open it in Word, save it again as .docx, and try again.',
      { cause: error, details: { source, reason: 'corrupt' } },
    );
  }
  const { sections, title } = htmlToSections(html);
  const documentTitle = readCoreTitle(bytes) ?? title;
  return {
    chunks: chunkSections(sections, settings),
    metadata: documentTitle ? { title: documentTitle } : {},
  };
}
