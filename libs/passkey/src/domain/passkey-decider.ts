import {
  addMilliseconds,
  conflict,
  DomainError,
  notFound,
  PasskeyAuthenticationFailed,
  PasskeyAuthenticationSessionClosed,
  PasskeyAuthenticationStarted,
  PasskeyAuthenticationSucceeded,
  PasskeyDeregistered,
  type PasskeyEvent,
  type PasskeyFailureReason,
  type PasskeyHint,
  PasskeyRegistrationCompleted,
  PasskeyRegistrationFailed,
  PasskeyRegistrationStarted,
  PasskeyRenamed,
  type PasskeyResource,
  PasskeySessionsExpired,
  type PasskeyStatus,
  PasskeyStatusChanged,
  type PasskeyUserVerification,
  ownEntry,
} from '@identity-store/contracts';

/**
 * The passkey aggregate: one per user (stream `passkey-user-<userId>`), holding the user's passkeys
 * (WebAuthn credentials of the store's relying parties) keyed by id, and the user's open ceremony
 * sessions keyed by session id. A usernameless authentication (started at store level, before
 * anyone knows the user) keeps its session in a stream of its own (`passkey-session-<sessionId>`,
 * the same state shape with just that session) until the credential names the user.
 *
 * Emmett style: `decidePasskey(command, state) → events`, `evolvePasskey(state, event) → state`.
 * The clock, ids and challenges come in with the commands, and so does the outcome of the
 * cryptographic checks of a WebAuthn response (made beforehand by the service with
 * @simplewebauthn/server, see ../webauthn/verify-response.ts): the decider judges that outcome
 * against the state it decides on (session still open, passkey usable, signature counter), so a
 * decision retried on a fresher state stays right. Nothing here does I/O.
 *
 * Invariants and rules (README "Passkeys" documents them for clients):
 * - Sessions are single-use, expire at the policy's timeout (registration without one: 5 minutes)
 *   and belong to the store they were started in (another store: 404). A completed ceremony —
 *   success or failure — consumes its session; a rejected request (malformed response, 403, 409)
 *   changes nothing and leaves it open. Expired sessions are 410 until the session sweeper closes
 *   them ({@link expirePasskeySessions}) or the user's next start prunes them (then 404).
 * - At most {@link MAX_OPEN_SESSIONS} open sessions per user: a start beyond it evicts the oldest
 *   open ones in the same append (PasskeySessionsExpired, EVICTED). Usernameless sessions have a
 *   stream each and no user to count them against: the sweeper bounds them (README "Passkeys").
 * - A credential id belongs to one passkey per store and relying party (409
 *   PASSKEY_ALREADY_REGISTERED; across users the service's unique key enforces it).
 * - Signature counter: a verified assertion whose counter is not above the stored one, while either
 *   is non-zero, fails as COUNTER_REGRESSION (flagged in the audit; the stored counter is kept). Both
 *   zero is a synced passkey that keeps no counter, and succeeds.
 * - Only ACTIVE passkeys authenticate (else PASSKEY_NOT_ACTIVE). REVOKED is final.
 */

export const passkeyStreamId = (userId: string): string => `passkey-user-${userId}`;
export const userIdOfPasskeyStream = (streamId: string): string | undefined =>
  streamId.startsWith('passkey-user-') ? streamId.slice('passkey-user-'.length) : undefined;
/** The stream of a usernameless authentication session (no user yet). */
export const usernamelessSessionStreamId = (sessionId: string): string => `passkey-session-${sessionId}`;

/** How long a registration session stays open when its policy sets no timeout (API.md: 5 min). */
export const DEFAULT_CEREMONY_TIMEOUT_MS = 300_000;

/** Open ceremony sessions per user (registrations and authentications together), as for passcodes. */
export const MAX_OPEN_SESSIONS = 10;

export interface PasskeyState {
  id: string;
  storeId: string;
  rpId: string;
  credentialId: string;
  /** COSE_Key, base64url. */
  publicKey: string;
  name: string | null;
  status: PasskeyStatus;
  policyName: string;
  aaguid: string;
  attestationFormat: string;
  transports: string[];
  backupEligible: boolean;
  backedUp: boolean;
  deviceType: 'singleDevice' | 'multiDevice';
  authenticatorAttachment: 'platform' | 'cross-platform' | null;
  userVerified: boolean;
  signCount: number;
  createdDtm: string;
  lastUsedDtm: string | null;
}

