import {
  addIsoDuration,
  addMilliseconds,
  type AppkeyDevice,
  type AppkeyFailureReason,
  type RegisteredAppkeyType,
  type AppkeyStatus,
  conflict,
  invalid,
  locked as lockedError,
  notFound,
  ownEntry,
  type PasskeyHint,
} from '@identity-store/contracts';
import {
  AppkeyAuthenticationFailed,
  AppkeyAuthenticationStarted,
  AppkeyAuthenticationSucceeded,
  AppkeyDeregistered,
  type AppkeyEvent,
  AppkeyPreferredDevicesSet,
  AppkeyPushesSent,
  AppkeyRegistrationCompleted,
  AppkeyRegistrationFailed,
  AppkeyRegistrationStarted,
  AppkeyRenamed,
  type AppkeySession,
  appkeySessions,
  AppkeySessionsExpired,
  type AppkeyState,
  AppkeyStatusChanged,
  type AppkeyUserState,
  evolveAppkey,
  initialAppkeyUserState,
  relyingPartyOf,
} from './appkey';
import { appkeysOf, findByKeyId, isLocked } from './appkey-views';

/**
 * The appkey decider (Emmett style): `decideAppkey(command, state) → events` over the aggregate of
 * ./appkey.ts. The clock (`metadata.now`), ids and challenges come in with the commands, and so does
 * the outcome of the cryptographic checks of a UAF response (libs/uaf), made beforehand by the
 * service: the decider judges it against the state it decides on (session still open, key known,
 * ACTIVE and allowed, counter, lockout), so a decision retried on a fresher state stays right. Nothing
 * here does I/O. A completed ceremony — success or failure — consumes its session; a rejected
 * request (404, 409, 410, 423) changes nothing. README "Appkeys" documents the rules for clients.
 */

export interface AppkeyCommandMetadata {
  now: Date;
}

/** What a start puts into the UAF request (and keeps in the session to check the response against). */
interface StartCeremony {
  metadata: AppkeyCommandMetadata;
  sessionId: string;
  storeId: string;
  rpId: string;
  policyName: string;
  challenge: string;
  hints: PasskeyHint[];
  timeoutMs: number;
}

interface CompleteCeremony {
  metadata: AppkeyCommandMetadata;
  sessionId: string;
  /** The store the session is completed through. */
  storeId: string;
  context?: Record<string, unknown>;
}

/** A verified UAF registration (one authenticator's assertion), or why it failed. */
export type RegistrationVerdict =
  | {
      ok: true;
      keyId: string;
      aaid: string;
      publicKey: string;
      signAlgorithm: number;
      signCounter: number;
      authenticatorVersion: number;
      attestationType: 'BASIC_FULL' | 'BASIC_SURROGATE';
      attestationCertificate: { subject: string; issuer: string; serialNumber: string; fingerprint256: string } | null;
      facetId: string;
    }
  | { ok: false; reason: AppkeyFailureReason };

/** A UAF authentication assertion whose signature verified with the named key, or why it failed. */
export type AssertionVerdict =
  | { ok: true; keyId: string; aaid: string; signCounter: number; transactionConfirmed: boolean }
  | { ok: false; reason: AppkeyFailureReason; keyId: string | null };

export interface StartAppkeyRegistration extends StartCeremony {
  type: 'StartAppkeyRegistration';
}

export interface CompleteAppkeyRegistration extends CompleteCeremony {
  type: 'CompleteAppkeyRegistration';
  appkeyId: string;
  keyType: RegisteredAppkeyType;
  device: AppkeyDevice & { pushToken: string | null };
  name?: string;
  hints?: PasskeyHint[];
  maxDevices: number;
  verdict: RegistrationVerdict;
}

export interface StartAppkeyAuthentication extends StartCeremony {
  type: 'StartAppkeyAuthentication';
  /** Only this device's keys (and only it is pushed to). */
  deviceId?: string;
  /** base64url of the transaction text to confirm, if any. */
  transactionContent: string | null;
}

export interface RecordPushes {
  type: 'RecordPushes';
  metadata: AppkeyCommandMetadata;
  sessionId: string;
  rpId: string;
  outcomes: Array<{ deviceId: string; provider: 'APNS' | 'FCM' | 'NONE'; status: 'SENT' | 'FAILED' | 'UNREGISTERED' | 'RATE_LIMITED'; reason?: string }>;
}

