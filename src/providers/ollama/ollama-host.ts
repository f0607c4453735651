/**
 * OLLAMA_HOST as Ollama itself reads it: `host`, `host:port` or `scheme://host[:port][/path]`; without a
 * scheme the port defaults to 11434, with `http://` to 80 and with `https://` to 443. The listen-anywhere
 * addresses (0.0.0.0, ::) mean "this machine" to a client.
 */
import { ConfigError } from '../../core/errors.ts';

export const OLLAMA_DEFAULT_HOST = 'http://127.0.0.1:11434';

export function ollamaHostURL(host: string | undefined): string {
  const value = host?.trim();
  if (!value) return OLLAMA_DEFAULT_HOST;
  const hasScheme = value.includes('://');
  let url: URL;
  try {
    url = new URL(hasScheme ? value : `http://${value}`);
  } catch (error) {
    throw new ConfigError(`OLLAMA_HOST "${value}" is not a host or URL; use for example 127.0.0.1:11434.`, {
      cause: error,
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`OLLAMA_HOST "${value}" must use http or https.`);
  }
  if (!hasScheme && url.port === '') url.port = '11434';
  if (url.hostname === '0.0.0.0' || url.hostname === '') url.hostname = '127.0.0.1';
  if (url.hostname === '[::]') url.hostname = '[::1]';
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}
