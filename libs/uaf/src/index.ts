/**
 * FIDO UAF 1.1, server side ("FIDO UAF Protocol Specification v1.1", "FIDO UAF Authenticator
 * Commands v1.1", "FIDO UAF Registry of Predefined Values", "FIDO Registry of Predefined Values",
 * "FIDO AppID and Facet Specification v1.1"). Pure functions over node:crypto; no I/O.
 *
 *   start:    buildRegistrationRequest / buildAuthenticationRequest({ challenge: newChallenge(), … }) → uafRequest text
 *   complete: verifyRegistrationResponse / verifyAuthenticationResponse(uafResponse text, what was sent) → verified keys
 *   also:     buildDeregistrationRequest, trustedFacetsDocument (served at the appID URL), isValidFacetId
 *
 * What a response must pass (a UafError names the first failure; a response is accepted whole or refused):
 * - the text is JSON of at most 64 KiB (MALFORMED_MESSAGE); it holds one dictionary of upv 1.1
 *   (UNSUPPORTED_VERSION; requests are always 1.1 and the client copies their header, §3.4.6.4),
 *   op "Reg"/"Auth" (WRONG_OPERATION), every field of its IDL type and size (§3.1–§3.5, MALFORMED_MESSAGE),
 *   at most 8 assertions;
 * - header.serverData is the request's (SERVER_DATA_MISMATCH); header.appID, when present, the request's (APPID_MISMATCH);
 * - no extension with fail_if_unknown true in the header or an assertion (§3.1.10, UNKNOWN_CRITICAL_EXTENSION);
 * - fcParams is base64url of UTF-8 FinalChallengeParams JSON (§3.1.7); its appID is the request's, or its
 *   facetID when the request had none (AppID and Facet §3.1.2; APPID_MISMATCH); its challenge the request's
 *   (CHALLENGE_MISMATCH); its facetID one of facetIds, https origins compared as origins (FACET_NOT_TRUSTED).
 *   channelBinding is not checked: the service behind the gateway has no TLS data (§3.1.8 allows it);
 * - each assertion is of scheme "UAFV1TLV" (UNSUPPORTED_ASSERTION_SCHEME) and its TLV decodes: every
 *   length within the bytes, no trailing bytes, at most 8 composite levels (Authenticator Commands §4, MALFORMED_TLV);
 * - the structure of Authenticator Commands §5.2.1 / §5.2.2, tags in any order, each field once and of its
 *   size: AAID "VVVV#MMMM", ASSERTION_INFO 7 / 5 bytes, KeyID 32..2048 bytes (§3.1.5), COUNTERS 8 / 4 bytes,
 *   AUTHENTICATOR_NONCE ≥ 8 bytes, registration AuthenticationMode 0x01, authentication 0x01 (empty
 *   TRANSACTION_CONTENT_HASH) or 0x02 (MALFORMED_ASSERTION); TAG_EXTENSION 0x3E11 and unknown tags with
 *   bit 0x2000 abort (UNKNOWN_CRITICAL_EXTENSION), other unknown tags (0x3E12, UVI, UVS) are skipped;
 * - FinalChallengeHash = SHA-256 of the fcParams text as sent (§3.4.6.5, §3.5.7.5; FINAL_CHALLENGE_MISMATCH);
 * - registration: UAuth.pub in its ALG_KEY encoding fits the KRD's ALG_SIGN (UNSUPPORTED_ALGORITHM; a key
 *   that does not parse, MALFORMED_ASSERTION); the attestation signs the whole KRD TLV, tag and length
 *   included (Authenticator Commands §5.2.1; SIGNATURE_INVALID), as attestation.ts says (UAF Protocol §4.1.2.1,
 *   §3.4.6.5): a surrogate one by UAuth.priv, refused when trust anchors are given (ATTESTATION_UNTRUSTED);
 *   a full one by the first TAG_ATTESTATION_CERT, every certificate DER and valid at `now`, each issued and
 *   signed by the next, a CA, the attestation certificate's id-fido-gen-ce-aaid (if any) the KRD's AAID
 *   (ATTESTATION_INVALID), the last one an anchor or issued by one when anchors are given
 *   (ATTESTATION_UNTRUSTED; without anchors `attestationTrusted` is false); ECDAA is refused
 *   (UNSUPPORTED_ATTESTATION, optional in UAF Registry §4.1); the registered authenticators satisfy the
 *   request's policy on what an assertion shows (policy-match.ts, POLICY_NOT_SATISFIED); one (AAID, KeyID)
 *   at most once (MALFORMED_MESSAGE);
 * - authentication: keyOf(AAID, KeyID) knows the key (UNKNOWN_KEY) and its algorithm is the assertion's
 *   (ALGORITHM_MISMATCH); the signature over the whole SignedData TLV verifies (SIGNATURE_INVALID); a
 *   transaction that was sent needs mode 0x02 and TRANSACTION_CONTENT_HASH = SHA-256 of its decoded
 *   content, mode 0x02 needs a transaction sent (§3.5.7.5, ASM API §3.7; TRANSACTION_MISMATCH); the sign
 *   counter, when keyOf gives the stored one, increased unless both are 0 (SIGN_COUNTER_NOT_INCREASED).
 *
 * Algorithms (FIDO Registry §3.6): ECDSA P-256 and secp256k1 with SHA-256, RAW (r|s) and DER; RSASSA-PSS
 * (salt 32) and PKCS#1 v1.5 with SHA-256, RAW and DER (OCTET STRING); keys ECC X9.62 RAW and DER (SPKI),
 * RSA-2048 RAW (n|e) and DER (PKCS#1, or SPKI as deployed authenticators send). SM2 is refused.
 * Proven by the specification's own example messages (Examples 9 and 11 verify end to end) and by a
 * software authenticator in the specs (testing/uaf-test-authenticator.ts) that reaches every error code.
 * Stricter than some deployed clients, by the spec: KeyIDs under 32 bytes, padded base64url and upv 1.0
 * responses are refused.
 */
