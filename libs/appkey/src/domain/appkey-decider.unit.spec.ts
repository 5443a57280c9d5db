import {
  type RegisteredAppkeyType,
  appkeyIntegrationEvents,
  appkeyResourceSchema,
  DomainError,
  type DomainErrorKind,
} from '@identity-store/contracts';
import { DeciderSpecification } from '@identity-store/testing';
import {
  type AppkeyDeregistered,
  type AppkeyEvent,
  appkeyEvents,
  type AppkeyRegistrationCompleted,
  appkeySessions,
  appkeyStreamId,
  type AppkeyUserState,
  evolveAppkey,
  toAppkeyIntegrationEvent,
  userIdOfAppkeyStream,
} from './appkey';
import {
  type AppkeyCommand,
  appkeyDecider,
  type AssertionVerdict,
  expireAppkeySessions,
  type Lockout,
  type RegistrationVerdict,
} from './appkey-decider';
import { keyIdKey, keyIdKeysOf, listAppkeyResources, pushTargetsOf, toAppkeyResource } from './appkey-views';

// ---------------------------------------------------------------------------------------------
// Fixtures: a fixed clock and ids. The cryptographic checks of a UAF response come in as their
// outcomes (the service makes them with libs/uaf): here the decisions on those outcomes are tested.
// ---------------------------------------------------------------------------------------------

const T0 = new Date('2026-05-07T10:00:00.000Z');
const plus = (date: Date, seconds: number) => new Date(date.getTime() + seconds * 1000);
const iso = (seconds: number) => plus(T0, seconds).toISOString();
const STORE = 'store-1';
const RP = 'example.com';
const OTHER_RP = 'other.example';
/** base64url of 34 bytes: the stored session requires at least 43 characters. */
const CHALLENGE = 'YSBmcmVzaCBhcHBrZXkgY2VyZW1vbnkgY2hhbGxlbmdlIQ';
const KEY_1 = 'a2V5LWlkLTE';
const KEY_2 = 'a2V5LWlkLTI';
const KEY_3 = 'a2V5LWlkLTM';
const KEY_4 = 'a2V5LWlkLTQ';
const PUBLIC_KEY = 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE';
const AAID = '4e4e#4005';

type Command<T extends AppkeyCommand['type']> = Extract<AppkeyCommand, { type: T }>;

const given = DeciderSpecification.for(appkeyDecider);
/** The decision is refused with a DomainError of this kind and code. */
const rejectedWith = (kind: DomainErrorKind, code: string) => (error: DomainError) =>
  expect([error.kind, error.code]).toEqual([kind, code]);

const DEVICES = {
  'phone-1': { deviceId: 'phone-1', name: 'Phone', platform: 'IOS', pushToken: 'apns-token-phone' },
  'tablet-1': { deviceId: 'tablet-1', name: 'Tablet', platform: 'ANDROID', pushToken: 'fcm-token-tablet' },
  'laptop-1': { deviceId: 'laptop-1', name: null, platform: 'WEB', pushToken: null },
} as const satisfies Record<string, Command<'CompleteAppkeyRegistration'>['device']>;
type DeviceId = keyof typeof DEVICES;

const startRegistration = (over: Partial<Command<'StartAppkeyRegistration'>> = {}): AppkeyCommand => ({
  type: 'StartAppkeyRegistration',
  metadata: { now: T0 },
  sessionId: 'reg-1',
  storeId: STORE,
  rpId: RP,
  policyName: 'default',
  challenge: CHALLENGE,
  hints: ['client-device', 'hybrid'],
  timeoutMs: 300_000,
  ...over,
});

const registrationVerdict = (keyId = KEY_1, signCounter = 0): RegistrationVerdict => ({
  ok: true,
  keyId,
  aaid: AAID,
  publicKey: PUBLIC_KEY,
  signAlgorithm: 1,
  signCounter,
  authenticatorVersion: 1,
  attestationType: 'BASIC_SURROGATE',
  attestationCertificate: null,
  facetId: 'ios:bundle-id:com.example.app',
});

const completeRegistration = (over: Partial<Command<'CompleteAppkeyRegistration'>> = {}): AppkeyCommand => ({
  type: 'CompleteAppkeyRegistration',
  metadata: { now: plus(T0, 10) },
  sessionId: 'reg-1',
  storeId: STORE,
  appkeyId: 'ak-1',
  keyType: 'DEVICE',
  device: DEVICES['phone-1'],
  name: 'My phone',
  maxDevices: 3,
  verdict: registrationVerdict(),
  context: { ip: '192.0.2.1' },
  ...over,
});

/** The published part of the default registration (the phone's DEVICE key) completed at `createdDtm`. */
const publishedRegistration = (
  createdDtm: string,
): Omit<AppkeyRegistrationCompleted['data'], 'sessionId' | 'storeId' | 'publicKey' | 'pushToken'> => ({
  appkeyId: 'ak-1',
  rpId: RP,
  policyName: 'default',
  keyType: 'DEVICE',
  keyId: KEY_1,
  aaid: AAID,
  signAlgorithm: 1,
  signCounter: 0,
  authenticatorVersion: 1,
  attestationType: 'BASIC_SURROGATE',
  attestationCertificate: null,
  facetId: 'ios:bundle-id:com.example.app',
  device: { deviceId: 'phone-1', name: 'Phone', platform: 'IOS' },
  name: 'My phone',
  hints: ['client-device', 'hybrid'],
  createdDtm,
  context: { ip: '192.0.2.1' },
});

/** The deregistration of the phone's DEVICE key (ak-1) at `seconds` after T0. */
const phoneKeyGone = (
  reason: AppkeyDeregistered['data']['reason'],
  seconds: number,
): AppkeyDeregistered['data'] => ({
  appkeyId: 'ak-1',
  rpId: RP,
  keyId: KEY_1,
  deviceId: 'phone-1',
  reason,
  at: iso(seconds),
});

/** A key the user registers (session and completion at `at` seconds after T0). */
interface KeyFixture {
  appkeyId: string;
  keyId: string;
  deviceId: DeviceId;
  at: number;
  keyType?: RegisteredAppkeyType;
  rpId?: string;
  signCounter?: number;
  maxDevices?: number;
}

const registration = (key: KeyFixture): AppkeyCommand[] => {
  const now = plus(T0, key.at);
  const sessionId = `reg-${key.appkeyId}`;
  return [
    startRegistration({ sessionId, rpId: key.rpId ?? RP, metadata: { now } }),
    completeRegistration({
      sessionId,
      metadata: { now },
      appkeyId: key.appkeyId,
      keyType: key.keyType ?? 'DEVICE',
      device: DEVICES[key.deviceId],
      maxDevices: key.maxDevices ?? 3,
      verdict: registrationVerdict(key.keyId, key.signCounter ?? 0),
    }),
  ];
};

