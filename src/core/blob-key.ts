/** Blob keys are relative, slash-separated paths; anything that could escape the root is refused. */
import { ValidationError } from './errors.ts';

const MAX_KEY_LENGTH = 1024;

/** The key's path segments, or a ValidationError naming the key and what to change. */
export function blobKeySegments(key: string): string[] {
  const refuse = (why: string) =>
    new ValidationError(`Blob key "${key}" ${why}; use a relative path like "tenant/knowledge-base/file".`, {
      details: { field: 'key' },
    });
  if (typeof key !== 'string' || key.length === 0) throw refuse('is empty');
  if (key.length > MAX_KEY_LENGTH) throw refuse(`is longer than ${MAX_KEY_LENGTH} characters`);
  if (key.includes('\u0000')) throw refuse('contains a NUL character');
  if (key.includes('\\')) throw refuse('contains a backslash');
  if (key.startsWith('/') || /^[A-Za-z]:/.test(key)) throw refuse('is an absolute path');
  const segments = key.split('/');
  for (const segment of segments) {
    if (segment === '') throw refuse('has an empty path segment');
    if (segment === '.' || segment === '..') throw refuse('contains a "." or ".." segment');
  }
  return segments;
}

/** A ValidationError naming the blob when its content type is empty. */
export function requireBlobContentType(key: string, contentType: string): void {
  if (typeof contentType !== 'string' || contentType.trim() === '') {
    throw new ValidationError(
      `Content type for blob "${key}" is empty; pass a media type such as "application/pdf".`,
    );
  }
}
