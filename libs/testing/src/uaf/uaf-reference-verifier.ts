import { createHash, createPublicKey, verify, X509Certificate, type KeyObject } from 'node:crypto';

/**
 * A small FIDO UAF 1.1 verifier for the specs of the software client, written from the
 * specifications alone and sharing no code with the client or authenticator (its own TLV parser
 * and tag numbers), so that a misreading in one does not hide in the other. The spec's own example
 * messages (uaf-spec-examples.ts) pass it too. Not a server: it checks structure and signatures,
 * and leaves policy, counters' history and trust decisions to the test.
 */

/** UAF Registry v1.1, "Tags used in the UAF Protocol". */
const TAG = {
  REG_ASSERTION: 0x3e01,
  AUTH_ASSERTION: 0x3e02,
  KRD: 0x3e03,
  SIGNED_DATA: 0x3e04,
  ATTESTATION_CERT: 0x2e05,
  SIGNATURE: 0x2e06,
  BASIC_FULL: 0x3e07,
  BASIC_SURROGATE: 0x3e08,
  KEYID: 0x2e09,
  FINAL_CHALLENGE_HASH: 0x2e0a,
  AAID: 0x2e0b,
  PUB_KEY: 0x2e0c,
  COUNTERS: 0x2e0d,
  ASSERTION_INFO: 0x2e0e,
  AUTHENTICATOR_NONCE: 0x2e0f,
  TRANSACTION_CONTENT_HASH: 0x2e10,
};

interface Item {
  tag: number;
  value: Buffer;
  /** The whole item, tag and length included: what a signature covers. */
  whole: Buffer;
}

/** UINT16 tag, UINT16 length, little-endian; nothing may be left over or run past the end. */
const parseTlv = (bytes: Buffer): Item[] => {
  const items: Item[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    if (bytes.length - offset < 4) throw new Error('truncated TLV header');
    const length = bytes.readUInt16LE(offset + 2);
    if (offset + 4 + length > bytes.length) throw new Error('TLV length exceeds the data');
    items.push({
      tag: bytes.readUInt16LE(offset),
      value: bytes.subarray(offset + 4, offset + 4 + length),
      whole: bytes.subarray(offset, offset + 4 + length),
    });
    offset += 4 + length;
  }
  return items;
};

const one = (items: Item[], tag: number): Item => {
  const [found, ...more] = items.filter((item) => item.tag === tag);
  if (!found || more.length)
    throw new Error(`expected one 0x${tag.toString(16)}, found ${more.length + (found ? 1 : 0)}`);
  return found;
};

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest();

export interface FinalChallengeParamsSeen {
  appID: string;
  challenge: string;
  facetID: string;
  channelBinding: unknown;
}

/**
 * The first message's assertion opened down to its signed structure (KRD or SignedData): one
 * `outerTag` item and nothing after it, its `signedTag` item, that item's fields, an assertion
 * info of `infoLength` bytes and a final challenge hash = SHA-256 of the fcParams string.
 */
const openAssertion = (text: string, outerTag: number, signedTag: number, infoLength: number) => {
  const [message] = JSON.parse(text);
  const [{ assertionScheme, assertion }] = message.assertions;
  if (assertionScheme !== 'UAFV1TLV') throw new Error(`assertionScheme ${assertionScheme}`);
  const [outer, ...rest] = parseTlv(Buffer.from(assertion, 'base64url'));
  if (outer?.tag !== outerTag || rest.length) throw new Error(`not one 0x${outerTag.toString(16)} item`);
  const parts = parseTlv(outer.value);
  const signed = one(parts, signedTag);
  const fields = parseTlv(signed.value);
  const info = one(fields, TAG.ASSERTION_INFO).value;
  if (info.length !== infoLength) throw new Error(`assertion info is not ${infoLength} bytes`);
  if (!one(fields, TAG.FINAL_CHALLENGE_HASH).value.equals(sha256(message.fcParams)))
    throw new Error('final challenge hash');
  const fc: FinalChallengeParamsSeen = JSON.parse(
    Buffer.from(message.fcParams, 'base64url').toString('utf8'),
  );
  const identity = {
    header: message.header as Record<string, unknown>,
    fc,
    aaid: one(fields, TAG.AAID).value.toString('utf8'),
    keyID: one(fields, TAG.KEYID).value.toString('base64url'),
  };
  return { identity, parts, signed, fields, info };
};

/** 0x0001 RAW (r|s) or 0x0002 DER, both ECDSA P-256 SHA-256 (UAF Registry v1.1). */
const verifySignature = (algorithm: number, key: KeyObject, data: Buffer, signature: Buffer): boolean => {
  if (algorithm === 0x0001 && signature.length !== 64) throw new Error('RAW signature is not 64 bytes');
  if (algorithm !== 0x0001 && algorithm !== 0x0002) throw new Error(`signature algorithm ${algorithm}`);
  return verify('sha256', data, { key, dsaEncoding: algorithm === 0x0001 ? 'ieee-p1363' : 'der' }, signature);
};

/** 0x0100 raw uncompressed point or 0x0101 DER SubjectPublicKeyInfo (UAF Registry v1.1). */
const publicKeyOf = (encoding: number, bytes: Buffer): KeyObject => {
  if (encoding === 0x0101) return createPublicKey({ key: bytes, format: 'der', type: 'spki' });
  if (encoding !== 0x0100 || bytes.length !== 65 || bytes[0] !== 0x04)
    throw new Error('not a raw P-256 point');
  const coordinate = (from: number) => bytes.subarray(from, from + 32).toString('base64url');
  return createPublicKey({
    key: { kty: 'EC', crv: 'P-256', x: coordinate(1), y: coordinate(33) },
    format: 'jwk',
  });
};

