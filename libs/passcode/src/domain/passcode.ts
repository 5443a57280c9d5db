import {
  defineEvent,
  type EventOf,
  integrationFormOf,
  lockRunsAt,
  ownEntry,
  type PasscodeCeremony,
  passcodeAuthenticationFailedIntegrationSchema,
  passcodeAuthenticationStartedIntegrationSchema,
  passcodeAuthenticationSucceededIntegrationSchema,
  passcodeDecoyAuthenticationFailedIntegrationSchema,
  passcodeDecoyAuthenticationStartedIntegrationSchema,
  passcodeDeregisteredIntegrationSchema,
  passcodeExpirationChangedIntegrationSchema,
  passcodeIntegrationEvents,
  type PasscodeKdf,
  passcodeKdfSchema,
  passcodeLockedIntegrationSchema,
  passcodeRegistrationCompletedIntegrationSchema,
  passcodeRegistrationStartedIntegrationSchema,
  passcodeRenewalStartedIntegrationSchema,
  passcodeRenewedIntegrationSchema,
  passcodeSessionsExpiredIntegrationSchema,
  type PasscodeStatus,
  passcodeStatusChangedIntegrationSchema,
  type SrpGroup,
  srpGroupSchema,
  type SrpHash,
  srpHashSchema,
  storedEventParser,
} from '@identity-store/contracts';
import { ceremonySessions } from '@identity-store/credential-kit';
import { z } from 'zod';

/**
 * The passcode aggregate: one per user (stream `passcode-user-<userId>`), holding the user's
 * passcodes (SRP-6a verifiers, RFC 5054) keyed by id, and the open ceremony sessions keyed by
 * session id. This file holds what its stream stores (the private stored events), its state and
 * `evolvePasscode(state, event) → state`; the decisions (and the rules they keep) are in
 * passcode-decider.ts, the SRP work of the handler in srp-proof.ts. Over 400 lines: the fourteen
 * stored events of the stream stay with the state and the evolve that folds them.
 */

/*
 * Stored events (private to the passcode service). Secret material appears only as opaque
 * ciphertext produced by the handler (`encryptedSalt`, `encryptedVerifier`, `encryptedB`); the
 * domain never encrypts or sees a key. Integration events (topic `identity-store.passcode`, in
 * contracts) have the same type names and their fields minus the ciphertexts and minus the session
 * ids (a session id is a capability to complete a ceremony); {@link toPasscodeIntegrationEvent} is
 * the only way from one to the other. The stored JSON is unchanged since these lived in contracts.
 * All timestamps are ISO-8601 UTC strings (`Date.prototype.toISOString()`).
 */

const id = z.string().min(1);
/** Opaque ciphertext (SecretBox), produced by the caller. Never leaves the passcode service. */
const ciphertext = z.string().min(1);
const lowercaseHex = z.string().regex(/^[0-9a-f]+$/, 'must be lowercase hex');
/** The KDF of a renewal's new verifier (see passcodeKdfSchema); null is plain RFC 5054. */
const kdf = passcodeKdfSchema.nullable().optional();

/** A ceremony session: single-use, expiring, bound to the store it was started in. */
const sessionFields = { sessionId: id, storeId: id };
const challengeFields = {
  ...sessionFields,
  /** The server's public ephemeral value (sent to the client; public). */
  B: lowercaseHex,
  /** The server's secret ephemeral value b. */
  encryptedB: ciphertext,
};
/** A new salt and verifier (a registration or renewal). */
const verifierFields = { sessionId: id, encryptedSalt: ciphertext, encryptedVerifier: ciphertext };

