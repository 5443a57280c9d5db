import { notFound, ownEntry, type PasskeyFailureReason } from '@identity-store/contracts';
import {
  type AuthenticationSession,
  PasskeyAuthenticationFailed,
  PasskeyAuthenticationSessionClosed,
  PasskeyAuthenticationStarted,
  PasskeyAuthenticationSucceeded,
  type PasskeyEvent,
  type PasskeyState,
  type PasskeyUserState,
} from './passkey';
import type { CheckFailure } from './passkey-registration-decider';
import {
  clientHintsOf,
  type CompleteCeremony,
  evictionsBeforeStart,
  requireSession,
  sessionData,
  type StartCeremony,
} from './passkey-sessions';
import { findByCredential, passkeysOf } from './passkey-views';

/*
 * Authentication ceremonies. The assertion is checked beforehand by the service up to its
 * signature (../webauthn/verify-response.ts) and comes in as its outcome; the decider judges it
 * against the state (session still open, passkey usable, signature counter):
 * - Signature counter: a verified assertion whose counter is not above the stored one, while either
 *   is non-zero, fails as COUNTER_REGRESSION (flagged in the audit; the stored counter is kept).
 *   Both zero is a synced passkey that keeps no counter, and succeeds.
 * - Only ACTIVE passkeys authenticate (else PASSKEY_NOT_ACTIVE).
 * Usernameless sessions have a stream each and no user to count them against: the sweeper bounds
 * them (README "Passkeys").
 */

/**
 * The checks of an assertion up to the signature: a failure (with what the authenticator data said
 * when it got that far), or a valid signature over this counter. The counter is the decider's.
 */
export type AssertionCheck =
  | { ok: true; signCount: number; userVerified: boolean; backedUp: boolean; origin: string }
  | (CheckFailure & { userVerified: boolean | null; signCount: number | null });

export interface StartPasskeyAuthentication extends StartCeremony {
  type: 'StartPasskeyAuthentication';
  /** A store-level start on a usernameless session's own stream: any discoverable credential. */
  usernameless: boolean;
}

export interface CompletePasskeyAuthentication extends CompleteCeremony {
  type: 'CompletePasskeyAuthentication';
  authenticationId: string;
  /** The credential id the response presented. */
  credentialId: string;
  /** The response's user handle, if any, and the one the user's passkeys were created with. */
  userHandle: string | undefined;
  expectedUserHandle: string;
  /** A usernameless session, read from its own stream (else the session is this state's). */
  session?: AuthenticationSession;
  assertion: AssertionCheck;
}

/** A usernameless session's stream: the session was used; the outcome is the user's stream's. */
export interface CloseUsernamelessSession extends CompleteCeremony {
  type: 'CloseUsernamelessSession';
  authenticationId: string;
}

/** A usernameless session's stream: its response named no passkey of the store. */
export interface FailUsernamelessAuthentication extends CompleteCeremony {
  type: 'FailUsernamelessAuthentication';
  authenticationId: string;
  credentialId: string;
}

export const startAuthentication = (
  command: StartPasskeyAuthentication,
  state: PasskeyUserState,
): PasskeyEvent[] => {
  const allowCredentials = command.usernameless
    ? []
    : passkeysOf(state, command.rpId)
        .filter((p) => p.status === 'ACTIVE')
        .map((p) => p.credentialId);
  if (!command.usernameless && allowCredentials.length === 0)
    throw notFound('PASSKEY_NOT_FOUND', `No ACTIVE passkey is registered for ${command.rpId}`);
  return [
    ...evictionsBeforeStart(state, command.metadata.now),
    PasskeyAuthenticationStarted.create({
      ...sessionData(command),
      allowCredentials,
      usernameless: command.usernameless,
    }),
  ];
};

