/**
 * TAG_UAFV1_REG_ASSERTION ("FIDO UAF Authenticator Commands v1.1" §5.2.1):
 *
 *   TAG_UAFV1_REG_ASSERTION
 *     TAG_UAFV1_KRD: TAG_AAID, TAG_ASSERTION_INFO (AuthenticatorVersion u16, AuthenticationMode u8 = 0x01,
 *                    SignatureAlgAndEncoding u16, PublicKeyAlgAndEncoding u16), TAG_FINAL_CHALLENGE_HASH,
 *                    TAG_KEYID, TAG_COUNTERS (SignCounter u32, RegCounter u32), TAG_PUB_KEY
 *     TAG_ATTESTATION_BASIC_FULL { TAG_SIGNATURE, TAG_ATTESTATION_CERT+ } | TAG_ATTESTATION_BASIC_SURROGATE { TAG_SIGNATURE }
 *
 * The attestation signs the whole TAG_UAFV1_KRD TLV, its tag and length included. Integers are little-endian.
 */
import { decodeTlv, encodeTlv } from './tlv';
import { KEY_ID_BYTES, aaidOf, malformedAssertion, singleTopLevel, sized, tlvFields } from './tlv-fields';
import { AUTHENTICATION_MODE, UAF_TAGS } from './uaf-constants';
import { UafError } from './uaf-error';

export interface KeyRegistrationData {
  aaid: string;
  authenticatorVersion: number;
  authenticationMode: number;
  signatureAlgAndEncoding: number;
  publicKeyAlgAndEncoding: number;
  finalChallengeHash: Buffer;
  keyID: Buffer;
  signCounter: number;
  regCounter: number;
  publicKey: Buffer;
}

export type RegistrationAttestation =
  | { type: 'BASIC_FULL'; signature: Buffer; certificates: Buffer[] }
  | { type: 'BASIC_SURROGATE'; signature: Buffer };

export interface RegistrationAssertion {
  krd: KeyRegistrationData;
  /** The TAG_UAFV1_KRD TLV as received: what the attestation signature covers. */
  signedBytes: Buffer;
  attestation: RegistrationAttestation;
}

const T = UAF_TAGS;

const keyRegistrationData = (fields: ReturnType<typeof tlvFields>): KeyRegistrationData => {
  const info = sized(fields.one(T.TAG_ASSERTION_INFO), T.TAG_ASSERTION_INFO, 7);
  const counters = sized(fields.one(T.TAG_COUNTERS), T.TAG_COUNTERS, 8);
  const authenticationMode = info.readUInt8(2);
  if (authenticationMode !== AUTHENTICATION_MODE.USER_VERIFIED) {
    throw malformedAssertion(
      `TAG_UAFV1_KRD: AuthenticationMode must be 0x01 for a registration, it is ${authenticationMode}`,
    );
  }
  const publicKey = fields.one(T.TAG_PUB_KEY);
  if (publicKey.length === 0) throw malformedAssertion('TAG_PUB_KEY is empty');
  return {
    aaid: aaidOf(fields.one(T.TAG_AAID)),
    authenticatorVersion: info.readUInt16LE(0),
    authenticationMode,
    signatureAlgAndEncoding: info.readUInt16LE(3),
    publicKeyAlgAndEncoding: info.readUInt16LE(5),
    finalChallengeHash: fields.one(T.TAG_FINAL_CHALLENGE_HASH),
    keyID: sized(fields.one(T.TAG_KEYID), T.TAG_KEYID, KEY_ID_BYTES.min, KEY_ID_BYTES.max),
    signCounter: counters.readUInt32LE(0),
    regCounter: counters.readUInt32LE(4),
    publicKey,
  };
};

const signatureOf = (fields: ReturnType<typeof tlvFields>): Buffer => {
  const signature = fields.one(T.TAG_SIGNATURE);
  if (signature.length === 0) throw malformedAssertion('TAG_SIGNATURE is empty');
  return signature;
};

/** Parses the decoded assertion bytes; throws MALFORMED_TLV / MALFORMED_ASSERTION / UNKNOWN_CRITICAL_EXTENSION. */
export const parseRegistrationAssertion = (bytes: Buffer): RegistrationAssertion => {
  const assertion = singleTopLevel(decodeTlv(bytes), T.TAG_UAFV1_REG_ASSERTION);
  const attestations = [
    T.TAG_ATTESTATION_BASIC_FULL,
    T.TAG_ATTESTATION_BASIC_SURROGATE,
    T.TAG_ATTESTATION_ECDAA,
  ];
  const parts = tlvFields(assertion, [T.TAG_UAFV1_KRD, ...attestations]);
  const present = attestations.filter((tag) => parts.has(tag));
  if (present.length !== 1)
    throw malformedAssertion('TAG_UAFV1_REG_ASSERTION must hold exactly one attestation');
  if (present[0] === T.TAG_ATTESTATION_ECDAA) {
    throw new UafError(
      'UNSUPPORTED_ATTESTATION',
      'TAG_ATTESTATION_ECDAA (optional in UAF 1.1) is not supported',
    );
  }
  const krdTlv = parts.child(T.TAG_UAFV1_KRD);
  const krd = keyRegistrationData(
    tlvFields(krdTlv, [
      T.TAG_AAID,
      T.TAG_ASSERTION_INFO,
      T.TAG_FINAL_CHALLENGE_HASH,
      T.TAG_KEYID,
      T.TAG_COUNTERS,
      T.TAG_PUB_KEY,
    ]),
  );
  const signedBytes = encodeTlv(krdTlv.tag, krdTlv.value);
  if (present[0] === T.TAG_ATTESTATION_BASIC_FULL) {
    const full = tlvFields(
      parts.child(T.TAG_ATTESTATION_BASIC_FULL),
      [T.TAG_SIGNATURE],
      [T.TAG_ATTESTATION_CERT],
    );
    const certificates = full.all(T.TAG_ATTESTATION_CERT).map((certificate) => certificate.value);
    if (certificates.length === 0)
      throw malformedAssertion('TAG_ATTESTATION_BASIC_FULL lacks TAG_ATTESTATION_CERT');
    return {
      krd,
      signedBytes,
      attestation: { type: 'BASIC_FULL', signature: signatureOf(full), certificates },
    };
  }
  const surrogate = tlvFields(parts.child(T.TAG_ATTESTATION_BASIC_SURROGATE), [
    T.TAG_SIGNATURE,
    T.TAG_ATTESTATION_CERT,
  ]);
  if (surrogate.has(T.TAG_ATTESTATION_CERT)) {
    throw malformedAssertion('TAG_ATTESTATION_BASIC_SURROGATE must not carry TAG_ATTESTATION_CERT');
  }
  return { krd, signedBytes, attestation: { type: 'BASIC_SURROGATE', signature: signatureOf(surrogate) } };
};
