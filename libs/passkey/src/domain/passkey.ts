import {
  base64urlSchema,
  credentialIdSchema,
  defineEvent,
  type EventOf,
  integrationFormOf,
  ownEntry,
  passkeyAuthenticationFailedIntegrationSchema,
  passkeyAuthenticationSessionClosedIntegrationSchema,
  passkeyAuthenticationStartedIntegrationSchema,
  passkeyAuthenticationSucceededIntegrationSchema,
  passkeyDeregisteredIntegrationSchema,
  type PasskeyHint,
  passkeyHintSchema,
  passkeyIntegrationEvents,
  passkeyRegistrationCompletedIntegrationSchema,
  passkeyRegistrationFailedIntegrationSchema,
  passkeyRegistrationStartedIntegrationSchema,
  passkeyRenamedIntegrationSchema,
  passkeySessionsExpiredIntegrationSchema,
  type PasskeyStatus,
  passkeyStatusChangedIntegrationSchema,
  type PasskeyUserVerification,
  passkeyUserVerificationSchema,
  storedEventParser,
} from '@identity-store/contracts';
import { ceremonySessions } from '@identity-store/credential-kit';
import { z } from 'zod';

/**
 * The passkey aggregate: one per user (stream `passkey-user-<userId>`), holding the user's passkeys
 * (WebAuthn credentials of the store's relying parties) keyed by id, and the user's open ceremony
 * sessions keyed by session id. A usernameless authentication (started at store level, before
 * anyone knows the user) keeps its session in a stream of its own (`passkey-session-<sessionId>`,
 * the same state shape with just that session) until the credential names the user.
 *
 * Its stored events are private to the passkey service: they extend the integration events of
 * contracts (topic `identity-store.passkey`, same type names) with the session ids (a session id is
 * a capability to complete a ceremony), the challenges and the credential public keys;
 * {@link toPasskeyIntegrationEvent} is the only way from one to the other. Timestamps are ISO-8601
 * UTC strings; binary values are base64url without padding, as WebAuthn's JSON encoding has them.
 */

export const passkeyStreamId = (userId: string): string => `passkey-user-${userId}`;
export const userIdOfPasskeyStream = (streamId: string): string | undefined =>
  streamId.startsWith('passkey-user-') ? streamId.slice('passkey-user-'.length) : undefined;
/** The stream of a usernameless authentication session (no user yet). */
export const usernamelessSessionStreamId = (sessionId: string): string => `passkey-session-${sessionId}`;

// ---- stored events ----------------------------------------------------------------------------

const id = z.string().min(1);
const hints = z.array(passkeyHintSchema);

/**
 * A ceremony session: single-use, expiring, bound to the store it was started in, and to the
 * challenge its options carried and the user verification its policy asked for.
 */
const sessionFields = {
  sessionId: id,
  storeId: id,
  challenge: base64urlSchema.min(16),
  userVerification: passkeyUserVerificationSchema,
  hints,
};

export const passkeyRegistrationStartedSchema =
  passkeyRegistrationStartedIntegrationSchema.extend(sessionFields);
export const passkeyRegistrationCompletedSchema = passkeyRegistrationCompletedIntegrationSchema.extend({
  sessionId: id,
  /** The store the passkey belongs to: its credential id is unique per store and rpId. */
  storeId: id,
  /** COSE_Key (RFC 9052) of the credential, base64url. */
  publicKey: base64urlSchema.min(1),
});
export const passkeyRegistrationFailedSchema = passkeyRegistrationFailedIntegrationSchema.extend({
  sessionId: id,
});
export const passkeyAuthenticationStartedSchema = passkeyAuthenticationStartedIntegrationSchema.extend({
  ...sessionFields,
  /** The credential ids the options allowed (empty: usernameless, any discoverable credential). */
  allowCredentials: z.array(credentialIdSchema),
});
export const passkeyAuthenticationSucceededSchema = passkeyAuthenticationSucceededIntegrationSchema.extend({
  sessionId: id,
});
export const passkeyAuthenticationFailedSchema = passkeyAuthenticationFailedIntegrationSchema.extend({
  sessionId: id,
});
/** A usernameless session's stream: the session was used by an authentication (see the integration schema). */
export const passkeyAuthenticationSessionClosedSchema =
  passkeyAuthenticationSessionClosedIntegrationSchema.extend({
    sessionId: id,
  });
export const passkeyStatusChangedSchema = passkeyStatusChangedIntegrationSchema;
export const passkeyRenamedSchema = passkeyRenamedIntegrationSchema;
export const passkeyDeregisteredSchema = passkeyDeregisteredIntegrationSchema;
export const passkeySessionsExpiredSchema = passkeySessionsExpiredIntegrationSchema.extend({
  sessions: z.array(passkeySessionsExpiredIntegrationSchema.shape.sessions.element.extend({ sessionId: id })).min(1),
});

