import {
  authenticationAuditSchema,
  emptySummaryInfo,
  type PasskeyIntegrationEvent,
  passkeyIntegrationEvents,
  registrationAuditSchema,
} from '@identity-store/contracts';
import { applyToSummary, authenticationAuditOf, registrationAuditOf } from './summary-projections';
import { type HeldEvent, publisherOf } from './testing/published-events';

/** The passkey cases of the projections, fed with published (integration) events. */

/** An event as the passkey service holds it: its integration form is what the schema declares (no session ids, challenges or keys). */
type PasskeyEvent = HeldEvent<PasskeyIntegrationEvent['type']>;

const USER = 'user-1';
/** userId null: a usernameless session's event before a user is known. */
const published = publisherOf(passkeyIntegrationEvents, 'passkey', USER);

const CREDENTIAL = 'Y3JlZGVudGlhbC0x';
const registered: PasskeyEvent = {
  type: 'PasskeyRegistrationCompleted',
  data: {
    sessionId: 's0',
    storeId: 'store-1',
    passkeyId: 'pk-1',
    rpId: 'example.com',
    policyName: 'default',
    credentialId: CREDENTIAL,
    publicKey: 'cHVibGljLWtleQ',
    name: 'Phone',
    aaguid: '00000000-0000-0000-0000-000000000000',
    attestationFormat: 'none',
    transports: ['internal', 'hybrid'],
    hints: ['client-device'],
    userVerified: true,
    backupEligible: true,
    backedUp: true,
    deviceType: 'multiDevice',
    authenticatorAttachment: 'platform',
    origin: 'https://example.com',
    signCount: 0,
    createdDtm: '2026-05-07T09:00:00.000Z',
    context: { ip: '192.0.2.1' },
  },
};
const checked = {
  sessionId: 's1',
  authenticationId: 'auth-1',
  rpId: 'example.com',
  policyName: 'default',
  usernameless: false,
  hints: ['client-device' as const],
  at: '2026-05-07T10:00:00.000Z',
};
const succeeded: PasskeyEvent = {
  type: 'PasskeyAuthenticationSucceeded',
  data: {
    ...checked,
    passkeyId: 'pk-1',
    credentialId: CREDENTIAL,
    name: 'Phone',
    status: 'ACTIVE',
    userVerified: true,
    backedUp: true,
    signCount: 7,
    previousSignCount: 6,
    origin: 'https://example.com',
    context: { ip: '192.0.2.9' },
  },
};
const regressed: PasskeyEvent = {
  type: 'PasskeyAuthenticationFailed',
  data: {
    ...checked,
    authenticationId: 'auth-2',
    at: '2026-05-07T10:01:00.000Z',
    passkeyId: 'pk-1',
    credentialId: CREDENTIAL,
    name: 'Phone',
    status: 'ACTIVE',
    reason: 'COUNTER_REGRESSION',
    counterRegression: true,
    userVerified: true,
    signCount: 3,
    previousSignCount: 7,
  },
};
const unknownCredential: PasskeyEvent = {
  type: 'PasskeyAuthenticationFailed',
  data: {
    ...checked,
    authenticationId: 'auth-3',
    usernameless: true,
    passkeyId: null,
    credentialId: 'b3RoZXI',
    name: null,
    status: null,
    reason: 'UNKNOWN_CREDENTIAL',
    counterRegression: false,
    userVerified: null,
    signCount: null,
    previousSignCount: null,
  },
};

const summaryAfter = (events: PasskeyEvent[]) =>
  events.map((e) => published(e)).reduce(applyToSummary, emptySummaryInfo());

describe('summaryInfo.passkeys', () => {
  it('lists a registered passkey with its policy, relying party and device type', () => {
    expect(summaryAfter([registered]).passkeys).toEqual({
      count: 1,
      items: [
        {
          id: 'pk-1',
          status: 'ACTIVE',
          policyName: 'default',
          rpId: 'example.com',
          type: 'multiDevice',
          createdDtm: '2026-05-07T09:00:00.000Z',
          lastUsedDtm: null,
        },
      ],
    });
  });

  it('a success sets lastUsedDtm and lastAuthentication; a failure only lastAuthentication', () => {
    const afterSuccess = summaryAfter([registered, succeeded]);
    expect(afterSuccess.passkeys.items[0]?.lastUsedDtm).toBe('2026-05-07T10:00:00.000Z');
    expect(afterSuccess.lastAuthentication).toEqual({
      type: 'Passkey',
      result: 'SUCCESS',
      dtm: '2026-05-07T10:00:00.000Z',
    });
    const afterFailure = summaryAfter([registered, succeeded, regressed]);
    expect(afterFailure.passkeys.items[0]?.lastUsedDtm).toBe('2026-05-07T10:00:00.000Z');
    expect(afterFailure.lastAuthentication).toEqual({
      type: 'Passkey',
      result: 'FAILURE',
      dtm: '2026-05-07T10:01:00.000Z',
    });
  });

  it('follows status changes and removal; renames and other groups are untouched', () => {
    const suspended = summaryAfter([
      registered,
      {
        type: 'PasskeyStatusChanged',
        data: { passkeyId: 'pk-1', status: 'SUSPENDED', at: '2026-05-08T00:00:00.000Z' },
      },
      {
        type: 'PasskeyRenamed',
        data: { passkeyId: 'pk-1', name: 'Old phone', at: '2026-05-08T00:00:00.000Z' },
      },
    ]);
    expect(suspended.passkeys.items[0]?.status).toBe('SUSPENDED');
    expect(suspended.totps).toEqual({ count: 0, items: [] });
    expect(suspended.passcodes).toEqual({ count: 0, items: [] });
    const removed = applyToSummary(
      suspended,
      published({
        type: 'PasskeyDeregistered',
        data: { passkeyId: 'pk-1', reason: 'DELETED', at: '2026-05-09T00:00:00.000Z' },
      }),
    );
    expect(removed.passkeys).toEqual({ count: 0, items: [] });
  });
});

