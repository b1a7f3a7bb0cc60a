// Which resolved addresses an http step may connect to: globally routable unicast only. A tenant's
// allowed host name can still resolve to the fleet's own network (DNS can point anywhere), so every
// address is checked before the connection is made to it.
// Built on node's BlockList: its IPv4 rules also match IPv4-mapped IPv6 (::ffff:10.0.0.1).
import { BlockList, isIPv4, isIPv6 } from "node:net";

/** Decides whether a resolved address may be connected to. */
export type AddressPredicate = (address: string) => boolean;

const IPV4_REFUSED: [string, number][] = [
  ["0.0.0.0", 8], // "this network", unspecified
  ["10.0.0.0", 8], // private
  ["100.64.0.0", 10], // carrier-grade NAT
  ["127.0.0.0", 8], // loopback
  ["169.254.0.0", 16], // link-local (cloud metadata at 169.254.169.254)
  ["172.16.0.0", 12], // private
  ["192.0.0.0", 24], // IETF protocol assignments
  ["192.0.2.0", 24], // documentation
  ["192.88.99.0", 24], // 6to4 relay anycast
  ["192.168.0.0", 16], // private
  ["198.18.0.0", 15], // benchmarking
  ["198.51.100.0", 24], // documentation
  ["203.0.113.0", 24], // documentation
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, broadcast
];

// Not ::ffff:0:0/96: BlockList applies a rule there to every IPv4 address. Mapped addresses are
// covered by the IPv4 rules instead.
const IPV6_REFUSED: [string, number][] = [
  ["::", 128], // unspecified
  ["::1", 128], // loopback
  ["::", 96], // IPv4-compatible (deprecated)
  ["64:ff9b:1::", 48], // local-use IPv4/IPv6 translation
  ["100::", 64], // discard-only
  ["2001::", 32], // Teredo: embeds an obfuscated IPv4 address
  ["2001:db8::", 32], // documentation
  ["fc00::", 7], // unique local
  ["fe80::", 10], // link-local
  ["fec0::", 10], // site-local (deprecated)
  ["ff00::", 8], // multicast
];

const refused = new BlockList();
for (const [network, prefix] of IPV4_REFUSED) refused.addSubnet(network, prefix, "ipv4");
for (const [network, prefix] of IPV6_REFUSED) refused.addSubnet(network, prefix, "ipv6");

// Prefixes whose addresses carry an IPv4 address in known bits: that address decides.
const nat64 = new BlockList();
nat64.addSubnet("64:ff9b::", 96, "ipv6");
const sixToFour = new BlockList();
sixToFour.addSubnet("2002::", 16, "ipv6");

/** The eight 16-bit groups of a valid IPv6 address (with "::" and a dotted IPv4 tail expanded). */
function ipv6Groups(address: string): number[] {
  let text = address.split("%", 1)[0] ?? "";
  const lastColon = text.lastIndexOf(":");
  const tail = text.slice(lastColon + 1);
  if (isIPv4(tail)) {
    const [a = 0, b = 0, c = 0, d = 0] = tail.split(".").map(Number);
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = "", rest] = text.split("::", 2);
  const headGroups = head === "" ? [] : head.split(":");
  if (rest === undefined) return headGroups.map((group) => parseInt(group, 16));
  const restGroups = rest === "" ? [] : rest.split(":");
  const zeros = Array.from({ length: 8 - headGroups.length - restGroups.length }, () => "0");
  return [...headGroups, ...zeros, ...restGroups].map((group) => parseInt(group, 16));
}

function ipv4Of(high: number, low: number): string {
  return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
}

/** The default predicate: false for loopback, private, link-local, unique-local, CGNAT, multicast, unspecified and reserved addresses, however written. */
export function isPublicAddress(address: string): boolean {
  if (isIPv4(address)) return !refused.check(address, "ipv4");
  if (!isIPv6(address)) return false;
  if (refused.check(address, "ipv6")) return false;
  if (nat64.check(address, "ipv6")) {
    const groups = ipv6Groups(address);
    return isPublicAddress(ipv4Of(groups[6] ?? 0, groups[7] ?? 0));
  }
  if (sixToFour.check(address, "ipv6")) {
    const groups = ipv6Groups(address);
    return isPublicAddress(ipv4Of(groups[1] ?? 0, groups[2] ?? 0));
  }
  return true;
}
