import {
  AppkeyAuthenticationFailed,
  AppkeyAuthenticationStarted,
  AppkeyAuthenticationSucceeded,
  type AppkeyEvent,
  AppkeyPreferredDevicesSet,
  AppkeyRegistrationCompleted,
  AppkeyRegistrationStarted,
  type AppkeyUserState,
  evolveAppkey,
  initialAppkeyUserState,
} from './appkey';
import { appkeySnapshot } from './appkey-snapshot';

const RP = 'example.com';
const CHALLENGE = 'YSBmcmVzaCBhcHBrZXkgY2VyZW1vbnkgY2hhbGxlbmdlIQ';

const completed = (
  appkeyId: string,
  keyId: string,
  device: { deviceId: string; platform: 'IOS' | 'WEB' },
  pushToken: string | null,
) =>
  AppkeyRegistrationCompleted.create({
    sessionId: `reg-${appkeyId}`,
    storeId: 'store-1',
    appkeyId,
    rpId: RP,
    policyName: 'default',
    keyType: device.platform === 'IOS' ? 'BIOMETRIC' : 'DEVICE',
    keyId,
    aaid: '4e4e#4005',
    publicKey: 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE',
    signAlgorithm: 1,
    signCounter: 3,
    authenticatorVersion: 1,
    attestationType: pushToken ? 'BASIC_SURROGATE' : 'BASIC_FULL',
    attestationCertificate: null,
    facetId: 'https://example.com',
    device: { ...device, name: null },
    pushToken,
    name: null,
    hints: [],
    createdDtm: '2026-05-07T09:00:00.000Z',
  });

const assertion = {
  authenticationId: 'a-1',
  rpId: RP,
  policyName: 'login',
  keyId: 'a2V5LTE',
  deviceId: 'phone-1',
};

/** A state with every part filled: appkeys, devices with and without a push token, a locked relying party, open sessions of both kinds. */
const history: AppkeyEvent[] = [
  completed('ak-1', 'a2V5LTE', { deviceId: 'phone-1', platform: 'IOS' }, 'apns-token'),
  completed('ak-2', 'a2V5LTI', { deviceId: 'laptop-1', platform: 'WEB' }, null),
  AppkeyPreferredDevicesSet.create({
    rpId: RP,
    deviceIds: ['laptop-1', 'phone-1'],
    at: '2026-05-07T09:10:00.000Z',
  }),
  AppkeyAuthenticationSucceeded.create({
    ...assertion,
    sessionId: 'auth-0',
    appkeyId: 'ak-1',
    aaid: '4e4e#4005',
    transactionConfirmed: false,
    signCounter: 4,
    previousSignCounter: 3,
    at: '2026-05-07T09:20:00.000Z',
  }),
  AppkeyAuthenticationFailed.create({
    ...assertion,
    sessionId: 'auth-1',
    appkeyId: 'ak-1',
    reason: 'SIGNATURE_INVALID',
    counterRegression: false,
    failedAttempts: 3,
    lockedUntil: '2026-05-07T09:45:00.000Z',
    at: '2026-05-07T09:30:00.000Z',
  }),
  AppkeyRegistrationStarted.create({
    sessionId: 'reg-open',
    storeId: 'store-1',
    rpId: RP,
    policyName: 'default',
    challenge: CHALLENGE,
    hints: ['client-device'],
    expiresDtm: '2026-05-07T10:05:00.000Z',
    at: '2026-05-07T10:00:00.000Z',
  }),
  AppkeyAuthenticationStarted.create({
    sessionId: 'auth-open',
    storeId: 'store-1',
    rpId: RP,
    policyName: 'login',
    challenge: CHALLENGE,
    hints: [],
    allowedKeyIds: ['a2V5LTE', 'a2V5LTI'],
    transaction: true,
    transactionContent: 'UGF5IDEwIEVVUg',
    expiresDtm: '2026-05-07T10:06:00.000Z',
    at: '2026-05-07T10:01:00.000Z',
  }),
];

const folded = (): AppkeyUserState => history.reduce(evolveAppkey, initialAppkeyUserState());
/** As the event store keeps it: JSON. */
const stored = (state: unknown) => JSON.parse(JSON.stringify(state)) as Record<string, unknown>;

describe('appkey snapshots', () => {
  it('a folded state round-trips through its stored form', () => {
    const state = folded();
    expect(Object.keys(state.appkeys)).toHaveLength(2);
    expect(state.devices['laptop-1']?.pushToken).toBeNull();
    expect(state.relyingParties[RP]).toEqual({
      preferredDevices: ['laptop-1', 'phone-1'],
      failedAttempts: 3,
      lockedUntil: '2026-05-07T09:45:00.000Z',
    });
    expect(Object.values(state.sessions).map((s) => s.kind)).toEqual(['REGISTRATION', 'AUTHENTICATION']);
    expect(appkeySnapshot.parse(stored(state))).toEqual(state);
    expect(appkeySnapshot.version).toBe(1);
  });

  it('refuses a stored state that does not fit (the load then folds the stream instead)', () => {
    const state = stored(folded());
    const broken = (change: (copy: Record<string, Record<string, Record<string, unknown>>>) => void) => {
      const copy = structuredClone(state) as Record<string, Record<string, Record<string, unknown>>>;
      change(copy);
      return () => appkeySnapshot.parse(copy);
    };
    expect(broken((s) => (s['sessions']!['reg-open']!['kind'] = 'RENEWAL'))).toThrow();
    expect(broken((s) => (s['devices']!['other'] = s['devices']!['phone-1']!))).toThrow();
    expect(broken((s) => (s['appkeys']!['ak-1']!['signCounter'] = -1))).toThrow();
    expect(broken((s) => delete s['relyingParties']![RP]!['lockedUntil'])).toThrow();
    expect(broken(() => undefined)).not.toThrow();
  });
});