/** How failed authentications lock a relying party's appkeys (the authentication policy's). */
export interface Lockout {
  maxFailedAttempts: number;
  lockoutDuration: string;
}

export interface CompleteAppkeyAuthentication extends CompleteCeremony {
  type: 'CompleteAppkeyAuthentication';
  authenticationId: string;
  lockout: Lockout;
  verdict: AssertionVerdict;
}

export interface DeregisterAppkeys {
  type: 'DeregisterAppkeys';
  metadata: AppkeyCommandMetadata;
  rpId: string;
  types: Array<'DEVICE' | 'BIOMETRIC' | 'ALL'>;
  deviceId?: string;
}

export interface SetPreferredDevices {
  type: 'SetPreferredDevices';
  metadata: AppkeyCommandMetadata;
  rpId: string;
  deviceIds: string[];
}

export interface RemovePreferredDevice {
  type: 'RemovePreferredDevice';
  metadata: AppkeyCommandMetadata;
  rpId: string;
  deviceId: string;
}

export interface DeleteAppkeyByKeyId {
  type: 'DeleteAppkeyByKeyId';
  metadata: AppkeyCommandMetadata;
  rpId: string;
  keyId: string;
}

export interface UpdateAppkey {
  type: 'UpdateAppkey';
  metadata: AppkeyCommandMetadata;
  appkeyId: string;
  status?: AppkeyStatus;
  /** null: remove the name; undefined: unchanged. */
  name?: string | null;
}

export interface DeleteAppkey {
  type: 'DeleteAppkey';
  metadata: AppkeyCommandMetadata;
  appkeyId: string;
}

export type AppkeyCommand =
  | StartAppkeyRegistration
  | CompleteAppkeyRegistration
  | StartAppkeyAuthentication
  | RecordPushes
  | CompleteAppkeyAuthentication
  | DeregisterAppkeys
  | SetPreferredDevices
  | RemovePreferredDevice
  | DeleteAppkeyByKeyId
  | UpdateAppkey
  | DeleteAppkey;

export const decideAppkey = (command: AppkeyCommand, state: AppkeyUserState): AppkeyEvent[] => {
  switch (command.type) {
    case 'StartAppkeyRegistration':
      return startRegistration(command, state);
    case 'CompleteAppkeyRegistration':
      return completeRegistration(command, state);
    case 'StartAppkeyAuthentication':
      return startAuthentication(command, state);
    case 'RecordPushes':
      return [AppkeyPushesSent.create({ sessionId: command.sessionId, rpId: command.rpId, outcomes: command.outcomes, at: at(command) })];
    case 'CompleteAppkeyAuthentication':
      return completeAuthentication(command, state);
    case 'DeregisterAppkeys':
      return deregister(command, state);
    case 'SetPreferredDevices':
      return setPreferredDevices(command, state);
    case 'RemovePreferredDevice':
      return removePreferredDevice(command, state);
    case 'DeleteAppkeyByKeyId': {
      const appkey = findByKeyId(state, command.rpId, command.keyId);
      if (!appkey) throw notFound('APPKEY_NOT_FOUND', `No appkey with key id ${command.keyId} for ${command.rpId}.`);
      return [deregistered(appkey, 'KEY_ID_DELETED', command)];
    }
    case 'UpdateAppkey':
      return update(command, state);
    case 'DeleteAppkey':
      return [deregistered(getAppkey(state, command.appkeyId), 'DELETED', command)];
    default: {
      const unknown: never = command;
      throw new Error(`Unknown appkey command: ${(unknown as { type: string }).type}`);
    }
  }
};

export const appkeyDecider = { decide: decideAppkey, evolve: evolveAppkey, initialState: initialAppkeyUserState };

const at = (command: { metadata: AppkeyCommandMetadata }) => command.metadata.now.toISOString();

const getAppkey = (state: AppkeyUserState, appkeyId: string): AppkeyState => {
  const appkey = ownEntry(state.appkeys, appkeyId);
  if (!appkey) throw notFound('APPKEY_NOT_FOUND', `Appkey ${appkeyId} not found`);
  return appkey;
};