/** The first rule an assertion breaks, judged on this state; null when it authenticates. */
const assertionFailure = (
  command: CompletePasskeyAuthentication,
  session: AuthenticationSession,
  passkey: PasskeyState | undefined,
): { reason: PasskeyFailureReason; counterRegression: boolean } | null => {
  const fail = (reason: PasskeyFailureReason) => ({ reason, counterRegression: false });
  const allowed =
    session.allowCredentials.length === 0 || session.allowCredentials.includes(command.credentialId);
  if (!passkey || !allowed) return fail('UNKNOWN_CREDENTIAL');
  // A discoverable credential returns the user handle it was created with; usernameless needs it.
  if (
    command.userHandle !== undefined
      ? command.userHandle !== command.expectedUserHandle
      : session.usernameless
  )
    return fail('USER_HANDLE_MISMATCH');
  if (passkey.status !== 'ACTIVE') return fail('PASSKEY_NOT_ACTIVE');
  const { assertion } = command;
  if (!assertion.ok) return fail(assertion.reason);
  // Counters only grow; both zero is a synced passkey that keeps none.
  if ((assertion.signCount > 0 || passkey.signCount > 0) && assertion.signCount <= passkey.signCount)
    return { reason: 'COUNTER_REGRESSION', counterRegression: true };
  return null;
};

export const completeAuthentication = (
  command: CompletePasskeyAuthentication,
  state: PasskeyUserState,
): PasskeyEvent[] => {
  // A usernameless session comes from its own stream; any other is this state's.
  const holder = command.session ? { ...state, sessions: { [command.sessionId]: command.session } } : state;
  const session = requireSession(holder, command, 'AUTHENTICATION');
  const passkey = findByCredential(state, session.rpId, command.credentialId);
  const { assertion } = command;
  const common = {
    sessionId: session.id,
    authenticationId: command.authenticationId,
    rpId: session.rpId,
    policyName: session.policyName,
    usernameless: session.usernameless,
    hints: session.hints,
    ...clientHintsOf(command),
    at: command.metadata.now.toISOString(),
    ...(command.context !== undefined ? { context: command.context } : {}),
  };
  const failure = assertionFailure(command, session, passkey);
  if (failure || !passkey || !assertion.ok)
    return [
      PasskeyAuthenticationFailed.create({
        ...common,
        passkeyId: passkey?.id ?? null,
        credentialId: command.credentialId,
        name: passkey?.name ?? null,
        status: passkey?.status ?? null,
        reason: failure?.reason ?? 'INVALID_ASSERTION',
        counterRegression: failure?.counterRegression ?? false,
        userVerified: assertion.userVerified,
        signCount: assertion.signCount,
        previousSignCount: passkey?.signCount ?? null,
      }),
    ];
  return [
    PasskeyAuthenticationSucceeded.create({
      ...common,
      passkeyId: passkey.id,
      credentialId: passkey.credentialId,
      name: passkey.name,
      status: passkey.status,
      userVerified: assertion.userVerified,
      backedUp: assertion.backedUp,
      signCount: assertion.signCount,
      previousSignCount: passkey.signCount,
      origin: assertion.origin,
    }),
  ];
};

const requireUsernamelessSession = (command: CompleteCeremony, state: PasskeyUserState) => {
  const session = requireSession(state, command, 'AUTHENTICATION');
  if (!session.usernameless) throw new Error('not a usernameless session stream');
  return session;
};

export const closeUsernamelessSession = (
  command: CloseUsernamelessSession,
  state: PasskeyUserState,
): PasskeyEvent[] => {
  const session = requireUsernamelessSession(command, state);
  return [
    PasskeyAuthenticationSessionClosed.create({
      sessionId: session.id,
      authenticationId: command.authenticationId,
      at: command.metadata.now.toISOString(),
    }),
  ];
};

export const failUsernamelessAuthentication = (
  command: FailUsernamelessAuthentication,
  state: PasskeyUserState,
): PasskeyEvent[] => {
  const session = requireUsernamelessSession(command, state);
  return [
    PasskeyAuthenticationFailed.create({
      sessionId: session.id,
      authenticationId: command.authenticationId,
      rpId: session.rpId,
      policyName: session.policyName,
      usernameless: true,
      hints: session.hints,
      at: command.metadata.now.toISOString(),
      ...(command.context !== undefined ? { context: command.context } : {}),
      passkeyId: null,
      credentialId: command.credentialId,
      name: null,
      status: null,
      reason: 'UNKNOWN_CREDENTIAL',
      counterRegression: false,
      userVerified: null,
      signCount: null,
      previousSignCount: null,
    }),
  ];
};