const PHONE_DEVICE: KeyFixture = { appkeyId: 'ak-1', keyId: KEY_1, deviceId: 'phone-1', at: 1 };
const TABLET_DEVICE: KeyFixture = { appkeyId: 'ak-2', keyId: KEY_2, deviceId: 'tablet-1', at: 2 };
const PHONE_BIOMETRIC: KeyFixture = {
  appkeyId: 'ak-3',
  keyId: KEY_3,
  deviceId: 'phone-1',
  keyType: 'BIOMETRIC',
  at: 3,
};
const PHONE_OTHER_RP: KeyFixture = {
  appkeyId: 'ak-4',
  keyId: KEY_4,
  deviceId: 'phone-1',
  rpId: OTHER_RP,
  at: 4,
};
const LAPTOP_DEVICE: KeyFixture = { appkeyId: 'ak-5', keyId: 'a2V5LWlkLTU', deviceId: 'laptop-1', at: 5 };

/** A user who registered these keys, in this order. */
const user = (...keys: KeyFixture[]) => given().followedBy(...keys.flatMap(registration));

const LOCKOUT: Lockout = { maxFailedAttempts: 3, lockoutDuration: 'PT15M' };

const startAuthentication = (over: Partial<Command<'StartAppkeyAuthentication'>> = {}): AppkeyCommand => ({
  type: 'StartAppkeyAuthentication',
  metadata: { now: plus(T0, 60) },
  sessionId: 'auth-1',
  storeId: STORE,
  rpId: RP,
  policyName: 'login',
  challenge: CHALLENGE,
  hints: ['client-device'],
  timeoutMs: 120_000,
  transactionContent: null,
  ...over,
});

const signed = (keyId: string, signCounter: number, transactionConfirmed = false): AssertionVerdict => ({
  ok: true,
  keyId,
  aaid: AAID,
  signCounter,
  transactionConfirmed,
});
const badSignature: AssertionVerdict = { ok: false, reason: 'SIGNATURE_INVALID', keyId: KEY_1 };

const completeAuthentication = (
  verdict: AssertionVerdict,
  over: Partial<Command<'CompleteAppkeyAuthentication'>> = {},
): AppkeyCommand => ({
  type: 'CompleteAppkeyAuthentication',
  metadata: { now: plus(T0, 70) },
  sessionId: 'auth-1',
  storeId: STORE,
  authenticationId: 'a-1',
  lockout: LOCKOUT,
  verdict,
  context: { ip: '192.0.2.9' },
  ...over,
});

/** Authentication attempt `n`: started at n × 100 s after T0, completed 5 s later. */
const attempt = (n: number, verdict: AssertionVerdict, lockout = LOCKOUT): AppkeyCommand[] => {
  const started = plus(T0, 100 * n);
  return [
    startAuthentication({ sessionId: `auth-${n}`, metadata: { now: started } }),
    completeAuthentication(verdict, {
      sessionId: `auth-${n}`,
      authenticationId: `a-${n}`,
      metadata: { now: plus(started, 5) },
      lockout,
    }),
  ];
};

/** What attempt `n` decides on this history (its start appended first). */
const completing = (history: ReturnType<typeof given>, n: number, verdict: AssertionVerdict) => {
  const [start, complete] = attempt(n, verdict);
  return history.followedBy(start!).when(complete!).decided();
};

const outcome = (events: AppkeyEvent[]) => {
  expect(events).toHaveLength(1);
  return events[0]!;
};

/** The data of the single failure the decision records. */
const failureOf = (events: AppkeyEvent[]) => {
  const event = outcome(events);
  if (event.type !== 'AppkeyAuthenticationFailed') throw new Error(`expected a failure, got ${event.type}`);
  return event.data;
};

const at = (seconds: number) => ({ metadata: { now: plus(T0, seconds) } });

describe('appkey streams', () => {
  it('are per user', () => {
    expect(appkeyStreamId('u1')).toBe('appkey-user-u1');
    expect(userIdOfAppkeyStream('appkey-user-u1')).toBe('u1');
    expect(userIdOfAppkeyStream('passkey-user-u1')).toBeUndefined();
  });
});

