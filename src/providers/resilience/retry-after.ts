/**
 * Reads how long a provider asked us to wait: `retry-after-ms` (OpenAI), then `retry-after` in seconds or
 * as an HTTP date (RFC 9110 §10.2.3).
 */
export function retryAfterMs(
  headers: Record<string, string | undefined> | undefined,
  now: () => number = Date.now,
): number | undefined {
  if (!headers) return undefined;
  const lookup = (name: string) => {
    for (const [key, value] of Object.entries(headers)) {
      if (key.toLowerCase() === name && value !== undefined) return value.trim();
    }
    return undefined;
  };
  const milliseconds = Number(lookup('retry-after-ms'));
  if (lookup('retry-after-ms') && Number.isFinite(milliseconds) && milliseconds >= 0) return milliseconds;
  const value = lookup('retry-after');
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now());
}
