/**
 * Checks shared by DOCX and XLSX before a library opens them: an encrypted or pre-2007 Office file is an
 * OLE container, not a zip, and every zip is sized up by the zip guard.
 */
import { strFromU8, unzipSync } from 'fflate';
import { IngestError } from '../../core/errors.ts';
import { isOleContainer } from '../media-types.ts';
import { assertSafeZip } from '../zip-guard.ts';
import type { LoaderContext } from './loader.ts';

export interface OfficeFormat {
  label: '.docx' | '.xlsx';
  application: 'Word' | 'Excel';
}

export function assertOpenableOfficeFile(
  { source, bytes, settings }: LoaderContext,
  format: OfficeFormat,
): void {
  if (isOleContainer(bytes)) {
    throw new IngestError(
      `${source} is password-protected or saved in the old binary Office format, so it cannot be read. ` +
        `Remove the password (or use Save As ${format.label} in ${format.application}) and try again.`,
      { details: { source, reason: 'encrypted_or_legacy' } },
    );
  }
  assertSafeZip(source, bytes, { maxUncompressedBytes: settings.maxUncompressedBytes }, format);
}

/** `dc:title` from docProps/core.xml, when the author set one. Call only after the zip guard passed. */
export function readCoreTitle(bytes: Uint8Array): string | undefined {
  try {
    const files = unzipSync(bytes, { filter: (file) => file.name === 'docProps/core.xml' });
    const xml = files['docProps/core.xml'];
    if (!xml) return undefined;
    const match = /<dc:title>([^<]*)<\/dc:title>/.exec(strFromU8(xml));
    const title = match?.[1] ? decodeXmlEntities(match[1]).trim() : '';
    return title || undefined;
  } catch {
    return undefined;
  }
}

function decodeXmlEntities(text: string): string {
  return text.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-f]+);/gi, (entity, name: string) => {
    const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
    if (name.startsWith('#x') || name.startsWith('#X'))
      return String.fromCodePoint(Number.parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(Number.parseInt(name.slice(1), 10));
    return named[name.toLowerCase()] ?? entity;
  });
}