/** What every ceremony session holds: where it belongs and what its options asked for. */
interface SessionBase {
  id: string;
  storeId: string;
  /** When it was started: the oldest go first when the cap is reached. */
  startedDtm: string;
  rpId: string;
  policyName: string;
  challenge: string;
  userVerification: PasskeyUserVerification;
  hints: PasskeyHint[];
  expiresDtm: string;
}

export interface RegistrationSession extends SessionBase {
  kind: 'REGISTRATION';
}

export interface AuthenticationSession extends SessionBase {
  kind: 'AUTHENTICATION';
  /** Credential ids the options allowed; empty for a usernameless session. */
  allowCredentials: string[];
  usernameless: boolean;
}

export type PasskeySession = RegistrationSession | AuthenticationSession;

export interface PasskeyUserState {
  passkeys: Record<string, PasskeyState>;
  sessions: Record<string, PasskeySession>;
}

export const initialPasskeyUserState = (): PasskeyUserState => ({ passkeys: {}, sessions: {} });

// ---------------------------------------------------------------------------------------------
// Outcomes of the cryptographic checks (made by the service before deciding)
// ---------------------------------------------------------------------------------------------

export type CheckFailure = { ok: false; reason: PasskeyFailureReason };

/** A verified attestation: the new credential and what the authenticator said about it. */
export interface VerifiedAttestation {
  ok: true;
  credentialId: string;
  publicKey: string;
  signCount: number;
  aaguid: string;
  attestationFormat: string;
  transports: string[];
  userVerified: boolean;
  backupEligible: boolean;
  backedUp: boolean;
  deviceType: 'singleDevice' | 'multiDevice';
  authenticatorAttachment: 'platform' | 'cross-platform' | null;
  origin: string;
}
export type AttestationCheck = VerifiedAttestation | CheckFailure;

/**
 * The checks of an assertion up to the signature: a failure (with what the authenticator data said
 * when it got that far), or a valid signature over this counter. The counter is the decider's.
 */
export type AssertionCheck =
  | { ok: true; signCount: number; userVerified: boolean; backedUp: boolean; origin: string }
  | (CheckFailure & { userVerified: boolean | null; signCount: number | null });

// ---------------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------------

/** What a start puts into the options (and keeps in the session to check the response against). */
interface StartCeremony {
  now: Date;
  sessionId: string;
  storeId: string;
  rpId: string;
  policyName: string;
  challenge: string;
  userVerification: PasskeyUserVerification;
  hints: PasskeyHint[];
  timeoutMs: number;
}

interface CompleteCeremony {
  now: Date;
  sessionId: string;
  /** The store the session is completed through. */
  storeId: string;
  context?: Record<string, unknown>;
}

export interface StartPasskeyRegistration extends StartCeremony {
  type: 'StartPasskeyRegistration';
}

export interface CompletePasskeyRegistration extends CompleteCeremony {
  type: 'CompletePasskeyRegistration';
  passkeyId: string;
  name?: string;
  attestation: AttestationCheck;
}

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

export interface UpdatePasskey {
  type: 'UpdatePasskey';
  now: Date;
  passkeyId: string;
  status?: PasskeyStatus;
  /** null: remove the name; undefined: unchanged. */
  name?: string | null;
}

export interface DeletePasskey {
  type: 'DeletePasskey';
  now: Date;
  passkeyId: string;
}

export type PasskeyCommand =
  | StartPasskeyRegistration
  | CompletePasskeyRegistration
  | StartPasskeyAuthentication
  | CompletePasskeyAuthentication
  | CloseUsernamelessSession
  | FailUsernamelessAuthentication
  | UpdatePasskey
  | DeletePasskey;

// ---------------------------------------------------------------------------------------------
// Read helpers
// ---------------------------------------------------------------------------------------------

/** The passkey of a relying party with this credential id, if any. */
export const findByCredential = (
  state: PasskeyUserState,
  rpId: string,
  credentialId: string,
): PasskeyState | undefined =>
  Object.values(state.passkeys).find((p) => p.rpId === rpId && p.credentialId === credentialId);

/** The user's passkeys of a relying party (oldest first), e.g. for excludeCredentials. */
export const passkeysOf = (state: PasskeyUserState, rpId: string): PasskeyState[] =>
  listPasskeys(state).filter((p) => p.rpId === rpId);

const listPasskeys = (state: PasskeyUserState) =>
  Object.values(state.passkeys).sort(
    (a, b) => a.createdDtm.localeCompare(b.createdDtm) || a.id.localeCompare(b.id),
  );

/**
 * The unique key of a credential: its id is unique per store and relying party. The key names the
 * stream of the user whose passkey it is, which is how a usernameless authentication finds the user.
 */
export const credentialKey = (storeId: string, rpId: string, credentialId: string) =>
  `${storeId}/${rpId}/${credentialId}`;

