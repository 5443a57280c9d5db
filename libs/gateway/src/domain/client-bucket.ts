import ipaddr from 'ipaddr.js';

/**
 * The rate-limit bucket of a client address: an IPv4 address as it is (IPv4-mapped IPv6 included),
 * an IPv6 address by its /64 — one subscriber's network is routinely a whole /64 (RFC 6177), so
 * counting per /128 would let one client rotate through 2^64 addresses. Anything unparsable is
 * its own bucket.
 */
export const clientBucketOf = (address: string | undefined): string => {
  if (!address) return 'unknown';
  if (!ipaddr.isValid(address)) return `other:${address}`;
  const parsed = ipaddr.process(address);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  return `${ipaddr.IPv6.networkAddressFromCIDR(`${parsed.toString()}/64`).toString()}/64`;
};
