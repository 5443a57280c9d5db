/**
 * SRP-6a exactly as RFC 5054 (and docs API.md, "Passcodes"):
 *
 *   k = H(N | PAD(g))            x = H(s | H(I | ":" | P))        v = g^x mod N
 *   B = (k·v + g^b) mod N        u = H(PAD(A) | PAD(B))           S = (A·v^u)^b mod N
 *   K = H(PAD(S))                M1 = H(H(N) xor H(g) | H(I) | s | PAD(A) | PAD(B) | K)
 *   M2 = H(PAD(A) | M1 | K)
 *
 * H(N) and H(g) hash the numbers' own (minimal) bytes: one byte for g = 2. I and P are UTF-8.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { SrpInputError, bigIntFromBytes, bytesFromBigInt, pad, parseSrpHex } from './encoding';
import { SRP_HASHES, type SrpParameters } from './groups';
import { srpModPow } from './mod-pow';

/** RFC 5054 asks for at least 256 random bits in the secret ephemerals a and b. */
const EPHEMERAL_SECRET_BYTES = 32;

const hash = (params: SrpParameters, ...parts: Uint8Array[]): Buffer => {
  const digest = createHash(SRP_HASHES[params.hash].nodeName);
  for (const part of parts) digest.update(part);
  return digest.digest();
};

const utf8 = (text: string) => Buffer.from(text, 'utf8');

/** Multiplier k = H(N | PAD(g)). */
export const srpComputeK = (params: SrpParameters): bigint =>
  bigIntFromBytes(hash(params, bytesFromBigInt(params.N), pad(params, params.g)));

/** Private key x = H(s | H(I | ":" | P)). */
export const srpComputeX = (
  params: SrpParameters,
  identity: string,
  password: string,
  salt: Buffer,
): bigint => bigIntFromBytes(hash(params, salt, hash(params, utf8(`${identity}:${password}`))));

/** Scrambling parameter u = H(PAD(A) | PAD(B)). */
export const srpComputeU = (params: SrpParameters, A: bigint, B: bigint): bigint =>
  bigIntFromBytes(hash(params, pad(params, A), pad(params, B)));

/** Server's premaster secret S = (A·v^u)^b mod N. */
export const srpComputeServerS = (
  params: SrpParameters,
  { A, v, u, b }: { A: bigint; v: bigint; u: bigint; b: bigint },
): bigint => srpModPow(params, (A * srpModPow(params, v, u)) % params.N, b);

/** Client's premaster secret S = (B − k·g^x)^(a + u·x) mod N. */
export const srpComputeClientS = (
  params: SrpParameters,
  { B, x, a, u }: { B: bigint; x: bigint; a: bigint; u: bigint },
): bigint => {
  const { N, g } = params;
  const base = (((B - srpComputeK(params) * srpModPow(params, g, x)) % N) + N) % N;
  return srpModPow(params, base, a + u * x);
};

/** Session key K = H(PAD(S)). */
export const srpComputeSessionKey = (params: SrpParameters, S: bigint): Buffer =>
  hash(params, pad(params, S));

/** Client proof M1 = H(H(N) xor H(g) | H(I) | s | PAD(A) | PAD(B) | K). */
export const srpComputeM1 = (
  params: SrpParameters,
  { identity, salt, A, B, K }: { identity: string; salt: Buffer; A: bigint; B: bigint; K: Buffer },
): Buffer => {
  const hashN = hash(params, bytesFromBigInt(params.N));
  const hashG = hash(params, bytesFromBigInt(params.g));
  const groupHash = hashN.map((byte, i) => byte ^ (hashG[i] ?? 0));
  return hash(params, groupHash, hash(params, utf8(identity)), salt, pad(params, A), pad(params, B), K);
};

/** Server proof M2 = H(PAD(A) | M1 | K). */
export const srpComputeM2 = (
  params: SrpParameters,
  { A, M1, K }: { A: bigint; M1: Buffer; K: Buffer },
): Buffer => hash(params, pad(params, A), M1, K);

