/**
 * Outbound fetches of user-supplied URLs: the URL guard, its allow-list and the address ranges it refuses.
 */
export { type AllowList, createAllowList } from './allow-list.ts';
export { embeddedIPv4, internalRangeOf } from './internal-address.ts';
export type { HostResolver, ResolvedAddress } from './resolve-checked-addresses.ts';
export {
  createUrlGuard,
  DEFAULT_URL_FETCH_MAX_BYTES,
  DEFAULT_URL_FETCH_MAX_REDIRECTS,
  DEFAULT_URL_FETCH_TIMEOUT_MS,
  type FetchedUrl,
  type GuardedFetchOptions,
  type UrlGuard,
  type UrlGuardSettings,
} from './url-guard.ts';
export { displayUrl, type UrlRefusalReason, UrlRefusedError } from './url-refused-error.ts';
