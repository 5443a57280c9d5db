import { randomBytes } from 'node:crypto';
import {
  SrpInputError,
  type SrpParameters,
  bytesFromBigInt,
  parseSrpHex,
  srpClientProof,
  srpComputeVerifier,
  srpParameters,
  srpServerChallenge,
  srpVerifyClient,
} from './index';

const params = srpParameters(2048, 'SHA-256');
const { N, byteLength } = params;
const hexOf = (value: bigint, length = byteLength) => bytesFromBigInt(value, length).toString('hex');

/** The SrpInputError thrown by `action`, so a test can check which field it names. */
const inputError = (action: () => unknown): SrpInputError => {
  try {
    action();
  } catch (error) {
    if (error instanceof SrpInputError) return error;
    throw error;
  }
  throw new Error('no SrpInputError thrown');
};

type WireField = 'A' | 'M1' | 'salt' | 'verifier';
const parseError = (field: WireField, hex: string, group: SrpParameters = params) =>
  inputError(() => parseSrpHex(field, hex, group));

describe('parseSrpHex', () => {
  const wellFormed = { A: hexOf(2n), verifier: hexOf(N - 2n), salt: 'ab'.repeat(16), M1: 'cd'.repeat(32) };

  it.each(Object.entries(wellFormed))('decodes a well-formed %s', (field, hex) => {
    expect(parseSrpHex(field as WireField, hex, params)).toEqual(Buffer.from(hex, 'hex'));
  });

  it.each([
    ['empty', ''],
    ['not hex', 'zz' + 'ab'.repeat(15)],
    ['uppercase hex', 'AB'.repeat(16)],
    ['an odd number of digits', 'a' + 'ab'.repeat(16)],
    ['a 0x prefix', '0x' + 'ab'.repeat(16)],
    ['whitespace', 'ab'.repeat(16) + ' '],
  ])('rejects %s, naming the field', (_, hex) => {
    for (const field of ['A', 'M1', 'salt', 'verifier'] as const) {
      const error = parseError(field, hex);
      expect(error.field).toBe(field);
      expect(error.message).toMatch(/lowercase hexadecimal/);
      expect(error).toBeInstanceOf(Error);
    }
  });

  it('rejects uppercase even at the right length', () => {
    expect(parseError('A', hexOf(N - 2n).toUpperCase()).field).toBe('A');
    expect(parseError('salt', 'AB'.repeat(16)).field).toBe('salt');
  });

  it('takes salts of 16 to 64 bytes only', () => {
    expect(parseSrpHex('salt', 'ab'.repeat(64), params)).toHaveLength(64);
    expect(parseError('salt', 'ab'.repeat(15)).field).toBe('salt');
    expect(parseError('salt', 'ab'.repeat(65)).field).toBe('salt');
  });

  it('takes M1 of exactly the hash length', () => {
    expect(parseError('M1', 'cd'.repeat(31)).field).toBe('M1');
    expect(parseError('M1', 'cd'.repeat(33)).field).toBe('M1');
    expect(parseError('M1', 'cd'.repeat(32), srpParameters(2048, 'SHA-512')).field).toBe('M1');
    expect(parseSrpHex('M1', 'cd'.repeat(20), srpParameters(2048, 'SHA-1'))).toHaveLength(20);
  });

  it.each(['A', 'verifier'] as const)('takes %s padded to the length of N, within 1..N-1', (field) => {
    expect(parseError(field, hexOf(2n, byteLength - 1)).field).toBe(field); // not padded
    expect(parseError(field, hexOf(2n, byteLength + 1)).field).toBe(field); // padded too far
    expect(parseError(field, hexOf(0n)).message).toMatch(/0 modulo N/);
    expect(parseError(field, hexOf(N)).message).toMatch(/0 modulo N/);
    expect(parseError(field, hexOf(N + 1n)).message).toMatch(/less than N/);
    expect(parseError(field, 'ff'.repeat(byteLength)).message).toMatch(/less than N/);
    // 2N needs one byte more than N (N's top bit is set): a length error, still naming the field.
    expect(bytesFromBigInt(2n * N)).toHaveLength(byteLength + 1);
    expect(parseError(field, hexOf(2n * N, byteLength + 1)).field).toBe(field);
    expect(parseSrpHex(field, hexOf(1n), params)).toHaveLength(byteLength);
    expect(parseSrpHex(field, hexOf(N - 1n), params)).toHaveLength(byteLength);
  });
});

