import {
  type AppkeyIntegrationEvent,
  appkeyIntegrationEvents,
  authenticationAuditSchema,
  emptySummaryInfo,
  registrationAuditSchema,
} from '@identity-store/contracts';
import { appkeySummary } from './appkey-summary';
import { applyToSummary, authenticationAuditOf, registrationAuditOf } from './summary-projections';
import { type HeldEvent, publisherOf } from './testing/published-events';

/** The appkey cases of the projections, fed with published (integration) events. */

/** An event as the appkey service holds it: its integration form is what the schema declares (no session ids, challenges, keys or push tokens). */
type AppkeyEvent = HeldEvent<AppkeyIntegrationEvent['type']>;

const USER = 'user-1';
const published = publisherOf(appkeyIntegrationEvents, 'appkey', USER);

const RP = 'example.com';
const KEY_ID = 'a2V5LWlkLTE';
const device = { deviceId: 'phone-1', name: 'Phone', platform: 'IOS' };
const appkeyInfo = { id: 'ak-1', rpId: RP, keyId: KEY_ID, deviceId: 'phone-1' };
const certificate = {
  subject: 'CN=Authenticator',
  issuer: 'CN=Vendor CA',
  serialNumber: '01',
  fingerprint256: 'AB:CD',
};

const registered: AppkeyEvent = {
  type: 'AppkeyRegistrationCompleted',
  data: {
    sessionId: 's0',
    storeId: 'store-1',
    appkeyId: 'ak-1',
    rpId: RP,
    policyName: 'default',
    keyType: 'BIOMETRIC',
    keyId: KEY_ID,
    aaid: '4e4e#4005',
    publicKey: 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE',
    signAlgorithm: 2,
    signCounter: 0,
    authenticatorVersion: 1,
    attestationType: 'BASIC_FULL',
    attestationCertificate: certificate,
    facetId: 'ios:bundle-id:com.example.app',
    device,
    pushToken: 'apns-token-phone',
    name: 'My phone',
    hints: ['client-device'],
    createdDtm: '2026-05-07T09:00:00.000Z',
    context: { ip: '192.0.2.1' },
  },
};
const asserted = {
  sessionId: 's1',
  authenticationId: 'auth-1',
  rpId: RP,
  policyName: 'login',
  at: '2026-05-07T10:00:00.000Z',
};
const succeeded: AppkeyEvent = {
  type: 'AppkeyAuthenticationSucceeded',
  data: {
    ...asserted,
    appkeyId: 'ak-1',
    keyId: KEY_ID,
    deviceId: 'phone-1',
    aaid: '4e4e#4005',
    transactionConfirmed: true,
    signCounter: 7,
    previousSignCounter: 6,
    context: { ip: '192.0.2.9' },
  },
};
const failedOnKey = (over: Record<string, unknown> = {}): AppkeyEvent => ({
  type: 'AppkeyAuthenticationFailed',
  data: {
    ...asserted,
    authenticationId: 'auth-2',
    at: '2026-05-07T10:01:00.000Z',
    appkeyId: 'ak-1',
    keyId: KEY_ID,
    deviceId: 'phone-1',
    reason: 'COUNTER_REGRESSION',
    counterRegression: true,
    failedAttempts: 2,
    lockedUntil: null,
    ...over,
  },
});
const unknownKey: AppkeyEvent = failedOnKey({
  authenticationId: 'auth-3',
  appkeyId: null,
  keyId: 'dW5rbm93bg',
  deviceId: null,
  reason: 'UNKNOWN_KEY',
  counterRegression: false,
  failedAttempts: 3,
  lockedUntil: '2026-05-07T10:16:00.000Z',
});

const summaryAfter = (events: AppkeyEvent[]) =>
  events.map((e) => published(e)).reduce(applyToSummary, emptySummaryInfo());

describe('summaryInfo.appkeys', () => {
  it('lists a registered appkey with its relying party, device and key type', () => {
    expect(summaryAfter([registered]).appkeys).toEqual({
      count: 1,
      items: [
        {
          id: 'ak-1',
          status: 'ACTIVE',
          policyName: 'default',
          rpId: RP,
          deviceId: 'phone-1',
          type: 'BIOMETRIC',
          createdDtm: '2026-05-07T09:00:00.000Z',
          lastUsedDtm: null,
        },
      ],
    });
  });

  it('a success sets lastUsedDtm and lastAuthentication; a failure only lastAuthentication', () => {
    const afterSuccess = summaryAfter([registered, succeeded]);
    expect(afterSuccess.appkeys.items[0]?.lastUsedDtm).toBe('2026-05-07T10:00:00.000Z');
    expect(afterSuccess.lastAuthentication).toEqual({
      type: 'Appkey',
      result: 'SUCCESS',
      dtm: '2026-05-07T10:00:00.000Z',
    });
    const afterFailure = summaryAfter([registered, succeeded, failedOnKey()]);
    expect(afterFailure.appkeys.items[0]?.lastUsedDtm).toBe('2026-05-07T10:00:00.000Z');
    expect(afterFailure.lastAuthentication).toEqual({
      type: 'Appkey',
      result: 'FAILURE',
      dtm: '2026-05-07T10:01:00.000Z',
    });
  });

  it('follows status changes and removal; renames, ceremony sessions and other groups leave it alone', () => {
    const suspended = summaryAfter([
      {
        type: 'AppkeyRegistrationStarted',
        data: {
          rpId: RP,
          policyName: 'default',
          expiresDtm: '2026-05-07T09:05:00.000Z',
          at: '2026-05-07T08:59:00.000Z',
        },
      },
      registered,
      {
        type: 'AppkeyStatusChanged',
        data: { appkeyId: 'ak-1', status: 'SUSPENDED', at: '2026-05-08T00:00:00.000Z' },
      },
      {
        type: 'AppkeyRenamed',
        data: { appkeyId: 'ak-1', name: 'Old phone', at: '2026-05-08T00:00:00.000Z' },
      },
    ]);
    expect(suspended.appkeys.items).toEqual([expect.objectContaining({ id: 'ak-1', status: 'SUSPENDED' })]);
    expect(suspended.passkeys).toEqual({ count: 0, items: [] });
    expect(suspended.totps).toEqual({ count: 0, items: [] });
    expect(suspended.lastAuthentication).toBeNull();
    const removed = applyToSummary(
      suspended,
      published({
        type: 'AppkeyDeregistered',
        data: {
          appkeyId: 'ak-1',
          rpId: RP,
          keyId: KEY_ID,
          deviceId: 'phone-1',
          reason: 'REPLACED',
          at: '2026-05-09T00:00:00.000Z',
        },
      }),
    );
    expect(removed.appkeys).toEqual({ count: 0, items: [] });
  });

  it('ignores event types and versions it does not know', () => {
    const summary = summaryAfter([registered]);
    expect(applyToSummary(summary, { ...published(registered), type: 'AppkeyTeleported' })).toEqual(summary);
    expect(appkeySummary.handle(summary, { ...published(succeeded), version: 2 })).toBe(summary);
    expect(authenticationAuditOf({ ...published(succeeded), type: 'AppkeyTeleported' })).toBeNull();
  });
});

