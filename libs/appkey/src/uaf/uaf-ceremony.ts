import {
  type AppkeyFailureReason,
  type AppkeyUserVerificationMethod,
  DomainError,
  UAF_USER_VERIFICATION_METHODS,
} from '@identity-store/contracts';
import {
  buildAuthenticationRequest,
  buildDeregistrationRequest,
  buildRegistrationRequest,
  type MatchCriteria,
  UafError,
  type UafErrorCode,
  type UafPolicy,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@identity-store/uaf';
import { z } from 'zod';
import type { AppkeyState, AuthenticationSession, RegistrationSession } from '../domain/appkey';
import type { AssertionVerdict, RegistrationVerdict } from '../domain/appkey-decider';

/**
 * The appkey service's side of FIDO UAF 1.1: the requests a start sends (built from the store's
 * appkey configuration and the session) and the verdicts of the responses a completion brings,
 * checked by libs/uaf. A response that cannot be read at all (JSON, TLV, version, operation) is a 400
 * `INVALID_UAF_RESPONSE` that changes nothing; every other failed check is a verdict the decider
 * records (and that uses the session up).
 */

/** The relying party's configuration as the ceremonies read it (the store's AppkeyConfig). */
export interface UafRelyingParty {
  appID: string;
  facets: string[];
  attestationRootCertificates?: string[];
}

/** The signature algorithms the server verifies (P-256 ECDSA, raw and DER), and the only assertion scheme. */
const SUPPORTED = { authenticationAlgorithms: [0x0001, 0x0002], assertionSchemes: ['UAFV1TLV'] };

/**
 * `accepted` of a policy: the named authenticator models (UAF lets a criterion with `aaid` say
 * nothing more), else one alternative per user verification method, each with the supported
 * algorithms and scheme.
 */
const acceptedFor = (userVerification: readonly AppkeyUserVerificationMethod[], aaids?: readonly string[]): MatchCriteria[][] => {
  if (aaids?.length) return [[{ aaid: [...aaids] }]];
  const flags = userVerification.map((name) => UAF_USER_VERIFICATION_METHODS[name]);
  return flags.length ? flags.map((flag) => [{ ...SUPPORTED, userVerification: flag }]) : [[SUPPORTED]];
};

/** A registration policy as UAF states it: the user's keys of the relying party are disallowed. */
export const registrationPolicyOf = (
  policy: { userVerification: readonly AppkeyUserVerificationMethod[]; acceptedAaids?: readonly string[] },
  registered: AppkeyState[],
): UafPolicy => ({
  accepted: acceptedFor(policy.userVerification, policy.acceptedAaids),
  ...(registered.length ? { disallowed: registered.map((a) => ({ aaid: [a.aaid], keyIDs: [a.keyId] })) } : {}),
});

/** The RegistrationRequest of a session (`username`: the user's id). */
export const registrationRequestOf = (rp: UafRelyingParty, session: RegistrationSession, username: string, policy: UafPolicy): string =>
  buildRegistrationRequest({ appID: rp.appID, serverData: session.id, challenge: session.challenge, username, policy });

/** The AuthenticationRequest of a session: only the allowed keys, and the transaction to confirm if any. */
export const authenticationRequestOf = (rp: UafRelyingParty, session: AuthenticationSession, allowed: AppkeyState[]): string =>
  buildAuthenticationRequest({
    appID: rp.appID,
    serverData: session.id,
    challenge: session.challenge,
    policy: { accepted: allowed.map((a) => [{ aaid: [a.aaid], keyIDs: [a.keyId] }]) },
    ...(session.transactionContent !== null
      ? { transaction: [{ contentType: 'text/plain' as const, content: session.transactionContent }] }
      : {}),
  });

/** The DeregistrationRequest naming the keys the server removed (the app runs it on the device). */
export const deregistrationRequestOf = (rp: UafRelyingParty, removed: Array<{ aaid: string; keyId: string }>): string =>
  buildDeregistrationRequest({ appID: rp.appID, authenticators: removed.map((a) => ({ aaid: a.aaid, keyID: a.keyId })) });

/** The transaction text as UAF carries it (text/plain content, base64url). */
export const transactionContentOf = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');

// ---- responses --------------------------------------------------------------------------------

/** Failures that mean the message could not be read: the request is refused, nothing changes. */
const UNREADABLE: ReadonlySet<UafErrorCode> = new Set<UafErrorCode>([
  'MALFORMED_MESSAGE',
  'MALFORMED_TLV',
  'MALFORMED_ASSERTION',
  'UNSUPPORTED_VERSION',
  'WRONG_OPERATION',
]);

const unreadable = (detail: string) =>
  new DomainError('validation', 'INVALID_UAF_RESPONSE', `The UAF response cannot be read: ${detail}`, [
    { path: 'body.uafResponse', message: detail },
  ]);

/** The verdict reason of a check that failed (every code not unreadable is one). */
const reasonOf = (error: UafError): AppkeyFailureReason => {
  if (UNREADABLE.has(error.code)) throw unreadable(error.message);
  // The counter is the decider's rule (it is never handed to the library), named as the decider names it.
  return error.code === 'SIGN_COUNTER_NOT_INCREASED' ? 'COUNTER_REGRESSION' : (error.code as AppkeyFailureReason);
};

const serverDataSchema = z.array(z.object({ header: z.object({ serverData: z.string().min(1).max(128) }) })).min(1);

/** The session a UAF response names (its header's serverData is the session id), for the one-call operations. */
export const sessionIdOf = (uafResponse: string): string => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(uafResponse);
  } catch {
    throw unreadable('not JSON');
  }
  const result = serverDataSchema.safeParse(parsed);
  if (!result.success) throw unreadable('no header.serverData');
  return result.data[0]!.header.serverData;
};

