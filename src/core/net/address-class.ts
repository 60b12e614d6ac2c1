// Classifies IP addresses so palyra.http.fetch and the browser service refuse to reach internal networks.
import { BlockList, isIP } from 'node:net';

/**
 * `public` is reachable by default. `loopback`, `private`, `link_local`, `shared` (CGNAT) and
 * `unique_local` are internal networks, reachable when the operator allows private networks.
 * `unspecified`, `multicast` and `reserved` (documentation, benchmarking, broadcast, future use)
 * are never a sensible destination for a request.
 */
export type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link_local'
  | 'shared'
  | 'unique_local'
  | 'unspecified'
  | 'multicast'
  | 'reserved';

/** Classes an operator can open with `allowPrivateNetworks`. */
export const PRIVATE_NETWORK_CLASSES: ReadonlySet<AddressClass> = new Set<AddressClass>([
  'loopback',
  'private',
  'link_local',
  'shared',
  'unique_local',
]);

type Rule = [address: string, prefix: number, family: 'ipv4' | 'ipv6'];

// Order matters: the first class whose list matches wins (`::` and `::1` before the `::/96` block).
const RULES: [AddressClass, Rule[]][] = [
  ['unspecified', [['0.0.0.0', 8, 'ipv4'], ['::', 128, 'ipv6']]],
  ['loopback', [['127.0.0.0', 8, 'ipv4'], ['::1', 128, 'ipv6']]],
  ['private', [['10.0.0.0', 8, 'ipv4'], ['172.16.0.0', 12, 'ipv4'], ['192.168.0.0', 16, 'ipv4']]],
  ['link_local', [['169.254.0.0', 16, 'ipv4'], ['fe80::', 10, 'ipv6']]],
  ['shared', [['100.64.0.0', 10, 'ipv4']]],
  ['unique_local', [['fc00::', 7, 'ipv6']]],
  ['multicast', [['224.0.0.0', 4, 'ipv4'], ['ff00::', 8, 'ipv6']]],
  [
    'reserved',
    [
      ['192.0.0.0', 24, 'ipv4'],
      ['192.0.2.0', 24, 'ipv4'],
      ['198.18.0.0', 15, 'ipv4'],
      ['198.51.100.0', 24, 'ipv4'],
      ['203.0.113.0', 24, 'ipv4'],
      ['240.0.0.0', 4, 'ipv4'],
      ['::', 96, 'ipv6'],
      ['100::', 64, 'ipv6'],
      ['2001:db8::', 32, 'ipv6'],
      ['fec0::', 10, 'ipv6'],
    ],
  ],
];

const BLOCK_LISTS: [AddressClass, BlockList][] = RULES.map(([addressClass, rules]) => {
  const list = new BlockList();
  for (const [address, prefix, family] of rules) {
    list.addSubnet(address, prefix, family);
    if (family === 'ipv4') list.addSubnet(nat64Address(address), 96 + prefix, 'ipv6');
  }
  return [addressClass, list];
});

/** The IPv4 address inside the NAT64 well-known prefix 64:ff9b::/96 (RFC 6052), which a NAT64 gateway would reach. */
function nat64Address(ipv4: string): string {
  const [a = 0, b = 0, c = 0, d = 0] = ipv4.split('.').map(Number);
  return `64:ff9b::${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
}

/**
 * The class of an IPv4 or IPv6 address. IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`) are classed
 * as the IPv4 address they carry (node's BlockList matches them against IPv4 rules), and so are
 * NAT64 addresses (`64:ff9b::a.b.c.d`); a zone id (`fe80::1%eth0`) is ignored.
 * @throws TypeError when `address` is not an IP address.
 */
export function classifyAddress(address: string): AddressClass {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const version = isIP(bare);
  if (version === 0) throw new TypeError(`not an IP address: ${address}`);
  const family = version === 4 ? 'ipv4' : 'ipv6';
  for (const [addressClass, list] of BLOCK_LISTS) {
    if (list.check(bare, family)) return addressClass;
  }
  return 'public';
}
