import {
  authenticationAuditSchema,
  emptySummaryInfo,
  type PasscodeIntegrationEvent,
  passcodeIntegrationEvents,
} from '@identity-store/contracts';
import { applyToSummary, authenticationAuditOf } from './summary-projections';
import { type HeldEvent, publisherOf } from './testing/published-events';

/** The passcode cases of the projections, fed with published (integration) events. */

/** An event as the passcode service holds it: its integration form is what the schema declares (no session ids, no ciphertexts). */
type PasscodeEvent = HeldEvent<PasscodeIntegrationEvent['type']>;

const USER = 'user-1';
const published = publisherOf(passcodeIntegrationEvents, 'passcode', USER);

const registered: PasscodeEvent = {
  type: 'PasscodeRegistrationCompleted',
  data: {
    sessionId: 's0',
    passcodeId: 'pc-1',
    policyName: 'default',
    srpGroup: 2048,
    hash: 'SHA-256',
    encryptedSalt: 'enc-salt',
    encryptedVerifier: 'enc-verifier',
    createdDtm: '2026-05-07T09:00:00.000Z',
    expirationDtm: '2026-08-05T09:00:00.000Z',
  },
};
const proof = {
  sessionId: 's1',
  passcodeId: 'pc-1',
  authenticationId: 'auth-1',
  ceremony: 'AUTHENTICATION' as const,
  policyName: 'default',
  srpGroup: 2048 as const,
  hash: 'SHA-256' as const,
  status: 'ACTIVE' as const,
  expirationDtm: '2026-08-05T09:00:00.000Z',
  at: '2026-05-07T10:00:00.000Z',
};
const succeeded: PasscodeEvent = {
  type: 'PasscodeAuthenticationSucceeded',
  data: { ...proof, failedAttempts: 0, locked: false, context: { ip: '192.0.2.1' } },
};
const failedAndLocked: PasscodeEvent[] = [
  {
    type: 'PasscodeAuthenticationFailed',
    data: {
      ...proof,
      authenticationId: 'auth-2',
      failedAttempts: 3,
      locked: true,
      reason: 'INVALID_PROOF',
      at: '2026-05-07T10:01:00.000Z',
    },
  },
  {
    type: 'PasscodeLocked',
    data: { passcodeId: 'pc-1', lockedUntil: '2026-05-07T10:16:00.000Z', at: '2026-05-07T10:01:00.000Z' },
  },
];

const summaryAfter = (events: PasscodeEvent[]) =>
  events.map((event) => published(event)).reduce(applyToSummary, emptySummaryInfo());

describe('summaryInfo.passcodes', () => {
  it('lists a registered passcode with its policy and expiration', () => {
    expect(summaryAfter([registered]).passcodes).toEqual({
      count: 1,
      items: [
        {
          id: 'pc-1',
          status: 'ACTIVE',
          policyName: 'default',
          createdDtm: '2026-05-07T09:00:00.000Z',
          lastUsedDtm: null,
          expirationDtm: '2026-08-05T09:00:00.000Z',
          lockedUntil: null,
        },
      ],
    });
  });

  it('a success sets lastUsedDtm and lastAuthentication; a failure only lastAuthentication; a lock lockedUntil', () => {
    const afterSuccess = summaryAfter([registered, succeeded]);
    expect(afterSuccess.passcodes.items[0]).toMatchObject({
      status: 'ACTIVE',
      lastUsedDtm: '2026-05-07T10:00:00.000Z',
    });
    expect(afterSuccess.lastAuthentication).toEqual({
      type: 'Passcode',
      result: 'SUCCESS',
      dtm: '2026-05-07T10:00:00.000Z',
    });
    const afterLock = summaryAfter([registered, succeeded, ...failedAndLocked]);
    // The stored status stays: LOCKED is read off lockedUntil (summaryInfoAt), no event ends a lock.
    expect(afterLock.passcodes.items[0]).toMatchObject({
      status: 'ACTIVE',
      lockedUntil: '2026-05-07T10:16:00.000Z',
      lastUsedDtm: '2026-05-07T10:00:00.000Z',
    });
    expect(afterLock.lastAuthentication).toEqual({
      type: 'Passcode',
      result: 'FAILURE',
      dtm: '2026-05-07T10:01:00.000Z',
    });
    const afterLaterSuccess = summaryAfter([registered, ...failedAndLocked, { ...succeeded, data: { ...succeeded.data, at: '2026-05-07T10:20:00.000Z' } }]);
    expect(afterLaterSuccess.passcodes.items[0]).toMatchObject({ status: 'ACTIVE', lockedUntil: null });
  });

  it('an administrator setting ACTIVE ends a lock; SUSPENDED keeps it', () => {
    const statusChanged = (status: 'ACTIVE' | 'SUSPENDED'): PasscodeEvent => ({
      type: 'PasscodeStatusChanged',
      data: { passcodeId: 'pc-1', status, at: '2026-05-07T10:02:00.000Z' },
    });
    expect(summaryAfter([registered, ...failedAndLocked, statusChanged('ACTIVE')]).passcodes.items[0]).toMatchObject({
      status: 'ACTIVE',
      lockedUntil: null,
    });
    expect(summaryAfter([registered, ...failedAndLocked, statusChanged('SUSPENDED')]).passcodes.items[0]).toMatchObject({
      status: 'SUSPENDED',
      lockedUntil: '2026-05-07T10:16:00.000Z',
    });
  });

  it('follows renewals, status and expiration changes, and removal', () => {
    const changed = summaryAfter([
      registered,
      {
        type: 'PasscodeRenewed',
        data: {
          sessionId: 's2',
          passcodeId: 'pc-1',
          authenticationId: 'auth-3',
          encryptedSalt: 'x',
          encryptedVerifier: 'y',
          expirationDtm: '2026-09-01T00:00:00.000Z',
          at: '2026-06-03T00:00:00.000Z',
        },
      },
      {
        type: 'PasscodeStatusChanged',
        data: { passcodeId: 'pc-1', status: 'SUSPENDED', at: '2026-06-04T00:00:00.000Z' },
      },
    ]);
    expect(changed.passcodes.items[0]).toMatchObject({
      status: 'SUSPENDED',
      expirationDtm: '2026-09-01T00:00:00.000Z',
    });
    const cleared = applyToSummary(
      changed,
      published({
        type: 'PasscodeExpirationChanged',
        data: { passcodeId: 'pc-1', expirationDtm: null, at: '2026-06-05T00:00:00.000Z' },
      }),
    );
    expect(cleared.passcodes.items[0]?.expirationDtm).toBeNull();
    const removed = applyToSummary(
      cleared,
      published({
        type: 'PasscodeDeregistered',
        data: { passcodeId: 'pc-1', reason: 'DELETED', at: '2026-06-06T00:00:00.000Z' },
      }),
    );
    expect(removed.passcodes).toEqual({ count: 0, items: [] });
  });

  it('leaves the TOTP group alone', () => {
    expect(summaryAfter([registered, succeeded]).totps).toEqual({ count: 0, items: [] });
  });
});