/** Server step 1: a random secret b and B = (k·v + g^b) mod N, both hex (B padded to the length of N). */
export const srpServerChallenge = (
  params: SrpParameters,
  verifierHex: string,
  b: Buffer = randomBytes(EPHEMERAL_SECRET_BYTES), // a fixed b is for tests only
): { b: string; B: string } => {
  const v = bigIntFromBytes(parseSrpHex('verifier', verifierHex, params));
  const B = (srpComputeK(params) * v + srpModPow(params, params.g, bigIntFromBytes(b))) % params.N;
  return { b: b.toString('hex'), B: pad(params, B).toString('hex') };
};

/** b and B are the server's own stored state: malformed means a server bug, not a client error. */
const decodeStoredHex = (name: 'b' | 'B', hex: string, length?: number): bigint => {
  if (!/^(?:[0-9a-f]{2})+$/.test(hex) || (length !== undefined && hex.length !== length * 2)) {
    throw new Error(`stored SRP ${name} is malformed`);
  }
  return BigInt('0x' + hex);
};

/**
 * Server step 2: checks the client's proof M1 (constant-time); on success returns M2 for the client
 * and the shared session key K. Malformed A, M1, salt or verifier (A ≡ 0 mod N included) and u = 0
 * throw SrpInputError; a wrong password is `{ ok: false }`.
 */
export const srpVerifyClient = (
  params: SrpParameters,
  input: { identity: string; salt: string; verifier: string; b: string; B: string; A: string; M1: string },
): { ok: true; M2: string; K: Buffer } | { ok: false } => {
  const A = bigIntFromBytes(parseSrpHex('A', input.A, params));
  const clientM1 = parseSrpHex('M1', input.M1, params);
  const salt = parseSrpHex('salt', input.salt, params);
  const v = bigIntFromBytes(parseSrpHex('verifier', input.verifier, params));
  const b = decodeStoredHex('b', input.b);
  const B = decodeStoredHex('B', input.B, params.byteLength);

  const u = srpComputeU(params, A, B);
  // With u = 0 the verifier would not enter S; reaching this takes a hash preimage.
  if (u === 0n) throw new SrpInputError('A', 'A gives u = 0');
  const K = srpComputeSessionKey(params, srpComputeServerS(params, { A, v, u, b }));
  const expectedM1 = srpComputeM1(params, { identity: input.identity, salt, A, B, K });
  if (!timingSafeEqual(expectedM1, clientM1)) return { ok: false };
  return { ok: true, M2: srpComputeM2(params, { A, M1: expectedM1, K }).toString('hex'), K };
};

// ---- Client side: for tests, benchmarks and documentation; the server never runs these. ----

/** Registration: the verifier v = g^x mod N, hex padded to the length of N. */
export const srpComputeVerifier = (
  params: SrpParameters,
  identity: string,
  password: string,
  salt: Buffer,
): string =>
  pad(params, srpModPow(params, params.g, srpComputeX(params, identity, password, salt))).toString('hex');

/**
 * Authentication, client side: given the server's salt and B, returns A and M1 to send, and the M2
 * and K to expect. Aborts (throws) on B ≡ 0 mod N or u = 0 as RFC 5054 requires of a client.
 */
export const srpClientProof = (
  params: SrpParameters,
  input: { identity: string; password: string; salt: string; B: string },
  a: Buffer = randomBytes(EPHEMERAL_SECRET_BYTES), // a fixed a is for tests only
): { A: string; M1: string; M2: string; K: Buffer } => {
  const salt = Buffer.from(input.salt, 'hex');
  const B = BigInt('0x' + input.B);
  if (B % params.N === 0n) throw new Error('server sent B ≡ 0 (mod N)');
  const secretA = bigIntFromBytes(a);
  const A = srpModPow(params, params.g, secretA);
  const u = srpComputeU(params, A, B);
  if (u === 0n) throw new Error('u = 0');
  const x = srpComputeX(params, input.identity, input.password, salt);
  const K = srpComputeSessionKey(params, srpComputeClientS(params, { B, x, a: secretA, u }));
  const M1 = srpComputeM1(params, { identity: input.identity, salt, A, B, K });
  return {
    A: pad(params, A).toString('hex'),
    M1: M1.toString('hex'),
    M2: srpComputeM2(params, { A, M1, K }).toString('hex'),
    K,
  };
};