export const credentialKeysOf = (state: PasskeyUserState): string[] =>
  Object.values(state.passkeys).map((p) => credentialKey(p.storeId, p.rpId, p.credentialId));

/** The open session whose options carried this challenge (the one-call variants find theirs so). */
export const findSessionByChallenge = (
  state: PasskeyUserState,
  kind: PasskeySession['kind'],
  challenge: string,
): PasskeySession | undefined =>
  Object.values(state.sessions).find((s) => s.kind === kind && s.challenge === challenge);

/** The API representation. Never the public key. */
export const toPasskeyResource = ({
  storeId: _s,
  publicKey: _k,
  ...passkey
}: PasskeyState): PasskeyResource => ({
  ...passkey,
  transports: [...passkey.transports],
});

/** All of the user's passkeys as API resources, oldest first. */
export const listPasskeyResources = (state: PasskeyUserState): PasskeyResource[] =>
  listPasskeys(state).map(toPasskeyResource);

const isSessionExpired = (session: PasskeySession, at: Date): boolean =>
  Date.parse(session.expiresDtm) <= at.getTime();

const oldestFirst = (a: PasskeySession, b: PasskeySession) =>
  a.startedDtm.localeCompare(b.startedDtm) || a.id.localeCompare(b.id);

/** The store of the open sessions (a user's are all of the user's store; a usernameless stream has one). */
export const storeOfPasskeySessions = (state: PasskeyUserState): string | undefined =>
  Object.values(state.sessions)[0]?.storeId;

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
const evictionsBeforeStart = (state: PasskeyUserState, now: Date): PasskeyEvent[] => {
  const open = Object.values(state.sessions)
    .filter((s) => !isSessionExpired(s, now))
    .sort(oldestFirst);
  const excess = open.length - (MAX_OPEN_SESSIONS - 1);
  return excess > 0 ? [sessionsExpired('EVICTED', open.slice(0, excess), now)] : [];
};

// ---------------------------------------------------------------------------------------------
// Decide
// ---------------------------------------------------------------------------------------------

export const decidePasskey = (command: PasskeyCommand, state: PasskeyUserState): PasskeyEvent[] => {
  switch (command.type) {
    case 'StartPasskeyRegistration':
      return startRegistration(command, state);
    case 'CompletePasskeyRegistration':
      return completeRegistration(command, state);
    case 'StartPasskeyAuthentication':
      return startAuthentication(command, state);
    case 'CompletePasskeyAuthentication':
      return completeAuthentication(command, state);
    case 'CloseUsernamelessSession':
      return closeUsernamelessSession(command, state);
    case 'FailUsernamelessAuthentication':
      return failUsernamelessAuthentication(command, state);
    case 'UpdatePasskey':
      return update(command, state);
    case 'DeletePasskey':
      return remove(command, state);
    default: {
      const unknown: never = command;
      throw new Error(`Unknown passkey command: ${(unknown as { type: string }).type}`);
    }
  }
};

const sessionData = (command: StartCeremony) => ({
  sessionId: command.sessionId,
  storeId: command.storeId,
  rpId: command.rpId,
  policyName: command.policyName,
  challenge: command.challenge,
  userVerification: command.userVerification,
  hints: [...command.hints],
  // Clamped (review M1): a stored timeout can never make the start throw on an Invalid Date.
  expiresDtm: addMilliseconds(command.now, command.timeoutMs).toISOString(),
  at: command.now.toISOString(),
});

const startRegistration = (command: StartPasskeyRegistration, state: PasskeyUserState): PasskeyEvent[] => [
  ...evictionsBeforeStart(state, command.now),
  PasskeyRegistrationStarted.create(sessionData(command)),
];

/**
 * The session, open, of this kind, completed through the store it was started in. Any other
 * session (unknown, used, of another kind or store) is 404, so session ids reveal nothing.
 */
export const requireOpenSession = <K extends PasskeySession['kind']>(
  session: PasskeySession | undefined,
  command: Pick<CompleteCeremony, 'sessionId' | 'storeId' | 'now'>,
  kind: K,
): Extract<PasskeySession, { kind: K }> => {
  if (!session || session.kind !== kind || session.storeId !== command.storeId)
    throw notFound('PASSKEY_SESSION_NOT_FOUND', `Passkey session ${command.sessionId} does not exist`);
  if (isSessionExpired(session, command.now))
    throw new DomainError(
      'gone',
      'PASSKEY_SESSION_EXPIRED',
      `Passkey session ${command.sessionId} has expired`,
    );
  return session as Extract<PasskeySession, { kind: K }>;
};

