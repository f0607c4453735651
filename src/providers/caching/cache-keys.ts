/** Hashes and canonical JSON for cache keys: equal requests give equal keys, whatever their key order. */
import { createHash } from 'node:crypto';

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * JSON with object keys sorted and binary data as base64, so the same request always hashes the same.
 * Undefined values are left out, as JSON.stringify does.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonical(value));
}

function canonical(value: unknown): unknown {
  if (value instanceof Uint8Array) return { base64: Buffer.from(value).toString('base64') };
  if (value instanceof URL) return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((item) => (item === undefined ? null : canonical(item)));
  if (value !== null && typeof value === 'object') {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const item = (value as Record<string, unknown>)[key];
      if (item !== undefined && typeof item !== 'function') sorted[key] = canonical(item);
    }
    return sorted;
  }
  return value;
}

/** Keeps key segments apart when a model name or version itself contains the separator. */
export function keySegment(text: string): string {
  return text.replaceAll('%', '%25').replaceAll('|', '%7C');
}