const deregistered = (
  appkey: AppkeyState,
  reason: 'DELETED' | 'KEY_ID_DELETED' | 'DEREGISTERED' | 'REPLACED',
  command: { metadata: AppkeyCommandMetadata },
) =>
  AppkeyDeregistered.create({
    appkeyId: appkey.id,
    rpId: appkey.rpId,
    keyId: appkey.keyId,
    deviceId: appkey.deviceId,
    reason,
    at: at(command),
  });

// ---- sessions ---------------------------------------------------------------------------------

/** How long a session stays open when its policy sets no timeout (API.md: 5 min). */
export const DEFAULT_CEREMONY_TIMEOUT_MS = 300_000;

const sessionsExpired = (reason: 'EXPIRED' | 'EVICTED', sessions: AppkeySession[], now: Date) =>
  AppkeySessionsExpired.create({
    reason,
    sessions: sessions.map((s) => ({ sessionId: s.id, kind: s.kind, rpId: s.rpId, policyName: s.policyName, expiresDtm: s.expiresDtm })),
    at: now.toISOString(),
  });

/** The session sweeper's decision: closes the sessions expired at `now` (nothing when none has). */
export const expireAppkeySessions = (state: AppkeyUserState, now: Date): AppkeyEvent[] => {
  const expired = appkeySessions.expired(state, now);
  return expired.length ? [sessionsExpired('EXPIRED', expired, now)] : [];
};

/** Before a start: evicts the oldest open sessions so the new one fits the cap. */
const evictionsBeforeStart = (state: AppkeyUserState, now: Date): AppkeyEvent[] => {
  const evicted = appkeySessions.evictedBeforeStart(state, now);
  return evicted.length ? [sessionsExpired('EVICTED', evicted, now)] : [];
};

const sessionData = (command: StartCeremony) => ({
  sessionId: command.sessionId,
  storeId: command.storeId,
  rpId: command.rpId,
  policyName: command.policyName,
  challenge: command.challenge,
  hints: [...command.hints],
  expiresDtm: addMilliseconds(command.metadata.now, command.timeoutMs).toISOString(),
  at: at(command),
});

const requireSession = <K extends AppkeySession['kind']>(state: AppkeyUserState, command: CompleteCeremony, kind: K) =>
  appkeySessions.require(state, { sessionId: command.sessionId, storeId: command.storeId, now: command.metadata.now }, kind);

const contextOf = (command: CompleteCeremony) => (command.context !== undefined ? { context: command.context } : {});

// ---- registration -----------------------------------------------------------------------------

const startRegistration = (command: StartAppkeyRegistration, state: AppkeyUserState): AppkeyEvent[] => [
  ...evictionsBeforeStart(state, command.metadata.now),
  AppkeyRegistrationStarted.create(sessionData(command)),
];

/**
 * A verified registration becomes an appkey of the device. A device holds one key per relying party
 * and key type: a new one replaces the old (REPLACED). A key id is registered once per relying party
 * (409; across users the held key refuses it), and a relying party's keys live on at most
 * `maxDevices` devices (409).
 */
const completeRegistration = (command: CompleteAppkeyRegistration, state: AppkeyUserState): AppkeyEvent[] => {
  const session = requireSession(state, command, 'REGISTRATION');
  const { verdict, device } = command;
  if (!verdict.ok)
    return [
      AppkeyRegistrationFailed.create({
        sessionId: session.id,
        rpId: session.rpId,
        policyName: session.policyName,
        reason: verdict.reason,
        at: at(command),
        ...contextOf(command),
      }),
    ];
  if (findByKeyId(state, session.rpId, verdict.keyId))
    throw conflict('APPKEY_ALREADY_REGISTERED', `The key id is already registered for ${session.rpId}.`);
  if (ownEntry(state.appkeys, command.appkeyId)) throw conflict('APPKEY_ALREADY_REGISTERED', `Appkey ${command.appkeyId} already exists.`);
  const keysOfRp = appkeysOf(state, session.rpId);
  const replaced = keysOfRp.filter((a) => a.deviceId === device.deviceId && a.keyType === command.keyType);
  const devices = new Set(keysOfRp.map((a) => a.deviceId));
  if (!devices.has(device.deviceId) && devices.size >= command.maxDevices)
    throw conflict('MAX_DEVICES_REACHED', `The user already has appkeys of ${session.rpId} on ${devices.size} devices (the maximum).`);
  const { ok: _ok, ...verified } = verdict;
  return [
    ...replaced.map((appkey) => deregistered(appkey, 'REPLACED', command)),
    AppkeyRegistrationCompleted.create({
      sessionId: session.id,
      storeId: session.storeId,
      appkeyId: command.appkeyId,
      rpId: session.rpId,
      policyName: session.policyName,
      keyType: command.keyType,
      ...verified,
      device: { deviceId: device.deviceId, name: device.name, platform: device.platform },
      pushToken: device.pushToken,
      name: command.name ?? null,
      hints: command.hints ?? session.hints,
      createdDtm: at(command),
      ...contextOf(command),
    }),
  ];
};

