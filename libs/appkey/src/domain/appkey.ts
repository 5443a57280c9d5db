import {
  appkeyAuthenticationFailedIntegrationSchema,
  appkeyAuthenticationStartedIntegrationSchema,
  appkeyAuthenticationSucceededIntegrationSchema,
  appkeyDeregisteredIntegrationSchema,
  type AppkeyDevice,
  appkeyIntegrationEvents,
  type RegisteredAppkeyType,
  type AppkeyPlatform,
  appkeyPreferredDevicesSetIntegrationSchema,
  appkeyPushesSentIntegrationSchema,
  appkeyRegistrationCompletedIntegrationSchema,
  appkeyRegistrationFailedIntegrationSchema,
  appkeyRegistrationStartedIntegrationSchema,
  appkeyRenamedIntegrationSchema,
  appkeySessionsExpiredIntegrationSchema,
  type AppkeyStatus,
  appkeyStatusChangedIntegrationSchema,
  defineEvent,
  type EventOf,
  integrationFormOf,
  ownEntry,
  type PasskeyHint,
  passkeyHintSchema,
  storedEventParser,
} from '@identity-store/contracts';
import { ceremonySessions } from '@identity-store/credential-kit';
import { z } from 'zod';

/**
 * The appkey aggregate: one per user (stream `appkey-user-<userId>`), holding the user's appkeys
 * (FIDO UAF keys registered from the user's devices) keyed by id, the devices they were registered
 * from (with their push tokens), per relying party the preferred devices and the failed
 * authentications that lock it, and the user's open ceremony sessions.
 *
 * Its stored events are private to the appkey service: they extend the integration events of
 * contracts (topic `identity-store.appkey`, same type names) with session ids, challenges, public
 * keys and push tokens; {@link toAppkeyIntegrationEvent} is the only way from one to the other.
 */

export const appkeyStreamId = (userId: string): string => `appkey-user-${userId}`;
export const userIdOfAppkeyStream = (streamId: string): string | undefined =>
  streamId.startsWith('appkey-user-') ? streamId.slice('appkey-user-'.length) : undefined;

// ---- stored events ----------------------------------------------------------------------------

const id = z.string().min(1);
const hints = z.array(passkeyHintSchema);
const pushToken = z.string().min(1).max(4096).nullable();

/** A ceremony session: single-use, expiring, bound to its store and to the challenge its request carried. */
const sessionFields = { sessionId: id, storeId: id, challenge: z.string().min(43), hints };

export const appkeyRegistrationStartedSchema = appkeyRegistrationStartedIntegrationSchema.extend(sessionFields);
export const appkeyRegistrationCompletedSchema = appkeyRegistrationCompletedIntegrationSchema.extend({
  sessionId: id,
  /** The store the appkey belongs to: its key id is unique per store and relying party. */
  storeId: id,
  /** SubjectPublicKeyInfo (DER), base64url. */
  publicKey: z.string().min(1),
  pushToken,
});
export const appkeyRegistrationFailedSchema = appkeyRegistrationFailedIntegrationSchema.extend({ sessionId: id });
export const appkeyAuthenticationStartedSchema = appkeyAuthenticationStartedIntegrationSchema.extend({
  ...sessionFields,
  /** The key ids the request's policy allowed. */
  allowedKeyIds: z.array(z.string().min(1)).min(1),
  /** The transaction content sent for confirmation (base64url of the text), if any. */
  transactionContent: z.string().nullable(),
});
export const appkeyPushesSentSchema = appkeyPushesSentIntegrationSchema.extend({ sessionId: id });
export const appkeyAuthenticationSucceededSchema = appkeyAuthenticationSucceededIntegrationSchema.extend({ sessionId: id });
export const appkeyAuthenticationFailedSchema = appkeyAuthenticationFailedIntegrationSchema.extend({ sessionId: id });
export const appkeyStatusChangedSchema = appkeyStatusChangedIntegrationSchema;
export const appkeyRenamedSchema = appkeyRenamedIntegrationSchema;
export const appkeyDeregisteredSchema = appkeyDeregisteredIntegrationSchema;
export const appkeyPreferredDevicesSetSchema = appkeyPreferredDevicesSetIntegrationSchema;
export const appkeySessionsExpiredSchema = appkeySessionsExpiredIntegrationSchema.extend({
  sessions: z.array(appkeySessionsExpiredIntegrationSchema.shape.sessions.element.extend({ sessionId: id })).min(1),
});

