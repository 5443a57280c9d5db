import {
  authenticationAuditSchema,
  emptySummaryInfo,
  type TotpIntegrationEvent,
  totpIntegrationEvents,
} from '@identity-store/contracts';
import { applyToSummary, authenticationAuditOf, registrationAuditOf } from './summary-projections';
import { publisherOf } from './testing/published-events';
import { totpSummary } from './totp-summary';

/** The TOTP cases of the projections, fed with published (integration) events. */

const USER = 'user-1';
const published = publisherOf(totpIntegrationEvents, 'totp', USER);

const started: TotpIntegrationEvent = {
  type: 'TotpRegistrationStarted',
  data: {
    credentialId: 'totp-1',
    policyName: 'default',
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
    window: 1,
    createdDtm: '2026-05-07T09:00:00.000Z',
  },
};
const completed: TotpIntegrationEvent = {
  type: 'TotpRegistrationCompleted',
  data: { credentialId: 'totp-1', timeStep: 100, at: '2026-05-07T09:01:00.000Z' },
};
const succeeded: TotpIntegrationEvent = {
  type: 'TotpAuthenticationSucceeded',
  data: {
    credentialId: 'totp-1',
    authenticationId: 'auth-1',
    timeStep: 101,
    at: '2026-05-07T10:00:00.000Z',
    context: { ip: '192.0.2.1' },
  },
};
const failed: TotpIntegrationEvent = {
  type: 'TotpAuthenticationFailed',
  data: {
    credentialId: 'totp-1',
    authenticationId: 'auth-2',
    reason: 'INVALID_CODE',
    failedAttempts: 3,
    at: '2026-05-07T10:01:00.000Z',
  },
};

const lockedUntil = (until: string): TotpIntegrationEvent => ({
  type: 'TotpLocked',
  data: { credentialId: 'totp-1', lockedUntil: until, at: '2026-05-07T10:01:00.000Z' },
});

const summaryAfter = (events: TotpIntegrationEvent[]) =>
  events.map((event) => published(event)).reduce(applyToSummary, emptySummaryInfo());

