/**
 * The one way Godwit fetches a URL a user gave it (an image in a chat message, a page to ingest): only
 * http(s); the host resolved once and every address checked (see internal-address.ts); the connection
 * made to a checked address; every redirect checked again, at most `maxRedirects`; the whole download
 * bounded in time and size.
 */
import { createAllowList } from './allow-list.ts';
import { pinnedGet, readCapped } from './pinned-request.ts';
import { type HostResolver, resolveCheckedAddresses, systemResolver } from './resolve-checked-addresses.ts';
import { displayUrl, UrlRefusedError } from './url-refused-error.ts';

export interface UrlGuardSettings {
  /** Internal hosts that may be fetched anyway: names, `*.suffix`, IP addresses, CIDR ranges. Default none. */
  allowedHosts?: readonly string[];
  /** The whole download, redirects included, in milliseconds. Default 30 000. */
  timeoutMs?: number;
  /** Largest body accepted, in bytes. Default 50 MiB; each fetch may ask for less. */
  maxBytes?: number;
  /** Redirects followed before giving up. Default 5. */
  maxRedirects?: number;
  /** Host name → addresses. Default: the system resolver. Tests inject names that cannot exist in DNS. */
  resolve?: HostResolver;
  /** The configuration key named in refusals, so users know what to change. Default `urlFetch.allowedHosts`. */
  allowSetting?: string;
}

export interface FetchedUrl {
  /** The URL the body came from, after redirects. */
  url: string;
  bytes: Uint8Array;
  /** The response's media type without parameters (`image/png`), when it sent one. */
  mediaType?: string;
}

export interface GuardedFetchOptions {
  /** A smaller size cap for this fetch. */
  maxBytes?: number;
  /** Aborts the download (the client went away). */
  signal?: AbortSignal;
  /** The Accept header. Default `*\/*`. */
  accept?: string;
}

export interface UrlGuard {
  /**
   * Fetches `url` (GET) through the checks above.
   * @throws UrlRefusedError naming the URL and the check it failed.
   */
  fetch(url: string, options?: GuardedFetchOptions): Promise<FetchedUrl>;
  /**
   * Checks `url` (http or https; the host resolved and every address checked) for clients that make their
   * own requests, such as an MCP transport. Redirects are theirs to refuse.
   * @throws UrlRefusedError naming the URL and the check it failed.
   */
  check(url: string): Promise<void>;
}

export const DEFAULT_URL_FETCH_TIMEOUT_MS = 30_000;
export const DEFAULT_URL_FETCH_MAX_BYTES = 50 * 1024 * 1024;
export const DEFAULT_URL_FETCH_MAX_REDIRECTS = 5;

function parseHttpUrl(text: string, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(text, base);
  } catch {
    throw new UrlRefusedError(`"${text.slice(0, 200)}" is not a valid URL.`, 'invalid_url');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UrlRefusedError(
      `Refused to fetch ${displayUrl(url)}: only http and https URLs can be fetched.`,
      'unsupported_scheme',
    );
  }
  return url;
}

/**
 * @example
 *   const guard = createUrlGuard({ allowedHosts: config.urlFetch.allowedHosts });
 *   const { bytes, mediaType } = await guard.fetch('https://example.com/cat.png', { maxBytes: 20 << 20 });
 */
export function createUrlGuard(settings: UrlGuardSettings = {}): UrlGuard {
  const allowSetting = settings.allowSetting ?? 'urlFetch.allowedHosts';
  const allowList = createAllowList(settings.allowedHosts ?? [], allowSetting);
  const resolve = settings.resolve ?? systemResolver;
  const timeoutMs = settings.timeoutMs ?? DEFAULT_URL_FETCH_TIMEOUT_MS;
  const maxRedirects = settings.maxRedirects ?? DEFAULT_URL_FETCH_MAX_REDIRECTS;
  const guardMaxBytes = settings.maxBytes ?? DEFAULT_URL_FETCH_MAX_BYTES;

  type Step = { fetched: FetchedUrl } | { redirect: URL };

  async function fetchOnce(url: URL, maxBytes: number, signal: AbortSignal, accept: string): Promise<Step> {
    const addresses = await resolveCheckedAddresses(url, resolve, allowList, allowSetting);
    const response = await pinnedGet(url, {
      addresses,
      signal,
      headers: { accept, 'user-agent': 'Godwit', 'accept-encoding': 'identity' },
    });
    const status = response.statusCode ?? 0;
    const location = response.headers.location;
    if (status >= 300 && status < 400 && location) {
      response.resume();
      return { redirect: parseHttpUrl(location, url) };
    }
    if (status < 200 || status >= 300) {
      response.resume();
      throw new UrlRefusedError(`Fetching ${displayUrl(url)} returned HTTP ${status}.`, 'http_status', {
        details: { status },
      });
    }
    const declared = Number(response.headers['content-length']);
    const body = declared > maxBytes ? ({ tooLarge: true } as const) : await readCapped(response, maxBytes);
    if ('tooLarge' in body) {
      response.destroy();
      throw new UrlRefusedError(
        `Refused ${displayUrl(url)}: the response is larger than the ${maxBytes}-byte limit.`,
        'too_large',
        { details: { maxBytes } },
      );
    }
    const mediaType = response.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
    return { fetched: { url: url.href, bytes: body.bytes, ...(mediaType ? { mediaType } : {}) } };
  }

  async function follow(start: URL, options: GuardedFetchOptions, signal: AbortSignal): Promise<FetchedUrl> {
    const maxBytes = Math.min(options.maxBytes ?? guardMaxBytes, guardMaxBytes);
    let url = start;
    for (let redirects = 0; ; redirects++) {
      const step = await fetchOnce(url, maxBytes, signal, options.accept ?? '*/*');
      if ('fetched' in step) return step.fetched;
      if (redirects >= maxRedirects) {
        throw new UrlRefusedError(
          `Refused ${displayUrl(start)}: more than ${maxRedirects} redirects.`,
          'too_many_redirects',
        );
      }
      url = step.redirect;
    }
  }

  return {
    async check(text) {
      await resolveCheckedAddresses(parseHttpUrl(text), resolve, allowList, allowSetting);
    },
    async fetch(text, options = {}) {
      const url = parseHttpUrl(text);
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
      try {
        return await follow(url, options, signal);
      } catch (error) {
        if (error instanceof UrlRefusedError) throw error;
        if (timeout.aborted) {
          throw new UrlRefusedError(
            `Fetching ${displayUrl(url)} took longer than ${timeoutMs} ms and was stopped.`,
            'timeout',
            { details: { timeoutMs }, cause: error },
          );
        }
        if (options.signal?.aborted) throw error;
        const reason = error instanceof Error ? error.message : String(error);
        throw new UrlRefusedError(`Cannot fetch ${displayUrl(url)}: ${reason}.`, 'unreachable', {
          cause: error,
        });
      }
    },
  };
}
