import { DomainError } from '@identity-store/contracts';
import { DeciderSpecification } from '@identity-store/testing';
import { evolvePasskey, PasskeySessionsExpired, toPasskeyIntegrationEvent } from './passkey';
import { type PasskeyCommand, passkeyDecider } from './passkey-decider';
import { expirePasskeySessions, MAX_OPEN_SESSIONS, storeOfPasskeySessions } from './passkey-sessions';

/**
 * Bounded ceremony sessions of the passkey aggregate (review finding M8): at most
 * MAX_OPEN_SESSIONS open per user (the oldest evicted by a start beyond), the sweeper's decision
 * closing expired ones, on users' streams and on usernameless sessions' own streams.
 */

const T0 = new Date('2026-05-07T10:00:00.000Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const ceremony = (sessionId: string, now: Date) => ({
  metadata: { now },
  sessionId,
  storeId: 'store-1',
  rpId: 'example.com',
  policyName: 'default',
  challenge: Buffer.from(sessionId.padEnd(24, '-')).toString('base64url'),
  userVerification: 'preferred' as const,
  hints: [],
  timeoutMs: 300_000,
});
const given = DeciderSpecification.for(passkeyDecider);
const startRegistration = (sessionId: string, now: Date): PasskeyCommand => ({
  type: 'StartPasskeyRegistration',
  ...ceremony(sessionId, now),
});
/** A completion whose attestation failed its checks: decided on the open session (a failure), or refused. */
const complete = (sessionId: string, now: Date): PasskeyCommand => ({
  type: 'CompletePasskeyRegistration',
  metadata: { now },
  sessionId,
  storeId: 'store-1',
  passkeyId: 'passkey-1',
  attestation: { ok: false, reason: 'INVALID_ATTESTATION' },
});
/** What a decision was: the types of the decided events, or the refusal's kind and code. */
const outcome = (when: { decided: () => { events: Array<{ type: string }> } }) => {
  try {
    return when
      .decided()
      .events.map((e) => e.type)
      .join();
  } catch (error) {
    if (error instanceof DomainError) return `${error.kind} ${error.code}`;
    throw error;
  }
};
const withOpenRegistrations = (count: number) =>
  given().followedBy(...Array.from({ length: count }, (_, i) => startRegistration(`session-${99 - i}`, at(i))));

describe('passkey sessions are capped per user', () => {
  it(`opens ${MAX_OPEN_SESSIONS} without evicting any`, () => {
    const { events } = withOpenRegistrations(MAX_OPEN_SESSIONS - 1).when(startRegistration('tenth', at(30))).decided();
    expect(events.map((e) => e.type)).toEqual(['PasskeyRegistrationStarted']);
  });

  it('a start beyond the cap evicts the oldest open session in the same decision; its completion is 404', () => {
    const beyond = withOpenRegistrations(MAX_OPEN_SESSIONS)
      .when(startRegistration('newest', at(30)))
      .then([
      PasskeySessionsExpired.create({
        reason: 'EVICTED',
        // The oldest by start time (not by id: "session-99" sorts last).
        sessions: [
          {
            sessionId: 'session-99',
            kind: 'REGISTRATION',
            rpId: 'example.com',
            policyName: 'default',
            usernameless: false,
            expiresDtm: at(300).toISOString(),
          },
        ],
        at: at(30).toISOString(),
      }),
      expect.objectContaining({ type: 'PasskeyRegistrationStarted' }),
    ]);
    expect(Object.keys(beyond.state.sessions)).toHaveLength(MAX_OPEN_SESSIONS);
    expect(outcome(beyond.when(complete('session-99', at(31))))).toBe(
      'not-found PASSKEY_SESSION_NOT_FOUND',
    );
    expect(outcome(beyond.when(complete('newest', at(31))))).toBe('PasskeyRegistrationFailed');
    expect(outcome(beyond.when(complete('session-98', at(31))))).toBe('PasskeyRegistrationFailed');
  });

  it('expired sessions do not count, and the state never holds more than the cap', () => {
    const later = withOpenRegistrations(MAX_OPEN_SESSIONS).when(startRegistration('later', at(600))).decided();
    expect(later.events.map((e) => e.type)).toEqual(['PasskeyRegistrationStarted']);
    expect(Object.keys(later.state.sessions)).toEqual(['later']);

    const state = given()
      .followedBy(...Array.from({ length: 100 }, (_, i) => startRegistration(`s-${i}`, at(i))))
      .state();
    expect(Object.keys(state.sessions)).toHaveLength(MAX_OPEN_SESSIONS);
    expect(state.sessions['s-99']).toBeDefined();
    expect(state.sessions['s-89']).toBeUndefined();
  });
});

describe("the session sweeper's decision", () => {
  it("closes a usernameless session's own stream once it expired: 410 before, 404 after", () => {
    const started = given().followedBy({
      type: 'StartPasskeyAuthentication',
      ...ceremony('usernameless', at(0)),
      usernameless: true,
    });
    const state = started.state();
    const close = (stream: typeof started, now: Date) =>
      stream.when({
        type: 'CloseUsernamelessSession',
        metadata: { now },
        sessionId: 'usernameless',
        storeId: 'store-1',
        authenticationId: 'a-1',
      });
    expect(expirePasskeySessions(state, at(299))).toEqual([]);
    expect(outcome(close(started, at(300)))).toBe('gone PASSKEY_SESSION_EXPIRED');
    const events = expirePasskeySessions(state, at(300));
    expect(events).toEqual([
      PasskeySessionsExpired.create({
        reason: 'EXPIRED',
        sessions: [
          {
            sessionId: 'usernameless',
            kind: 'AUTHENTICATION',
            rpId: 'example.com',
            policyName: 'default',
            usernameless: true,
            expiresDtm: at(300).toISOString(),
          },
        ],
        at: at(300).toISOString(),
      }),
    ]);
    expect(storeOfPasskeySessions(state)).toBe('store-1');
    const swept = given([...started.events, ...events]);
    expect(swept.state().sessions).toEqual({});
    expect(outcome(close(swept, at(301)))).toBe('not-found PASSKEY_SESSION_NOT_FOUND');
    expect(toPasskeyIntegrationEvent(events[0]!)).toEqual({
      type: 'PasskeySessionsExpired',
      version: 1,
      data: {
        reason: 'EXPIRED',
        sessions: [
          {
            kind: 'AUTHENTICATION',
            rpId: 'example.com',
            policyName: 'default',
            usernameless: true,
            expiresDtm: at(300).toISOString(),
          },
        ],
        at: at(300).toISOString(),
      },
    });
  });

  it("closes only a user's expired sessions", () => {
    const state = given().followedBy(startRegistration('early', at(0)), startRegistration('late', at(120))).state();
    const swept = expirePasskeySessions(state, at(400)).reduce(evolvePasskey, state);
    expect(Object.keys(swept.sessions)).toEqual(['late']);
    expect(expirePasskeySessions(swept, at(400))).toEqual([]);
  });
});
