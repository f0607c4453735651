/** The URL guard as the `urlFetch` section configures it (allow-list, timeout, redirects). */
import { createUrlGuard, type UrlGuard } from '../net/index.ts';
import type { GodwitConfig } from './schema.ts';

/**
 * @param maxBytes the size cap for every fetch of this guard (each fetch may ask for less). Default 50 MiB.
 * @example
 *   const guard = createConfiguredUrlGuard(config, config.ingest.maxFileBytes);
 */
export function createConfiguredUrlGuard(
  config: Pick<GodwitConfig, 'urlFetch'>,
  maxBytes?: number,
): UrlGuard {
  return createUrlGuard({
    allowedHosts: config.urlFetch.allowedHosts,
    timeoutMs: config.urlFetch.timeoutMs,
    maxRedirects: config.urlFetch.maxRedirects,
    ...(maxBytes === undefined ? {} : { maxBytes }),
  });
}