export const PasskeyRegistrationStarted = defineEvent(
  'PasskeyRegistrationStarted',
  passkeyRegistrationStartedSchema,
);
export type PasskeyRegistrationStarted = EventOf<typeof PasskeyRegistrationStarted>;
export const PasskeyRegistrationCompleted = defineEvent(
  'PasskeyRegistrationCompleted',
  passkeyRegistrationCompletedSchema,
);
export type PasskeyRegistrationCompleted = EventOf<typeof PasskeyRegistrationCompleted>;
export const PasskeyRegistrationFailed = defineEvent(
  'PasskeyRegistrationFailed',
  passkeyRegistrationFailedSchema,
);
export type PasskeyRegistrationFailed = EventOf<typeof PasskeyRegistrationFailed>;
export const PasskeyAuthenticationStarted = defineEvent(
  'PasskeyAuthenticationStarted',
  passkeyAuthenticationStartedSchema,
);
export type PasskeyAuthenticationStarted = EventOf<typeof PasskeyAuthenticationStarted>;
export const PasskeyAuthenticationSucceeded = defineEvent(
  'PasskeyAuthenticationSucceeded',
  passkeyAuthenticationSucceededSchema,
);
export type PasskeyAuthenticationSucceeded = EventOf<typeof PasskeyAuthenticationSucceeded>;
export const PasskeyAuthenticationFailed = defineEvent(
  'PasskeyAuthenticationFailed',
  passkeyAuthenticationFailedSchema,
);
export type PasskeyAuthenticationFailed = EventOf<typeof PasskeyAuthenticationFailed>;
export const PasskeyAuthenticationSessionClosed = defineEvent(
  'PasskeyAuthenticationSessionClosed',
  passkeyAuthenticationSessionClosedSchema,
);
export type PasskeyAuthenticationSessionClosed = EventOf<typeof PasskeyAuthenticationSessionClosed>;
export const PasskeyStatusChanged = defineEvent('PasskeyStatusChanged', passkeyStatusChangedSchema);
export type PasskeyStatusChanged = EventOf<typeof PasskeyStatusChanged>;
export const PasskeyRenamed = defineEvent('PasskeyRenamed', passkeyRenamedSchema);
export type PasskeyRenamed = EventOf<typeof PasskeyRenamed>;
export const PasskeyDeregistered = defineEvent('PasskeyDeregistered', passkeyDeregisteredSchema);
export type PasskeyDeregistered = EventOf<typeof PasskeyDeregistered>;
export const PasskeySessionsExpired = defineEvent('PasskeySessionsExpired', passkeySessionsExpiredSchema);
export type PasskeySessionsExpired = EventOf<typeof PasskeySessionsExpired>;

export type PasskeyEvent =
  | PasskeyRegistrationStarted
  | PasskeyRegistrationCompleted
  | PasskeyRegistrationFailed
  | PasskeyAuthenticationStarted
  | PasskeyAuthenticationSucceeded
  | PasskeyAuthenticationFailed
  | PasskeyAuthenticationSessionClosed
  | PasskeyStatusChanged
  | PasskeyRenamed
  | PasskeyDeregistered
  | PasskeySessionsExpired;

export type PasskeyEventType = PasskeyEvent['type'];

/** Stored event definitions by type, e.g. to parse events read back from the event store. */
export const passkeyEvents = {
  PasskeyRegistrationStarted,
  PasskeyRegistrationCompleted,
  PasskeyRegistrationFailed,
  PasskeyAuthenticationStarted,
  PasskeyAuthenticationSucceeded,
  PasskeyAuthenticationFailed,
  PasskeyAuthenticationSessionClosed,
  PasskeyStatusChanged,
  PasskeyRenamed,
  PasskeyDeregistered,
  PasskeySessionsExpired,
} as const;

/** Validates a raw stored event (e.g. JSON from the event store) as a {@link PasskeyEvent}. */
export const parsePasskeyEvent = storedEventParser<PasskeyEvent>(passkeyEvents, 'passkey');


/** Fields of stored events that never leave the passkey service. */
const PRIVATE_FIELDS = [
  'sessionId',
  'storeId',
  'challenge',
  'userVerification',
  'allowCredentials',
  'publicKey',
] as const;

/**
 * Maps a stored passkey event to its integration event's `{ type, version, data }` (see
 * integrationFormOf). Every stored event has one: a stream's versions are published without holes.
 */
export const toPasskeyIntegrationEvent = (event: PasskeyEvent) =>
  integrationFormOf(passkeyIntegrationEvents[event.type], event.data, PRIVATE_FIELDS);


// ---- state ------------------------------------------------------------------------------------

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

/** The ceremony sessions of the aggregate (open, close, require, expire, the cap): credential-kit's. */
export const passkeySessions = ceremonySessions<PasskeySession>({ codePrefix: 'PASSKEY', noun: 'Passkey' });

// ---- evolve -----------------------------------------------------------------------------------

const withPasskey = (
  state: PasskeyUserState,
  passkeyId: string,
  change: (passkey: PasskeyState) => PasskeyState,
): PasskeyUserState => {
  const passkey = ownEntry(state.passkeys, passkeyId);
  if (!passkey) return state; // tolerate events for passkeys already removed
  return { ...state, passkeys: { ...state.passkeys, [passkeyId]: change(passkey) } };
};

export const evolvePasskey = (state: PasskeyUserState, event: PasskeyEvent): PasskeyUserState => {
  switch (event.type) {
    case 'PasskeyRegistrationStarted': {
      const { sessionId, at: startedAt, ...d } = event.data;
      return passkeySessions.open(
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
      );
    }
    case 'PasskeyAuthenticationStarted': {
      const { sessionId, at: startedAt, ...d } = event.data;
      return passkeySessions.open(
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
      );
    }
    case 'PasskeyRegistrationCompleted': {
      const d = event.data;
      const closed = passkeySessions.close(state, d.sessionId);
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
      return passkeySessions.close(state, event.data.sessionId);
    case 'PasskeyAuthenticationSucceeded': {
      const d = event.data;
      return withPasskey(passkeySessions.close(state, d.sessionId), d.passkeyId, (p) => ({
        ...p,
        signCount: Math.max(p.signCount, d.signCount),
        backedUp: d.backedUp,
        lastUsedDtm: d.at,
      }));
    }
    case 'PasskeySessionsExpired': {
      const closed = new Set(event.data.sessions.map((s) => s.sessionId));
      return passkeySessions.closeWhere(state, (s) => closed.has(s.id));
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