describe('registration', () => {
  it('a start opens a session holding the challenge and hints, expiring at the timeout', () => {
    const { state } = given()
      .when(startRegistration({ timeoutMs: 60_000 }))
      .then([
        {
          type: 'AppkeyRegistrationStarted',
          data: {
            sessionId: 'reg-1',
            storeId: STORE,
            rpId: RP,
            policyName: 'default',
            challenge: CHALLENGE,
            hints: ['client-device', 'hybrid'],
            expiresDtm: iso(60),
            at: iso(0),
          },
        },
      ]);
    expect(state.sessions).toEqual({
      'reg-1': {
        kind: 'REGISTRATION',
        id: 'reg-1',
        storeId: STORE,
        startedDtm: iso(0),
        expiresDtm: iso(60),
        rpId: RP,
        policyName: 'default',
        challenge: CHALLENGE,
        hints: ['client-device', 'hybrid'],
      },
    });
  });

  it('a start at the cap of open sessions evicts the oldest in the same decision', () => {
    const cap = appkeySessions.cap;
    const full = given().followedBy(
      ...Array.from({ length: cap }, (_, i) => startRegistration({ sessionId: `reg-${i}`, ...at(i) })),
    );
    const { events, state } = full.when(startRegistration({ sessionId: 'reg-new', ...at(cap) })).decided();
    expect(events.map((e) => e.type)).toEqual(['AppkeySessionsExpired', 'AppkeyRegistrationStarted']);
    expect(events[0]!.data).toEqual({
      reason: 'EVICTED',
      sessions: [
        { sessionId: 'reg-0', kind: 'REGISTRATION', rpId: RP, policyName: 'default', expiresDtm: iso(300) },
      ],
      at: iso(cap),
    });
    expect(Object.keys(state.sessions)).toHaveLength(cap);
    expect(state.sessions).not.toHaveProperty('reg-0');
    expect(state.sessions).toHaveProperty('reg-new');
    // Below the cap nothing is evicted.
    expect(
      given()
        .followedBy(startRegistration())
        .when(startRegistration({ sessionId: 'reg-2' }))
        .decided().events,
    ).toHaveLength(1);
  });

  it('a verified registration completes it: the appkey, its device with the push token, the session closed', () => {
    const { state } = given()
      .followedBy(startRegistration())
      .when(completeRegistration())
      .then([
        {
          type: 'AppkeyRegistrationCompleted',
          data: {
            ...publishedRegistration(iso(10)),
            sessionId: 'reg-1',
            storeId: STORE,
            publicKey: PUBLIC_KEY,
            pushToken: 'apns-token-phone',
          },
        },
      ]);
    expect(state).toEqual({
      appkeys: {
        'ak-1': {
          id: 'ak-1',
          storeId: STORE,
          rpId: RP,
          keyId: KEY_1,
          aaid: AAID,
          publicKey: PUBLIC_KEY,
          signAlgorithm: 1,
          keyType: 'DEVICE',
          deviceId: 'phone-1',
          name: 'My phone',
          status: 'ACTIVE',
          policyName: 'default',
          attestationType: 'BASIC_SURROGATE',
          signCounter: 0,
          createdDtm: iso(10),
          lastUsedDtm: null,
        },
      },
      devices: {
        'phone-1': { deviceId: 'phone-1', name: 'Phone', platform: 'IOS', pushToken: 'apns-token-phone' },
      },
      relyingParties: {},
      sessions: {},
    });
    expect(keyIdKeysOf(state)).toEqual([keyIdKey(STORE, RP, KEY_1)]);
  });

  it('records the completion’s hints over the session’s, no name as null, and no context as none', () => {
    const [event] = given()
      .followedBy(startRegistration())
      .when(completeRegistration({ hints: ['security-key'], name: undefined, context: undefined }))
      .decided().events;
    expect(event!.data).toMatchObject({ hints: ['security-key'], name: null });
    expect(event!.data).not.toHaveProperty('context');
  });

  it('a failed verdict is a failed registration that uses the session up and stores nothing', () => {
    const failed = given()
      .followedBy(startRegistration())
      .when(completeRegistration({ verdict: { ok: false, reason: 'ATTESTATION_INVALID' } }))
      .then([
        {
          type: 'AppkeyRegistrationFailed',
          data: {
            sessionId: 'reg-1',
            rpId: RP,
            policyName: 'default',
            reason: 'ATTESTATION_INVALID',
            at: iso(10),
            context: { ip: '192.0.2.1' },
          },
        },
      ]);
    expect(failed.state).toEqual({ appkeys: {}, devices: {}, relyingParties: {}, sessions: {} });
    failed
      .when(completeRegistration())
      .thenThrows(DomainError, rejectedWith('not-found', 'APPKEY_SESSION_NOT_FOUND'));
  });

  it('sessions: unknown, used, of another kind or another store are 404; expired ones 410', () => {
    // A user with a key, so that an authentication session can be opened too.
    const started = user(PHONE_DEVICE).followedBy(
      startRegistration(),
      startAuthentication({ sessionId: 'auth-x' }),
    );
    const complete = (over: Partial<Command<'CompleteAppkeyRegistration'>> = {}) =>
      completeRegistration({
        appkeyId: 'ak-2',
        device: DEVICES['tablet-1'],
        verdict: registrationVerdict(KEY_2),
        ...over,
      });
    const notFound = rejectedWith('not-found', 'APPKEY_SESSION_NOT_FOUND');
    started.when(complete({ sessionId: 'nope' })).thenThrows(DomainError, notFound);
    started.when(complete({ storeId: 'store-2' })).thenThrows(DomainError, notFound);
    started.when(complete({ sessionId: 'auth-x' })).thenThrows(DomainError, notFound);
    started
      .when(completeAuthentication(signed(KEY_1, 1), { sessionId: 'reg-1' }))
      .thenThrows(DomainError, notFound);
    started.followedBy(complete()).when(complete()).thenThrows(DomainError, notFound);

    started.when(complete(at(300))).thenThrows(DomainError, rejectedWith('gone', 'APPKEY_SESSION_EXPIRED'));
    expect(outcome(started.when(complete(at(299))).decided().events).type).toBe(
      'AppkeyRegistrationCompleted',
    );
  });

  it('refuses a key id the user already has for the relying party (409), leaving the session open', () => {
    const reopened = user(PHONE_DEVICE).followedBy(startRegistration({ sessionId: 'reg-2', ...at(20) }));
    const again = { sessionId: 'reg-2', appkeyId: 'ak-2', device: DEVICES['tablet-1'], ...at(21) };
    reopened
      .when(completeRegistration({ ...again, verdict: registrationVerdict(KEY_1) }))
      .thenThrows(DomainError, rejectedWith('conflict', 'APPKEY_ALREADY_REGISTERED'));
    reopened
      .when(completeRegistration({ ...again, appkeyId: 'ak-1', verdict: registrationVerdict(KEY_2) }))
      .thenThrows(DomainError, rejectedWith('conflict', 'APPKEY_ALREADY_REGISTERED'));
    // Nothing was appended: the same session then completes with another key.
    expect(
      outcome(
        reopened.when(completeRegistration({ ...again, verdict: registrationVerdict(KEY_2) })).decided()
          .events,
      ).type,
    ).toBe('AppkeyRegistrationCompleted');
    // The key id is unique per relying party only.
    const otherRp = user(PHONE_DEVICE).followedBy(
      startRegistration({ sessionId: 'reg-2', rpId: OTHER_RP, ...at(20) }),
    );
    expect(
      outcome(
        otherRp.when(completeRegistration({ ...again, verdict: registrationVerdict(KEY_1) })).decided()
          .events,
      ).type,
    ).toBe('AppkeyRegistrationCompleted');
  });

  it('refuses a device beyond maxDevices of the relying party (409); a known device is not counted twice', () => {
    const twoDevices = user(PHONE_DEVICE, TABLET_DEVICE);
    twoDevices
      .when(registration({ ...LAPTOP_DEVICE, maxDevices: 2 })[0]!)
      .decided()
      .when(registration({ ...LAPTOP_DEVICE, maxDevices: 2 })[1]!)
      .thenThrows(DomainError, rejectedWith('conflict', 'MAX_DEVICES_REACHED'));
    const events = (key: KeyFixture) =>
      twoDevices.followedBy(...registration(key)).events.slice(twoDevices.events.length);
    // A second key type from a device that already holds a key: still two devices.
    expect(events({ ...PHONE_BIOMETRIC, maxDevices: 2 }).map((e) => e.type)).toEqual([
      'AppkeyRegistrationStarted',
      'AppkeyRegistrationCompleted',
    ]);
    // Devices of another relying party do not count.
    expect(events({ ...LAPTOP_DEVICE, rpId: OTHER_RP, maxDevices: 1 }).map((e) => e.type)).toEqual([
      'AppkeyRegistrationStarted',
      'AppkeyRegistrationCompleted',
    ]);
    // Below the maximum a new device is welcome.
    expect(events({ ...LAPTOP_DEVICE, maxDevices: 3 }).map((e) => e.type)).toEqual([
      'AppkeyRegistrationStarted',
      'AppkeyRegistrationCompleted',
    ]);
  });

  it('a new key of a device for the same relying party and key type replaces the old one (REPLACED, then completed)', () => {
    const held = user(PHONE_DEVICE, PHONE_BIOMETRIC, PHONE_OTHER_RP).followedBy(
      startRegistration({ sessionId: 'reg-new', ...at(20) }),
    );
    const newPushToken = { ...DEVICES['phone-1'], pushToken: 'apns-token-phone-2' };
    const { events, state } = held
      .when(
        completeRegistration({
          sessionId: 'reg-new',
          appkeyId: 'ak-new',
          device: newPushToken,
          maxDevices: 1,
          verdict: registrationVerdict('bmV3LWtleQ'),
          ...at(21),
        }),
      )
      .decided();
    expect(events.map((e) => e.type)).toEqual(['AppkeyDeregistered', 'AppkeyRegistrationCompleted']);
    expect(events[0]!.data).toEqual(phoneKeyGone('REPLACED', 21));
    // The biometric key and the other relying party's key stay.
    expect(Object.keys(state.appkeys).sort()).toEqual(['ak-3', 'ak-4', 'ak-new']);
    expect(state.devices['phone-1']?.pushToken).toBe('apns-token-phone-2');
    expect(keyIdKeysOf(state)).not.toContain(keyIdKey(STORE, RP, KEY_1));
  });

  it('a replaced key of a device that is the relying party’s only one keeps the device preferred', () => {
    const preferred = user(PHONE_DEVICE, TABLET_DEVICE)
      .followedBy({ type: 'SetPreferredDevices', ...at(10), rpId: RP, deviceIds: ['phone-1', 'tablet-1'] })
      .followedBy(...registration({ appkeyId: 'ak-new', keyId: 'bmV3LWtleQ', deviceId: 'phone-1', at: 20 }));
    const state = preferred.state();
    expect(Object.keys(state.appkeys).sort()).toEqual(['ak-2', 'ak-new']);
    expect(state.relyingParties[RP]?.preferredDevices).toEqual(['phone-1', 'tablet-1']);
    expect(state.devices['phone-1']).toEqual(DEVICES['phone-1']);
  });
});

