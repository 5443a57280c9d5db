import { clientBucketOf } from './client-bucket';

describe('clientBucketOf', () => {
  it('keeps IPv4 addresses, IPv4-mapped IPv6 included', () => {
    expect(clientBucketOf('203.0.113.7')).toBe('203.0.113.7');
    expect(clientBucketOf('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientBucketOf('203.0.113.8')).not.toBe(clientBucketOf('203.0.113.7'));
  });

  it('counts IPv6 per /64, however the address is written', () => {
    const bucket = clientBucketOf('2001:db8:1:2::1');
    expect(bucket).toBe('2001:db8:1:2::/64');
    for (const address of [
      '2001:db8:1:2:ffff:ffff:ffff:ffff',
      '2001:0DB8:0001:0002:0:0:0:abcd',
      '2001:db8:1:2::',
    ])
      expect(clientBucketOf(address)).toBe(bucket);
    expect(clientBucketOf('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64');
    expect(clientBucketOf('2001:db8:1::1')).toBe('2001:db8:1::/64');
  });

  it('gives what is not an address a bucket of its own', () => {
    expect(clientBucketOf(undefined)).toBe('unknown');
    expect(clientBucketOf('not-an-ip')).toBe('other:not-an-ip');
  });
});