describe('passcode authentication audits', () => {
  it('records a success with passcodeInfo and passcodeAuditInfo', () => {
    const audit = authenticationAuditOf(published(succeeded));
    expect(audit).toEqual({
      id: 'auth-1',
      userId: USER,
      type: 'Passcode',
      result: 'SUCCESS',
      createdDtm: '2026-05-07T10:00:00.000Z',
      context: { ip: '192.0.2.1' },
      credentialId: 'pc-1',
      policyName: 'default',
      passcodeInfo: { id: 'pc-1', status: 'ACTIVE', expirationDtm: '2026-08-05T09:00:00.000Z' },
      passcodeAuditInfo: {
        protocol: 'SRP',
        ceremony: 'AUTHENTICATION',
        policyName: 'default',
        srpGroup: 2048,
        hash: 'SHA-256',
        failedAttempts: 0,
        locked: false,
      },
    });
    expect(authenticationAuditSchema.parse(audit)).toEqual(audit);
  });

  it('tells a renewal’s proof from an authentication’s by the ceremony', () => {
    const renewal = authenticationAuditOf(
      published({ ...succeeded, data: { ...succeeded.data, authenticationId: 'auth-r', ceremony: 'RENEWAL' } }),
    );
    expect(renewal).toMatchObject({ id: 'auth-r', type: 'Passcode', passcodeAuditInfo: { ceremony: 'RENEWAL' } });
    expect(authenticationAuditSchema.parse(renewal)).toEqual(renewal);
    expect(authenticationAuditOf(published(failedAndLocked[0]!))).toMatchObject({
      passcodeAuditInfo: { ceremony: 'AUTHENTICATION' },
    });
  });

  it('records a failure with its reason, the attempts and the lock it caused', () => {
    const audit = authenticationAuditOf(published(failedAndLocked[0]!));
    expect(audit).toMatchObject({
      id: 'auth-2',
      result: 'FAILURE',
      reason: 'INVALID_PROOF',
      context: {},
      passcodeInfo: { id: 'pc-1', status: 'LOCKED' },
      passcodeAuditInfo: { failedAttempts: 3, locked: true },
    });
  });

  it('records a decoy (no passcode for the policy) as a failure with reason PASSCODE_NOT_FOUND and no passcode', () => {
    const decoyFailed: PasscodeEvent = {
      type: 'PasscodeDecoyAuthenticationFailed',
      data: {
        sessionId: 's9',
        authenticationId: 'auth-9',
        policyName: 'default',
        srpGroup: 2048,
        hash: 'SHA-256',
        reason: 'PASSCODE_NOT_FOUND',
        at: '2026-05-07T11:00:00.000Z',
        context: { ip: '192.0.2.9' },
      },
    };
    const audit = authenticationAuditOf(published(decoyFailed));
    expect(audit).toEqual({
      id: 'auth-9',
      userId: USER,
      type: 'Passcode',
      result: 'FAILURE',
      reason: 'PASSCODE_NOT_FOUND',
      createdDtm: '2026-05-07T11:00:00.000Z',
      context: { ip: '192.0.2.9' },
      policyName: 'default',
      passcodeAuditInfo: {
        protocol: 'SRP',
        ceremony: 'AUTHENTICATION',
        policyName: 'default',
        srpGroup: 2048,
        hash: 'SHA-256',
        failedAttempts: 0,
        locked: false,
      },
    });
    expect(authenticationAuditSchema.parse(audit)).toEqual(audit);
    // In the summary, a decoy's failure looks like a wrong proof's: lastAuthentication only.
    const summary = applyToSummary(emptySummaryInfo(), published(decoyFailed));
    expect(summary).toEqual({
      ...emptySummaryInfo(),
      lastAuthentication: { type: 'Passcode', result: 'FAILURE', dtm: '2026-05-07T11:00:00.000Z' },
    });
  });

  it('other passcode events are no authentications', () => {
    expect(authenticationAuditOf(published(registered))).toBeNull();
    expect(authenticationAuditOf(published(failedAndLocked[1]!))).toBeNull();
  });
});