export const AppkeyRegistrationStarted = defineEvent('AppkeyRegistrationStarted', appkeyRegistrationStartedSchema);
export type AppkeyRegistrationStarted = EventOf<typeof AppkeyRegistrationStarted>;
export const AppkeyRegistrationCompleted = defineEvent('AppkeyRegistrationCompleted', appkeyRegistrationCompletedSchema);
export type AppkeyRegistrationCompleted = EventOf<typeof AppkeyRegistrationCompleted>;
export const AppkeyRegistrationFailed = defineEvent('AppkeyRegistrationFailed', appkeyRegistrationFailedSchema);
export type AppkeyRegistrationFailed = EventOf<typeof AppkeyRegistrationFailed>;
export const AppkeyAuthenticationStarted = defineEvent('AppkeyAuthenticationStarted', appkeyAuthenticationStartedSchema);
export type AppkeyAuthenticationStarted = EventOf<typeof AppkeyAuthenticationStarted>;
export const AppkeyPushesSent = defineEvent('AppkeyPushesSent', appkeyPushesSentSchema);
export type AppkeyPushesSent = EventOf<typeof AppkeyPushesSent>;
export const AppkeyAuthenticationSucceeded = defineEvent('AppkeyAuthenticationSucceeded', appkeyAuthenticationSucceededSchema);
export type AppkeyAuthenticationSucceeded = EventOf<typeof AppkeyAuthenticationSucceeded>;
export const AppkeyAuthenticationFailed = defineEvent('AppkeyAuthenticationFailed', appkeyAuthenticationFailedSchema);
export type AppkeyAuthenticationFailed = EventOf<typeof AppkeyAuthenticationFailed>;
export const AppkeyStatusChanged = defineEvent('AppkeyStatusChanged', appkeyStatusChangedSchema);
export type AppkeyStatusChanged = EventOf<typeof AppkeyStatusChanged>;
export const AppkeyRenamed = defineEvent('AppkeyRenamed', appkeyRenamedSchema);
export type AppkeyRenamed = EventOf<typeof AppkeyRenamed>;
export const AppkeyDeregistered = defineEvent('AppkeyDeregistered', appkeyDeregisteredSchema);
export type AppkeyDeregistered = EventOf<typeof AppkeyDeregistered>;
export const AppkeyPreferredDevicesSet = defineEvent('AppkeyPreferredDevicesSet', appkeyPreferredDevicesSetSchema);
export type AppkeyPreferredDevicesSet = EventOf<typeof AppkeyPreferredDevicesSet>;
export const AppkeySessionsExpired = defineEvent('AppkeySessionsExpired', appkeySessionsExpiredSchema);
export type AppkeySessionsExpired = EventOf<typeof AppkeySessionsExpired>;

export type AppkeyEvent =
  | AppkeyRegistrationStarted
  | AppkeyRegistrationCompleted
  | AppkeyRegistrationFailed
  | AppkeyAuthenticationStarted
  | AppkeyPushesSent
  | AppkeyAuthenticationSucceeded
  | AppkeyAuthenticationFailed
  | AppkeyStatusChanged
  | AppkeyRenamed
  | AppkeyDeregistered
  | AppkeyPreferredDevicesSet
  | AppkeySessionsExpired;

/** Stored event definitions by type, e.g. to parse events read back from the event store. */
export const appkeyEvents = {
  AppkeyRegistrationStarted,
  AppkeyRegistrationCompleted,
  AppkeyRegistrationFailed,
  AppkeyAuthenticationStarted,
  AppkeyPushesSent,
  AppkeyAuthenticationSucceeded,
  AppkeyAuthenticationFailed,
  AppkeyStatusChanged,
  AppkeyRenamed,
  AppkeyDeregistered,
  AppkeyPreferredDevicesSet,
  AppkeySessionsExpired,
} as const;

/** Validates a raw stored event (e.g. JSON from the event store) as an {@link AppkeyEvent}. */
export const parseAppkeyEvent = storedEventParser<AppkeyEvent>(appkeyEvents, 'appkey');

/** Fields of stored events that never leave the appkey service. */
const PRIVATE_FIELDS = [
  'sessionId',
  'storeId',
  'challenge',
  'allowedKeyIds',
  'transactionContent',
  'publicKey',
  'pushToken',
] as const;