export const PasscodeRegistrationStarted = defineEvent(
  'PasscodeRegistrationStarted',
  passcodeRegistrationStartedIntegrationSchema.extend(sessionFields),
);
export type PasscodeRegistrationStarted = EventOf<typeof PasscodeRegistrationStarted>;
export const PasscodeRegistrationCompleted = defineEvent(
  'PasscodeRegistrationCompleted',
  passcodeRegistrationCompletedIntegrationSchema.extend(verifierFields),
);
export type PasscodeRegistrationCompleted = EventOf<typeof PasscodeRegistrationCompleted>;
export const PasscodeAuthenticationStarted = defineEvent(
  'PasscodeAuthenticationStarted',
  passcodeAuthenticationStartedIntegrationSchema.extend(challengeFields),
);
export type PasscodeAuthenticationStarted = EventOf<typeof PasscodeAuthenticationStarted>;
export const PasscodeRenewalStarted = defineEvent(
  'PasscodeRenewalStarted',
  passcodeRenewalStartedIntegrationSchema.extend({
    ...challengeFields,
    /** The policy's KDF when the renewal started: the new verifier is computed with it. */
    newKdf: kdf,
  }),
);
export type PasscodeRenewalStarted = EventOf<typeof PasscodeRenewalStarted>;
export const PasscodeAuthenticationSucceeded = defineEvent(
  'PasscodeAuthenticationSucceeded',
  passcodeAuthenticationSucceededIntegrationSchema.extend({ sessionId: id }),
);
export type PasscodeAuthenticationSucceeded = EventOf<typeof PasscodeAuthenticationSucceeded>;
export const PasscodeAuthenticationFailed = defineEvent(
  'PasscodeAuthenticationFailed',
  passcodeAuthenticationFailedIntegrationSchema.extend({ sessionId: id }),
);
export type PasscodeAuthenticationFailed = EventOf<typeof PasscodeAuthenticationFailed>;
export const PasscodeLocked = defineEvent('PasscodeLocked', passcodeLockedIntegrationSchema);
export type PasscodeLocked = EventOf<typeof PasscodeLocked>;
export const PasscodeRenewed = defineEvent('PasscodeRenewed', passcodeRenewedIntegrationSchema.extend(verifierFields));
export type PasscodeRenewed = EventOf<typeof PasscodeRenewed>;
export const PasscodeStatusChanged = defineEvent('PasscodeStatusChanged', passcodeStatusChangedIntegrationSchema);
export type PasscodeStatusChanged = EventOf<typeof PasscodeStatusChanged>;
export const PasscodeExpirationChanged = defineEvent(
  'PasscodeExpirationChanged',
  passcodeExpirationChangedIntegrationSchema,
);
export type PasscodeExpirationChanged = EventOf<typeof PasscodeExpirationChanged>;
export const PasscodeDeregistered = defineEvent('PasscodeDeregistered', passcodeDeregisteredIntegrationSchema);
export type PasscodeDeregistered = EventOf<typeof PasscodeDeregistered>;
export const PasscodeDecoyAuthenticationStarted = defineEvent(
  'PasscodeDecoyAuthenticationStarted',
  passcodeDecoyAuthenticationStartedIntegrationSchema.extend({
    ...challengeFields,
    srpGroup: srpGroupSchema,
    hash: srpHashSchema,
  }),
);
export type PasscodeDecoyAuthenticationStarted = EventOf<typeof PasscodeDecoyAuthenticationStarted>;
export const PasscodeDecoyAuthenticationFailed = defineEvent(
  'PasscodeDecoyAuthenticationFailed',
  passcodeDecoyAuthenticationFailedIntegrationSchema.extend({ sessionId: id }),
);
export type PasscodeDecoyAuthenticationFailed = EventOf<typeof PasscodeDecoyAuthenticationFailed>;
const expiredSessionSchema = passcodeSessionsExpiredIntegrationSchema.shape.sessions.element;
export const PasscodeSessionsExpired = defineEvent(
  'PasscodeSessionsExpired',
  passcodeSessionsExpiredIntegrationSchema.extend({
    sessions: z.array(z.object({ sessionId: id, ...expiredSessionSchema.shape })).min(1),
  }),
);
export type PasscodeSessionsExpired = EventOf<typeof PasscodeSessionsExpired>;