describe('passkey audits', () => {
  it('records a success with passkeyInfo and passkeyAuditInfo', () => {
    const audit = authenticationAuditOf(published(succeeded));
    expect(audit).toEqual({
      id: 'auth-1',
      userId: USER,
      type: 'Passkey',
      result: 'SUCCESS',
      createdDtm: '2026-05-07T10:00:00.000Z',
      context: { ip: '192.0.2.9' },
      credentialId: 'pk-1',
      policyName: 'default',
      passkeyInfo: {
        id: 'pk-1',
        rpId: 'example.com',
        credentialId: CREDENTIAL,
        name: 'Phone',
        status: 'ACTIVE',
      },
      passkeyAuditInfo: {
        rpId: 'example.com',
        policyName: 'default',
        credentialId: CREDENTIAL,
        usernameless: false,
        hints: ['client-device'],
        userVerified: true,
        backedUp: true,
        signCount: 7,
        previousSignCount: 6,
        counterRegression: false,
      },
      hints: ['client-device'],
    });
    expect(authenticationAuditSchema.parse(audit)).toEqual(audit);
  });

  it('shows the hints a one-call request named at top level, the options’ in passkeyAuditInfo', () => {
    const oneCall = { ...succeeded, data: { ...succeeded.data, clientHints: ['hybrid', 'client-device'] } };
    const audit = authenticationAuditOf(published(oneCall));
    expect(audit).toMatchObject({ hints: ['hybrid', 'client-device'], passkeyAuditInfo: { hints: ['client-device'] } });
    expect(authenticationAuditSchema.parse(audit)).toEqual(audit);
    const failed = authenticationAuditOf(published({ ...regressed, data: { ...regressed.data, clientHints: [] } }));
    expect(failed).toMatchObject({ hints: [], passkeyAuditInfo: { hints: ['client-device'] } });
  });

  it('flags a counter regression in the audit of the failure', () => {
    const audit = authenticationAuditOf(published(regressed));
    expect(audit).toMatchObject({
      result: 'FAILURE',
      reason: 'COUNTER_REGRESSION',
      context: {},
      passkeyAuditInfo: { counterRegression: true, signCount: 3, previousSignCount: 7, backedUp: null },
    });
    expect(authenticationAuditSchema.parse(audit)).toEqual(audit);
  });

  it('a failure naming no passkey has no passkeyInfo; without a user (usernameless, unknown credential) there is no audit', () => {
    const audit = authenticationAuditOf(published(unknownCredential));
    expect(audit).not.toHaveProperty('passkeyInfo');
    expect(audit).not.toHaveProperty('credentialId');
    expect(audit?.passkeyAuditInfo).toMatchObject({ credentialId: 'b3RoZXI', usernameless: true });
    expect(authenticationAuditOf(published(unknownCredential, null))).toBeNull();
  });

  it('records a registration audit from a completed registration: attestation, AAGUID, transports, hints, context', () => {
    const audit = registrationAuditOf(published(registered));
    expect(audit).toEqual({
      id: 'pk-1',
      userId: USER,
      type: 'Passkey',
      result: 'SUCCESS',
      createdDtm: '2026-05-07T09:00:00.000Z',
      context: { ip: '192.0.2.1' },
      credentialId: 'pk-1',
      policyName: 'default',
      passkeyInfo: {
        id: 'pk-1',
        rpId: 'example.com',
        credentialId: CREDENTIAL,
        name: 'Phone',
        status: 'ACTIVE',
      },
      passkeyRegistrationAuditInfo: {
        rpId: 'example.com',
        policyName: 'default',
        credentialId: CREDENTIAL,
        attestationFormat: 'none',
        aaguid: '00000000-0000-0000-0000-000000000000',
        transports: ['internal', 'hybrid'],
        hints: ['client-device'],
        userVerified: true,
        backupEligible: true,
        backedUp: true,
        deviceType: 'multiDevice',
        authenticatorAttachment: 'platform',
        origin: 'https://example.com',
      },
      hints: ['client-device'],
    });
    expect(registrationAuditSchema.parse(audit)).toEqual(audit);
    expect(registrationAuditOf(published(succeeded))).toBeNull();
    expect(authenticationAuditOf(published(registered))).toBeNull();
  });

  it('a one-call registration’s hints are the registration audit’s top-level hints; the options’ stay nested', () => {
    const oneCall = { ...registered, data: { ...registered.data, clientHints: ['security-key'] } };
    const audit = registrationAuditOf(published(oneCall));
    expect(audit).toMatchObject({
      hints: ['security-key'],
      passkeyRegistrationAuditInfo: { hints: ['client-device'] },
    });
    // A passkey registration proves no passcode: the audit shape has passcodeAuditInfo, this audit does not.
    expect(audit).not.toHaveProperty('passcodeAuditInfo');
    expect(audit).not.toHaveProperty('passcodeInfo');
    expect(registrationAuditSchema.parse(audit)).toEqual(audit);
  });
});
