import { createHash } from 'node:crypto';
import {
  type FieldError,
  invalid,
  type PasskeyFailureReason,
  type PasskeyUserVerification,
} from '@identity-store/contracts';
import {
  type AuthenticationResponseJSON,
  type RegistrationResponseJSON,
  type Uint8Array_,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import {
  decodeAttestationObject,
  decodeClientDataJSON,
  isoBase64URL,
  type ParsedAuthenticatorData,
  parseAuthenticatorData,
} from '@simplewebauthn/server/helpers';
import type { PasskeyState } from '../domain/passkey';
import type { AssertionCheck } from '../domain/passkey-authentication-decider';
import type { AttestationCheck } from '../domain/passkey-registration-decider';
import { SUPPORTED_ALGORITHM_IDS } from './ceremony-options';

/**
 * The cryptographic checks of a WebAuthn response, with @simplewebauthn/server doing the
 * verification (attestation statements, signatures, COSE keys). Three outcomes:
 * - a response that cannot be read at all (clientDataJSON not JSON, authenticator data or
 *   attestation object not decodable) is a 400 INVALID_WEBAUTHN_RESPONSE naming the field: a bad
 *   request, nothing stored, the session stays open;
 * - a response that reads but does not verify is a failed ceremony with a reason (see
 *   PasskeyFailureReason). The reasons of the checks the library would throw on (type, challenge,
 *   origin, rpId, user presence and verification) are found here first, from the decoded client
 *   and authenticator data, so each gets its own reason rather than a parsed error message; what
 *   the library rejects beyond them is INVALID_ATTESTATION / INVALID_ASSERTION, and an assertion
 *   signature that does not verify (the library answers `verified: false`) is INVALID_SIGNATURE;
 * - a verified response.
 * The signature counter is not judged here but by the decider, against the state it decides on.
 *
 * Attestation is verified as a signature only: no trust anchors (no FIDO Metadata Service), so the
 * attestation format, AAGUID and flags a registration records (and its audit shows) are what the
 * authenticator asserted about itself, not facts about its make or certification.
 */

/** What the session and the relying party configuration expect of a response. */
export interface Expectations {
  challenge: string;
  /** The relying party configuration's origins. */
  origins: string[];
  rpId: string;
  /** The policy's user verification when the ceremony started: `required` makes UV mandatory. */
  userVerification: PasskeyUserVerification;
}

/** `body.response.clientDataJSON`, or `body.credential.response.clientDataJSON` in one-call bodies. */
type FieldPath = (field: string) => string;

const malformed = (path: string, message: string) =>
  invalid('INVALID_WEBAUTHN_RESPONSE', `The WebAuthn response cannot be read: ${message}`, [
    { path, message } satisfies FieldError,
  ]);

/** The decoded clientDataJSON; a 400 when it is not the JSON a browser sends. */
export const readClientData = (clientDataJSON: string, at: FieldPath) => {
  const path = at('response.clientDataJSON');
  let clientData: unknown;
  try {
    clientData = decodeClientDataJSON(clientDataJSON);
  } catch {
    throw malformed(path, 'must be base64url-encoded JSON');
  }
  const { type, challenge, origin } = (clientData ?? {}) as Record<string, unknown>;
  if (typeof type !== 'string' || typeof challenge !== 'string' || typeof origin !== 'string')
    throw malformed(path, 'must hold the strings type, challenge and origin');
  return { type, challenge, origin };
};

const readAuthenticatorData = (bytes: Uint8Array_, path: string): ParsedAuthenticatorData => {
  try {
    return parseAuthenticatorData(bytes);
  } catch {
    throw malformed(path, 'holds no readable authenticator data');
  }
};

const sha256 = (text: string) => createHash('sha256').update(text).digest();

/** The first expectation the decoded client and authenticator data break, if any. */
const firstBrokenExpectation = (
  expectedType: 'webauthn.create' | 'webauthn.get',
  clientData: { type: string; challenge: string; origin: string },
  authData: ParsedAuthenticatorData,
  expected: Expectations,
): PasskeyFailureReason | null => {
  if (clientData.type !== expectedType) return 'UNEXPECTED_TYPE';
  if (clientData.challenge !== expected.challenge) return 'CHALLENGE_MISMATCH';
  if (!expected.origins.includes(clientData.origin)) return 'ORIGIN_MISMATCH';
  if (!sha256(expected.rpId).equals(Buffer.from(authData.rpIdHash))) return 'RP_ID_MISMATCH';
  if (!authData.flags.up) return 'USER_NOT_PRESENT';
  if (expected.userVerification === 'required' && !authData.flags.uv) return 'USER_VERIFICATION_MISSING';
  return null;
};

/** Checks a RegistrationResponseJSON (`navigator.credentials.create()`) against its session. */
export const checkAttestation = async (
  response: RegistrationResponseJSON,
  expected: Expectations,
  at: FieldPath,
): Promise<AttestationCheck> => {
  const clientData = readClientData(response.response.clientDataJSON, at);
  let attestedAuthData: Uint8Array_;
  try {
    attestedAuthData = decodeAttestationObject(
      isoBase64URL.toBuffer(response.response.attestationObject),
    ).get('authData');
  } catch {
    throw malformed(at('response.attestationObject'), 'must be a base64url-encoded CBOR attestation object');
  }
  if (!(attestedAuthData instanceof Uint8Array))
    throw malformed(at('response.attestationObject'), 'holds no authenticator data');
  const authData = readAuthenticatorData(attestedAuthData, at('response.attestationObject'));
  if (!authData.credentialID)
    throw malformed(at('response.attestationObject'), 'holds no attested credential data');
  if (isoBase64URL.fromBuffer(authData.credentialID) !== response.id)
    throw invalid('INVALID_WEBAUTHN_RESPONSE', 'The credential id is not the attested one', [
      { path: at('id'), message: 'must be the credential id of the attested credential data' },
    ]);

  const broken = firstBrokenExpectation('webauthn.create', clientData, authData, expected);
  if (broken) return { ok: false, reason: broken };
  try {
    const { verified, registrationInfo } = await verifyRegistrationResponse({
      response,
      expectedChallenge: expected.challenge,
      expectedOrigin: expected.origins,
      expectedRPID: expected.rpId,
      requireUserVerification: expected.userVerification === 'required',
      // Only the algorithms the options offered (no RS1, nothing the runtime happens to add).
      supportedAlgorithmIDs: [...SUPPORTED_ALGORITHM_IDS],
    });
    if (!verified) return { ok: false, reason: 'INVALID_ATTESTATION' };
    const { credential } = registrationInfo;
    return {
      ok: true,
      credentialId: credential.id,
      publicKey: isoBase64URL.fromBuffer(credential.publicKey),
      signCount: credential.counter,
      aaguid: registrationInfo.aaguid,
      attestationFormat: registrationInfo.fmt,
      transports: [...(response.response.transports ?? [])],
      userVerified: registrationInfo.userVerified,
      backupEligible: authData.flags.be,
      backedUp: registrationInfo.credentialBackedUp,
      deviceType: registrationInfo.credentialDeviceType,
      authenticatorAttachment: response.authenticatorAttachment ?? null,
      origin: registrationInfo.origin,
    };
  } catch {
    // A bad attestation signature, an unsupported format or key algorithm, …: no reason of its own.
    return { ok: false, reason: 'INVALID_ATTESTATION' };
  }
};

/**
 * Checks an AuthenticationResponseJSON (`navigator.credentials.get()`) against its session and the
 * passkey its credential id names (undefined: none, the decider's UNKNOWN_CREDENTIAL).
 */
export const checkAssertion = async (
  response: AuthenticationResponseJSON,
  expected: Expectations,
  passkey: PasskeyState | undefined,
  at: FieldPath,
): Promise<AssertionCheck> => {
  const clientData = readClientData(response.response.clientDataJSON, at);
  let authenticatorData: Uint8Array_;
  try {
    authenticatorData = isoBase64URL.toBuffer(response.response.authenticatorData);
  } catch {
    throw malformed(at('response.authenticatorData'), 'must be base64url');
  }
  const authData = readAuthenticatorData(authenticatorData, at('response.authenticatorData'));
  const seen = { userVerified: authData.flags.uv, signCount: authData.counter };
  const broken = firstBrokenExpectation('webauthn.get', clientData, authData, expected);
  if (broken) return { ok: false, reason: broken, ...seen };
  if (!passkey) return { ok: false, reason: 'UNKNOWN_CREDENTIAL', ...seen };
  try {
    const { verified, authenticationInfo } = await verifyAuthenticationResponse({
      response,
      expectedChallenge: expected.challenge,
      expectedOrigin: expected.origins,
      expectedRPID: expected.rpId,
      requireUserVerification: expected.userVerification === 'required',
      // Counter 0: the library's own counter check stays out; the decider judges the counter (and
      // flags a regression in the audit) against the state it decides on.
      credential: {
        id: passkey.credentialId,
        publicKey: isoBase64URL.toBuffer(passkey.publicKey),
        counter: 0,
      },
    });
    if (!verified) return { ok: false, reason: 'INVALID_SIGNATURE', ...seen };
    return {
      ok: true,
      signCount: authenticationInfo.newCounter,
      userVerified: authenticationInfo.userVerified,
      backedUp: authenticationInfo.credentialBackedUp,
      origin: authenticationInfo.origin,
    };
  } catch {
    // A signature that is not even an ECDSA/RSA/EdDSA signature, a cross-origin top origin, …
    return { ok: false, reason: 'INVALID_ASSERTION', ...seen };
  }
};
