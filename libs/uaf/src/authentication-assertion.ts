/**
 * TAG_UAFV1_AUTH_ASSERTION ("FIDO UAF Authenticator Commands v1.1" §5.2.2):
 *
 *   TAG_UAFV1_AUTH_ASSERTION
 *     TAG_UAFV1_SIGNED_DATA: TAG_AAID, TAG_ASSERTION_INFO (AuthenticatorVersion u16, AuthenticationMode u8,
 *                            SignatureAlgAndEncoding u16), TAG_AUTHENTICATOR_NONCE (≥ 8 bytes),
 *                            TAG_FINAL_CHALLENGE_HASH, TAG_TRANSACTION_CONTENT_HASH (empty unless mode 0x02),
 *                            TAG_KEYID, TAG_COUNTERS (SignCounter u32)
 *     TAG_SIGNATURE: by UAuth.priv over the whole TAG_UAFV1_SIGNED_DATA TLV, tag and length included.
 */
import { decodeTlv, encodeTlv } from './tlv';
import { KEY_ID_BYTES, aaidOf, malformedAssertion, singleTopLevel, sized, tlvFields } from './tlv-fields';
import { AUTHENTICATION_MODE, UAF_TAGS } from './uaf-constants';

export interface SignedData {
  aaid: string;
  authenticatorVersion: number;
  authenticationMode: number;
  signatureAlgAndEncoding: number;
  authenticatorNonce: Buffer;
  finalChallengeHash: Buffer;
  transactionContentHash: Buffer;
  keyID: Buffer;
  signCounter: number;
}

export interface AuthenticationAssertion {
  signedData: SignedData;
  /** The TAG_UAFV1_SIGNED_DATA TLV as received: what the signature covers. */
  signedBytes: Buffer;
  signature: Buffer;
}

const T = UAF_TAGS;
const MIN_NONCE_BYTES = 8;

/** Parses the decoded assertion bytes; throws MALFORMED_TLV / MALFORMED_ASSERTION / UNKNOWN_CRITICAL_EXTENSION. */
export const parseAuthenticationAssertion = (bytes: Buffer): AuthenticationAssertion => {
  const assertion = singleTopLevel(decodeTlv(bytes), T.TAG_UAFV1_AUTH_ASSERTION);
  const parts = tlvFields(assertion, [T.TAG_UAFV1_SIGNED_DATA, T.TAG_SIGNATURE]);
  const signedTlv = parts.child(T.TAG_UAFV1_SIGNED_DATA);
  const fields = tlvFields(signedTlv, [
    T.TAG_AAID,
    T.TAG_ASSERTION_INFO,
    T.TAG_AUTHENTICATOR_NONCE,
    T.TAG_FINAL_CHALLENGE_HASH,
    T.TAG_TRANSACTION_CONTENT_HASH,
    T.TAG_KEYID,
    T.TAG_COUNTERS,
  ]);
  const info = sized(fields.one(T.TAG_ASSERTION_INFO), T.TAG_ASSERTION_INFO, 5);
  const authenticationMode = info.readUInt8(2);
  const transactionContentHash = fields.one(T.TAG_TRANSACTION_CONTENT_HASH);
  if (authenticationMode === AUTHENTICATION_MODE.USER_VERIFIED && transactionContentHash.length > 0) {
    throw malformedAssertion('TAG_TRANSACTION_CONTENT_HASH must be empty when AuthenticationMode is 0x01');
  }
  if (
    authenticationMode !== AUTHENTICATION_MODE.USER_VERIFIED &&
    authenticationMode !== AUTHENTICATION_MODE.TRANSACTION_CONFIRMED
  ) {
    throw malformedAssertion(
      `TAG_ASSERTION_INFO: AuthenticationMode ${authenticationMode} is neither 0x01 nor 0x02`,
    );
  }
  const signature = parts.one(T.TAG_SIGNATURE);
  if (signature.length === 0) throw malformedAssertion('TAG_SIGNATURE is empty');
  return {
    signedData: {
      aaid: aaidOf(fields.one(T.TAG_AAID)),
      authenticatorVersion: info.readUInt16LE(0),
      authenticationMode,
      signatureAlgAndEncoding: info.readUInt16LE(3),
      authenticatorNonce: sized(
        fields.one(T.TAG_AUTHENTICATOR_NONCE),
        T.TAG_AUTHENTICATOR_NONCE,
        MIN_NONCE_BYTES,
        0xffff,
      ),
      finalChallengeHash: fields.one(T.TAG_FINAL_CHALLENGE_HASH),
      transactionContentHash,
      keyID: sized(fields.one(T.TAG_KEYID), T.TAG_KEYID, KEY_ID_BYTES.min, KEY_ID_BYTES.max),
      signCounter: sized(fields.one(T.TAG_COUNTERS), T.TAG_COUNTERS, 4).readUInt32LE(0),
    },
    signedBytes: encodeTlv(signedTlv.tag, signedTlv.value),
    signature,
  };
};
