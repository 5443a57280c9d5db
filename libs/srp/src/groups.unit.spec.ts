import { checkPrimeSync, getDiffieHellman } from 'node:crypto';
import { SRP } from 'fast-srp-hap';
import { SRP_GROUP_BITS, srpModPow, srpParameters } from './index';

const jsbnToBigInt = (value: { toString(radix: number): string }) => BigInt('0x' + value.toString(16));

describe('srpParameters', () => {
  it.each(SRP_GROUP_BITS)('the %i-bit group is the one fast-srp-hap has (RFC 5054 Appendix A)', (bits) => {
    const params = srpParameters(bits, 'SHA-256');
    expect(params.N).toBe(jsbnToBigInt(SRP.params[bits].N));
    expect(params.g).toBe(jsbnToBigInt(SRP.params[bits].g));
    expect(params.N.toString(2)).toHaveLength(bits);
    expect(params.byteLength).toBe(bits / 8);
  });

  it('the 3072- and 4096-bit N are the RFC 3526 MODP primes OpenSSL ships', () => {
    expect(srpParameters(3072, 'SHA-256').N.toString(16)).toBe(getDiffieHellman('modp15').getPrime('hex'));
    expect(srpParameters(4096, 'SHA-256').N.toString(16)).toBe(getDiffieHellman('modp16').getPrime('hex'));
  });

  // 3072 and 4096 are the RFC 3526 safe primes (checked above); testing them again takes seconds.
  it.each([1024, 1536, 2048] as const)('N (%i bits) is a safe prime', (bits) => {
    const { N } = srpParameters(bits, 'SHA-256');
    expect(checkPrimeSync(N)).toBe(true);
    expect(checkPrimeSync((N - 1n) / 2n)).toBe(true);
  });

  it.each(SRP_GROUP_BITS)('g generates the whole group of the %i-bit N', (bits) => {
    const params = srpParameters(bits, 'SHA-256');
    const { N, g } = params;
    // Order 2q with q = (N−1)/2 prime: g generates it iff g² ≠ 1 and g^q ≠ 1 (here g^q = −1).
    expect(srpModPow(params, g, (N - 1n) / 2n)).toBe(N - 1n);
  });

  it('caches one frozen object per group and hash', () => {
    const params = srpParameters(2048, 'SHA-256');
    expect(srpParameters(2048, 'SHA-256')).toBe(params);
    expect(srpParameters(2048, 'SHA-512')).not.toBe(params);
    expect(Object.isFrozen(params)).toBe(true);
  });

  it('refuses unknown groups and hashes (policies arrive as data)', () => {
    expect(() => srpParameters(512 as never, 'SHA-256')).toThrow(/unsupported SRP group/);
    expect(() => srpParameters(2048, 'MD5' as never)).toThrow(/unsupported SRP hash/);
  });
});
