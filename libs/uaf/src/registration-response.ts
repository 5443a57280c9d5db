/**
 * Verifies a RegistrationResponse (UAF Protocol §3.4.6.5, "Registration Response Processing Rules
 * for FIDO Server"). The response is accepted whole or refused: where the spec skips a failing
 * assertion ("continue with next assertion"), this refuses the response, naming the reason.
 */
import { X509Certificate } from 'node:crypto';
import { type AttestationCertificateSummary, parseTrustAnchors, verifyAttestation } from './attestation';
import { bytesEqual } from './constant-time';
import { type AuthenticatorFacts, policyViolation } from './policy-match';
import { parseRegistrationAssertion } from './registration-assertion';
import { publicKeyFromUaf } from './signatures';
import { UAF_TAGS } from './uaf-constants';
import { UafError } from './uaf-error';
import { type UafPolicy, registrationResponseSchema } from './uaf-messages';
import { type ResponseExpectation, assertDistinctKeys, openResponse } from './uaf-response';

export interface VerifiedRegistration {
  /** "VVVV#MMMM", upper-cased. */
  aaid: string;
  /** base64url of the KeyID bytes. */
  keyID: string;
  /** SubjectPublicKeyInfo DER of UAuth.pub, base64url, whatever encoding the authenticator sent. */
  publicKey: string;
  /** ALG_SIGN_* of the KRD: the algorithm later authentications must use. */
  signAlgorithm: number;
  /** ALG_KEY_* the authenticator sent the key in. */
  publicKeyEncoding: number;
  signCounter: number;
  regCounter: number;
  authenticatorVersion: number;
  authenticationMode: number;
  attestationType: 'BASIC_FULL' | 'BASIC_SURROGATE';
  /** Whether the attestation chains to one of `trustAnchors` (never for a surrogate attestation). */
  attestationTrusted: boolean;
  attestationCertificate?: AttestationCertificateSummary;
}

export interface RegistrationExpectation extends ResponseExpectation {
  /**
   * PEM roots (or intermediates) of attestation. When non-empty, a full attestation must chain to
   * one and a surrogate attestation is refused (§3.4.6.5: AttestationRootCertificates not empty).
   * When empty, both are accepted; a full one is then checked for consistency only.
   */
  trustAnchors?: string[];
  /**
   * Accept surrogate (self-signed) attestations even when trust anchors are given: the server's
   * policy then trusts full attestations only through the anchors, and self-attested keys as such
   * (`attestationTrusted: false`). Default false, as §3.4.6.5 says.
   */
  acceptSurrogate?: boolean;
  /** Validity time of the attestation certificates. */
  now: Date;
  /** The request's policy: the registered authenticators must match `accepted` and not `disallowed`. */
  policy?: UafPolicy;
}

const ATTESTATION_TAGS = {
  BASIC_FULL: UAF_TAGS.TAG_ATTESTATION_BASIC_FULL,
  BASIC_SURROGATE: UAF_TAGS.TAG_ATTESTATION_BASIC_SURROGATE,
} as const;

const registrationOf = (
  bytes: Buffer,
  finalChallengeHash: Buffer,
  trustAnchors: X509Certificate[],
  now: Date,
  acceptSurrogate: boolean,
) => {
  const assertion = parseRegistrationAssertion(bytes);
  const { krd } = assertion;
  if (!bytesEqual(krd.finalChallengeHash, finalChallengeHash)) {
    throw new UafError('FINAL_CHALLENGE_MISMATCH', 'TAG_FINAL_CHALLENGE_HASH is not the SHA-256 of fcParams');
  }
  const uauthKey = publicKeyFromUaf(krd.publicKeyAlgAndEncoding, krd.publicKey, krd.signatureAlgAndEncoding);
  const attestation = verifyAttestation(assertion, uauthKey, { trustAnchors, now, acceptSurrogate });
  const registration: VerifiedRegistration = {
    aaid: krd.aaid,
    keyID: krd.keyID.toString('base64url'),
    publicKey: uauthKey.export({ type: 'spki', format: 'der' }).toString('base64url'),
    signAlgorithm: krd.signatureAlgAndEncoding,
    publicKeyEncoding: krd.publicKeyAlgAndEncoding,
    signCounter: krd.signCounter,
    regCounter: krd.regCounter,
    authenticatorVersion: krd.authenticatorVersion,
    authenticationMode: krd.authenticationMode,
    attestationType: attestation.type,
    attestationTrusted: attestation.trusted,
    ...(attestation.certificate ? { attestationCertificate: attestation.certificate } : {}),
  };
  return registration;
};

const factsOf = (registration: VerifiedRegistration): AuthenticatorFacts => ({
  aaid: registration.aaid,
  keyID: registration.keyID,
  signAlgorithm: registration.signAlgorithm,
  attestationTag: ATTESTATION_TAGS[registration.attestationType],
  authenticatorVersion: registration.authenticatorVersion,
});

/**
 * Verifies the JSON text of a RegistrationResponse against the request it answers; returns the
 * reported FacetID and one registration per assertion, or throws a UafError naming the reason.
 */
export const verifyRegistrationResponse = (
  responseText: string,
  expected: RegistrationExpectation,
): { facetID: string; registrations: VerifiedRegistration[] } => {
  const trustAnchors = parseTrustAnchors(expected.trustAnchors ?? []);
  const { finalChallenge, assertions } = openResponse(
    responseText,
    'Reg',
    registrationResponseSchema,
    expected,
  );
  const registrations = assertions.map((bytes) =>
    registrationOf(bytes, finalChallenge.finalChallengeHash, trustAnchors, expected.now, expected.acceptSurrogate ?? false),
  );
  assertDistinctKeys(registrations);
  const violation = expected.policy && policyViolation(expected.policy, registrations.map(factsOf));
  if (violation) throw new UafError('POLICY_NOT_SATISFIED', violation);
  return { facetID: finalChallenge.facetID, registrations };
};
