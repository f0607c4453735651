/** Redis connection URLs: validation, and a form safe to print (the password replaced by `***`). */
import { ConfigError } from '../../core/errors.ts';

const SCHEMES = new Set(['redis:', 'rediss:']);

/** Throws ConfigError (without echoing the value, which may hold a password) unless `url` is redis:// or rediss://. */
export function parseRedisUrl(url: string, field = 'GODWIT_REDIS_URL'): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new ConfigError(
      `${field} is not a valid URL. Write it as redis://[user:password@]host:port[/db] (rediss:// for TLS).`,
      { cause: error, details: { field } },
    );
  }
  if (!SCHEMES.has(parsed.protocol) || parsed.hostname === '') {
    throw new ConfigError(
      `${field} must be a redis:// or rediss:// URL with a host, for example redis://127.0.0.1:6379; got a ${parsed.protocol} URL.`,
      { details: { field } },
    );
  }
  return parsed;
}

/** The URL with its password hidden, for messages and logs. */
export function redactRedisUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '(an unparseable Redis URL)';
  }
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
