/**
 * Resolves a URL's host once and checks every address it resolves to. The addresses returned are the
 * only ones the request may connect to, so a second lookup (DNS rebinding between check and connect)
 * cannot send it elsewhere.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { AllowList } from './allow-list.ts';
import { internalRangeOf } from './internal-address.ts';
import { displayUrl, UrlRefusedError } from './url-refused-error.ts';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Every address a host name resolves to. Default: the system resolver (`/etc/hosts`, then DNS). */
export type HostResolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: HostResolver = async (hostname) => {
  const answers = await lookup(hostname, { all: true, verbatim: true });
  return answers.map((answer) => ({ address: answer.address, family: answer.family === 6 ? 6 : 4 }));
};

function unbracketed(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

async function addressesOf(url: URL, resolve: HostResolver): Promise<ResolvedAddress[]> {
  // The WHATWG parser has already turned 2130706433, 0x7f.1 and 017700000001 into 127.0.0.1.
  const host = unbracketed(url.hostname);
  const family = isIP(host);
  if (family !== 0) return [{ address: host, family: family === 6 ? 6 : 4 }];
  let resolved: ResolvedAddress[];
  try {
    resolved = await resolve(host);
  } catch (error) {
    throw new UrlRefusedError(
      `Cannot fetch ${displayUrl(url)}: the host name ${host} does not resolve. Check the address.`,
      'unresolvable_host',
      { cause: error },
    );
  }
  if (resolved.length === 0) {
    throw new UrlRefusedError(
      `Cannot fetch ${displayUrl(url)}: the host name ${host} resolves to no address.`,
      'unresolvable_host',
    );
  }
  return resolved;
}

/**
 * The addresses `url` may be fetched from: all of its host's addresses, each checked against the
 * internal ranges unless the allow-list lets the host name or that address through.
 *
 * @throws UrlRefusedError (`internal_address`) naming the address and its range when any one address is
 *   internal: a name that resolves to one public and one private address is refused as a whole.
 */
export async function resolveCheckedAddresses(
  url: URL,
  resolve: HostResolver,
  allowList: AllowList,
  setting: string,
): Promise<ResolvedAddress[]> {
  const addresses = await addressesOf(url, resolve);
  if (allowList.allowsHost(url.hostname)) return addresses;
  for (const { address } of addresses) {
    const range = internalRangeOf(address);
    if (range === undefined || allowList.allowsAddress(address)) continue;
    const host = unbracketed(url.hostname);
    const via = host === address ? '' : ` (${host} resolves to ${address})`;
    throw new UrlRefusedError(
      `Refused to fetch ${displayUrl(url)}: ${address} is a ${range} address${via}, which a server-side fetch may not reach. If this host is meant to be reachable, add it to ${setting}.`,
      'internal_address',
      { details: { address, range } },
    );
  }
  return addresses;
}
