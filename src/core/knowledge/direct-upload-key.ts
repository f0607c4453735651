/**
 * Object keys of direct uploads: `<prefix><tenant>/<knowledge-base>/<upload id>/<file name>`. The upload id
 * keeps two uploads of one file name apart, and is recognisable so the Ingest function leaves it out of the
 * document source (the source is the file name).
 */
import { randomUUID } from 'node:crypto';

export const UPLOAD_ID_PATTERN = /^upload-[0-9a-f]{32}$/;

/** A new upload id: `upload-` and 32 hex digits. */
export function newUploadId(): string {
  return `upload-${randomUUID().replaceAll('-', '')}`;
}

/** The folder an upload's object goes in; the file name follows it. */
export function uploadFolder(
  prefix: string,
  tenantId: string,
  knowledgeBase: string,
  uploadId: string,
): string {
  return `${prefix}${tenantId}/${knowledgeBase}/${uploadId}/`;
}