describe('authentication', () => {
  /** What every outcome of the default completion with the phone's key records. */
  const completedOnPhone = {
    sessionId: 'auth-1',
    authenticationId: 'a-1',
    rpId: RP,
    policyName: 'login',
    at: iso(70),
    context: { ip: '192.0.2.9' },
    appkeyId: 'ak-1',
    keyId: KEY_1,
    deviceId: 'phone-1',
  };

  it('a start allows the ACTIVE keys of the relying party (of the device, when named), and keeps the transaction', () => {
    const keys = user(PHONE_DEVICE, TABLET_DEVICE, PHONE_BIOMETRIC, PHONE_OTHER_RP).followedBy({
      type: 'UpdateAppkey',
      ...at(30),
      appkeyId: 'ak-3',
      status: 'SUSPENDED',
    });
    const { state } = keys.when(startAuthentication()).then([
      {
        type: 'AppkeyAuthenticationStarted',
        data: {
          sessionId: 'auth-1',
          storeId: STORE,
          rpId: RP,
          policyName: 'login',
          challenge: CHALLENGE,
          hints: ['client-device'],
          allowedKeyIds: [KEY_1, KEY_2],
          transaction: false,
          transactionContent: null,
          expiresDtm: iso(180),
          at: iso(60),
        },
      },
    ]);
    expect(state.sessions['auth-1']).toMatchObject({
      kind: 'AUTHENTICATION',
      allowedKeyIds: [KEY_1, KEY_2],
      transactionContent: null,
    });

    const [onTablet] = keys
      .when(startAuthentication({ deviceId: 'tablet-1', transactionContent: 'UGF5IDEwIEVVUg' }))
      .decided().events;
    expect(onTablet!.data).toMatchObject({
      allowedKeyIds: [KEY_2],
      transaction: true,
      transactionContent: 'UGF5IDEwIEVVUg',
    });
    const [otherRp] = keys.when(startAuthentication({ rpId: OTHER_RP })).decided().events;
    expect(otherRp!.data).toMatchObject({ allowedKeyIds: [KEY_4] });
  });

  it('a start with no ACTIVE key of the relying party (or of the named device) is 404', () => {
    const notFound = rejectedWith('not-found', 'APPKEY_NOT_FOUND');
    given().when(startAuthentication()).thenThrows(DomainError, notFound);
    const phone = user(PHONE_DEVICE, PHONE_OTHER_RP);
    phone.when(startAuthentication({ deviceId: 'tablet-1' })).thenThrows(DomainError, notFound);
    phone.when(startAuthentication({ rpId: 'third.example' })).thenThrows(DomainError, notFound);
    phone
      .followedBy({ type: 'UpdateAppkey', ...at(30), appkeyId: 'ak-1', status: 'SUSPENDED' })
      .when(startAuthentication())
      .thenThrows(DomainError, notFound);
  });

  it('a verified assertion with a growing counter succeeds: counter and last use recorded, session closed', () => {
    const { state } = user({ ...PHONE_DEVICE, signCounter: 5 })
      .followedBy(startAuthentication())
      .when(completeAuthentication(signed(KEY_1, 6)))
      .then([
        {
          type: 'AppkeyAuthenticationSucceeded',
          data: {
            ...completedOnPhone,
            aaid: AAID,
            transactionConfirmed: false,
            signCounter: 6,
            previousSignCounter: 5,
          },
        },
      ]);
    expect(state.sessions).toEqual({});
    expect(state.appkeys['ak-1']).toMatchObject({ signCounter: 6, lastUsedDtm: iso(70) });
  });

  it('a success resets the failures of the relying party', () => {
    const failedTwice = user(PHONE_DEVICE).followedBy(
      ...attempt(1, badSignature),
      ...attempt(2, badSignature),
    );
    expect(failedTwice.state().relyingParties[RP]?.failedAttempts).toBe(2);
    const succeeded = failedTwice.followedBy(...attempt(3, signed(KEY_1, 1)));
    expect(succeeded.state().relyingParties[RP]).toEqual({
      preferredDevices: [],
      failedAttempts: 0,
      lockedUntil: null,
    });
    expect(failureOf(completing(succeeded, 4, badSignature).events).failedAttempts).toBe(1);
  });

  it('accepts counters that both stay zero (an authenticator that keeps none), every time', () => {
    let history = user(PHONE_DEVICE);
    for (const n of [1, 2]) history = history.followedBy(...attempt(n, signed(KEY_1, 0)));
    expect(history.events.slice(-1)[0]?.type).toBe('AppkeyAuthenticationSucceeded');
    expect(history.events.filter((e) => e.type === 'AppkeyAuthenticationSucceeded')).toHaveLength(2);
    expect(history.state().appkeys['ak-1']?.signCounter).toBe(0);
    // From zero a counter may start counting.
    expect(outcome(completing(history, 3, signed(KEY_1, 1)).events).type).toBe(
      'AppkeyAuthenticationSucceeded',
    );
  });

  it('flags a counter that does not grow as COUNTER_REGRESSION, keeping the stored counter', () => {
    for (const [stored, sent] of [
      [5, 4],
      [5, 5],
      [5, 0],
    ] as const) {
      const { events, state } = user({ ...PHONE_DEVICE, signCounter: stored })
        .followedBy(startAuthentication())
        .when(completeAuthentication(signed(KEY_1, sent)))
        .decided();
      expect(failureOf(events)).toMatchObject({
        appkeyId: 'ak-1',
        keyId: KEY_1,
        deviceId: 'phone-1',
        reason: 'COUNTER_REGRESSION',
        counterRegression: true,
      });
      expect(state.appkeys['ak-1']?.signCounter).toBe(stored);
      expect(state.sessions).toEqual({});
    }
  });

  it('records a failed verdict with the appkey its key id names, or none', () => {
    const started = user(PHONE_DEVICE).followedBy(startAuthentication());
    const { events, state } = started.when(completeAuthentication(badSignature)).decided();
    expect(events).toEqual([
      {
        type: 'AppkeyAuthenticationFailed',
        data: {
          ...completedOnPhone,
          reason: 'SIGNATURE_INVALID',
          counterRegression: false,
          failedAttempts: 1,
          lockedUntil: null,
        },
      },
    ]);
    expect(state.sessions).toEqual({});
    expect(state.relyingParties[RP]).toEqual({ preferredDevices: [], failedAttempts: 1, lockedUntil: null });
    expect(state.appkeys['ak-1']?.lastUsedDtm).toBeNull();

    const noKey = failureOf(
      started
        .when(completeAuthentication({ ok: false, reason: 'FINAL_CHALLENGE_MISMATCH', keyId: null }))
        .decided().events,
    );
    expect(noKey).toMatchObject({
      appkeyId: null,
      keyId: null,
      deviceId: null,
      reason: 'FINAL_CHALLENGE_MISMATCH',
    });
  });

  it('a key the session did not allow, of another relying party, or unknown is UNKNOWN_KEY', () => {
    const started = user(PHONE_DEVICE, PHONE_OTHER_RP).followedBy(startAuthentication());
    const reasonOf = (verdict: AssertionVerdict, on = started) =>
      failureOf(on.when(completeAuthentication(verdict)).decided().events);
    expect(reasonOf(signed('dW5rbm93bg', 1))).toMatchObject({
      reason: 'UNKNOWN_KEY',
      appkeyId: null,
      keyId: 'dW5rbm93bg',
    });
    expect(reasonOf(signed(KEY_4, 1))).toMatchObject({ reason: 'UNKNOWN_KEY', appkeyId: null });
    // Registered after the start: the user's key, but not one the session allowed.
    const later = started.followedBy(...registration({ ...TABLET_DEVICE, at: 61 }));
    expect(reasonOf(signed(KEY_2, 1), later)).toMatchObject({
      reason: 'UNKNOWN_KEY',
      appkeyId: 'ak-2',
      deviceId: 'tablet-1',
    });
    // Deleted since the start.
    const deleted = started.followedBy({ type: 'DeleteAppkey', ...at(61), appkeyId: 'ak-1' });
    expect(reasonOf(signed(KEY_1, 1), deleted)).toMatchObject({ reason: 'UNKNOWN_KEY', appkeyId: null });
  });

  it('a key suspended since the start is APPKEY_NOT_ACTIVE', () => {
    const suspended = user(PHONE_DEVICE)
      .followedBy(startAuthentication())
      .followedBy({ type: 'UpdateAppkey', ...at(61), appkeyId: 'ak-1', status: 'SUSPENDED' });
    expect(
      failureOf(suspended.when(completeAuthentication(signed(KEY_1, 1))).decided().events),
    ).toMatchObject({
      reason: 'APPKEY_NOT_ACTIVE',
      appkeyId: 'ak-1',
    });
  });

  it('a transaction sent but not confirmed is TRANSACTION_MISMATCH; confirmed, it succeeds', () => {
    const withTransaction = user(PHONE_DEVICE).followedBy(
      startAuthentication({ transactionContent: 'UGF5IDEwIEVVUg' }),
    );
    expect(
      failureOf(withTransaction.when(completeAuthentication(signed(KEY_1, 1, false))).decided().events)
        .reason,
    ).toBe('TRANSACTION_MISMATCH');
    expect(
      outcome(withTransaction.when(completeAuthentication(signed(KEY_1, 1, true))).decided().events).data,
    ).toMatchObject({
      transactionConfirmed: true,
    });
    // Without a transaction nothing needs confirming.
    const plain = user(PHONE_DEVICE).followedBy(startAuthentication());
    expect(outcome(plain.when(completeAuthentication(signed(KEY_1, 1, false))).decided().events).type).toBe(
      'AppkeyAuthenticationSucceeded',
    );
  });

  it('locks the relying party at maxFailedAttempts until now + lockoutDuration: 423 until then, other relying parties unaffected', () => {
    const twoFailures = user(PHONE_DEVICE, PHONE_OTHER_RP).followedBy(
      ...attempt(1, badSignature),
      ...attempt(2, badSignature),
    );
    expect(twoFailures.state().relyingParties[RP]).toMatchObject({ failedAttempts: 2, lockedUntil: null });
    // A session opened before the lock cannot be completed while it holds.
    const pending = twoFailures.followedBy(startAuthentication({ sessionId: 'auth-pending', ...at(290) }));
    const lockedUntil = iso(305 + 15 * 60);
    expect(failureOf(completing(pending, 3, badSignature).events)).toMatchObject({
      failedAttempts: 3,
      lockedUntil,
    });
    const locked = pending.followedBy(...attempt(3, badSignature));
    expect(locked.state().relyingParties[RP]).toEqual({
      preferredDevices: [],
      failedAttempts: 3,
      lockedUntil,
    });

    const isLocked = rejectedWith('locked', 'APPKEY_LOCKED');
    locked.when(startAuthentication({ sessionId: 'auth-9', ...at(400) })).thenThrows(DomainError, isLocked);
    locked
      .when(completeAuthentication(signed(KEY_1, 1), { sessionId: 'auth-pending', ...at(310) }))
      .thenThrows(DomainError, isLocked);
    locked
      .when(startAuthentication({ sessionId: 'auth-9', ...at(305 + 15 * 60 - 1) }))
      .thenThrows(DomainError, isLocked);
    expect(
      locked.when(startAuthentication({ sessionId: 'auth-9', rpId: OTHER_RP, ...at(400) })).decided().events,
    ).toHaveLength(1);
    const resourceAt = (seconds: number) =>
      toAppkeyResource(locked.state(), locked.state().appkeys['ak-1']!, plus(T0, seconds));
    expect(resourceAt(400).locked).toBe(true);
    expect(toAppkeyResource(locked.state(), locked.state().appkeys['ak-4']!, plus(T0, 400)).locked).toBe(
      false,
    );
    expect(resourceAt(305 + 15 * 60).locked).toBe(false);

    // Once it expires a start is allowed again; a success unlocks, while a failure locks again at once
    // (only a success resets the count: one guess per lockout period after the first lock).
    const succeeded = completing(locked, 20, signed(KEY_1, 1));
    expect(outcome(succeeded.events).type).toBe('AppkeyAuthenticationSucceeded');
    expect(succeeded.state.relyingParties[RP]).toMatchObject({ failedAttempts: 0, lockedUntil: null });
    expect(failureOf(completing(locked, 20, badSignature).events)).toMatchObject({
      failedAttempts: 4,
      lockedUntil: iso(2005 + 15 * 60),
    });
  });

  it('maxFailedAttempts 0 disables the lockout', () => {
    const noLockout: Lockout = { maxFailedAttempts: 0, lockoutDuration: 'PT15M' };
    const failures = user(PHONE_DEVICE).followedBy(
      ...[1, 2, 3, 4, 5].flatMap((n) => attempt(n, badSignature, noLockout)),
    );
    const recorded = failures.events
      .filter((e) => e.type === 'AppkeyAuthenticationFailed')
      .map((e) => e.data);
    expect(recorded.map((d) => [d.failedAttempts, d.lockedUntil])).toEqual([
      [1, null],
      [2, null],
      [3, null],
      [4, null],
      [5, null],
    ]);
    expect(
      failures.when(startAuthentication({ sessionId: 'auth-9', ...at(600) })).decided().events,
    ).toHaveLength(1);
  });
});

