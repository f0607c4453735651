/**
 * The hosts a deployment lets the URL guard reach although they are internal: host names (matched
 * exactly, case-insensitive, `*.corp.example` for every subdomain), IP addresses and CIDR ranges
 * (`10.0.0.0/8`, `fd00::/8`).
 */
import { BlockList, isIP } from 'node:net';
import { ConfigError } from '../core/errors.ts';

export interface AllowList {
  /** True when the URL's host name or one of its resolved addresses is allowed. */
  allowsHost(hostname: string): boolean;
  allowsAddress(address: string): boolean;
  readonly empty: boolean;
}

function bare(host: string): string {
  return host
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase();
}

function addAddressEntry(list: BlockList, entry: string): void {
  const [network = '', prefixText] = entry.split('/');
  const family = isIP(network);
  if (family === 0) throw new Error('not an address');
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (prefixText === undefined) {
    list.addAddress(network, type);
    return;
  }
  const prefix = Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) {
    throw new Error('bad prefix length');
  }
  list.addSubnet(network, prefix, type);
}

/**
 * Builds the allow-list from configured entries. `setting` names the configuration key in errors.
 *
 * @throws ConfigError naming the entry that is neither a host name, an address nor a CIDR range.
 * @example
 *   const allowList = createAllowList(['127.0.0.1', 'wiki.corp.example', '10.20.0.0/16']);
 */
export function createAllowList(entries: readonly string[], setting = 'urlFetch.allowedHosts'): AllowList {
  const addresses = new BlockList();
  const names = new Set<string>();
  const suffixes: string[] = [];
  for (const raw of entries) {
    const entry = bare(raw.trim());
    if (entry.includes('/') || isIP(entry) !== 0) {
      try {
        addAddressEntry(addresses, entry);
      } catch {
        throw new ConfigError(
          `${setting}: "${raw}" is not a valid IP address or CIDR range (for example 10.0.0.0/8 or fd00::/8).`,
        );
      }
    } else if (/^\*\.[a-z0-9.-]+$/.test(entry)) {
      suffixes.push(entry.slice(1));
    } else if (/^[a-z0-9_.-]+$/.test(entry)) {
      names.add(entry);
    } else {
      throw new ConfigError(
        `${setting}: "${raw}" is not a host name, an IP address or a CIDR range. Give entries such as wiki.corp.example, *.corp.example, 127.0.0.1 or 10.0.0.0/8.`,
      );
    }
  }
  return {
    empty: entries.length === 0,
    allowsHost(hostname) {
      const host = bare(hostname);
      return names.has(host) || suffixes.some((suffix) => host.endsWith(suffix));
    },
    allowsAddress(address) {
      const family = isIP(address);
      if (family === 0) return false;
      return addresses.check(address, family === 4 ? 'ipv4' : 'ipv6');
    },
  };
}