export type PasscodeEvent =
  | PasscodeRegistrationStarted
  | PasscodeRegistrationCompleted
  | PasscodeAuthenticationStarted
  | PasscodeRenewalStarted
  | PasscodeAuthenticationSucceeded
  | PasscodeAuthenticationFailed
  | PasscodeLocked
  | PasscodeRenewed
  | PasscodeStatusChanged
  | PasscodeExpirationChanged
  | PasscodeDeregistered
  | PasscodeDecoyAuthenticationStarted
  | PasscodeDecoyAuthenticationFailed
  | PasscodeSessionsExpired;

export type PasscodeEventType = PasscodeEvent['type'];

/** Stored event definitions by type, e.g. to parse events read back from the event store. */
export const passcodeEvents = {
  PasscodeRegistrationStarted,
  PasscodeRegistrationCompleted,
  PasscodeAuthenticationStarted,
  PasscodeRenewalStarted,
  PasscodeAuthenticationSucceeded,
  PasscodeAuthenticationFailed,
  PasscodeLocked,
  PasscodeRenewed,
  PasscodeStatusChanged,
  PasscodeExpirationChanged,
  PasscodeDeregistered,
  PasscodeDecoyAuthenticationStarted,
  PasscodeDecoyAuthenticationFailed,
  PasscodeSessionsExpired,
} as const;

/** Validates a raw stored event (e.g. JSON from the event store) as a {@link PasscodeEvent}. */
export const parsePasscodeEvent = storedEventParser<PasscodeEvent>(passcodeEvents, 'passcode');

/** Fields of stored events that never leave the passcode service. */
const PRIVATE_FIELDS = [
  'sessionId',
  'storeId',
  'B',
  'encryptedB',
  'encryptedSalt',
  'encryptedVerifier',
  'newKdf',
] as const;

/** Maps a stored passcode event to its integration event's `{ type, version, data }` (see integrationFormOf). */
export const toPasscodeIntegrationEvent = (event: PasscodeEvent) =>
  integrationFormOf(passcodeIntegrationEvents[event.type], event.data, PRIVATE_FIELDS);

// ---------------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------------

export const passcodeStreamId = (userId: string): string => `passcode-user-${userId}`;
export const userIdOfPasscodeStream = (streamId: string): string | undefined =>
  streamId.startsWith('passcode-user-') ? streamId.slice('passcode-user-'.length) : undefined;

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

export const isLocked = (passcode: PasscodeState, now: Date): boolean => lockRunsAt(passcode.lockedUntil, now);

export const isExpired = (passcode: PasscodeState, now: Date): boolean =>
  passcode.expirationDtm !== null && Date.parse(passcode.expirationDtm) <= now.getTime();

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
      return openSession(state, {
        kind: 'REGISTRATION',
        id: d.sessionId,
        storeId: d.storeId,
        startedDtm: d.at,
        policyName: d.policyName,
        srpGroup: d.srpGroup,
        hash: d.hash,
        kdf: d.kdf ?? null,
        expiresDtm: d.expiresDtm,
      });
    }
    case 'PasscodeAuthenticationStarted':
    case 'PasscodeRenewalStarted': {
      const d = event.data;
      return openSession(state, {
        kind: event.type === 'PasscodeRenewalStarted' ? 'RENEWAL' : 'AUTHENTICATION',
        id: d.sessionId,
        storeId: d.storeId,
        startedDtm: d.at,
        passcodeId: d.passcodeId,
        B: d.B,
        encryptedB: d.encryptedB,
        expiresDtm: d.expiresDtm,
        ...(event.type === 'PasscodeRenewalStarted' ? { newKdf: event.data.newKdf ?? null } : {}),
      });
    }
    case 'PasscodeDecoyAuthenticationStarted': {
      const d = event.data;
      return openSession(state, {
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
      });
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