const expectedOf = (rp: UafRelyingParty, session: { id: string; challenge: string }) => ({
  appID: rp.appID,
  serverData: session.id,
  challenge: session.challenge,
  facetIds: rp.facets,
});

/**
 * The verdict on a RegistrationResponse: exactly one registration assertion, verified. A Basic Full
 * attestation must chain to the configuration's roots when it has any; a surrogate one (self-signed)
 * is accepted unless the policy asks for BASIC_FULL (API.md), and the attestation type must be the
 * policy's when it names one.
 */
export const checkRegistration = (
  uafResponse: string,
  rp: UafRelyingParty,
  session: RegistrationSession,
  policy: { uaf: UafPolicy; attestation: 'BASIC_FULL' | 'BASIC_SURROGATE' | 'ANY' },
  now: Date,
): RegistrationVerdict => {
  try {
    const { facetID, registrations } = verifyRegistrationResponse(uafResponse, {
      ...expectedOf(rp, session),
      trustAnchors: rp.attestationRootCertificates ?? [],
      acceptSurrogate: policy.attestation !== 'BASIC_FULL',
      policy: policy.uaf,
      now,
    });
    if (registrations.length !== 1) throw unreadable(`expected one registration assertion, got ${registrations.length}`);
    const [registration] = registrations as [(typeof registrations)[number]];
    if (policy.attestation !== 'ANY' && registration.attestationType !== policy.attestation)
      return { ok: false, reason: 'POLICY_NOT_SATISFIED' };
    return {
      ok: true,
      keyId: registration.keyID,
      aaid: registration.aaid,
      publicKey: registration.publicKey,
      signAlgorithm: registration.signAlgorithm,
      signCounter: registration.signCounter,
      authenticatorVersion: registration.authenticatorVersion,
      attestationType: registration.attestationType,
      attestationCertificate: registration.attestationCertificate ?? null,
      facetId: facetID,
    };
  } catch (error) {
    if (error instanceof UafError) return { ok: false, reason: reasonOf(error) };
    throw error;
  }
};

/**
 * The verdict on an AuthenticationResponse: exactly one assertion, by a key of this user and relying
 * party that the session allowed (else UNKNOWN_KEY, also for another user's or store's key id),
 * signed over this session's challenge (and transaction). Counter and status are the decider's.
 */
export const checkAuthentication = (
  uafResponse: string,
  rp: UafRelyingParty,
  session: AuthenticationSession,
  appkeys: AppkeyState[],
): AssertionVerdict => {
  let named: string | null = null;
  try {
    const { assertions } = verifyAuthenticationResponse(uafResponse, {
      ...expectedOf(rp, session),
      ...(session.transactionContent !== null
        ? { transaction: [{ contentType: 'text/plain', content: session.transactionContent }] }
        : {}),
      keyOf: (aaid, keyID) => {
        named = keyID;
        const appkey = appkeys.find((a) => a.keyId === keyID && a.aaid === aaid && session.allowedKeyIds.includes(a.keyId));
        return appkey && { publicKey: appkey.publicKey, signAlgorithm: appkey.signAlgorithm };
      },
    });
    if (assertions.length !== 1) throw unreadable(`expected one authentication assertion, got ${assertions.length}`);
    const [assertion] = assertions as [(typeof assertions)[number]];
    return {
      ok: true,
      keyId: assertion.keyID,
      aaid: assertion.aaid,
      signCounter: assertion.signCounter,
      transactionConfirmed: assertion.transactionConfirmed,
    };
  } catch (error) {
    if (error instanceof UafError) return { ok: false, reason: reasonOf(error), keyId: named };
    throw error;
  }
};