const requireSession = <K extends PasskeySession['kind']>(
  state: PasskeyUserState,
  command: CompleteCeremony,
  kind: K,
) => requireOpenSession(ownEntry(state.sessions, command.sessionId), command, kind);

const completeRegistration = (
  command: CompletePasskeyRegistration,
  state: PasskeyUserState,
): PasskeyEvent[] => {
  const session = requireSession(state, command, 'REGISTRATION');
  const { attestation, now } = command;
  const at = now.toISOString();
  const context = command.context !== undefined ? { context: command.context } : {};
  if (!attestation.ok)
    return [
      PasskeyRegistrationFailed.create({
        sessionId: session.id,
        rpId: session.rpId,
        policyName: session.policyName,
        reason: attestation.reason,
        at,
        ...context,
      }),
    ];
  // Across users of the store the credential's unique key refuses it (the service maps that to 409 too).
  if (findByCredential(state, session.rpId, attestation.credentialId))
    throw conflict('PASSKEY_ALREADY_REGISTERED', `The credential is already registered for ${session.rpId}`);
  if (ownEntry(state.passkeys, command.passkeyId))
    throw conflict('PASSKEY_ALREADY_REGISTERED', `Passkey ${command.passkeyId} already exists`);
  const { ok: _ok, ...verified } = attestation;
  return [
    PasskeyRegistrationCompleted.create({
      sessionId: session.id,
      storeId: session.storeId,
      passkeyId: command.passkeyId,
      rpId: session.rpId,
      policyName: session.policyName,
      name: command.name ?? null,
      hints: session.hints,
      ...verified,
      createdDtm: at,
      ...context,
    }),
  ];
};

