/**
 * Reads a zip file's central directory (names, methods, declared sizes, data offsets) without inflating
 * anything, so DOCX and XLSX containers can be sized up before any library opens them.
 * Format: PKWARE APPNOTE.TXT sections 4.3.7 (local header), 4.3.12 (central directory), 4.3.14-16 (end
 * records, Zip64).
 */

export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflate; anything else is refused by the guard. */
  method: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

/** Thrown for bytes that are not a readable zip; callers turn it into an IngestError naming the file. */
export class ZipFormatError extends Error {}

const END_OF_DIRECTORY = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_END_OF_DIRECTORY = 0x06064b50;
const DIRECTORY_ENTRY = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;
const MAX_32 = 0xffffffff;

export function isZip(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04
  );
}

export function readZipDirectory(bytes: Uint8Array): ZipEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const endOffset = findEndOfDirectory(view);
  let count = view.getUint16(endOffset + 10, true);
  let directoryOffset = view.getUint32(endOffset + 16, true);
  if (count === 0xffff || directoryOffset === MAX_32) {
    const zip64 = readZip64End(view, endOffset);
    count = zip64.count;
    directoryOffset = zip64.directoryOffset;
  }
  const entries: ZipEntry[] = [];
  let offset = directoryOffset;
  for (let index = 0; index < count; index++) {
    if (offset + 46 > view.byteLength || view.getUint32(offset, true) !== DIRECTORY_ENTRY) {
      throw new ZipFormatError('the zip central directory is damaged');
    }
    const nameLength = view.getUint16(offset + 28, true);
    const extraLength = view.getUint16(offset + 30, true);
    const commentLength = view.getUint16(offset + 32, true);
    const nameEnd = offset + 46 + nameLength;
    if (nameEnd + extraLength > view.byteLength)
      throw new ZipFormatError('the zip central directory is truncated');
    const entry: ZipEntry = {
      name: new TextDecoder().decode(bytes.subarray(offset + 46, nameEnd)),
      method: view.getUint16(offset + 10, true),
      compressedSize: view.getUint32(offset + 20, true),
      uncompressedSize: view.getUint32(offset + 24, true),
      localHeaderOffset: view.getUint32(offset + 42, true),
    };
    applyZip64Extra(view, entry, nameEnd, extraLength);
    entries.push(entry);
    offset = nameEnd + extraLength + commentLength;
  }
  return entries;
}

/** Offset of an entry's compressed data, read from its local header (whose name/extra lengths may differ). */
export function entryDataOffset(bytes: Uint8Array, entry: ZipEntry): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const offset = entry.localHeaderOffset;
  if (offset + 30 > view.byteLength || view.getUint32(offset, true) !== LOCAL_HEADER) {
    throw new ZipFormatError(`the zip entry ${entry.name} points outside the file`);
  }
  const start = offset + 30 + view.getUint16(offset + 26, true) + view.getUint16(offset + 28, true);
  if (start + entry.compressedSize > view.byteLength) {
    throw new ZipFormatError(`the zip entry ${entry.name} is truncated`);
  }
  return start;
}

function findEndOfDirectory(view: DataView): number {
  // The end record is 22 bytes plus a comment of up to 65535 bytes, at the very end of the file.
  const lowest = Math.max(0, view.byteLength - 22 - 0xffff);
  for (let offset = view.byteLength - 22; offset >= lowest; offset--) {
    if (view.getUint32(offset, true) === END_OF_DIRECTORY) return offset;
  }
  throw new ZipFormatError('no zip end-of-directory record was found (the file is truncated or not a zip)');
}

function readZip64End(view: DataView, endOffset: number): { count: number; directoryOffset: number } {
  const locator = endOffset - 20;
  if (locator < 0 || view.getUint32(locator, true) !== ZIP64_LOCATOR) {
    throw new ZipFormatError('the Zip64 end-of-directory locator is missing');
  }
  const recordOffset = Number(view.getBigUint64(locator + 8, true));
  if (recordOffset + 56 > view.byteLength || view.getUint32(recordOffset, true) !== ZIP64_END_OF_DIRECTORY) {
    throw new ZipFormatError('the Zip64 end-of-directory record is damaged');
  }
  return {
    count: Number(view.getBigUint64(recordOffset + 32, true)),
    directoryOffset: Number(view.getBigUint64(recordOffset + 48, true)),
  };
}

/** Zip64 extra field (id 1) holds, in order, the 64-bit values of whichever 32-bit fields are 0xFFFFFFFF. */
function applyZip64Extra(view: DataView, entry: ZipEntry, start: number, length: number): void {
  let offset = start;
  while (offset + 4 <= start + length) {
    const id = view.getUint16(offset, true);
    const size = view.getUint16(offset + 2, true);
    if (id === 1) {
      let field = offset + 4;
      const read = () => {
        if (field + 8 > offset + 4 + size) throw new ZipFormatError('a Zip64 extra field is too short');
        const value = Number(view.getBigUint64(field, true));
        field += 8;
        return value;
      };
      if (entry.uncompressedSize === MAX_32) entry.uncompressedSize = read();
      if (entry.compressedSize === MAX_32) entry.compressedSize = read();
      if (entry.localHeaderOffset === MAX_32) entry.localHeaderOffset = read();
      return;
    }
    offset += 4 + size;
  }
}
