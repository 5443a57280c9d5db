import {
  type PasscodeEvent,
  type PasscodeCeremony,
  type PasscodeKdf,
  type PasscodeStatus,
  type SrpGroup,
  type SrpHash,
  ownEntry,
} from '@identity-store/contracts';
import { ceremonySessions } from '@identity-store/credential-kit';

/**
 * The passcode aggregate: one per user (stream `passcode-user-<userId>`), holding the user's
 * passcodes (SRP-6a verifiers, RFC 5054) keyed by id, and the open ceremony sessions keyed by
 * session id. This file holds its state and `evolvePasscode(state, event) →
 * state`; the decisions are in passcode-decider.ts, the SRP work of the handler in srp-proof.ts.
 *
 * Invariants and rules (README "Passcodes" documents them for clients):
 * - At most one passcode per policy. A registration is refused (409) while the policy's passcode is
 *   SUSPENDED, or ACTIVE and not expired; a REVOKED or expired one is replaced by the new one.
 * - Sessions (registration, authentication, renewal) are single-use, expire after
 *   {@link PASSCODE_SESSION_TTL}, and belong to the store they were started in (another store: 404).
 *   A completed ceremony — success or failed proof — consumes its session; a rejected request
 *   (malformed values, locked, expired passcode) changes nothing and leaves it open. Expired sessions
 *   are answered 410 until the session sweeper closes them ({@link expirePasscodeSessions}) or the
 *   user's next ceremony start prunes them (then 404).
 * - At most {@link MAX_OPEN_SESSIONS} open sessions per user (decoys included): a start beyond it
 *   evicts the oldest open ones in the same append (PasscodeSessionsExpired, EVICTED), so the state
 *   stays small.
 * - Lockout as for TOTP: each failed proof (authentication or renewal) increments `failedAttempts`;
 *   the failure reaching `maxFailedAttempts` locks until `now + lockoutDuration` (423). Only a
 *   success or an administrator setting ACTIVE resets the counter, so after a lock expires one more
 *   failure locks again.
 * - Expiry: `expirationDtm = completion + policy.validity` (null: never). From then on the passcode
 *   neither authenticates nor renews (400 PASSCODE_EXPIRED); a new registration replaces it.
 * - Renewal (a new salt and verifier, proving the current passcode) is allowed for an ACTIVE,
 *   unlocked, unexpired passcode; with a policy `renewalWindow` only from `expirationDtm −
 *   renewalWindow` on (earlier: 409 PASSCODE_RENEWAL_NOT_OPEN). It restarts the validity.
 * - SUSPENDED and REVOKED passcodes cannot authenticate or renew (403). REVOKED is final.
 * - Key stretching: a passcode keeps the KDF its verifier was computed with (the policy's when the
 *   registration or renewal started), so a later policy change does not break it.
 * - Decoys: an authentication start for a policy under which the user has no passcode answers with
 *   a challenge like a real one (a deterministic fake salt, a fake verifier behind B, the policy's
 *   group, hash and KDF), and its completion fails like a wrong proof. Nothing is counted (there is
 *   no credential); the events say what happened.
 */

export const passcodeStreamId = (userId: string): string => `passcode-user-${userId}`;
export const userIdOfPasscodeStream = (streamId: string): string | undefined =>
  streamId.startsWith('passcode-user-') ? streamId.slice('passcode-user-'.length) : undefined;

/** How long a ceremony session stays open (API.md: "Sessions … expire (default 5 min)"). */
export const PASSCODE_SESSION_TTL = 'PT5M';


export interface PasscodeState {
  id: string;
  policyName: string;
  status: PasscodeStatus;
  srpGroup: SrpGroup;
  hash: SrpHash;
  encryptedSalt: string;
  encryptedVerifier: string;
  createdDtm: string;
  lastUsedDtm: string | null;
  expirationDtm: string | null;
  failedAttempts: number;
  lockedUntil: string | null;
  /** The KDF the client stretches the passcode with; null: plain RFC 5054. */
  kdf: PasscodeKdf | null;
}

export interface RegistrationSession {
  kind: 'REGISTRATION';
  id: string;
  storeId: string;
  /** When it was started: the oldest go first when the cap is reached. */
  startedDtm: string;
  policyName: string;
  srpGroup: SrpGroup;
  hash: SrpHash;
  /** The policy's KDF at the start (what the client was told to compute the verifier with). */
  kdf: PasscodeKdf | null;
  expiresDtm: string;
}