describe('pushes', () => {
  it('records the outcomes; a token the provider calls unregistered is dropped, the others kept', () => {
    const started = user(PHONE_DEVICE, TABLET_DEVICE).followedBy(startAuthentication());
    const outcomes: Command<'RecordPushes'>['outcomes'] = [
      { deviceId: 'phone-1', provider: 'APNS', status: 'UNREGISTERED', reason: 'Unregistered' },
      { deviceId: 'tablet-1', provider: 'FCM', status: 'SENT' },
    ];
    const { state } = started
      .when({ type: 'RecordPushes', ...at(61), sessionId: 'auth-1', rpId: RP, outcomes })
      .then([{ type: 'AppkeyPushesSent', data: { sessionId: 'auth-1', rpId: RP, outcomes, at: iso(61) } }]);
    expect(state.devices['phone-1']?.pushToken).toBeNull();
    expect(state.devices['tablet-1']?.pushToken).toBe('fcm-token-tablet');
    expect(state.sessions).toHaveProperty('auth-1');
    expect(pushTargetsOf(state, RP, [KEY_1, KEY_2]).map((t) => t.deviceId)).toEqual(['tablet-1']);

    const delivered = started.state();
    const { events } = started
      .when({ type: 'RecordPushes', ...at(61), sessionId: 'auth-1', rpId: RP, outcomes: [outcomes[1]!] })
      .decided();
    expect(evolveAppkey(delivered, events[0]!)).toBe(delivered);
  });
});