describe('appkey audits', () => {
  it('records a success with appkeyInfo and appkeyAuditInfo', () => {
    const audit = authenticationAuditOf(published(succeeded));
    expect(audit).toEqual({
      id: 'auth-1',
      userId: USER,
      type: 'Appkey',
      result: 'SUCCESS',
      createdDtm: '2026-05-07T10:00:00.000Z',
      context: { ip: '192.0.2.9' },
      credentialId: 'ak-1',
      policyName: 'login',
      appkeyInfo,
      appkeyAuditInfo: {
        rpId: RP,
        policyName: 'login',
        keyId: KEY_ID,
        aaid: '4e4e#4005',
        deviceId: 'phone-1',
        transactionConfirmed: true,
        signCounter: 7,
        previousSignCounter: 6,
        counterRegression: false,
        failedAttempts: 0,
        locked: false,
      },
    });
    expect(authenticationAuditSchema.strict().parse(audit)).toEqual(audit);
  });

  it('records a failure on a known key with its appkey, the reason and the count', () => {
    const audit = authenticationAuditOf(published(failedOnKey()));
    expect(audit).toEqual({
      id: 'auth-2',
      userId: USER,
      type: 'Appkey',
      result: 'FAILURE',
      reason: 'COUNTER_REGRESSION',
      createdDtm: '2026-05-07T10:01:00.000Z',
      context: {},
      credentialId: 'ak-1',
      policyName: 'login',
      appkeyInfo,
      appkeyAuditInfo: {
        rpId: RP,
        policyName: 'login',
        keyId: KEY_ID,
        aaid: null,
        deviceId: 'phone-1',
        transactionConfirmed: false,
        signCounter: null,
        previousSignCounter: null,
        counterRegression: true,
        failedAttempts: 2,
        locked: false,
      },
    });
    expect(authenticationAuditSchema.strict().parse(audit)).toEqual(audit);
  });

  it('a failure naming no appkey has no appkeyInfo; the one that locks says so; without a user there is no audit', () => {
    const audit = authenticationAuditOf(published(unknownKey));
    expect(audit).not.toHaveProperty('appkeyInfo');
    expect(audit).not.toHaveProperty('credentialId');
    expect(audit).toMatchObject({ type: 'Appkey', result: 'FAILURE', reason: 'UNKNOWN_KEY' });
    expect(audit?.appkeyAuditInfo).toMatchObject({
      keyId: 'dW5rbm93bg',
      deviceId: null,
      failedAttempts: 3,
      locked: true,
    });
    expect(authenticationAuditSchema.parse(audit)).toEqual(audit);
    expect(authenticationAuditOf(published(unknownKey, null))).toBeNull();
  });

  it('records a registration audit from a completed registration: device, facet, attestation, hints, context', () => {
    const audit = registrationAuditOf(published(registered));
    expect(audit).toEqual({
      id: 'ak-1',
      userId: USER,
      type: 'Appkey',
      result: 'SUCCESS',
      createdDtm: '2026-05-07T09:00:00.000Z',
      context: { ip: '192.0.2.1' },
      credentialId: 'ak-1',
      policyName: 'default',
      hints: ['client-device'],
      appkeyInfo,
      appkeyRegistrationAuditInfo: {
        rpId: RP,
        policyName: 'default',
        keyId: KEY_ID,
        aaid: '4e4e#4005',
        keyType: 'BIOMETRIC',
        attestationType: 'BASIC_FULL',
        attestationCertificate: certificate,
        facetId: 'ios:bundle-id:com.example.app',
        authenticatorVersion: 1,
        device,
        hints: ['client-device'],
      },
    });
    expect(registrationAuditSchema.strict().parse(audit)).toEqual(audit);
    // The published registration carries no public key or push token, so neither can an audit.
    expect(JSON.stringify(audit)).not.toMatch(/MFkwEwYH|apns-token/);
    expect(registrationAuditOf(published(registered, null))).toBeNull();
    expect(registrationAuditOf(published(succeeded))).toBeNull();
    expect(authenticationAuditOf(published(registered))).toBeNull();
  });
});