describe('srpVerifyClient input checks', () => {
  const identity = 'user-1';
  const salt = randomBytes(16).toString('hex');
  const verifier = srpComputeVerifier(params, identity, 'secret', Buffer.from(salt, 'hex'));
  const challenge = srpServerChallenge(params, verifier);
  const proof = srpClientProof(params, { identity, password: 'secret', salt, B: challenge.B });
  const request = { identity, salt, verifier, ...challenge, A: proof.A, M1: proof.M1 };
  const verify = (changes: Partial<typeof request>) => srpVerifyClient(params, { ...request, ...changes });
  const verifyError = (changes: Partial<typeof request>) => inputError(() => verify(changes));

  it('accepts the honest request (the baseline for the cases below)', () => {
    expect(verify({})).toMatchObject({ ok: true, M2: proof.M2 });
  });

  it.each([
    ['0', 0n],
    ['N', N],
    ['N + 1', N + 1n],
  ])('rejects A = %s with an SrpInputError naming A', (_, A) => {
    expect(verifyError({ A: hexOf(A) }).field).toBe('A');
  });

  it('rejects a malformed M1 or salt, naming it', () => {
    expect(verifyError({ M1: proof.M1.slice(2) }).field).toBe('M1');
    expect(verifyError({ M1: proof.M1.toUpperCase() }).field).toBe('M1');
    expect(verifyError({ salt: 'ab' }).field).toBe('salt');
  });

  it('answers ok: false to a well-formed but wrong M1, or a proof for another identity or salt', () => {
    expect(verify({ M1: randomBytes(32).toString('hex') })).toEqual({ ok: false });
    expect(verify({ identity: 'user-2' })).toEqual({ ok: false });
    expect(verify({ salt: randomBytes(16).toString('hex') })).toEqual({ ok: false });
  });

  it('answers ok: false when the client used another A than the one in M1', () => {
    const otherA = srpClientProof(params, { identity, password: 'secret', salt, B: challenge.B }).A;
    expect(verify({ A: otherA })).toEqual({ ok: false });
  });

  it('treats malformed stored b or B as a server error, not client input', () => {
    const thrown = (action: () => unknown) => {
      try {
        action();
      } catch (error) {
        return error;
      }
      return undefined;
    };
    const badB = thrown(() => verify({ B: challenge.B.slice(2) }));
    expect(badB).toBeInstanceOf(Error);
    expect(badB).not.toBeInstanceOf(SrpInputError);
    const badSecret = thrown(() => verify({ b: '' }));
    expect(badSecret).toBeInstanceOf(Error);
    expect(badSecret).not.toBeInstanceOf(SrpInputError);
  });
});

describe('srpServerChallenge', () => {
  it('returns a 32-byte secret b and B padded to the length of N, fresh each time', () => {
    const verifier = srpComputeVerifier(params, 'user-1', 'secret', randomBytes(16));
    const first = srpServerChallenge(params, verifier);
    const second = srpServerChallenge(params, verifier);
    expect(first.b).toMatch(/^[0-9a-f]{64}$/);
    expect(first.B).toMatch(new RegExp(`^[0-9a-f]{${byteLength * 2}}$`));
    expect(second.b).not.toBe(first.b);
    expect(second.B).not.toBe(first.B);
  });

  it('rejects a malformed verifier, naming it', () => {
    expect(inputError(() => srpServerChallenge(params, hexOf(0n))).field).toBe('verifier');
    expect(inputError(() => srpServerChallenge(params, 'ab'.repeat(16))).field).toBe('verifier');
  });
});