describe('management', () => {
  const keys = () => user(PHONE_DEVICE, TABLET_DEVICE, PHONE_BIOMETRIC, PHONE_OTHER_RP);
  const deregister = (
    types: Command<'DeregisterAppkeys'>['types'],
    over: Partial<Command<'DeregisterAppkeys'>> = {},
  ): AppkeyCommand => ({
    type: 'DeregisterAppkeys',
    ...at(30),
    rpId: RP,
    types,
    ...over,
  });
  const gone = (events: AppkeyEvent[]) =>
    events.map((e) => [
      e.type,
      (e.data as { appkeyId: string; reason?: string }).appkeyId,
      (e.data as { reason?: string }).reason,
    ]);

  it('deregisters the keys of the relying party by type, and of one device when named', () => {
    expect(
      gone(
        keys()
          .when(deregister(['BIOMETRIC']))
          .decided().events,
      ),
    ).toEqual([['AppkeyDeregistered', 'ak-3', 'DEREGISTERED']]);
    expect(
      gone(
        keys()
          .when(deregister(['DEVICE']))
          .decided().events,
      ),
    ).toEqual([
      ['AppkeyDeregistered', 'ak-1', 'DEREGISTERED'],
      ['AppkeyDeregistered', 'ak-2', 'DEREGISTERED'],
    ]);
    expect(
      gone(
        keys()
          .when(deregister(['DEVICE'], { deviceId: 'tablet-1' }))
          .decided().events,
      ),
    ).toEqual([['AppkeyDeregistered', 'ak-2', 'DEREGISTERED']]);
    const { events, state } = keys()
      .when(deregister(['ALL']))
      .decided();
    expect(gone(events)).toEqual([
      ['AppkeyDeregistered', 'ak-1', 'DEREGISTERED'],
      ['AppkeyDeregistered', 'ak-2', 'DEREGISTERED'],
      ['AppkeyDeregistered', 'ak-3', 'DEREGISTERED'],
    ]);
    expect(events[0]!.data).toEqual(phoneKeyGone('DEREGISTERED', 30));
    expect(Object.keys(state.appkeys)).toEqual(['ak-4']);
    // A device left without any key is forgotten, with its push token; one still holding a key stays.
    expect(Object.keys(state.devices)).toEqual(['phone-1']);
    expect(keyIdKeysOf(state)).toEqual([keyIdKey(STORE, OTHER_RP, KEY_4)]);
  });

  it('deregisters nothing when no key matches', () => {
    keys()
      .when(deregister(['ALL'], { deviceId: 'laptop-1' }))
      .thenNothingHappened();
    keys()
      .when(deregister(['BIOMETRIC'], { rpId: OTHER_RP }))
      .thenNothingHappened();
    keys()
      .when(deregister(['ALL'], { rpId: 'third.example' }))
      .thenNothingHappened();
  });

  it('sets the preferred devices of a relying party (ordered); setting the same list is a no-op', () => {
    const set = (deviceIds: string[], rpId = RP): AppkeyCommand => ({
      type: 'SetPreferredDevices',
      ...at(30),
      rpId,
      deviceIds,
    });
    const { state } = keys()
      .when(set(['tablet-1', 'phone-1']))
      .then([
        {
          type: 'AppkeyPreferredDevicesSet',
          data: { rpId: RP, deviceIds: ['tablet-1', 'phone-1'], at: iso(30) },
        },
      ]);
    expect(state.relyingParties[RP]?.preferredDevices).toEqual(['tablet-1', 'phone-1']);
    expect(state.relyingParties[OTHER_RP]).toBeUndefined();
    const preferred = given([
      ...keys().events,
      ...keys()
        .when(set(['tablet-1', 'phone-1']))
        .decided().events,
    ]);
    preferred.when(set(['tablet-1', 'phone-1'])).thenNothingHappened();
    expect(outcome(preferred.when(set(['phone-1', 'tablet-1'])).decided().events).data).toMatchObject({
      deviceIds: ['phone-1', 'tablet-1'],
    });
    expect(outcome(preferred.when(set([])).decided().events).data).toMatchObject({ deviceIds: [] });
    keys().when(set([])).thenNothingHappened();
  });

  it('refuses a preferred device that holds no key of the relying party (400 naming each bad entry)', () => {
    const error = keys()
      .when({
        type: 'SetPreferredDevices',
        ...at(30),
        rpId: OTHER_RP,
        deviceIds: ['phone-1', 'tablet-1', 'laptop-1'],
      })
      .thenThrows(DomainError, rejectedWith('validation', 'UNKNOWN_DEVICE'));
    expect(error.errors?.map((e) => e.path)).toEqual(['body.deviceIds.1', 'body.deviceIds.2']);
    expect(error.errors?.[0]?.message).toContain('tablet-1');
  });

  it('removes one preferred device; one that is not preferred is 404', () => {
    const preferred = keys().followedBy({
      type: 'SetPreferredDevices',
      ...at(30),
      rpId: RP,
      deviceIds: ['phone-1', 'tablet-1'],
    });
    preferred
      .when({ type: 'RemovePreferredDevice', ...at(31), rpId: RP, deviceId: 'phone-1' })
      .then([
        { type: 'AppkeyPreferredDevicesSet', data: { rpId: RP, deviceIds: ['tablet-1'], at: iso(31) } },
      ]);
    preferred
      .when({ type: 'RemovePreferredDevice', ...at(31), rpId: OTHER_RP, deviceId: 'phone-1' })
      .thenThrows(DomainError, rejectedWith('not-found', 'PREFERRED_DEVICE_NOT_FOUND'));
    preferred
      .when({ type: 'RemovePreferredDevice', ...at(31), rpId: RP, deviceId: 'laptop-1' })
      .thenThrows(DomainError, rejectedWith('not-found', 'PREFERRED_DEVICE_NOT_FOUND'));
  });

  it('a device stops being preferred when its last key of the relying party goes', () => {
    const preferred = keys().followedBy({
      type: 'SetPreferredDevices',
      ...at(30),
      rpId: RP,
      deviceIds: ['phone-1', 'tablet-1'],
    });
    const oneLeft = preferred.followedBy({ type: 'DeleteAppkey', ...at(31), appkeyId: 'ak-1' });
    expect(oneLeft.state().relyingParties[RP]?.preferredDevices).toEqual(['phone-1', 'tablet-1']);
    const noneLeft = oneLeft.followedBy({ type: 'DeleteAppkey', ...at(32), appkeyId: 'ak-3' });
    expect(noneLeft.state().relyingParties[RP]?.preferredDevices).toEqual(['tablet-1']);
    // It still holds a key of the other relying party: known, with its push token.
    expect(noneLeft.state().devices['phone-1']?.pushToken).toBe('apns-token-phone');
  });

  it('deletes a key by its key id within the relying party; none is 404', () => {
    const { state } = keys()
      .when({ type: 'DeleteAppkeyByKeyId', ...at(30), rpId: RP, keyId: KEY_2 })
      .then([
        {
          type: 'AppkeyDeregistered',
          data: {
            appkeyId: 'ak-2',
            rpId: RP,
            keyId: KEY_2,
            deviceId: 'tablet-1',
            reason: 'KEY_ID_DELETED',
            at: iso(30),
          },
        },
      ]);
    expect(state.appkeys).not.toHaveProperty('ak-2');
    expect(state.devices).not.toHaveProperty('tablet-1');
    keys()
      .when({ type: 'DeleteAppkeyByKeyId', ...at(30), rpId: RP, keyId: KEY_4 })
      .thenThrows(DomainError, rejectedWith('not-found', 'APPKEY_NOT_FOUND'));
    keys()
      .when({ type: 'DeleteAppkeyByKeyId', ...at(30), rpId: RP, keyId: 'dW5rbm93bg' })
      .thenThrows(DomainError, rejectedWith('not-found', 'APPKEY_NOT_FOUND'));
  });

  it('updates status and name; setting what is there is a no-op; REVOKED is final', () => {
    const phone = user(PHONE_DEVICE);
    phone
      .when({ type: 'UpdateAppkey', ...at(30), appkeyId: 'ak-1', status: 'ACTIVE', name: 'My phone' })
      .thenNothingHappened();
    phone.when({ type: 'UpdateAppkey', ...at(30), appkeyId: 'ak-1' }).thenNothingHappened();
    const { state } = phone
      .when({ type: 'UpdateAppkey', ...at(30), appkeyId: 'ak-1', status: 'SUSPENDED', name: null })
      .then([
        { type: 'AppkeyStatusChanged', data: { appkeyId: 'ak-1', status: 'SUSPENDED', at: iso(30) } },
        { type: 'AppkeyRenamed', data: { appkeyId: 'ak-1', name: null, at: iso(30) } },
      ]);
    expect(state.appkeys['ak-1']).toMatchObject({ status: 'SUSPENDED', name: null });
    const revoked = phone.followedBy({
      type: 'UpdateAppkey',
      ...at(30),
      appkeyId: 'ak-1',
      status: 'REVOKED',
    });
    revoked
      .when({ type: 'UpdateAppkey', ...at(31), appkeyId: 'ak-1', name: 'x' })
      .thenThrows(DomainError, rejectedWith('conflict', 'APPKEY_REVOKED'));
    revoked
      .when({ type: 'UpdateAppkey', ...at(31), appkeyId: 'ak-1', status: 'REVOKED' })
      .thenThrows(DomainError, rejectedWith('conflict', 'APPKEY_REVOKED'));
    phone
      .when({ type: 'UpdateAppkey', ...at(30), appkeyId: 'nope', name: 'x' })
      .thenThrows(DomainError, rejectedWith('not-found', 'APPKEY_NOT_FOUND'));
  });

  it('deletes an appkey by id, which releases its key id', () => {
    const deleted = user(PHONE_DEVICE)
      .when({ type: 'DeleteAppkey', ...at(30), appkeyId: 'ak-1' })
      .then([
        {
          type: 'AppkeyDeregistered',
          data: phoneKeyGone('DELETED', 30),
        },
      ]);
    expect([deleted.state.appkeys, deleted.state.devices]).toEqual([{}, {}]);
    expect(keyIdKeysOf(deleted.state)).toEqual([]);
    deleted
      .when({ type: 'DeleteAppkey', ...at(31), appkeyId: 'ak-1' })
      .thenThrows(DomainError, rejectedWith('not-found', 'APPKEY_NOT_FOUND'));
  });

  it('ignores unknown event types and events of appkeys already removed', () => {
    const state = user(PHONE_DEVICE).state();
    expect(evolveAppkey(state, { type: 'SomethingNew', data: {} } as unknown as AppkeyEvent)).toBe(state);
    const removed = user(PHONE_DEVICE).followedBy({ type: 'DeleteAppkey', ...at(30), appkeyId: 'ak-1' });
    const late: AppkeyEvent[] = [
      { type: 'AppkeyRenamed', data: { appkeyId: 'ak-1', name: 'x', at: iso(31) } },
      { type: 'AppkeyStatusChanged', data: { appkeyId: 'ak-1', status: 'SUSPENDED', at: iso(31) } },
      {
        type: 'AppkeyDeregistered',
        data: phoneKeyGone('DELETED', 31),
      },
    ];
    expect(given([...removed.events, ...late]).state()).toEqual(removed.state());
  });
});

