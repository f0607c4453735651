import { GodwitError, type GodwitErrorOptions } from '../core/errors.ts';

/** Why the guard did not fetch (or finish fetching) a URL. */
export type UrlRefusalReason =
  | 'invalid_url'
  | 'unsupported_scheme'
  | 'internal_address'
  | 'unresolvable_host'
  | 'too_many_redirects'
  | 'timeout'
  | 'too_large'
  | 'unreachable'
  | 'http_status';

/**
 * A user-supplied URL that was refused or could not be fetched: the message names the URL and what is
 * wrong with it; `details.reason` says which check failed. A client error (400): the URL is the caller's.
 */
export class UrlRefusedError extends GodwitError {
  readonly reason: UrlRefusalReason;

  constructor(message: string, reason: UrlRefusalReason, options: GodwitErrorOptions = {}) {
    super('bad_request', message, {
      ...options,
      details: { ...options.details, reason },
      isRetryable: reason === 'timeout' || reason === 'unreachable',
    });
    this.reason = reason;
  }
}

/** A URL as it may be shown in messages and logs: without user name and password. */
export function displayUrl(url: URL | string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.href;
  } catch {
    return String(url).slice(0, 200);
  }
}