// ---- authentication ---------------------------------------------------------------------------

const locked = (rpId: string, lockedUntil: string | null) =>
  lockedError('APPKEY_LOCKED', `The appkeys of ${rpId} are locked until ${lockedUntil} after failed authentications.`);

/** Allows the user's ACTIVE keys of the relying party (of one device, when named); 423 while locked. */
const startAuthentication = (command: StartAppkeyAuthentication, state: AppkeyUserState): AppkeyEvent[] => {
  if (isLocked(state, command.rpId, command.metadata.now)) throw locked(command.rpId, relyingPartyOf(state, command.rpId).lockedUntil);
  const allowedKeyIds = appkeysOf(state, command.rpId)
    .filter((a) => a.status === 'ACTIVE' && (command.deviceId === undefined || a.deviceId === command.deviceId))
    .map((a) => a.keyId);
  if (allowedKeyIds.length === 0)
    throw notFound(
      'APPKEY_NOT_FOUND',
      `No ACTIVE appkey is registered for ${command.rpId}${command.deviceId !== undefined ? ` on device ${command.deviceId}` : ''}.`,
    );
  return [
    ...evictionsBeforeStart(state, command.metadata.now),
    AppkeyAuthenticationStarted.create({
      ...sessionData(command),
      allowedKeyIds,
      transaction: command.transactionContent !== null,
      transactionContent: command.transactionContent,
    }),
  ];
};

/** The first rule the assertion breaks, judged on this state; null when it authenticates. */
const assertionFailure = (
  verdict: AssertionVerdict,
  session: Extract<AppkeySession, { kind: 'AUTHENTICATION' }>,
  appkey: AppkeyState | undefined,
): AppkeyFailureReason | null => {
  if (!verdict.ok) return verdict.reason;
  if (!appkey || !session.allowedKeyIds.includes(appkey.keyId)) return 'UNKNOWN_KEY';
  if (appkey.status !== 'ACTIVE') return 'APPKEY_NOT_ACTIVE';
  if (session.transactionContent !== null && !verdict.transactionConfirmed) return 'TRANSACTION_MISMATCH';
  // Counters only grow; both zero is an authenticator that keeps none (UAF Protocol §3.4.6.3).
  if ((verdict.signCounter > 0 || appkey.signCounter > 0) && verdict.signCounter <= appkey.signCounter) return 'COUNTER_REGRESSION';
  return null;
};

/**
 * Every verified or failed check completes the session. Failures count per relying party: at the
 * policy's `maxFailedAttempts` its appkeys lock for `lockoutDuration` (423 until then; a success
 * resets the count). `maxFailedAttempts <= 0` disables the lockout.
 */