describe('session expiry', () => {
  it('the sweeper closes the sessions expired at its time, oldest first; none expired, nothing', () => {
    const open = user(PHONE_DEVICE).followedBy(
      startAuthentication({ sessionId: 'auth-b', ...at(60), timeoutMs: 60_000 }),
      startRegistration({ sessionId: 'reg-a', ...at(50), timeoutMs: 60_000 }),
      startRegistration({ sessionId: 'reg-late', ...at(70) }),
    );
    expect(expireAppkeySessions(open.state(), plus(T0, 109))).toEqual([]);
    const events = expireAppkeySessions(open.state(), plus(T0, 120));
    expect(events).toEqual([
      {
        type: 'AppkeySessionsExpired',
        data: {
          reason: 'EXPIRED',
          sessions: [
            {
              sessionId: 'reg-a',
              kind: 'REGISTRATION',
              rpId: RP,
              policyName: 'default',
              expiresDtm: iso(110),
            },
            {
              sessionId: 'auth-b',
              kind: 'AUTHENTICATION',
              rpId: RP,
              policyName: 'login',
              expiresDtm: iso(120),
            },
          ],
          at: iso(120),
        },
      },
    ]);
    expect(Object.keys(given([...open.events, ...events]).state().sessions)).toEqual(['reg-late']);
  });
});

