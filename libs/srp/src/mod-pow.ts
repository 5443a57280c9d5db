import { createDiffieHellman, type DiffieHellman } from 'node:crypto';
import { bigIntFromBytes, bytesFromBigInt } from './encoding';
import type { SrpParameters } from './groups';

/** Right-to-left square-and-multiply over BigInt: the reference, and the path for trivial bases. */
export const bigIntModPow = (base: bigint, exponent: bigint, modulus: bigint): bigint => {
  if (exponent < 0n) throw new RangeError('negative exponent');
  let result = 1n % modulus;
  let square = base % modulus;
  for (let rest = exponent; rest > 0n; rest >>= 1n) {
    if (rest & 1n) result = (result * square) % modulus;
    square = (square * square) % modulus;
  }
  return result;
};

/**
 * One OpenSSL DH context per modulus, used as a modular exponentiator: with the exponent as the
 * "private key", `computeSecret(base)` is base^exponent mod N (Montgomery arithmetic, several times
 * faster than BigInt; see tools/bench/srp-modpow.ts).
 *
 * Created with generator 2 whatever the group's g: Node runs OpenSSL's DH_check when the context is
 * created, which is a table lookup for (N, 2) of a named RFC 3526 group (the 3072- and 4096-bit N)
 * but a full safe-prime test otherwise (≈2–5 s for those N with g = 5). The RFC 5054 1024–2048-bit
 * primes are not named groups: their context costs one test (≈0.3 s for 2048 bits), once per process.
 * The generator is never used: powers of g go through computeSecret(g) like any other base.
 */
const contexts = new Map<bigint, DiffieHellman>();

const contextFor = (modulus: bigint): DiffieHellman => {
  let context = contexts.get(modulus);
  if (!context) {
    context = createDiffieHellman(bytesFromBigInt(modulus), Buffer.from([2]));
    contexts.set(modulus, context);
  }
  return context;
};

/** base^exponent mod N for a group's N, through OpenSSL. */
export const srpModPow = (params: SrpParameters, base: bigint, exponent: bigint): bigint => {
  if (base < 0n || exponent < 0n) throw new RangeError('negative base or exponent');
  const reduced = base % params.N;
  // OpenSSL refuses 0, 1 and N−1 as peer keys ("key too small/large"), and a zero exponent is not a
  // private key; all of these have trivial powers.
  if (reduced <= 1n || reduced === params.N - 1n || exponent === 0n) {
    return bigIntModPow(reduced, exponent, params.N);
  }
  // Synchronous set-then-use: nothing can interleave on the shared context.
  const context = contextFor(params.N);
  context.setPrivateKey(bytesFromBigInt(exponent));
  try {
    return bigIntFromBytes(context.computeSecret(bytesFromBigInt(reduced)));
  } catch (error) {
    // OpenSSL 3 also refuses a shared secret of 1 or N−1 (SP 800-56A), reported as this code. For
    // SRP's inputs that needs an exponent that is a multiple of (N−1)/2: never for random b, x or u.
    if ((error as { code?: string }).code !== 'ERR_CRYPTO_INVALID_KEYTYPE') throw error;
    return bigIntModPow(reduced, exponent, params.N);
  }
};