/** An authentication or renewal: the server's challenge for one passcode. */
export interface ChallengeSession {
  kind: PasscodeCeremony;
  id: string;
  storeId: string;
  startedDtm: string;
  passcodeId: string;
  B: string;
  encryptedB: string;
  expiresDtm: string;
  /** Renewals: the policy's KDF at the start, for the new verifier. */
  newKdf?: PasscodeKdf | null;
}

/** An authentication started for a policy under which the user has no passcode (see Decoys above). */
export interface DecoySession {
  kind: 'DECOY';
  id: string;
  storeId: string;
  startedDtm: string;
  policyName: string;
  srpGroup: SrpGroup;
  hash: SrpHash;
  B: string;
  encryptedB: string;
  expiresDtm: string;
}

export type PasscodeSession = RegistrationSession | ChallengeSession | DecoySession;

/** Open, close, require, expire and cap the user's ceremony sessions (credential-kit, shared with passkey). */
export const passcodeSessions = ceremonySessions<PasscodeSession>({ codePrefix: 'PASSCODE', noun: 'Passcode' });

/** Open ceremony sessions per user (all kinds together, decoys included). */
export const MAX_OPEN_SESSIONS = passcodeSessions.cap;

export interface PasscodeUserState {
  passcodes: Record<string, PasscodeState>;
  sessions: Record<string, PasscodeSession>;
}

export const initialPasscodeUserState = (): PasscodeUserState => ({ passcodes: {}, sessions: {} });

/** Associated-data labels: a ciphertext only decrypts as the value it was made for. */
export const secretLabels = {
  salt: (passcodeId: string) => `passcode:${passcodeId}:salt`,
  verifier: (passcodeId: string) => `passcode:${passcodeId}:verifier`,
  b: (sessionId: string) => `session:${sessionId}:b`,
};


/** The user's passcode for a policy (whatever its status), if any. */
export const findByPolicy = (state: PasscodeUserState, policyName: string): PasscodeState | undefined =>
  Object.values(state.passcodes).find((p) => p.policyName === policyName);

export const isLocked = (passcode: PasscodeState, now: Date): boolean =>
  passcode.lockedUntil !== null && Date.parse(passcode.lockedUntil) > now.getTime();

export const isExpired = (passcode: PasscodeState, now: Date): boolean =>
  passcode.expirationDtm !== null && Date.parse(passcode.expirationDtm) <= now.getTime();

/** The store the user's open sessions belong to (a user's sessions are all of the user's store). */
export const storeOfPasscodeSessions = (state: PasscodeUserState): string | undefined =>
  passcodeSessions.storeOf(state);

// ---------------------------------------------------------------------------------------------
// Evolve
// ---------------------------------------------------------------------------------------------

const withPasscode = (
  state: PasscodeUserState,
  passcodeId: string,
  change: (passcode: PasscodeState) => PasscodeState,
): PasscodeUserState => {
  const passcode = ownEntry(state.passcodes, passcodeId);
  if (!passcode) return state; // tolerate events for passcodes already removed
  return { ...state, passcodes: { ...state.passcodes, [passcodeId]: change(passcode) } };
};

const openSession = (state: PasscodeUserState, session: PasscodeSession): PasscodeUserState =>
  passcodeSessions.open(state, session);

const closeSession = (state: PasscodeUserState, sessionId: string) => passcodeSessions.close(state, sessionId);

/** Closes the open challenges of a passcode (their B was computed from a verifier that is gone). */
const closeChallengesOf = (state: PasscodeUserState, passcodeId: string) =>
  passcodeSessions.closeWhere(
    state,
    (s) => (s.kind === 'AUTHENTICATION' || s.kind === 'RENEWAL') && s.passcodeId === passcodeId,
  );