const startAuthentication = (
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
    ...evictionsBeforeStart(state, command.now),
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

const completeAuthentication = (
  command: CompletePasskeyAuthentication,
  state: PasskeyUserState,
): PasskeyEvent[] => {
  // A usernameless session comes from its own stream; any other is this state's.
  const session = requireOpenSession(
    command.session ?? ownEntry(state.sessions, command.sessionId),
    command,
    'AUTHENTICATION',
  );
  const passkey = findByCredential(state, session.rpId, command.credentialId);
  const { assertion, now } = command;
  const common = {
    sessionId: session.id,
    authenticationId: command.authenticationId,
    rpId: session.rpId,
    policyName: session.policyName,
    usernameless: session.usernameless,
    hints: session.hints,
    at: now.toISOString(),
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

const closeUsernamelessSession = (
  command: CloseUsernamelessSession,
  state: PasskeyUserState,
): PasskeyEvent[] => {
  const session = requireUsernamelessSession(command, state);
  return [
    PasskeyAuthenticationSessionClosed.create({
      sessionId: session.id,
      authenticationId: command.authenticationId,
      at: command.now.toISOString(),
    }),
  ];
};

const failUsernamelessAuthentication = (
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
      at: command.now.toISOString(),
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

const getPasskey = (state: PasskeyUserState, passkeyId: string): PasskeyState => {
  const passkey = ownEntry(state.passkeys, passkeyId);
  if (!passkey) throw notFound('PASSKEY_NOT_FOUND', `Passkey ${passkeyId} not found`);
  return passkey;
};

/** Status and/or name. REVOKED is final (409 on any change); setting what is already there is a no-op. */
const update = (command: UpdatePasskey, state: PasskeyUserState): PasskeyEvent[] => {
  const passkey = getPasskey(state, command.passkeyId);
  if (passkey.status === 'REVOKED') throw conflict('PASSKEY_REVOKED', `Passkey ${passkey.id} is revoked`);
  const at = command.now.toISOString();
  const events: PasskeyEvent[] = [];
  if (command.status !== undefined && command.status !== passkey.status)
    events.push(PasskeyStatusChanged.create({ passkeyId: passkey.id, status: command.status, at }));
  if (command.name !== undefined && command.name !== passkey.name)
    events.push(PasskeyRenamed.create({ passkeyId: passkey.id, name: command.name, at }));
  return events;
};

const remove = (command: DeletePasskey, state: PasskeyUserState): PasskeyEvent[] => {
  const passkey = getPasskey(state, command.passkeyId);
  return [
    PasskeyDeregistered.create({ passkeyId: passkey.id, reason: 'DELETED', at: command.now.toISOString() }),
  ];
};

// ---------------------------------------------------------------------------------------------
// Evolve
// ---------------------------------------------------------------------------------------------

const withPasskey = (
  state: PasskeyUserState,
  passkeyId: string,
  change: (passkey: PasskeyState) => PasskeyState,
): PasskeyUserState => {
  const passkey = ownEntry(state.passkeys, passkeyId);
  if (!passkey) return state; // tolerate events for passkeys already removed
  return { ...state, passkeys: { ...state.passkeys, [passkeyId]: change(passkey) } };
};

/** A new session; sessions already expired at its start are pruned (keeps the state bounded). */
const openSession = (state: PasskeyUserState, session: PasskeySession, at: string): PasskeyUserState => {
  const kept = Object.entries(state.sessions).filter(([, s]) => !isSessionExpired(s, new Date(at)));
  return { ...state, sessions: { ...Object.fromEntries(kept), [session.id]: session } };
};

const closeSession = (state: PasskeyUserState, sessionId: string): PasskeyUserState => {
  if (!ownEntry(state.sessions, sessionId)) return state;
  const { [sessionId]: _closed, ...sessions } = state.sessions;
  return { ...state, sessions };
};

export const evolvePasskey = (state: PasskeyUserState, event: PasskeyEvent): PasskeyUserState => {
  switch (event.type) {
    case 'PasskeyRegistrationStarted': {
      const { sessionId, at: startedAt, ...d } = event.data;
      return openSession(
        state,
        {
          kind: 'REGISTRATION',
          id: sessionId,
          storeId: d.storeId,
          startedDtm: startedAt,
          rpId: d.rpId,
          policyName: d.policyName,
          challenge: d.challenge,
          userVerification: d.userVerification,
          hints: d.hints,
          expiresDtm: d.expiresDtm,
        },
        startedAt,
      );
    }
    case 'PasskeyAuthenticationStarted': {
      const { sessionId, at: startedAt, ...d } = event.data;
      return openSession(
        state,
        {
          kind: 'AUTHENTICATION',
          id: sessionId,
          storeId: d.storeId,
          startedDtm: startedAt,
          rpId: d.rpId,
          policyName: d.policyName,
          challenge: d.challenge,
          userVerification: d.userVerification,
          hints: d.hints,
          allowCredentials: d.allowCredentials,
          usernameless: d.usernameless,
          expiresDtm: d.expiresDtm,
        },
        startedAt,
      );
    }
    case 'PasskeyRegistrationCompleted': {
      const d = event.data;
      const closed = closeSession(state, d.sessionId);
      return {
        ...closed,
        passkeys: {
          ...closed.passkeys,
          [d.passkeyId]: {
            id: d.passkeyId,
            storeId: d.storeId,
            rpId: d.rpId,
            credentialId: d.credentialId,
            publicKey: d.publicKey,
            name: d.name,
            status: 'ACTIVE',
            policyName: d.policyName,
            aaguid: d.aaguid,
            attestationFormat: d.attestationFormat,
            transports: d.transports,
            backupEligible: d.backupEligible,
            backedUp: d.backedUp,
            deviceType: d.deviceType,
            authenticatorAttachment: d.authenticatorAttachment,
            userVerified: d.userVerified,
            signCount: d.signCount,
            createdDtm: d.createdDtm,
            lastUsedDtm: null,
          },
        },
      };
    }
    case 'PasskeyRegistrationFailed':
    case 'PasskeyAuthenticationFailed':
    case 'PasskeyAuthenticationSessionClosed':
      return closeSession(state, event.data.sessionId);
    case 'PasskeyAuthenticationSucceeded': {
      const d = event.data;
      return withPasskey(closeSession(state, d.sessionId), d.passkeyId, (p) => ({
        ...p,
        signCount: Math.max(p.signCount, d.signCount),
        backedUp: d.backedUp,
        lastUsedDtm: d.at,
      }));
    }
    case 'PasskeySessionsExpired': {
      const closed = new Set(event.data.sessions.map((s) => s.sessionId));
      const kept = Object.entries(state.sessions).filter(([id]) => !closed.has(id));
      return kept.length === Object.keys(state.sessions).length
        ? state
        : { ...state, sessions: Object.fromEntries(kept) };
    }
    case 'PasskeyStatusChanged':
      return withPasskey(state, event.data.passkeyId, (p) => ({ ...p, status: event.data.status }));
    case 'PasskeyRenamed':
      return withPasskey(state, event.data.passkeyId, (p) => ({ ...p, name: event.data.name }));
    case 'PasskeyDeregistered': {
      if (!state.passkeys[event.data.passkeyId]) return state;
      const { [event.data.passkeyId]: _removed, ...passkeys } = state.passkeys;
      return { ...state, passkeys };
    }
    default:
      // Unknown event types (from newer versions) are ignored.
      return state;
  }
};
