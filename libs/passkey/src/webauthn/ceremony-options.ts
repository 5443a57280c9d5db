import type {
  PasskeyAuthenticationPolicy,
  PasskeyConfig,
  PasskeyRegistrationPolicy,
  UserRecord,
} from '@identity-store/contracts';
import {
  type AuthenticatorTransport,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { isoBase64URL } from '@simplewebauthn/server/helpers';
import type { AuthenticationSession, PasskeyState, RegistrationSession } from '../domain/passkey';

/**
 * The WebAuthn options of a ceremony (what the browser passes to `navigator.credentials.create()`
 * / `.get()`), built with @simplewebauthn/server from the session the start recorded (its
 * challenge, user verification and hints) and the relying party's configuration and policy.
 * The library has no `hints` option (v14 only derives one from `preferredAuthenticatorType`), so
 * the policy's hints — ordered by preference — are set on the JSON it returns; likewise the
 * policy's `attestation`, which may be `indirect` (the library's option stops at none|direct|enterprise).
 */

/**
 * The public key algorithms (COSE ids) a passkey may use, most preferred first: EdDSA (-8), ES256
 * (-7), RS256 (-257). Fixed here rather than left to the library, whose default depends on the
 * runtime (it adds ML-DSA-44 where WebCrypto has it) and whose older versions accepted RS1
 * (-65535, RSASSA-PKCS1-v1_5 with SHA-1). The registration options offer exactly these and the
 * registration check accepts only these.
 */
export const SUPPORTED_ALGORITHM_IDS: readonly number[] = [-8, -7, -257];

/** The user handle (`user.id` of the creation options): the user's internal id, UTF-8. */
export const userHandleOf = (userId: string): string => isoBase64URL.fromUTF8String(userId);

const descriptors = (passkeys: PasskeyState[]) =>
  passkeys.map((p) => ({ id: p.credentialId, transports: p.transports as AuthenticatorTransport[] }));

export const creationOptions = async (
  config: PasskeyConfig,
  policy: PasskeyRegistrationPolicy,
  user: UserRecord,
  session: RegistrationSession,
  timeoutMs: number,
  /** The user's passkeys of the relying party: an authenticator holding one of them must not register again. */
  existing: PasskeyState[],
): Promise<PublicKeyCredentialCreationOptionsJSON> => {
  const options = await generateRegistrationOptions({
    rpName: config.rpName,
    rpID: config.rpId,
    userName: user.extId,
    userDisplayName: user.extId,
    userID: isoBase64URL.toBuffer(userHandleOf(user.id)),
    challenge: isoBase64URL.toBuffer(session.challenge),
    timeout: timeoutMs,
    supportedAlgorithmIDs: [...SUPPORTED_ALGORITHM_IDS],
    excludeCredentials: descriptors(existing),
    authenticatorSelection: {
      residentKey: policy.residentKey,
      requireResidentKey: policy.residentKey === 'required',
      userVerification: session.userVerification,
      ...(policy.authenticatorAttachment ? { authenticatorAttachment: policy.authenticatorAttachment } : {}),
    },
  });
  return { ...options, attestation: policy.attestation, hints: [...session.hints] };
};

export const requestOptions = async (
  policy: PasskeyAuthenticationPolicy,
  session: AuthenticationSession,
  /** The passkeys the session allows (their transports help the browser find them). */
  allowed: PasskeyState[],
): Promise<PublicKeyCredentialRequestOptionsJSON> => {
  const options = await generateAuthenticationOptions({
    rpID: session.rpId,
    // Usernameless: no list, the authenticator offers its discoverable credentials for the rpId.
    allowCredentials: session.usernameless ? undefined : descriptors(allowed),
    challenge: isoBase64URL.toBuffer(session.challenge),
    timeout: policy.timeout,
    userVerification: session.userVerification,
  });
  return { ...options, hints: [...session.hints] };
};