export {
  ATTACHMENT_HINT,
  AUTHENTICATION_MODE,
  KEY_PROTECTION,
  MATCHER_PROTECTION,
  TLV_COMPOSITE_BIT,
  TLV_CRITICAL_BIT,
  TRANSACTION_CONFIRMATION_DISPLAY,
  UAF_ALG,
  UAF_ASSERTION_SCHEME,
  UAF_KEY,
  UAF_PROTOCOL_VERSION,
  UAF_TAGS,
  USER_VERIFY,
} from './uaf-constants';
export { UafError, type UafErrorCode } from './uaf-error';
export { decodeTlv, encodeTlv, type Tlv } from './tlv';
export {
  MAX_ASSERTIONS_PER_RESPONSE,
  MAX_MESSAGE_BYTES,
  authenticationRequestSchema,
  authenticationResponseSchema,
  deregistrationRequestSchema,
  finalChallengeParamsSchema,
  matchCriteriaSchema,
  policySchema,
  registrationRequestSchema,
  registrationResponseSchema,
  type MatchCriteria,
  type UafPolicy,
} from './uaf-messages';
export {
  buildAuthenticationRequest,
  buildDeregistrationRequest,
  buildRegistrationRequest,
  newChallenge,
} from './uaf-requests';
export { isValidFacetId, trustedFacetsDocument, type TrustedFacetsDocument } from './facets';
export {
  verifyRegistrationResponse,
  type RegistrationExpectation,
  type VerifiedRegistration,
} from './registration-response';
export {
  signCounterAccepted,
  verifyAuthenticationResponse,
  type AuthenticationExpectation,
  type RegisteredKey,
  type VerifiedAuthentication,
} from './authentication-response';
export { type AttestationCertificateSummary } from './attestation';
