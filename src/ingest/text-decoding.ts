/**
 * Decodes the bytes of a text format strictly: binary files and invalid UTF-8 are refused with a message
 * that says how to fix the file, instead of being indexed as replacement characters.
 */
import { IngestError } from '../core/errors.ts';

/** Share of control characters above which a file is treated as binary even without NUL bytes. */
const CONTROL_CHARACTER_RATIO = 0.01;

/** Decodes UTF-8 (BOM optional) or BOM-marked UTF-16; throws IngestError naming `source` otherwise. */
export function decodeText(source: string, bytes: Uint8Array): string {
  const utf16 = utf16Encoding(bytes);
  if (utf16) return decode(source, bytes, utf16);
  assertNotBinary(source, bytes);
  return decode(source, bytes, 'utf-8');
}

function utf16Encoding(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  return undefined;
}

function decode(source: string, bytes: Uint8Array, encoding: string): string {
  try {
    return new TextDecoder(encoding, { fatal: true }).decode(bytes);
  } catch (error) {
    throw new IngestError(
      `${source} is not valid ${encoding.toUpperCase()} text (it looks like another encoding, such as ` +
        'Windows-1252 or Latin-1). Re-save it as UTF-8 and try again.',
      { cause: error, details: { source, reason: 'invalid_encoding' } },
    );
  }
}

/** NUL bytes never occur in UTF-8 text; many other C0 control characters mean a binary file. */
function assertNotBinary(source: string, bytes: Uint8Array): void {
  let controls = 0;
  for (let index = 0; index < bytes.length; index++) {
    const byte = bytes[index]!;
    if (byte >= 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d || byte === 0x0c || byte === 0x1b)
      continue;
    if (byte === 0x00) throw binary(source, 'it contains NUL bytes');
    controls++;
  }
  if (controls > Math.max(8, bytes.length * CONTROL_CHARACTER_RATIO)) {
    throw binary(source, `it contains ${controls} control characters`);
  }
}

function binary(source: string, reason: string): IngestError {
  return new IngestError(
    `${source} looks like a binary file, not text (${reason}). Check that it is the file you meant; if it is ` +
      'a document, save it as text, Markdown, PDF, DOCX or XLSX and use the matching extension.',
    { details: { source, reason: 'binary' } },
  );
}