/** A stored appkey event's integration event `{ type, version, data }` (see integrationFormOf). */
export const toAppkeyIntegrationEvent = (event: AppkeyEvent) =>
  integrationFormOf(appkeyIntegrationEvents[event.type], event.data, PRIVATE_FIELDS);

// ---- state ------------------------------------------------------------------------------------

export interface AppkeyState {
  id: string;
  storeId: string;
  rpId: string;
  keyId: string;
  aaid: string;
  /** SubjectPublicKeyInfo (DER), base64url. */
  publicKey: string;
  signAlgorithm: number;
  keyType: RegisteredAppkeyType;
  deviceId: string;
  name: string | null;
  status: AppkeyStatus;
  policyName: string;
  attestationType: 'BASIC_FULL' | 'BASIC_SURROGATE';
  signCounter: number;
  createdDtm: string;
  lastUsedDtm: string | null;
}

/** A device the user registered keys from; its push token is how pushes reach it (null: none). */
export interface DeviceState extends AppkeyDevice {
  platform: AppkeyPlatform;
  pushToken: string | null;
}

/** Per relying party: the preferred devices (ordered) and the failures that lock its appkeys. */
export interface RelyingPartyState {
  preferredDevices: string[];
  failedAttempts: number;
  lockedUntil: string | null;
}

interface SessionBase {
  id: string;
  storeId: string;
  startedDtm: string;
  expiresDtm: string;
  rpId: string;
  policyName: string;
  challenge: string;
  hints: PasskeyHint[];
}
export interface RegistrationSession extends SessionBase {
  kind: 'REGISTRATION';
}
export interface AuthenticationSession extends SessionBase {
  kind: 'AUTHENTICATION';
  allowedKeyIds: string[];
  transactionContent: string | null;
}
export type AppkeySession = RegistrationSession | AuthenticationSession;

export interface AppkeyUserState {
  appkeys: Record<string, AppkeyState>;
  devices: Record<string, DeviceState>;
  relyingParties: Record<string, RelyingPartyState>;
  sessions: Record<string, AppkeySession>;
}

export const initialAppkeyUserState = (): AppkeyUserState => ({ appkeys: {}, devices: {}, relyingParties: {}, sessions: {} });

/** The ceremony sessions of the aggregate (open, close, require, expire, the cap): credential-kit's. */
export const appkeySessions = ceremonySessions<AppkeySession>({ codePrefix: 'APPKEY', noun: 'Appkey' });

export const relyingPartyOf = (state: AppkeyUserState, rpId: string): RelyingPartyState =>
  ownEntry(state.relyingParties, rpId) ?? { preferredDevices: [], failedAttempts: 0, lockedUntil: null };

// ---- evolve -----------------------------------------------------------------------------------

const withRelyingParty = (
  state: AppkeyUserState,
  rpId: string,
  change: (rp: RelyingPartyState) => RelyingPartyState,
): AppkeyUserState => ({ ...state, relyingParties: { ...state.relyingParties, [rpId]: change(relyingPartyOf(state, rpId)) } });

const withAppkey = (state: AppkeyUserState, appkeyId: string, change: (appkey: AppkeyState) => AppkeyState): AppkeyUserState => {
  const appkey = ownEntry(state.appkeys, appkeyId);
  if (!appkey) return state; // tolerate events for appkeys already removed
  return { ...state, appkeys: { ...state.appkeys, [appkeyId]: change(appkey) } };
};

/**
 * Without the appkey; a device left without keys of the relying party is no longer one of its
 * preferred devices, and a device left without any key is forgotten (with its push token). A
 * REPLACED key's device stays preferred: its new key of the relying party follows in the same append.
 */
const withoutAppkey = (state: AppkeyUserState, appkeyId: string, replaced: boolean): AppkeyUserState => {
  const removed = ownEntry(state.appkeys, appkeyId);
  if (!removed) return state;
  const { [appkeyId]: _gone, ...appkeys } = state.appkeys;
  const remaining = Object.values(appkeys);
  const deviceKeepsRp = replaced || remaining.some((a) => a.deviceId === removed.deviceId && a.rpId === removed.rpId);
  const deviceKeepsAny = remaining.some((a) => a.deviceId === removed.deviceId);
  let next: AppkeyUserState = { ...state, appkeys };
  if (!deviceKeepsRp)
    next = withRelyingParty(next, removed.rpId, (rp) => ({
      ...rp,
      preferredDevices: rp.preferredDevices.filter((d) => d !== removed.deviceId),
    }));
  if (!deviceKeepsAny) {
    const { [removed.deviceId]: _device, ...devices } = next.devices;
    next = { ...next, devices };
  }
  return next;
};

