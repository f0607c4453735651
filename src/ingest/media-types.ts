/**
 * The formats the parser reads, and how a file's format is decided: content first for binary containers
 * (a PDF named .txt is still a PDF), then the file name, then the media type the caller declared.
 */
import { UnsupportedMediaError } from '../core/errors.ts';
import { isZip, readZipDirectory } from './zip-directory.ts';

export type FormatId =
  | 'markdown'
  | 'text'
  | 'html'
  | 'pdf'
  | 'docx'
  | 'xlsx'
  | 'csv'
  | 'tsv'
  | 'json'
  | 'jsonl';

export interface FormatSpec {
  id: FormatId;
  mimeType: string;
  extensions: readonly string[];
  /** Other media types callers send for the same format (browsers and servers disagree). */
  aliases?: readonly string[];
}

const DOCX_MIME = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const XLSX_MIME = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export const FORMATS: readonly FormatSpec[] = [
  {
    id: 'markdown',
    mimeType: 'text/markdown',
    extensions: ['.md', '.markdown'],
    aliases: ['text/x-markdown'],
  },
  { id: 'text', mimeType: 'text/plain', extensions: ['.txt'] },
  { id: 'html', mimeType: 'text/html', extensions: ['.html', '.htm'], aliases: ['application/xhtml+xml'] },
  { id: 'pdf', mimeType: 'application/pdf', extensions: ['.pdf'] },
  { id: 'docx', mimeType: DOCX_MIME, extensions: ['.docx'] },
  { id: 'xlsx', mimeType: XLSX_MIME, extensions: ['.xlsx'] },
  { id: 'csv', mimeType: 'text/csv', extensions: ['.csv'], aliases: ['application/csv'] },
  { id: 'tsv', mimeType: 'text/tab-separated-values', extensions: ['.tsv'] },
  { id: 'json', mimeType: 'application/json', extensions: ['.json'], aliases: ['text/json'] },
  {
    id: 'jsonl',
    mimeType: 'application/x-ndjson',
    extensions: ['.jsonl', '.ndjson'],
    aliases: ['application/jsonl', 'application/x-jsonlines'],
  },
];

/** Every extension the parser accepts, with the dot: ['.md', '.markdown', '.txt', …]. */
export const SUPPORTED_EXTENSIONS: readonly string[] = FORMATS.flatMap((format) => format.extensions);

const OLE_MAGIC = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];

type Sniffed = 'pdf' | 'docx' | 'xlsx' | 'zip' | 'ole' | undefined;

/**
 * The media type of a file from its content and name. Unknown files are `application/octet-stream`.
 * @example detectMimeType('handbook/leave.md', bytes) // 'text/markdown'
 */
export function detectMimeType(source: string, bytes: Uint8Array): string {
  const sniffed = sniffContainer(bytes);
  if (sniffed === 'zip') return 'application/zip';
  if (sniffed === 'ole') return 'application/x-ole-storage';
  if (sniffed) return formatById(sniffed).mimeType;
  return formatForExtension(extensionOf(source))?.mimeType ?? 'application/octet-stream';
}

/** Picks the format to parse with, or throws UnsupportedMediaError listing what is supported. */
export function resolveFormat(source: string, bytes: Uint8Array, declaredMimeType?: string): FormatSpec {
  const sniffed = sniffContainer(bytes);
  if (sniffed === 'pdf' || sniffed === 'docx' || sniffed === 'xlsx') return formatById(sniffed);
  const extension = extensionOf(source);
  const format = formatForExtension(extension) ?? formatForMimeType(declaredMimeType);
  if (format) return format;
  const legacyHint =
    sniffed === 'ole' || ['.doc', '.xls', '.ppt'].includes(extension)
      ? ' Old binary Office files (.doc, .xls) must be saved as .docx or .xlsx first.'
      : '';
  throw new UnsupportedMediaError(
    `${source} has an unsupported file type (${extension || 'no extension'}). Supported extensions: ` +
      `${SUPPORTED_EXTENSIONS.join(', ')}.${legacyHint} Convert the file to one of these and try again.`,
    { details: { source, extension, supported: [...SUPPORTED_EXTENSIONS] } },
  );
}

/** Lower-cased extension with its dot ('.pdf'), ignoring a URL's query and fragment; '' when none. */
export function extensionOf(source: string): string {
  let path = source;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) {
    try {
      path = new URL(source).pathname;
    } catch {
      path = source.split(/[?#]/)[0] ?? source;
    }
  }
  const name = path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot).toLowerCase() : '';
}

export function isOleContainer(bytes: Uint8Array): boolean {
  return OLE_MAGIC.every((byte, index) => bytes[index] === byte);
}

function sniffContainer(bytes: Uint8Array): Sniffed {
  if (startsWithPdfHeader(bytes)) return 'pdf';
  if (isOleContainer(bytes)) return 'ole';
  if (!isZip(bytes)) return undefined;
  try {
    const names = new Set(readZipDirectory(bytes).map((entry) => entry.name));
    if (names.has('word/document.xml')) return 'docx';
    if (names.has('xl/workbook.xml')) return 'xlsx';
  } catch {
    // A damaged zip is left to the loader the name points at, which reports it as corrupt.
  }
  return 'zip';
}

/**
 * Only a header at the very start counts: readers tolerate leading junk, but a text file that merely
 * mentions "%PDF-" must stay text. A .pdf with junk first still reaches the PDF loader by its name.
 */
function startsWithPdfHeader(bytes: Uint8Array): boolean {
  return (
    bytes[0] === 0x25 && bytes[1] === 0x50 && bytes[2] === 0x44 && bytes[3] === 0x46 && bytes[4] === 0x2d
  );
}

function formatById(id: FormatId): FormatSpec {
  const format = FORMATS.find((candidate) => candidate.id === id);
  if (!format) throw new Error(`unknown format ${id}`);
  return format;
}

function formatForExtension(extension: string): FormatSpec | undefined {
  if (!extension) return undefined;
  return FORMATS.find((format) => format.extensions.includes(extension));
}

function formatForMimeType(mimeType: string | undefined): FormatSpec | undefined {
  const bare = mimeType?.split(';')[0]?.trim().toLowerCase();
  if (!bare) return undefined;
  return FORMATS.find((format) => format.mimeType === bare || format.aliases?.includes(bare));
}