const completeAuthentication = (command: CompleteAppkeyAuthentication, state: AppkeyUserState): AppkeyEvent[] => {
  const session = requireSession(state, command, 'AUTHENTICATION');
  const now = command.metadata.now;
  if (isLocked(state, session.rpId, now)) throw locked(session.rpId, relyingPartyOf(state, session.rpId).lockedUntil);
  const { verdict } = command;
  const keyId = verdict.keyId;
  const appkey = keyId !== null ? findByKeyId(state, session.rpId, keyId) : undefined;
  const common = {
    sessionId: session.id,
    authenticationId: command.authenticationId,
    rpId: session.rpId,
    policyName: session.policyName,
    at: at(command),
    ...contextOf(command),
  };
  const failure = assertionFailure(verdict, session, appkey);
  if (failure || !verdict.ok || !appkey) {
    const failedAttempts = relyingPartyOf(state, session.rpId).failedAttempts + 1;
    const { maxFailedAttempts, lockoutDuration } = command.lockout;
    const locks = maxFailedAttempts > 0 && failedAttempts >= maxFailedAttempts;
    return [
      AppkeyAuthenticationFailed.create({
        ...common,
        appkeyId: appkey?.id ?? null,
        keyId,
        deviceId: appkey?.deviceId ?? null,
        reason: failure ?? 'UNKNOWN_KEY',
        counterRegression: failure === 'COUNTER_REGRESSION',
        failedAttempts,
        lockedUntil: locks ? addIsoDuration(now, lockoutDuration).toISOString() : null,
      }),
    ];
  }
  return [
    AppkeyAuthenticationSucceeded.create({
      ...common,
      appkeyId: appkey.id,
      keyId: appkey.keyId,
      deviceId: appkey.deviceId,
      aaid: verdict.aaid,
      transactionConfirmed: verdict.transactionConfirmed,
      signCounter: verdict.signCounter,
      previousSignCounter: appkey.signCounter,
    }),
  ];
};

// ---- management -------------------------------------------------------------------------------

/** DEVICE, BIOMETRIC or ALL keys of the relying party (of one device, when named). Nothing matching: no events. */
const deregister = (command: DeregisterAppkeys, state: AppkeyUserState): AppkeyEvent[] => {
  const all = command.types.includes('ALL');
  return appkeysOf(state, command.rpId)
    .filter((a) => (all || command.types.includes(a.keyType)) && (command.deviceId === undefined || a.deviceId === command.deviceId))
    .map((appkey) => deregistered(appkey, 'DEREGISTERED', command));
};

const setPreferredDevices = (command: SetPreferredDevices, state: AppkeyUserState): AppkeyEvent[] => {
  const holders = new Set(appkeysOf(state, command.rpId).map((a) => a.deviceId));
  const unknown = command.deviceIds.flatMap((deviceId, index) => (holders.has(deviceId) ? [] : [{ deviceId, index }]));
  if (unknown.length)
    throw invalid(
      'UNKNOWN_DEVICE',
      `Every preferred device must hold an appkey of ${command.rpId}.`,
      unknown.map(({ deviceId, index }) => ({
        path: `body.deviceIds.${index}`,
        message: `device ${deviceId} holds no appkey of ${command.rpId}`,
      })),
    );
  const current = relyingPartyOf(state, command.rpId).preferredDevices;
  if (current.length === command.deviceIds.length && current.every((d, i) => d === command.deviceIds[i])) return [];
  return [AppkeyPreferredDevicesSet.create({ rpId: command.rpId, deviceIds: command.deviceIds, at: at(command) })];
};

const removePreferredDevice = (command: RemovePreferredDevice, state: AppkeyUserState): AppkeyEvent[] => {
  const current = relyingPartyOf(state, command.rpId).preferredDevices;
  if (!current.includes(command.deviceId))
    throw notFound('PREFERRED_DEVICE_NOT_FOUND', `Device ${command.deviceId} is not a preferred device of ${command.rpId}.`);
  return [
    AppkeyPreferredDevicesSet.create({ rpId: command.rpId, deviceIds: current.filter((d) => d !== command.deviceId), at: at(command) }),
  ];
};

/** Status and/or name. REVOKED is final (409 on any change); setting what is already there is a no-op. */
const update = (command: UpdateAppkey, state: AppkeyUserState): AppkeyEvent[] => {
  const appkey = getAppkey(state, command.appkeyId);
  if (appkey.status === 'REVOKED') throw conflict('APPKEY_REVOKED', `Appkey ${appkey.id} is revoked`);
  const events: AppkeyEvent[] = [];
  if (command.status !== undefined && command.status !== appkey.status)
    events.push(AppkeyStatusChanged.create({ appkeyId: appkey.id, status: command.status, at: at(command) }));
  if (command.name !== undefined && command.name !== appkey.name)
    events.push(AppkeyRenamed.create({ appkeyId: appkey.id, name: command.name, at: at(command) }));
  return events;
};
