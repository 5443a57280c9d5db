import { DomainError, type DomainErrorKind } from '@identity-store/contracts';
import { DeciderSpecification } from '@identity-store/testing';
import { type BiometricEvent, toBiometricIntegrationEvent } from './biometric';
import { type BiometricCommand, type BiometricRules, biometricDecider } from './biometric-decider';
import { biometricSnapshot } from './biometric-snapshot';

const T0 = new Date('2026-11-30T10:00:00.000Z');
const later = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const given = DeciderSpecification.for(biometricDecider);
const rejectedWith = (kind: DomainErrorKind, code: string) => (error: DomainError) =>
  expect([error.kind, error.code]).toEqual([kind, code]);

const RULES: BiometricRules = {
  matchThreshold: 0.6,
  livenessRequired: false,
  livenessThreshold: 0.5,
  maxFailedAttempts: 3,
  lockoutDuration: 'PT15M',
};
const QUALITY = { detection: 0.98, width: 180, height: 200 };

const enrol = (biometricId = 'b1', now = T0): BiometricCommand => ({
  type: 'EnrolFace',
  metadata: { now },
  biometricId,
  encryptedTemplate: `ciphertext-of-${biometricId}`,
  model: 'human/faceres',
  quality: QUALITY,
  context: { device: 'kiosk' },
});
const authenticate = (
  score: number,
  options: { liveness?: number | null; now?: Date; rules?: Partial<BiometricRules>; biometricId?: string; id?: string } = {},
): BiometricCommand => ({
  type: 'AuthenticateFace',
  metadata: { now: options.now ?? T0 },
  authenticationId: options.id ?? 'a1',
  biometricId: options.biometricId ?? 'b1',
  rules: { ...RULES, ...options.rules },
  verdict: { score, liveness: options.liveness ?? null },
});
const clientFailure = (now = T0): BiometricCommand => ({
  type: 'RecordBiometricFailure',
  metadata: { now },
  authenticationId: 'c1',
  reason: 'LIVENESS',
  rules: RULES,
});
const decided = (events: BiometricEvent[]) => events.map(({ type, data }) => ({ type, data }));

