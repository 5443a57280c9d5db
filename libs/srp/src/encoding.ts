import { SRP_HASHES, type SrpParameters } from './groups';

/** A client-supplied SRP value is malformed or not allowed; `field` names it (maps to a 400). */
export class SrpInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'SrpInputError';
  }
}

/** Unsigned big-endian bytes to a number (no bytes = 0). */
export const bigIntFromBytes = (bytes: Uint8Array): bigint =>
  bytes.length === 0 ? 0n : BigInt('0x' + Buffer.from(bytes).toString('hex'));

/** Unsigned big-endian bytes of a non-negative number: minimal, or left-padded with zeros to `length`. */
export const bytesFromBigInt = (value: bigint, length?: number): Buffer => {
  if (value < 0n) throw new RangeError('negative value');
  const hex = value.toString(16);
  const minimal = hex.length % 2 === 0 ? hex : '0' + hex;
  if (length === undefined) return Buffer.from(minimal, 'hex');
  if (minimal.length > length * 2) throw new RangeError(`value does not fit in ${length} bytes`);
  return Buffer.from(minimal.padStart(length * 2, '0'), 'hex');
};

/** PAD(x) of RFC 5054: big-endian, left-padded to the byte length of N. */
export const pad = (params: SrpParameters, value: bigint): Buffer =>
  bytesFromBigInt(value, params.byteLength);

const LOWERCASE_HEX = /^(?:[0-9a-f]{2})+$/;

const SALT_BYTES = { min: 16, max: 64 };

const expectedLength = (field: 'A' | 'M1' | 'salt' | 'verifier', params: SrpParameters) => {
  switch (field) {
    case 'A':
    case 'verifier':
      return { min: params.byteLength, max: params.byteLength };
    case 'M1':
      return { min: SRP_HASHES[params.hash].byteLength, max: SRP_HASHES[params.hash].byteLength };
    case 'salt':
      return SALT_BYTES;
  }
};

/**
 * Validates and decodes a wire value: lowercase hex of whole bytes; A and verifier exactly the
 * length of N (padded) and within 1..N−1 (RFC 5054: abort if A % N is 0; an A ≥ N is never what a
 * client computes), salt 16–64 bytes, M1 exactly the hash length.
 */
export const parseSrpHex = (
  field: 'A' | 'M1' | 'salt' | 'verifier',
  hex: string,
  params: SrpParameters,
): Buffer => {
  if (typeof hex !== 'string' || !LOWERCASE_HEX.test(hex)) {
    throw new SrpInputError(field, `${field} must be lowercase hexadecimal of whole bytes`);
  }
  const bytes = Buffer.from(hex, 'hex');
  const { min, max } = expectedLength(field, params);
  if (bytes.length < min || bytes.length > max) {
    const expected = min === max ? `${min}` : `${min}–${max}`;
    throw new SrpInputError(field, `${field} must be ${expected} bytes, got ${bytes.length}`);
  }
  if (field === 'A' || field === 'verifier') {
    const value = bigIntFromBytes(bytes);
    if (value % params.N === 0n) throw new SrpInputError(field, `${field} must not be 0 modulo N`);
    if (value >= params.N) throw new SrpInputError(field, `${field} must be less than N`);
  }
  return bytes;
};