export interface VerifiedRegistration {
  header: Record<string, unknown>;
  fc: FinalChallengeParamsSeen;
  aaid: string;
  authenticatorVersion: number;
  signatureAlgorithm: number;
  publicKeyEncoding: number;
  keyID: string;
  signCounter: number;
  regCounter: number;
  publicKeyBytes: Buffer;
  publicKey: KeyObject;
  signature: Buffer;
  attestation: 'BASIC_FULL' | 'BASIC_SURROGATE';
  /** Basic Full: the TAG_ATTESTATION_CERT entries in order. */
  certificates: X509Certificate[];
}

/**
 * A RegistrationResponse: TAG_UAFV1_REG_ASSERTION = TAG_UAFV1_KRD + attestation, the KRD's final
 * challenge hash = SHA-256(fcParams), and the attestation signature over the whole KRD item
 * verified with the new key (surrogate) or the first certificate (full). `trustedRoot`: the chain
 * of a full attestation must end in a certificate it issued.
 */
export const verifyRegistrationResponse = (
  text: string,
  trustedRoot?: X509Certificate,
): VerifiedRegistration => {
  const { identity, parts, signed: krd, fields, info } = openAssertion(text, TAG.REG_ASSERTION, TAG.KRD, 7);
  if (info.readUInt8(2) !== 0x01) throw new Error('registration AuthenticationMode is not 0x01');
  const signatureAlgorithm = info.readUInt16LE(3);
  const publicKeyEncoding = info.readUInt16LE(5);
  const counters = one(fields, TAG.COUNTERS).value;
  if (counters.length !== 8) throw new Error('KRD counters are not 8 bytes');
  const publicKeyBytes = one(fields, TAG.PUB_KEY).value;
  const publicKey = publicKeyOf(publicKeyEncoding, publicKeyBytes);
  const full = parts.find((part) => part.tag === TAG.BASIC_FULL);
  const attestation = full ?? one(parts, TAG.BASIC_SURROGATE);
  const attestationItems = parseTlv(attestation.value);
  const signature = one(attestationItems, TAG.SIGNATURE).value;
  const certificates = attestationItems
    .filter((item) => item.tag === TAG.ATTESTATION_CERT)
    .map((item) => new X509Certificate(item.value));
  const [leaf] = certificates;
  if (full && !leaf) throw new Error('Basic Full without TAG_ATTESTATION_CERT');
  const signer = leaf?.publicKey ?? publicKey;
  if (!verifySignature(signatureAlgorithm, signer, krd.whole, signature))
    throw new Error('attestation signature');
  certificates.forEach((certificate, index) => {
    const issuer = certificates[index + 1] ?? trustedRoot;
    if (issuer && !(certificate.checkIssued(issuer) && certificate.verify(issuer.publicKey)))
      throw new Error(`certificate ${index} is not issued by the next one`);
  });
  return {
    ...identity,
    authenticatorVersion: info.readUInt16LE(0),
    signatureAlgorithm,
    publicKeyEncoding,
    signCounter: counters.readUInt32LE(0),
    regCounter: counters.readUInt32LE(4),
    publicKeyBytes,
    publicKey,
    signature,
    attestation: full ? 'BASIC_FULL' : 'BASIC_SURROGATE',
    certificates,
  };
};

export interface VerifiedAuthentication {
  header: Record<string, unknown>;
  fc: FinalChallengeParamsSeen;
  aaid: string;
  authenticationMode: number;
  signatureAlgorithm: number;
  nonce: Buffer;
  transactionContentHash: Buffer;
  keyID: string;
  signCounter: number;
}

/**
 * An AuthenticationResponse: TAG_UAFV1_AUTH_ASSERTION = TAG_UAFV1_SIGNED_DATA + TAG_SIGNATURE, the
 * final challenge hash = SHA-256(fcParams), and the signature over the whole SIGNED_DATA item
 * verified with the registered key.
 */
export const verifyAuthenticationResponse = (
  text: string,
  registeredKey: KeyObject,
): VerifiedAuthentication => {
  const {
    identity,
    parts,
    signed: signedData,
    fields,
    info,
  } = openAssertion(text, TAG.AUTH_ASSERTION, TAG.SIGNED_DATA, 5);
  const signatureAlgorithm = info.readUInt16LE(3);
  const nonce = one(fields, TAG.AUTHENTICATOR_NONCE).value;
  if (nonce.length < 8) throw new Error('authenticator nonce shorter than 8 bytes');
  const counters = one(fields, TAG.COUNTERS).value;
  if (counters.length !== 4) throw new Error('SignedData counters are not 4 bytes');
  if (!verifySignature(signatureAlgorithm, registeredKey, signedData.whole, one(parts, TAG.SIGNATURE).value))
    throw new Error('authentication signature');
  return {
    ...identity,
    authenticationMode: info.readUInt8(2),
    signatureAlgorithm,
    nonce,
    transactionContentHash: one(fields, TAG.TRANSACTION_CONTENT_HASH).value,
    signCounter: counters.readUInt32LE(0),
  };
};
