/**
 * PDF: text per page with pdf.js (legacy build, which runs on Node 20), paragraphs recovered from line
 * spacing and font size, packed into chunks that never span pages. Scanned PDFs have no text layer and
 * are refused with a message saying so, since OCR is not part of ingestion.
 */
import { IngestError } from '../../core/errors.ts';
import type { Metadata } from '../../core/types.ts';
import type { TextBlock } from '../chunking/pack-blocks.ts';
import { chunkSections } from '../chunking/section-chunker.ts';
import { describeParseFailure } from './describe-parse-failure.ts';
import type { LoadedDocument, LoaderContext } from './loader.ts';

type PdfJs = typeof import('pdfjs-dist/legacy/build/pdf.mjs');

interface PositionedText {
  str: string;
  hasEOL: boolean;
  transform: number[];
  height: number;
}

interface Line {
  text: string;
  y: number;
  height: number;
}

let pdfjsModule: Promise<PdfJs> | undefined;

export async function loadPdf({ source, bytes, settings }: LoaderContext): Promise<LoadedDocument> {
  const pdfjs = await loadPdfJs();
  // pdf.js may take ownership of the buffer it is given; the caller still needs its bytes (blob storage).
  const task = pdfjs.getDocument({
    data: new Uint8Array(bytes),
    verbosity: pdfjs.VerbosityLevel.ERRORS,
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
  });
  try {
    const document = await task.promise.catch((error: unknown) => {
      throw openError(source, error);
    });
    const chunks = [];
    for (let pageNumber = 1; pageNumber <= document.numPages; pageNumber++) {
      const blocks = await pageParagraphs(source, document, pageNumber);
      chunks.push(...chunkSections([{ headings: [], blocks }], settings, { page: pageNumber }));
    }
    if (chunks.length === 0) {
      throw new IngestError(
        `${source} has no text layer (it looks like a scanned or image-only PDF), and OCR is not supported. ` +
          'Run it through OCR or export it from the original application with text, then try again.',
        { details: { source, reason: 'no_text_layer', pages: document.numPages } },
      );
    }
    return { chunks, metadata: await documentMetadata(document) };
  } finally {
    await task.destroy();
  }
}

/**
 * pdf.js logs through console.log, i.e. stdout, which must stay clean for `--json` output. Verbosity
 * silences it per document, but its module body may warn while loading (e.g. without the optional
 * canvas package), so those lines go to stderr for the duration of the import.
 */
function loadPdfJs(): Promise<PdfJs> {
  pdfjsModule ??= (async () => {
    const log = console.log;
    console.log = (...values: unknown[]) => console.error(...values);
    try {
      // On Node, pdf.js runs its worker in-process and finds it at globalThis.pdfjsWorker, which the worker
      // module sets when imported. Importing it here (not leaving pdf.js to import "./pdf.worker.mjs" beside
      // itself) lets a bundle, such as the Lambda functions', carry the worker as one of its own chunks.
      await import('pdfjs-dist/legacy/build/pdf.worker.mjs');
      return await import('pdfjs-dist/legacy/build/pdf.mjs');
    } finally {
      console.log = log;
    }
  })();
  return pdfjsModule;
}

type PdfDocument = Awaited<ReturnType<PdfJs['getDocument']>['promise']>;

async function pageParagraphs(
  source: string,
  document: PdfDocument,
  pageNumber: number,
): Promise<TextBlock[]> {
  try {
    const page = await document.getPage(pageNumber);
    const content = await page.getTextContent();
    page.cleanup();
    const items = content.items.filter((item): item is PositionedText & typeof item => 'str' in item);
    return paragraphsFromLines(linesOf(items));
  } catch (error) {
    throw new IngestError(
      `${source} could not be read on page ${pageNumber} (${describeParseFailure(error)}). The PDF may be damaged: ` +
        'open it in a PDF viewer, print or export it to a new PDF, and try again.',
      { cause: error, details: { source, reason: 'corrupt', page: pageNumber } },
    );
  }
}

/** Joins text runs into lines: a run ends a line when pdf.js says so or when it moves to another baseline. */
function linesOf(items: readonly PositionedText[]): Line[] {
  const lines: Line[] = [];
  let current: Line | undefined;
  for (const item of items) {
    const y = item.transform[5] ?? 0;
    if (
      current &&
      item.str.length > 0 &&
      Math.abs(current.y - y) > Math.max(current.height, item.height) / 2
    ) {
      lines.push(current);
      current = undefined;
    }
    if (item.str.length > 0) {
      if (current) current.text += item.str;
      else current = { text: item.str, y, height: item.height };
      current.height = Math.max(current.height, item.height);
    }
    if (item.hasEOL && current) {
      lines.push(current);
      current = undefined;
    }
  }
  if (current) lines.push(current);
  return lines.filter((line) => line.text.trim().length > 0);
}

/** A wider gap than ~1.6 line heights, a jump upwards (new column) or a font size change starts a paragraph. */
function paragraphsFromLines(lines: readonly Line[]): TextBlock[] {
  const blocks: TextBlock[] = [];
  let buffer: string[] = [];
  let previous: Line | undefined;
  for (const line of lines) {
    if (previous && startsParagraph(previous, line)) {
      blocks.push({ text: buffer.join(' ') });
      buffer = [];
    }
    buffer.push(line.text.trim());
    previous = line;
  }
  if (buffer.length > 0) blocks.push({ text: buffer.join(' ') });
  return blocks;
}

function startsParagraph(previous: Line, line: Line): boolean {
  const gap = previous.y - line.y;
  const height = Math.max(previous.height, line.height, 1);
  const sizeChange = Math.abs(previous.height - line.height) / height;
  return gap < 0 || gap > height * 1.6 || sizeChange > 0.1;
}

async function documentMetadata(document: PdfDocument): Promise<Metadata> {
  const metadata: Metadata = { pages: document.numPages };
  try {
    const { info } = await document.getMetadata();
    const title = (info as Record<string, unknown>).Title;
    if (typeof title === 'string' && title.trim().length > 0) metadata.title = title.trim();
  } catch {
    // A damaged info dictionary costs the title, not the document.
  }
  return metadata;
}

function openError(source: string, error: unknown): IngestError {
  const name = error instanceof Error ? error.name : '';
  if (name === 'PasswordException') {
    return new IngestError(
      `${source} is password-protected. Remove the password (save an unprotected copy) and try again.`,
      { cause: error, details: { source, reason: 'encrypted' } },
    );
  }
  return new IngestError(
    `${source} is not a readable PDF (${describeParseFailure(error)}). It may be corrupt or truncated: open it in a PDF ` +
      'viewer, export or print it to a new PDF, and try again.',
    { cause: error, details: { source, reason: 'corrupt' } },
  );
}