describe('summaryInfo.totps', () => {
  it('lists a started registration as PENDING and a completed one as ACTIVE', () => {
    const item = {
      id: 'totp-1',
      status: 'PENDING',
      policyName: 'default',
      createdDtm: '2026-05-07T09:00:00.000Z',
      lastUsedDtm: null,
      lockedUntil: null,
    };
    expect(summaryAfter([started]).totps).toEqual({ count: 1, items: [item] });
    expect(summaryAfter([started, completed]).totps).toEqual({
      count: 1,
      items: [{ ...item, status: 'ACTIVE' }],
    });
  });

  it('a success sets lastUsedDtm and lastAuthentication; a failure only lastAuthentication; a lock lockedUntil', () => {
    const afterSuccess = summaryAfter([started, completed, succeeded]);
    expect(afterSuccess.totps.items[0]).toMatchObject({
      status: 'ACTIVE',
      lastUsedDtm: '2026-05-07T10:00:00.000Z',
    });
    expect(afterSuccess.lastAuthentication).toEqual({
      type: 'Totp',
      result: 'SUCCESS',
      dtm: '2026-05-07T10:00:00.000Z',
    });
    const afterLock = summaryAfter([
      started,
      completed,
      succeeded,
      failed,
      {
        type: 'TotpLocked',
        data: {
          credentialId: 'totp-1',
          lockedUntil: '2026-05-07T10:16:00.000Z',
          at: '2026-05-07T10:01:00.000Z',
        },
      },
    ]);
    // The stored status stays: LOCKED is read off lockedUntil (summaryInfoAt), no event ends a lock.
    expect(afterLock.totps.items[0]).toMatchObject({
      status: 'ACTIVE',
      lockedUntil: '2026-05-07T10:16:00.000Z',
      lastUsedDtm: '2026-05-07T10:00:00.000Z',
    });
    expect(afterLock.lastAuthentication).toEqual({
      type: 'Totp',
      result: 'FAILURE',
      dtm: '2026-05-07T10:01:00.000Z',
    });
    expect(summaryAfter([started, completed, failed, lockedUntil('2026-05-07T10:16:00.000Z'), succeeded]).totps.items[0]).toMatchObject(
      { status: 'ACTIVE', lockedUntil: null },
    );
  });

  it('an administrator setting ACTIVE ends a lock; SUSPENDED keeps it', () => {
    const locked = [started, completed, failed, lockedUntil('2026-05-07T10:16:00.000Z')];
    const statusChanged = (status: 'ACTIVE' | 'SUSPENDED'): TotpIntegrationEvent => ({
      type: 'TotpStatusChanged',
      data: { credentialId: 'totp-1', status, at: '2026-05-07T10:02:00.000Z' },
    });
    expect(summaryAfter([...locked, statusChanged('ACTIVE')]).totps.items[0]).toMatchObject({
      status: 'ACTIVE',
      lockedUntil: null,
    });
    expect(summaryAfter([...locked, statusChanged('SUSPENDED')]).totps.items[0]).toMatchObject({
      status: 'SUSPENDED',
      lockedUntil: '2026-05-07T10:16:00.000Z',
    });
  });

  it('follows status changes and removal; other groups are untouched', () => {
    const suspended = summaryAfter([
      started,
      completed,
      {
        type: 'TotpStatusChanged',
        data: { credentialId: 'totp-1', status: 'SUSPENDED', at: '2026-05-08T00:00:00.000Z' },
      },
    ]);
    expect(suspended.totps.items[0]?.status).toBe('SUSPENDED');
    expect(suspended.passcodes).toEqual({ count: 0, items: [] });
    expect(suspended.passkeys).toEqual({ count: 0, items: [] });
    const removed = applyToSummary(
      suspended,
      published({
        type: 'TotpDeregistered',
        data: { credentialId: 'totp-1', reason: 'DELETED', at: '2026-05-09T00:00:00.000Z' },
      }),
    );
    expect(removed.totps).toEqual({ count: 0, items: [] });
  });

  it('a restarted registration replaces the pending item of the same credential', () => {
    const restarted = summaryAfter([
      started,
      { ...started, data: { ...started.data, policyName: 'strict' } },
    ]);
    expect(restarted.totps.items).toEqual([expect.objectContaining({ id: 'totp-1', policyName: 'strict' })]);
  });

  it('handles every published TOTP event type', () => {
    expect([...totpSummary.canHandle].sort()).toEqual(Object.keys(totpIntegrationEvents).sort());
  });
});

describe('TOTP authentication audits', () => {
  it('records a success with the credential and the client context', () => {
    const audit = authenticationAuditOf(published(succeeded));
    expect(audit).toEqual({
      id: 'auth-1',
      userId: USER,
      type: 'Totp',
      result: 'SUCCESS',
      createdDtm: '2026-05-07T10:00:00.000Z',
      context: { ip: '192.0.2.1' },
      credentialId: 'totp-1',
    });
    expect(authenticationAuditSchema.parse(audit)).toEqual(audit);
  });

  it('records a failure with its reason and an empty context when none was given', () => {
    expect(authenticationAuditOf(published(failed))).toEqual({
      id: 'auth-2',
      userId: USER,
      type: 'Totp',
      result: 'FAILURE',
      reason: 'INVALID_CODE',
      createdDtm: '2026-05-07T10:01:00.000Z',
      context: {},
      credentialId: 'totp-1',
    });
  });

  it('records nothing for other events, or without a user', () => {
    expect(authenticationAuditOf(published(started))).toBeNull();
    expect(authenticationAuditOf(published(succeeded, null))).toBeNull();
    expect(registrationAuditOf(published(completed))).toBeNull();
  });
});