/** The session a start opens (the fields both kinds share). */
const sessionOf = (d: AppkeyRegistrationStarted['data']): SessionBase => ({
  id: d.sessionId,
  storeId: d.storeId,
  startedDtm: d.at,
  expiresDtm: d.expiresDtm,
  rpId: d.rpId,
  policyName: d.policyName,
  challenge: d.challenge,
  hints: d.hints,
});

export const evolveAppkey = (state: AppkeyUserState, event: AppkeyEvent): AppkeyUserState => {
  switch (event.type) {
    case 'AppkeyRegistrationStarted':
      return appkeySessions.open(state, { kind: 'REGISTRATION', ...sessionOf(event.data) });
    case 'AppkeyAuthenticationStarted': {
      const { allowedKeyIds, transactionContent } = event.data;
      return appkeySessions.open(state, { kind: 'AUTHENTICATION', ...sessionOf(event.data), allowedKeyIds, transactionContent });
    }
    case 'AppkeyRegistrationCompleted': {
      const d = event.data;
      const closed = appkeySessions.close(state, d.sessionId);
      return {
        ...closed,
        appkeys: {
          ...closed.appkeys,
          [d.appkeyId]: {
            id: d.appkeyId,
            storeId: d.storeId,
            rpId: d.rpId,
            keyId: d.keyId,
            aaid: d.aaid,
            publicKey: d.publicKey,
            signAlgorithm: d.signAlgorithm,
            keyType: d.keyType,
            deviceId: d.device.deviceId,
            name: d.name,
            status: 'ACTIVE',
            policyName: d.policyName,
            attestationType: d.attestationType,
            signCounter: d.signCounter,
            createdDtm: d.createdDtm,
            lastUsedDtm: null,
          },
        },
        devices: { ...closed.devices, [d.device.deviceId]: { ...d.device, pushToken: d.pushToken } },
      };
    }
    case 'AppkeyRegistrationFailed':
      return appkeySessions.close(state, event.data.sessionId);
    case 'AppkeyPushesSent': {
      // A provider that calls a token unregistered has it no more: pushes stop until the next registration.
      const gone = new Set(event.data.outcomes.filter((o) => o.status === 'UNREGISTERED').map((o) => o.deviceId));
      if (gone.size === 0) return state;
      const devices = Object.fromEntries(
        Object.entries(state.devices).map(([deviceId, device]) => [deviceId, gone.has(deviceId) ? { ...device, pushToken: null } : device]),
      );
      return { ...state, devices };
    }
    case 'AppkeyAuthenticationSucceeded': {
      const d = event.data;
      const closed = appkeySessions.close(state, d.sessionId);
      return withRelyingParty(
        withAppkey(closed, d.appkeyId, (a) => ({ ...a, signCounter: Math.max(a.signCounter, d.signCounter), lastUsedDtm: d.at })),
        d.rpId,
        (rp) => ({ ...rp, failedAttempts: 0, lockedUntil: null }),
      );
    }
    case 'AppkeyAuthenticationFailed': {
      const d = event.data;
      return withRelyingParty(appkeySessions.close(state, d.sessionId), d.rpId, (rp) => ({
        ...rp,
        failedAttempts: d.failedAttempts,
        lockedUntil: d.lockedUntil ?? rp.lockedUntil,
      }));
    }
    case 'AppkeySessionsExpired': {
      const closed = new Set(event.data.sessions.map((s) => s.sessionId));
      return appkeySessions.closeWhere(state, (s) => closed.has(s.id));
    }
    case 'AppkeyStatusChanged':
      return withAppkey(state, event.data.appkeyId, (a) => ({ ...a, status: event.data.status }));
    case 'AppkeyRenamed':
      return withAppkey(state, event.data.appkeyId, (a) => ({ ...a, name: event.data.name }));
    case 'AppkeyDeregistered':
      return withoutAppkey(state, event.data.appkeyId, event.data.reason === 'REPLACED');
    case 'AppkeyPreferredDevicesSet':
      return withRelyingParty(state, event.data.rpId, (rp) => ({ ...rp, preferredDevices: [...event.data.deviceIds] }));
    default:
      // Unknown event types (from newer versions) are ignored.
      return state;
  }
};
