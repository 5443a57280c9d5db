import { randomBytes } from 'node:crypto';
import { SRP_GROUP_BITS, bigIntFromBytes, bigIntModPow, srpModPow, srpParameters } from './index';

describe.each(SRP_GROUP_BITS)('srpModPow over the %i-bit group', (bits) => {
  const params = srpParameters(bits, 'SHA-256');
  const { N } = params;
  const random = (bytes: number) => bigIntFromBytes(randomBytes(bytes));

  it('equals square-and-multiply for random bases and exponents of 1–64 bytes', () => {
    for (const exponentBytes of [1, 20, 32, 64]) {
      const base = random(params.byteLength) % N;
      const exponent = random(exponentBytes);
      expect(srpModPow(params, base, exponent)).toBe(bigIntModPow(base, exponent, N));
    }
  });

  it('handles the bases OpenSSL refuses (0, 1, N−1), bases ≥ N and the zero exponent', () => {
    const exponent = random(32) | 1n; // odd: (N−1)^e = N−1
    expect(srpModPow(params, 0n, exponent)).toBe(0n);
    expect(srpModPow(params, 1n, exponent)).toBe(1n);
    expect(srpModPow(params, N - 1n, exponent)).toBe(N - 1n);
    expect(srpModPow(params, N - 1n, 2n)).toBe(1n);
    expect(srpModPow(params, N, exponent)).toBe(0n);
    expect(srpModPow(params, N + 2n, exponent)).toBe(bigIntModPow(2n, exponent, N));
    expect(srpModPow(params, 12345n, 0n)).toBe(1n);
  });

  it('handles results OpenSSL refuses (1 and N−1)', () => {
    const q = (N - 1n) / 2n;
    expect(srpModPow(params, params.g, N - 1n)).toBe(1n); // Fermat
    expect(srpModPow(params, params.g, q)).toBe(N - 1n); // g is a non-residue
    expect(srpModPow(params, 4n, q)).toBe(1n); // 4 is a residue
  });

  it('keeps small results small (OpenSSL pads or strips leading zero bytes; the number is the same)', () => {
    expect(srpModPow(params, 7n, 1n)).toBe(7n);
    expect(srpModPow(params, params.g, 10n)).toBe(params.g ** 10n);
  });
});