describe('integration events', () => {
  const PRIVATE = [
    'sessionId',
    'storeId',
    'challenge',
    'publicKey',
    'pushToken',
    'allowedKeyIds',
    'transactionContent',
  ];
  /** Every key at any depth of a value. */
  const keysOf = (value: unknown): string[] =>
    Array.isArray(value)
      ? value.flatMap(keysOf)
      : value !== null && typeof value === 'object'
        ? Object.entries(value).flatMap(([key, inner]) => [key, ...keysOf(inner)])
        : [];

  /** A history with every stored event type. */
  const history = (): AppkeyEvent[] => {
    const lived = user(PHONE_DEVICE, TABLET_DEVICE).followedBy(
      startRegistration({ sessionId: 'reg-x', ...at(10) }),
      completeRegistration({
        sessionId: 'reg-x',
        ...at(11),
        verdict: { ok: false, reason: 'FACET_NOT_TRUSTED' },
      }),
      startAuthentication({ transactionContent: 'UGF5IDEwIEVVUg' }),
      {
        type: 'RecordPushes',
        ...at(61),
        sessionId: 'auth-1',
        rpId: RP,
        outcomes: [{ deviceId: 'phone-1', provider: 'APNS', status: 'SENT' }],
      },
      completeAuthentication(signed(KEY_1, 1, true)),
      ...attempt(2, badSignature),
      { type: 'UpdateAppkey', ...at(300), appkeyId: 'ak-1', status: 'SUSPENDED', name: 'Old phone' },
      { type: 'SetPreferredDevices', ...at(301), rpId: RP, deviceIds: ['tablet-1'] },
      { type: 'DeleteAppkey', ...at(302), appkeyId: 'ak-1' },
      startRegistration({ sessionId: 'reg-y', ...at(303) }),
    );
    return [...lived.events, ...expireAppkeySessions(lived.state(), plus(T0, 1000))];
  };

  it('never carry session ids, challenges, public keys, push tokens, allowed key ids or transaction content', () => {
    const events = history();
    expect(new Set(events.map((e) => e.type))).toEqual(new Set(Object.keys(appkeyEvents)));
    for (const event of events) {
      const published = toAppkeyIntegrationEvent(event);
      expect(published).toMatchObject({ type: event.type, version: 1 });
      expect(keysOf(published.data).filter((key) => PRIVATE.includes(key))).toEqual([]);
      const schema = appkeyIntegrationEvents[event.type].schema;
      expect(schema.parse(published.data)).toEqual(published.data);
      // Private stored fields are also absent from the JSON text (e.g. a push token as a value).
      expect(JSON.stringify(published.data)).not.toMatch(
        /apns-token|fcm-token|MFkwEwYH|YSBmcmVzaCBh|UGF5IDEwIEVVUg/,
      );
    }
  });

  it('publish what the integration schemas declare', () => {
    const events = history();
    const of = (type: AppkeyEvent['type']) =>
      toAppkeyIntegrationEvent(events.find((e) => e.type === type)!).data;
    expect(of('AppkeyRegistrationCompleted')).toEqual(publishedRegistration(iso(1)));
    expect(of('AppkeyAuthenticationStarted')).toEqual({
      rpId: RP,
      policyName: 'login',
      transaction: true,
      expiresDtm: iso(180),
      at: iso(60),
    });
    expect(of('AppkeySessionsExpired')).toEqual({
      reason: 'EXPIRED',
      sessions: [{ kind: 'REGISTRATION', rpId: RP, policyName: 'default', expiresDtm: iso(603) }],
      at: iso(1000),
    });
  });
});

describe('views', () => {
  it('an appkey resource never carries the public key or the push token; it says preferred, push and lock', () => {
    const keys = user(PHONE_DEVICE, LAPTOP_DEVICE, PHONE_OTHER_RP).followedBy({
      type: 'SetPreferredDevices',
      ...at(30),
      rpId: RP,
      deviceIds: ['laptop-1'],
    });
    const resources = listAppkeyResources(keys.state(), plus(T0, 40));
    expect(resources.map((r) => r.id)).toEqual(['ak-1', 'ak-4', 'ak-5']);
    expect(resources[0]).toEqual({
      id: 'ak-1',
      rpId: RP,
      keyId: KEY_1,
      aaid: AAID,
      keyType: 'DEVICE',
      name: 'My phone',
      status: 'ACTIVE',
      policyName: 'default',
      device: { deviceId: 'phone-1', name: 'Phone', platform: 'IOS', pushEnabled: true, preferred: false },
      attestationType: 'BASIC_SURROGATE',
      signCounter: 0,
      locked: false,
      createdDtm: iso(1),
      lastUsedDtm: null,
    });
    expect(resources.find((r) => r.id === 'ak-5')?.device).toEqual({
      deviceId: 'laptop-1',
      name: null,
      platform: 'WEB',
      pushEnabled: false,
      preferred: true,
    });
    // Preferred is per relying party: the phone is not preferred for the other one either.
    expect(resources.find((r) => r.id === 'ak-4')?.device.preferred).toBe(false);
    for (const resource of resources) {
      expect(appkeyResourceSchema.strict().safeParse(resource).success).toBe(true);
      expect(JSON.stringify(resource)).not.toMatch(/apns-token|MFkwEwYH/);
    }
  });

  describe('push targets', () => {
    const everyKey = [KEY_1, KEY_2, 'a2V5LWlkLTU'];
    const holders = () => user(PHONE_DEVICE, TABLET_DEVICE, LAPTOP_DEVICE, PHONE_OTHER_RP);
    const preferring = (deviceIds: string[]): AppkeyUserState =>
      holders()
        .followedBy({ type: 'SetPreferredDevices', ...at(30), rpId: RP, deviceIds })
        .state();

    it('are every holder of an allowed key with a push token when none is preferred', () => {
      expect(pushTargetsOf(holders().state(), RP, everyKey)).toEqual([
        { deviceId: 'phone-1', platform: 'IOS', pushToken: 'apns-token-phone' },
        { deviceId: 'tablet-1', platform: 'ANDROID', pushToken: 'fcm-token-tablet' },
      ]);
      expect(pushTargetsOf(holders().state(), RP, [KEY_2]).map((t) => t.deviceId)).toEqual(['tablet-1']);
      expect(pushTargetsOf(holders().state(), OTHER_RP, [KEY_4]).map((t) => t.deviceId)).toEqual(['phone-1']);
    });

    it('are the preferred holders in their order, without those that have no push token', () => {
      expect(pushTargetsOf(preferring(['tablet-1', 'phone-1']), RP, everyKey).map((t) => t.deviceId)).toEqual(
        ['tablet-1', 'phone-1'],
      );
      expect(
        pushTargetsOf(preferring(['laptop-1', 'tablet-1']), RP, everyKey).map((t) => t.deviceId),
      ).toEqual(['tablet-1']);
      expect(pushTargetsOf(preferring(['laptop-1']), RP, everyKey)).toEqual([]);
    });

    it('fall back to every holder when no preferred device holds an allowed key', () => {
      expect(pushTargetsOf(preferring(['tablet-1']), RP, [KEY_1]).map((t) => t.deviceId)).toEqual([
        'phone-1',
      ]);
    });
  });
});
