import {
  authenticationAuditSchema,
  biometricIntegrationEvents,
  emptySummaryInfo,
  registrationAuditSchema,
  summaryInfoAt,
} from '@identity-store/contracts';
import { applyToSummary, authenticationAuditOf, registrationAuditOf, summaryAfter } from './summary-projections';
import { publisherOf } from './testing/published-events';

/** The biometric cases of the projections, fed with published (integration) events. */

const published = publisherOf(biometricIntegrationEvents, 'biometric', 'user-1');
const T = (minute: number) => `2026-11-30T10:${String(minute).padStart(2, '0')}:00.000Z`;
const quality = { detection: 0.97, width: 160, height: 190 };

const enrolled = (biometricId: string, replaced: string | null = null, minute = 0) =>
  published({
    type: 'BiometricEnrolled',
    data: { biometricId, type: 'face', replacedBiometricId: replaced, quality, model: 'human/faceres', at: T(minute), context: { kiosk: 'k1' } },
  });
const succeeded = (minute: number) =>
  published({
    type: 'FaceAuthenticationSucceeded',
    data: { authenticationId: `a${minute}`, biometricId: 'b1', type: 'face', score: 0.81, threshold: 0.6, liveness: 0.9, at: T(minute) },
  });
const failed = (minute: number, lockedUntil: string | null) =>
  published({
    type: 'FaceAuthenticationFailed',
    data: {
      authenticationId: `f${minute}`,
      biometricId: 'b1',
      type: 'face',
      reason: 'NO_MATCH',
      score: 0.31,
      threshold: 0.6,
      liveness: null,
      failedAttempts: 3,
      lockedUntil,
      at: T(minute),
    },
  });

describe('biometric projections', () => {
  it('summaryInfo.biometrics: one item per enrolment, replaced on re-enrolment, removed on deletion', () => {
    const once = summaryAfter(emptySummaryInfo(), [enrolled('b1')]);
    expect(once.biometrics).toEqual({
      count: 1,
      items: [{ id: 'b1', status: 'ACTIVE', type: 'face', createdDtm: T(0), lastUsedDtm: null, lockedUntil: null }],
    });
    const again = applyToSummary(once, enrolled('b2', 'b1', 5));
    expect(again.biometrics.items.map((item) => item.id)).toEqual(['b2']);
    const gone = applyToSummary(again, published({ type: 'BiometricDeleted', data: { biometricId: 'b2', type: 'face', at: T(6) } }));
    expect(gone.biometrics).toEqual({ count: 0, items: [] });
  });

  it('a success sets lastUsedDtm and lastAuthentication; a locking failure makes readers see LOCKED until it runs out', () => {
    const used = summaryAfter(emptySummaryInfo(), [enrolled('b1'), succeeded(1)]);
    expect(used.biometrics.items[0]!.lastUsedDtm).toBe(T(1));
    expect(used.lastAuthentication).toEqual({ type: 'Face', result: 'SUCCESS', dtm: T(1) });
    const lockedSummary = applyToSummary(used, failed(2, T(17)));
    expect(lockedSummary.lastAuthentication).toEqual({ type: 'Face', result: 'FAILURE', dtm: T(2) });
    expect(summaryInfoAt(lockedSummary, new Date(T(10))).biometrics.items[0]!.status).toBe('LOCKED');
    expect(summaryInfoAt(lockedSummary, new Date(T(17))).biometrics.items[0]!.status).toBe('ACTIVE');
    // A success clears the lock from the item.
    expect(applyToSummary(lockedSummary, succeeded(20)).biometrics.items[0]!.lockedUntil).toBeNull();
  });

  it('authentication audits of type Face: the score, threshold, liveness and lockout; client failures flagged', () => {
    const success = authenticationAuditOf(succeeded(1))!;
    expect(authenticationAuditSchema.strict().parse(success)).toEqual(success);
    expect(success).toMatchObject({
      id: 'a1',
      type: 'Face',
      result: 'SUCCESS',
      credentialId: 'b1',
      biometricAuditInfo: { score: 0.81, threshold: 0.6, liveness: 0.9, clientReported: false, failedAttempts: 0, locked: false },
    });
    expect(authenticationAuditOf(failed(2, T(17)))).toMatchObject({
      result: 'FAILURE',
      reason: 'NO_MATCH',
      biometricAuditInfo: { score: 0.31, failureReason: 'NO_MATCH', failedAttempts: 3, locked: true },
    });
    const client = authenticationAuditOf(
      published({
        type: 'BiometricFailureRecorded',
        data: { authenticationId: 'c1', type: 'face', reason: 'LIVENESS', failedAttempts: 1, lockedUntil: null, at: T(3), context: { sdk: '2.1' } },
      }),
    )!;
    expect(client).toMatchObject({
      type: 'Face',
      result: 'FAILURE',
      reason: 'LIVENESS',
      context: { sdk: '2.1' },
      biometricAuditInfo: { score: null, clientReported: true, failureReason: 'LIVENESS', locked: false },
    });
  });

  it('registration audits of an enrolment: type Face, the quality and model, the replaced enrolment; no template', () => {
    const audit = registrationAuditOf(enrolled('b2', 'b1'))!;
    expect(registrationAuditSchema.strict().parse(audit)).toEqual(audit);
    expect(audit).toEqual({
      id: 'b2',
      userId: 'user-1',
      type: 'Face',
      result: 'SUCCESS',
      createdDtm: T(0),
      context: { kiosk: 'k1' },
      credentialId: 'b2',
      biometricRegistrationAuditInfo: { type: 'face', model: 'human/faceres', quality, replacedBiometricId: 'b1' },
    });
  });
});