describe('biometric decider', () => {
  it('enrols a face: the event carries the ciphertext and quality, and replaces an earlier enrolment', () => {
    const first = given([]).when(enrol('b1')).decided();
    expect(first.events[0]).toMatchObject({
      type: 'BiometricEnrolled',
      data: { biometricId: 'b1', type: 'face', replacedBiometricId: null, encryptedTemplate: 'ciphertext-of-b1', quality: QUALITY },
    });
    const second = first.when(enrol('b2', later(60))).decided();
    expect(second.events[0]!.data).toMatchObject({ biometricId: 'b2', replacedBiometricId: 'b1' });
    expect(second.state.face).toMatchObject({ biometricId: 'b2', encryptedTemplate: 'ciphertext-of-b2' });
  });

  it('a score at or above the threshold succeeds (rounded to 4 decimals) and resets the failures', () => {
    const { events, state } = given([])
      .followedBy(enrol(), authenticate(0.2, { id: 'f1' }))
      .when(authenticate(0.60004))
      .decided();
    expect(decided(events)).toEqual([
      {
        type: 'FaceAuthenticationSucceeded',
        data: { authenticationId: 'a1', biometricId: 'b1', type: 'face', score: 0.6, threshold: 0.6, liveness: null, at: T0.toISOString() },
      },
    ]);
    expect([state.failedAttempts, state.face?.lastUsedDtm]).toEqual([0, T0.toISOString()]);
  });

  it('below the threshold is NO_MATCH, counted; at the maximum the user locks (lockedUntil = now + duration)', () => {
    const history = given([]).followedBy(enrol(), authenticate(0.1, { id: 'f1' }));
    const second = history.when(authenticate(0.59, { id: 'f2' })).decided();
    expect(second.events[0]!.data).toMatchObject({ reason: 'NO_MATCH', failedAttempts: 2, lockedUntil: null, score: 0.59 });
    const third = second.when(authenticate(0.3, { id: 'f3' })).decided();
    expect(third.events[0]!.data).toMatchObject({ failedAttempts: 3, lockedUntil: later(15 * 60).toISOString() });
  });

  it('while locked every command is 423 — a perfect match and a re-enrolment too — until the lock runs out', () => {
    const lockedHistory = given([]).followedBy(enrol(), authenticate(0, { id: 'f1' }), authenticate(0, { id: 'f2' }), authenticate(0, { id: 'f3' }));
    lockedHistory.when(authenticate(1, { now: later(60) })).thenThrows(DomainError, rejectedWith('locked', 'BIOMETRIC_LOCKED'));
    lockedHistory.when(enrol('b9', later(60))).thenThrows(DomainError, rejectedWith('locked', 'BIOMETRIC_LOCKED'));
    lockedHistory.when(clientFailure(later(60))).thenThrows(DomainError, rejectedWith('locked', 'BIOMETRIC_LOCKED'));
    const afterLock = lockedHistory.when(authenticate(0.9, { now: later(15 * 60) })).decided();
    expect(afterLock.events[0]!.type).toBe('FaceAuthenticationSucceeded');
  });

  it('a failure after an expired lock locks again at once (the count only resets on success)', () => {
    const lockedHistory = given([]).followedBy(enrol(), authenticate(0, { id: 'f1' }), authenticate(0, { id: 'f2' }), authenticate(0, { id: 'f3' }));
    const again = lockedHistory.when(authenticate(0, { now: later(15 * 60), id: 'f4' })).decided();
    expect(again.events[0]!.data).toMatchObject({ failedAttempts: 4, lockedUntil: later(30 * 60).toISOString() });
  });

  it('with livenessRequired, a low or missing liveness score fails as LIVENESS whatever the similarity', () => {
    const enrolled = given([]).followedBy(enrol());
    const rules = { livenessRequired: true };
    expect(enrolled.when(authenticate(0.99, { liveness: 0.2, rules })).decided().events[0]!.data).toMatchObject({ reason: 'LIVENESS', liveness: 0.2 });
    expect(enrolled.when(authenticate(0.99, { liveness: null, rules })).decided().events[0]!.data).toMatchObject({ reason: 'LIVENESS' });
    expect(enrolled.when(authenticate(0.99, { liveness: 0.5, rules })).decided().events[0]!.type).toBe('FaceAuthenticationSucceeded');
    // Not required: the liveness score is only recorded.
    expect(enrolled.when(authenticate(0.99, { liveness: 0.1 })).decided().events[0]!.data).toMatchObject({ liveness: 0.1 });
  });

  it('without an enrolment, or against a replaced one, authentication is 404 BIOMETRIC_NOT_ENROLLED', () => {
    given([]).when(authenticate(0.9)).thenThrows(DomainError, rejectedWith('not-found', 'BIOMETRIC_NOT_ENROLLED'));
    given([]).followedBy(enrol('b1'), enrol('b2')).when(authenticate(0.9, { biometricId: 'b1' })).thenThrows(
      DomainError,
      rejectedWith('not-found', 'BIOMETRIC_NOT_ENROLLED'),
    );
  });

  it('a failure the client records counts like a failed match, with or without an enrolment', () => {
    const { events } = given([]).when(clientFailure()).decided();
    expect(decided(events)).toEqual([
      {
        type: 'BiometricFailureRecorded',
        data: { authenticationId: 'c1', type: 'face', reason: 'LIVENESS', failedAttempts: 1, lockedUntil: null, at: T0.toISOString() },
      },
    ]);
    const locked = given([]).followedBy(enrol(), authenticate(0, { id: 'f1' }), authenticate(0, { id: 'f2' })).when(clientFailure()).decided();
    expect(locked.events[0]!.data).toMatchObject({ failedAttempts: 3, lockedUntil: later(15 * 60).toISOString() });
  });

  it('deletes the enrolment (404 without one), even while locked; failures stay', () => {
    given([]).when({ type: 'DeleteBiometric', metadata: { now: T0 } }).thenThrows(DomainError, rejectedWith('not-found', 'BIOMETRIC_NOT_ENROLLED'));
    const lockedHistory = given([]).followedBy(enrol(), authenticate(0, { id: 'f1' }), authenticate(0, { id: 'f2' }), authenticate(0, { id: 'f3' }));
    const { events, state } = lockedHistory.when({ type: 'DeleteBiometric', metadata: { now: later(1) } }).decided();
    expect(decided(events)).toEqual([{ type: 'BiometricDeleted', data: { biometricId: 'b1', type: 'face', at: later(1).toISOString() } }]);
    expect([state.face, state.failedAttempts]).toEqual([null, 3]);
  });

  it('publishes no template: the integration form drops the ciphertext', () => {
    const { events } = given([]).when(enrol()).decided();
    const published = toBiometricIntegrationEvent(events[0]!);
    expect(JSON.stringify(published)).not.toContain('ciphertext');
    expect(published.data).not.toHaveProperty('encryptedTemplate');
  });

  it('a folded state round-trips through its snapshot', () => {
    const { state } = given([]).followedBy(enrol(), authenticate(0.1, { id: 'f1' })).when(authenticate(0.9)).decided();
    expect(biometricSnapshot.parse(JSON.parse(JSON.stringify(state)))).toEqual(state);
    expect(() => biometricSnapshot.parse({ ...state, failedAttempts: -1 })).toThrow();
  });
});
