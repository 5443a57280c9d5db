import { DomainError, notFound, ownEntry } from '@identity-store/contracts';
import type { ExpiringKey } from './held-keys';

/**
 * Ceremony sessions (registration, authentication, renewal, …) kept in a credential aggregate's
 * state, written once for every family. Generic over the session payload: a family declares its
 * session types (anything with the fields below) and gets open, close, require, expire and the cap.
 *
 * The rules every family shares:
 * - A session is single-use and expires at `expiresDtm`; it belongs to the store it was started in.
 * - Completing one that is unknown, used, of another kind or of another store is 404 (session ids
 *   reveal nothing); an expired one is 410 until the sweeper or the next start closes it.
 * - At most `cap` open sessions per aggregate: a start beyond it evicts the oldest open ones (the
 *   family records that in the same append), so the state stays small. Keycloak likewise caps a
 *   browser's authentication sessions and evicts the oldest: one more start is never refused.
 * - Opening a session prunes those already expired at its start (keeps the state bounded).
 */
export interface CeremonySession {
  kind: string;
  id: string;
  storeId: string;
  /** When it was started: the oldest go first when the cap is reached. */
  startedDtm: string;
  expiresDtm: string;
}

/** The part of an aggregate's state that holds its open sessions, keyed by session id. */
export interface WithSessions<S extends CeremonySession> {
  sessions: Record<string, S>;
}

/**
 * The open sessions' ids as held keys (a `heldKeys` scope of UserCredentialStreams), each held until
 * the session expires: completions on store-level paths find the stream by session id, and the
 * session sweeper finds the streams holding expired ones.
 */
export const openSessionKeys = (state: WithSessions<CeremonySession>): ExpiringKey[] =>
  Object.values(state.sessions).map((session) => ({ key: session.id, expiresAt: session.expiresDtm }));

/** What a completion names: the session, the store it is completed through, and when. */
export interface SessionRequest {
  sessionId: string;
  storeId: string;
  now: Date;
}

export interface CeremonySessionsOptions {
  /** Problem codes are `<codePrefix>_SESSION_NOT_FOUND` / `_EXPIRED` (e.g. PASSCODE). */
  codePrefix: string;
  /** Messages say "<noun> session <id> …" (e.g. Passcode). */
  noun: string;
  /** Open sessions per aggregate (all kinds together). */
  cap?: number;
}

/** Open ceremony sessions per aggregate unless a family says otherwise. */
export const MAX_OPEN_SESSIONS = 10;

export const isSessionExpired = (session: CeremonySession, at: Date): boolean =>
  Date.parse(session.expiresDtm) <= at.getTime();

const oldestFirst = (a: CeremonySession, b: CeremonySession) =>
  a.startedDtm.localeCompare(b.startedDtm) || a.id.localeCompare(b.id);

/** The state without the sessions `drop` selects; the same state object when it selects none. */
const withoutSessions = <S extends CeremonySession, T extends WithSessions<S>>(
  state: T,
  drop: (session: S) => boolean,
): T => {
  const kept = Object.entries(state.sessions).filter(([, session]) => !drop(session));
  return kept.length === Object.keys(state.sessions).length
    ? state
    : { ...state, sessions: Object.fromEntries(kept) };
};

/** The session plumbing of one credential family (its problem codes and cap). */
export const ceremonySessions = <S extends CeremonySession>({
  codePrefix,
  noun,
  cap = MAX_OPEN_SESSIONS,
}: CeremonySessionsOptions) => ({
  cap,

  /** A new session; sessions already expired at its start are pruned. */
  open: <T extends WithSessions<S>>(state: T, session: S): T => {
    const pruned = withoutSessions(state, (s: S) => isSessionExpired(s, new Date(session.startedDtm)));
    return { ...pruned, sessions: { ...pruned.sessions, [session.id]: session } };
  },

  /** Closes the session (used, failed or swept); nothing changes for one already closed. */
  close: <T extends WithSessions<S>>(state: T, sessionId: string): T =>
    withoutSessions(state, (s: S) => s.id === sessionId),

  /** Closes every session `drop` selects (e.g. the challenges of a credential that is gone). */
  closeWhere: withoutSessions as <T extends WithSessions<S>>(state: T, drop: (session: S) => boolean) => T,

  /**
   * The open session of one of `kinds`, completed through the store it was started in; otherwise
   * 404 (unknown, used, of another kind or store) or 410 (expired).
   */
  require: <K extends S['kind']>(
    state: WithSessions<S>,
    request: SessionRequest,
    ...kinds: K[]
  ): S & { kind: K } => {
    const session = ownEntry(state.sessions, request.sessionId);
    if (!session || !kinds.includes(session.kind as K) || session.storeId !== request.storeId)
      throw notFound(`${codePrefix}_SESSION_NOT_FOUND`, `${noun} session ${request.sessionId} does not exist`);
    if (isSessionExpired(session, request.now))
      throw new DomainError('gone', `${codePrefix}_SESSION_EXPIRED`, `${noun} session ${request.sessionId} has expired`);
    return session as S & { kind: K };
  },

  /** The sweeper's selection: the sessions expired at `now`, oldest first. */
  expired: (state: WithSessions<S>, now: Date): S[] =>
    Object.values(state.sessions)
      .filter((s) => isSessionExpired(s, now))
      .sort(oldestFirst),

  /** Before a start: the oldest open sessions to evict so that the new one fits under the cap. */
  evictedBeforeStart: (state: WithSessions<S>, now: Date): S[] => {
    const open = Object.values(state.sessions)
      .filter((s) => !isSessionExpired(s, now))
      .sort(oldestFirst);
    return open.slice(0, Math.max(0, open.length - (cap - 1)));
  },

  /** The store the open sessions belong to (an aggregate's sessions are all of one store). */
  storeOf: (state: WithSessions<S>): string | undefined => Object.values(state.sessions)[0]?.storeId,
});
