import { emptySummaryInfo, type IntegrationEvent } from '@identity-store/contracts';
import { passcodeSummary } from './passcode-summary';
import { applyToSummary } from './summary-projections';

const envelope = {
  id: '00000000-0000-4000-8000-000000000001',
  storeId: 'store-1',
  userId: 'user-1',
  streamId: 'passcode-user-user-1',
  streamVersion: 1,
  occurredAt: '2026-05-07T10:00:00.000Z',
  correlationId: 'c',
};
const locked: IntegrationEvent = {
  ...envelope,
  type: 'PasscodeLocked',
  version: 1,
  data: { passcodeId: 'pc-1', lockedUntil: '2026-05-07T10:16:00.000Z', at: '2026-05-07T10:00:00.000Z' },
};
const failed: IntegrationEvent = {
  ...envelope,
  type: 'PasscodeDecoyAuthenticationFailed',
  version: 1,
  data: {
    authenticationId: 'auth-1',
    policyName: 'default',
    srpGroup: 2048,
    hash: 'SHA-256',
    reason: 'PASSCODE_NOT_FOUND',
    at: '2026-05-07T10:00:00.000Z',
  },
};

describe('a projection handling consumed events', () => {
  it('leaves the document as it is for types it does not handle', () => {
    const summary = emptySummaryInfo();
    expect(passcodeSummary.handle(summary, { ...locked, type: 'TotpLocked' })).toBe(summary);
    expect(applyToSummary(summary, { ...locked, type: 'AppkeyRegistered' })).toEqual(emptySummaryInfo());
  });

  it('leaves the document as it is for versions of a type it does not know', () => {
    const summary = emptySummaryInfo();
    expect(passcodeSummary.handle(summary, { ...failed, version: 2 })).toBe(summary);
  });

  it('parses the data with the integration schema before it evolves', () => {
    expect(passcodeSummary.handle(emptySummaryInfo(), failed).lastAuthentication).toEqual({
      type: 'Passcode',
      result: 'FAILURE',
      dtm: '2026-05-07T10:00:00.000Z',
    });
    expect(() =>
      passcodeSummary.handle(emptySummaryInfo(), { ...failed, data: { ...failed.data, at: 'yesterday' } }),
    ).toThrow();
  });

  it('evolves typed events directly, without the envelope checks', () => {
    const summary = passcodeSummary.evolve(emptySummaryInfo(), {
      ...envelope,
      type: 'PasscodeRegistrationCompleted',
      version: 1,
      data: {
        passcodeId: 'pc-1',
        policyName: 'default',
        srpGroup: 2048,
        hash: 'SHA-256',
        createdDtm: '2026-05-07T09:00:00.000Z',
        expirationDtm: null,
      },
    });
    expect(summary.passcodes.items).toEqual([
      {
        id: 'pc-1',
        status: 'ACTIVE',
        policyName: 'default',
        createdDtm: '2026-05-07T09:00:00.000Z',
        lastUsedDtm: null,
        expirationDtm: null,
        lockedUntil: null,
      },
    ]);
  });
});
