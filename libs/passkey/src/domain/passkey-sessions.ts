import { addMilliseconds, type PasskeyHint, type PasskeyUserVerification } from '@identity-store/contracts';
import {
  type PasskeyEvent,
  type PasskeySession,
  passkeySessions,
  PasskeySessionsExpired,
  type PasskeyUserState,
} from './passkey';

/*
 * Passkey ceremony sessions (README "Passkeys"), on credential-kit's ceremony sessions: they expire
 * at the policy's timeout (registration without one: 5 minutes). Expired sessions are 410 until the
 * session sweeper closes them ({@link expirePasskeySessions}) or the user's next start prunes them
 * (then 404). At most {@link MAX_OPEN_SESSIONS} open sessions per user: a start beyond it evicts the
 * oldest, recorded as PasskeySessionsExpired (EVICTED) in the same append.
 */

/** How long a registration session stays open when its policy sets no timeout (API.md: 5 min). */
export const DEFAULT_CEREMONY_TIMEOUT_MS = 300_000;

/** Open ceremony sessions per user (registrations and authentications together), as for passcodes. */
export const MAX_OPEN_SESSIONS = passkeySessions.cap;

/** What every passkey command carries besides its own fields: when it is decided. */
export interface PasskeyCommandMetadata {
  now: Date;
}

/** What a start puts into the options (and keeps in the session to check the response against). */
export interface StartCeremony {
  metadata: PasskeyCommandMetadata;
  sessionId: string;
  storeId: string;
  rpId: string;
  policyName: string;
  challenge: string;
  userVerification: PasskeyUserVerification;
  hints: PasskeyHint[];
  timeoutMs: number;
}

export interface CompleteCeremony {
  metadata: PasskeyCommandMetadata;
  sessionId: string;
  /** The store the session is completed through. */
  storeId: string;
  context?: Record<string, unknown>;
  /** The hints the client says it gave the user agent (a one-call request's), recorded with the outcome. */
  clientHints?: PasskeyHint[];
}

/** The client's hints for an outcome event, when it named any. */
export const clientHintsOf = (command: CompleteCeremony) =>
  command.clientHints !== undefined ? { clientHints: [...command.clientHints] } : {};

/** The session fields of a start's event. */
export const sessionData = (command: StartCeremony) => ({
  sessionId: command.sessionId,
  storeId: command.storeId,
  rpId: command.rpId,
  policyName: command.policyName,
  challenge: command.challenge,
  userVerification: command.userVerification,
  hints: [...command.hints],
  // Clamped (review M1): a stored timeout can never make the start throw on an Invalid Date.
  expiresDtm: addMilliseconds(command.metadata.now, command.timeoutMs).toISOString(),
  at: command.metadata.now.toISOString(),
});

/** The store of the open sessions (a user's are all of the user's store; a usernameless stream has one). */
export const storeOfPasskeySessions = (state: PasskeyUserState): string | undefined => passkeySessions.storeOf(state);

/** The open session whose options carried this challenge (the one-call variants find theirs so). */
export const findSessionByChallenge = (
  state: PasskeyUserState,
  kind: PasskeySession['kind'],
  challenge: string,
): PasskeySession | undefined =>
  Object.values(state.sessions).find((s) => s.kind === kind && s.challenge === challenge);

const sessionsExpired = (reason: 'EXPIRED' | 'EVICTED', sessions: PasskeySession[], now: Date) =>
  PasskeySessionsExpired.create({
    reason,
    sessions: sessions.map((s) => ({
      sessionId: s.id,
      kind: s.kind,
      rpId: s.rpId,
      policyName: s.policyName,
      usernameless: s.kind === 'AUTHENTICATION' && s.usernameless,
      expiresDtm: s.expiresDtm,
    })),
    at: now.toISOString(),
  });

/**
 * The session sweeper's decision, on a user's stream or a usernameless session's own: closes the
 * sessions that have expired at `now` (their keys are released with it). Nothing when none has.
 */
export const expirePasskeySessions = (state: PasskeyUserState, now: Date): PasskeyEvent[] => {
  const expired = passkeySessions.expired(state, now);
  return expired.length ? [sessionsExpired('EXPIRED', expired, now)] : [];
};

/** Before a start on a user's stream: evicts the oldest open sessions so the new one fits the cap. */
export const evictionsBeforeStart = (state: PasskeyUserState, now: Date): PasskeyEvent[] => {
  const evicted = passkeySessions.evictedBeforeStart(state, now);
  return evicted.length ? [sessionsExpired('EVICTED', evicted, now)] : [];
};

/**
 * The open session of this kind the command completes, from this state (or, for a usernameless
 * authentication, from its own stream's): 404 for any other, 410 once expired.
 */
export const requireSession = <K extends PasskeySession['kind']>(
  state: PasskeyUserState,
  command: Pick<CompleteCeremony, 'sessionId' | 'storeId' | 'metadata'>,
  kind: K,
) =>
  passkeySessions.require(state, { sessionId: command.sessionId, storeId: command.storeId, now: command.metadata.now }, kind);
