/**
 * Which addresses a server-side fetch must not reach: this machine, private networks, link-local and
 * cloud metadata endpoints, shared carrier space, multicast and reserved space. IPv6 forms that embed an
 * IPv4 address (mapped `::ffff:a.b.c.d`, compatible `::a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`)
 * are judged by the IPv4 address they carry.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';

type Family = 'ipv4' | 'ipv6';

/** Most specific first: the first range that holds an address names it. */
const RANGES: ReadonlyArray<readonly [name: string, network: string, prefix: number, family: Family]> = [
  ['cloud metadata', '169.254.169.254', 32, 'ipv4'],
  ['cloud metadata', '169.254.170.2', 32, 'ipv4'],
  ['cloud metadata', '100.100.100.200', 32, 'ipv4'],
  ['cloud metadata', '168.63.129.16', 32, 'ipv4'],
  ['cloud metadata', 'fd00:ec2::254', 128, 'ipv6'],
  ['unspecified', '0.0.0.0', 8, 'ipv4'],
  ['broadcast', '255.255.255.255', 32, 'ipv4'],
  ['loopback', '127.0.0.0', 8, 'ipv4'],
  ['private', '10.0.0.0', 8, 'ipv4'],
  ['private', '172.16.0.0', 12, 'ipv4'],
  ['private', '192.168.0.0', 16, 'ipv4'],
  ['shared carrier-grade NAT', '100.64.0.0', 10, 'ipv4'],
  ['link-local', '169.254.0.0', 16, 'ipv4'],
  ['reserved', '192.0.0.0', 24, 'ipv4'],
  ['reserved', '192.0.2.0', 24, 'ipv4'],
  ['reserved', '198.18.0.0', 15, 'ipv4'],
  ['reserved', '198.51.100.0', 24, 'ipv4'],
  ['reserved', '203.0.113.0', 24, 'ipv4'],
  ['multicast', '224.0.0.0', 4, 'ipv4'],
  ['reserved', '240.0.0.0', 4, 'ipv4'],
  ['unspecified', '::', 128, 'ipv6'],
  ['loopback', '::1', 128, 'ipv6'],
  ['private', 'fc00::', 7, 'ipv6'],
  ['link-local', 'fe80::', 10, 'ipv6'],
  ['site-local', 'fec0::', 10, 'ipv6'],
  ['multicast', 'ff00::', 8, 'ipv6'],
  ['reserved', '100::', 64, 'ipv6'],
  ['reserved', '2001:db8::', 32, 'ipv6'],
];

const CATEGORIES = buildCategories();

function buildCategories(): Array<{ name: string; list: BlockList }> {
  const byName = new Map<string, BlockList>();
  for (const [name, network, prefix, family] of RANGES) {
    const list = byName.get(name) ?? new BlockList();
    list.addSubnet(network, prefix, family);
    byName.set(name, list);
  }
  // Map order is insertion order, so `cloud metadata` is asked before `link-local`.
  return [...byName].map(([name, list]) => ({ name, list }));
}

/** The 8 groups of an IPv6 address as numbers (`::` expanded, a dotted IPv4 tail converted). */
function ipv6Groups(address: string): number[] {
  let text = address.toLowerCase().split('%')[0] ?? '';
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1]) {
    const bytes = dotted[1].split('.').map(Number);
    const tail = `${(((bytes[0] ?? 0) << 8) | (bytes[1] ?? 0)).toString(16)}:${(((bytes[2] ?? 0) << 8) | (bytes[3] ?? 0)).toString(16)}`;
    text = text.slice(0, -dotted[1].length) + tail;
  }
  const [head = '', tail] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = 8 - left.length - right.length;
  const groups = [...left, ...Array(tail === undefined ? 0 : missing).fill('0'), ...right];
  return groups.map((group) => Number.parseInt(group, 16));
}

function ipv4From(high: number, low: number): string {
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

/** The IPv4 address an IPv6 address carries, when it is one of the forms that carry one. */
export function embeddedIPv4(address: string): string | undefined {
  const groups = ipv6Groups(address);
  const [g0, g1, g2, g3, g4, g5, g6, g7] = groups as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const zeroPrefix = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  if (zeroPrefix && g5 === 0xffff) return ipv4From(g6, g7); // ::ffff:a.b.c.d (mapped)
  if (zeroPrefix && g5 === 0 && (g6 !== 0 || g7 > 1)) return ipv4From(g6, g7); // ::a.b.c.d (compatible)
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return ipv4From(g6, g7);
  if (g0 === 0x2002) return ipv4From(g1, g2); // 6to4
  return undefined;
}

/**
 * The kind of internal range `address` lies in (`loopback`, `private`, `cloud metadata`…), or undefined
 * for a public address. `address` is a literal IPv4 or IPv6 address without brackets.
 *
 * @example
 *   internalRangeOf('::ffff:127.0.0.1') // 'loopback'
 *   internalRangeOf('93.184.215.14')    // undefined
 */
export function internalRangeOf(address: string): string | undefined {
  if (isIPv6(address)) {
    const carried = embeddedIPv4(address);
    if (carried !== undefined) return internalRangeOf(carried);
  } else if (!isIPv4(address)) {
    return 'not an IP address';
  }
  const family: Family = isIPv4(address) ? 'ipv4' : 'ipv6';
  return CATEGORIES.find((category) => category.list.check(address, family))?.name;
}