export const evolvePasscode = (state: PasscodeUserState, event: PasscodeEvent): PasscodeUserState => {
  switch (event.type) {
    case 'PasscodeRegistrationStarted': {
      const d = event.data;
      return openSession(
        state,
        {
          kind: 'REGISTRATION',
          id: d.sessionId,
          storeId: d.storeId,
          startedDtm: d.at,
          policyName: d.policyName,
          srpGroup: d.srpGroup,
          hash: d.hash,
          kdf: d.kdf ?? null,
          expiresDtm: d.expiresDtm,
        },
      );
    }
    case 'PasscodeAuthenticationStarted':
    case 'PasscodeRenewalStarted': {
      const d = event.data;
      return openSession(
        state,
        {
          kind: event.type === 'PasscodeRenewalStarted' ? 'RENEWAL' : 'AUTHENTICATION',
          id: d.sessionId,
          storeId: d.storeId,
          startedDtm: d.at,
          passcodeId: d.passcodeId,
          B: d.B,
          encryptedB: d.encryptedB,
          expiresDtm: d.expiresDtm,
          ...(event.type === 'PasscodeRenewalStarted' ? { newKdf: event.data.newKdf ?? null } : {}),
        },
      );
    }
    case 'PasscodeDecoyAuthenticationStarted': {
      const d = event.data;
      return openSession(
        state,
        {
          kind: 'DECOY',
          id: d.sessionId,
          storeId: d.storeId,
          startedDtm: d.at,
          policyName: d.policyName,
          srpGroup: d.srpGroup,
          hash: d.hash,
          B: d.B,
          encryptedB: d.encryptedB,
          expiresDtm: d.expiresDtm,
        },
      );
    }
    case 'PasscodeDecoyAuthenticationFailed':
      return closeSession(state, event.data.sessionId);
    case 'PasscodeRegistrationCompleted': {
      const d = event.data;
      const closed = closeSession(state, d.sessionId);
      return {
        ...closed,
        passcodes: {
          ...closed.passcodes,
          [d.passcodeId]: {
            id: d.passcodeId,
            policyName: d.policyName,
            status: 'ACTIVE',
            srpGroup: d.srpGroup,
            hash: d.hash,
            encryptedSalt: d.encryptedSalt,
            encryptedVerifier: d.encryptedVerifier,
            createdDtm: d.createdDtm,
            lastUsedDtm: null,
            expirationDtm: d.expirationDtm,
            failedAttempts: 0,
            lockedUntil: null,
            kdf: d.kdf ?? null,
          },
        },
      };
    }
    case 'PasscodeAuthenticationSucceeded':
      return withPasscode(closeSession(state, event.data.sessionId), event.data.passcodeId, (p) => ({
        ...p,
        lastUsedDtm: event.data.at,
        failedAttempts: 0,
        lockedUntil: null,
      }));
    case 'PasscodeAuthenticationFailed':
      return withPasscode(closeSession(state, event.data.sessionId), event.data.passcodeId, (p) => ({
        ...p,
        failedAttempts: event.data.failedAttempts,
      }));
    case 'PasscodeLocked':
      return withPasscode(state, event.data.passcodeId, (p) => ({
        ...p,
        lockedUntil: event.data.lockedUntil,
      }));
    case 'PasscodeRenewed':
      return withPasscode(closeChallengesOf(state, event.data.passcodeId), event.data.passcodeId, (p) => ({
        ...p,
        encryptedSalt: event.data.encryptedSalt,
        encryptedVerifier: event.data.encryptedVerifier,
        expirationDtm: event.data.expirationDtm,
        kdf: event.data.kdf ?? null,
      }));
    case 'PasscodeStatusChanged':
      return withPasscode(state, event.data.passcodeId, (p) =>
        event.data.status === 'ACTIVE'
          ? { ...p, status: 'ACTIVE', failedAttempts: 0, lockedUntil: null }
          : { ...p, status: event.data.status },
      );
    case 'PasscodeExpirationChanged':
      return withPasscode(state, event.data.passcodeId, (p) => ({
        ...p,
        expirationDtm: event.data.expirationDtm,
      }));
    case 'PasscodeSessionsExpired': {
      const closed = new Set(event.data.sessions.map((s) => s.sessionId));
      return passcodeSessions.closeWhere(state, (s) => closed.has(s.id));
    }
    case 'PasscodeDeregistered': {
      if (!state.passcodes[event.data.passcodeId]) return state;
      const { [event.data.passcodeId]: _removed, ...passcodes } = state.passcodes;
      return { ...closeChallengesOf(state, event.data.passcodeId), passcodes };
    }
    default:
      // Unknown event types (from newer versions) are ignored.
      return state;
  }
};
