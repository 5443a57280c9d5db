import {
  addMilliseconds,
  DomainError,
  notFound,
  ownEntry,
  type PasskeyHint,
  type PasskeyUserVerification,
} from '@identity-store/contracts';
import {
  isSessionExpired,
  type PasskeyEvent,
  type PasskeySession,
  PasskeySessionsExpired,
  type PasskeyUserState,
} from './passkey';

/*
 * Ceremony sessions (README "Passkeys"): single-use, they expire at the policy's timeout
 * (registration without one: 5 minutes) and belong to the store they were started in (another
 * store: 404). Expired sessions are 410 until the session sweeper closes them
 * ({@link expirePasskeySessions}) or the user's next start prunes them (then 404). At most
 * {@link MAX_OPEN_SESSIONS} open sessions per user: a start beyond it evicts the oldest.
 */

/** How long a registration session stays open when its policy sets no timeout (API.md: 5 min). */
export const DEFAULT_CEREMONY_TIMEOUT_MS = 300_000;

/** Open ceremony sessions per user (registrations and authentications together), as for passcodes. */
export const MAX_OPEN_SESSIONS = 10;

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
}

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

const oldestFirst = (a: PasskeySession, b: PasskeySession) =>
  a.startedDtm.localeCompare(b.startedDtm) || a.id.localeCompare(b.id);

/** The store of the open sessions (a user's are all of the user's store; a usernameless stream has one). */
export const storeOfPasskeySessions = (state: PasskeyUserState): string | undefined =>
  Object.values(state.sessions)[0]?.storeId;

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
  const expired = Object.values(state.sessions)
    .filter((s) => isSessionExpired(s, now))
    .sort(oldestFirst);
  return expired.length ? [sessionsExpired('EXPIRED', expired, now)] : [];
};

/** Before a start on a user's stream: evicts the oldest open sessions so the new one fits the cap. */
export const evictionsBeforeStart = (state: PasskeyUserState, now: Date): PasskeyEvent[] => {
  const open = Object.values(state.sessions)
    .filter((s) => !isSessionExpired(s, now))
    .sort(oldestFirst);
  const excess = open.length - (MAX_OPEN_SESSIONS - 1);
  return excess > 0 ? [sessionsExpired('EVICTED', open.slice(0, excess), now)] : [];
};

/**
 * The session, open, of this kind, completed through the store it was started in. Any other
 * session (unknown, used, of another kind or store) is 404, so session ids reveal nothing.
 */
export const requireOpenSession = <K extends PasskeySession['kind']>(
  session: PasskeySession | undefined,
  command: Pick<CompleteCeremony, 'sessionId' | 'storeId' | 'metadata'>,
  kind: K,
): Extract<PasskeySession, { kind: K }> => {
  if (!session || session.kind !== kind || session.storeId !== command.storeId)
    throw notFound('PASSKEY_SESSION_NOT_FOUND', `Passkey session ${command.sessionId} does not exist`);
  if (isSessionExpired(session, command.metadata.now))
    throw new DomainError(
      'gone',
      'PASSKEY_SESSION_EXPIRED',
      `Passkey session ${command.sessionId} has expired`,
    );
  return session as Extract<PasskeySession, { kind: K }>;
};

/** This state's open session the command completes. */
export const requireSession = <K extends PasskeySession['kind']>(
  state: PasskeyUserState,
  command: CompleteCeremony,
  kind: K,
) => requireOpenSession(ownEntry(state.sessions, command.sessionId), command, kind);
