import { DomainError } from '@identity-store/contracts';
import {
  evolvePasscode,
  initialPasscodeUserState,
  type PasscodeEvent,
  PasscodeSessionsExpired,
  type PasscodeUserState,
  toPasscodeIntegrationEvent,
} from './passcode';
import { passcodeDecider } from './passcode-decider';
import {
  expirePasscodeSessions,
  MAX_OPEN_SESSIONS,
  type PasscodePolicyParameters,
  storeOfPasscodeSessions,
} from './passcode-sessions';
import { type PasscodeRequest, type PasscodeSecrets, serverProofOf, withSrpWork } from './srp-proof';

/**
 * A command as the tests write it: `now`, and the client's values before the handler's SRP work.
 * {@link decidePasscode} does what the handler does (srp-proof.ts: the challenge, the verdict on
 * the proof, the ciphertexts, with the fixture's secrets), decides, and hands an accepted proof's
 * M2 to `onServerProof` as the handler answers it to the client.
 */
type PasscodeCommand = PasscodeRequest & { now: Date };
type TestSecrets = PasscodeSecrets & { onServerProof?(M2: string): void };
type PasscodeDeciderDeps = TestSecrets;

const decidePasscode = (command: PasscodeCommand, state: PasscodeUserState, secrets: TestSecrets): PasscodeEvent[] => {
  const { now, ...request } = command;
  const checked = withSrpWork(request as PasscodeRequest, state, secrets);
  const events = passcodeDecider.decide({ ...checked, metadata: { now } }, state);
  const M2 = serverProofOf(checked);
  if (M2 !== undefined) secrets.onServerProof?.(M2);
  return events;
};

/**
 * Bounded ceremony sessions of the passcode aggregate (review finding M8): at most
 * MAX_OPEN_SESSIONS open per user (the oldest evicted by a start beyond), and the sweeper's
 * decision closing expired ones.
 */

const T0 = new Date('2026-05-07T10:00:00.000Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const policy: PasscodePolicyParameters = {
  name: 'default',
  srpGroup: 2048,
  hash: 'SHA-256',
  validity: null,
  renewalWindow: null,
  maxFailedAttempts: 5,
  lockoutDuration: 'PT15M',
};
const deps: PasscodeDeciderDeps = {
  encrypt: (plaintext, label) => `enc:${label}:${plaintext.toString('hex')}`,
  decrypt: () => Buffer.alloc(0),
  challenge: () => ({ b: '00', B: '00' }),
  decoy: () => ({ salt: '00', verifier: '00' }),
};
const run = (state: PasscodeUserState, command: PasscodeCommand) => {
  const events = decidePasscode(command, state, deps);
  return { events, state: events.reduce(evolvePasscode, state) };
};
const start = (state: PasscodeUserState, sessionId: string, now: Date) =>
  run(state, { type: 'StartPasscodeRegistration', now, policy, sessionId, storeId: 'store-1' });
const complete = (state: PasscodeUserState, sessionId: string, now: Date) =>
  run(state, {
    type: 'CompletePasscodeRegistration',
    now,
    sessionId,
    storeId: 'store-1',
    policies: { default: policy },
    passcodeId: `passcode-of-${sessionId}`,
    salt: '00112233445566778899aabbccddeeff',
    verifier: 'ab'.repeat(256),
  });
const codeOf = (action: () => unknown) => {
  try {
    action();
  } catch (error) {
    if (error instanceof DomainError) return `${error.kind} ${error.code}`;
    throw error;
  }
  return 'ok';
};

/** A user with `count` open registrations, started a second apart (ids in reverse order of age). */
const withOpenSessions = (count: number) => {
  let state = initialPasscodeUserState();
  for (let i = 0; i < count; i++) state = start(state, `session-${String(99 - i)}`, at(i)).state;
  return state;
};

describe('passcode sessions are capped per user', () => {
  it(`opens ${MAX_OPEN_SESSIONS} without evicting any`, () => {
    const state = withOpenSessions(MAX_OPEN_SESSIONS - 1);
    const { events } = start(state, 'tenth', at(30));
    expect(events.map((e) => e.type)).toEqual(['PasscodeRegistrationStarted']);
  });

  it('a start beyond the cap evicts the oldest open session in the same decision; its completion is 404', () => {
    const state = withOpenSessions(MAX_OPEN_SESSIONS);
    const { events, state: after } = start(state, 'newest', at(30));
    expect(events).toEqual([
      PasscodeSessionsExpired.create({
        reason: 'EVICTED',
        // The oldest by start time (not by id: "session-99" sorts last).
        sessions: [{ sessionId: 'session-99', kind: 'REGISTRATION', expiresDtm: at(300).toISOString() }],
        at: at(30).toISOString(),
      }),
      expect.objectContaining({ type: 'PasscodeRegistrationStarted' }),
    ]);
    expect(Object.keys(after.sessions)).toHaveLength(MAX_OPEN_SESSIONS);
    expect(after.sessions['session-99']).toBeUndefined();
    expect(codeOf(() => complete(after, 'session-99', at(31)))).toBe('not-found PASSCODE_SESSION_NOT_FOUND');
    expect(codeOf(() => complete(after, 'newest', at(31)))).toBe('ok');
    expect(codeOf(() => complete(after, 'session-98', at(31)))).toBe('ok');
  });

  it('decoy challenges (authentication starts without a passcode) count and are evicted like the others', () => {
    let state = withOpenSessions(MAX_OPEN_SESSIONS - 1);
    const decoy = (sessionId: string, now: Date) =>
      run(state, { type: 'StartPasscodeAuthentication', now, policy, sessionId, storeId: 'store-1' });
    state = decoy('decoy-1', at(20)).state;
    expect(state.sessions['decoy-1']).toMatchObject({ kind: 'DECOY' });
    const { events } = decoy('decoy-2', at(21));
    expect(events.map((e) => e.type)).toEqual([
      'PasscodeSessionsExpired',
      'PasscodeDecoyAuthenticationStarted',
    ]);
  });

  it('expired sessions do not count: they are pruned, nothing is evicted', () => {
    const state = withOpenSessions(MAX_OPEN_SESSIONS);
    const { events, state: after } = start(state, 'later', at(10 * 60));
    expect(events.map((e) => e.type)).toEqual(['PasscodeRegistrationStarted']);
    expect(Object.keys(after.sessions)).toEqual(['later']);
  });

  it('however many starts, the state never holds more than the cap', () => {
    let state = initialPasscodeUserState();
    for (let i = 0; i < 100; i++) state = start(state, `s-${i}`, at(i)).state;
    expect(Object.keys(state.sessions).sort()).toEqual(
      Array.from({ length: MAX_OPEN_SESSIONS }, (_, i) => `s-${90 + i}`).sort(),
    );
  });
});

describe("the session sweeper's decision", () => {
  it('closes only the sessions expired at its time, releasing them from the state; 410 before, 404 after', () => {
    let state = start(initialPasscodeUserState(), 'early', at(0)).state;
    state = start(state, 'late', at(120)).state;
    expect(expirePasscodeSessions(state, at(299))).toEqual([]);
    expect(codeOf(() => complete(state, 'early', at(300)))).toBe('gone PASSCODE_SESSION_EXPIRED');

    const events = expirePasscodeSessions(state, at(300));
    expect(events).toEqual([
      PasscodeSessionsExpired.create({
        reason: 'EXPIRED',
        sessions: [{ sessionId: 'early', kind: 'REGISTRATION', expiresDtm: at(300).toISOString() }],
        at: at(300).toISOString(),
      }),
    ]);
    const swept = events.reduce(evolvePasscode, state);
    expect(Object.keys(swept.sessions)).toEqual(['late']);
    expect(codeOf(() => complete(swept, 'early', at(301)))).toBe('not-found PASSCODE_SESSION_NOT_FOUND');
    expect(expirePasscodeSessions(swept, at(300))).toEqual([]);
    expect(storeOfPasscodeSessions(swept)).toBe('store-1');
  });

  it('publishes which kinds of sessions expired, never their ids', () => {
    const state = start(initialPasscodeUserState(), 'secret-session-id', at(0)).state;
    const [event] = expirePasscodeSessions(state, at(600));
    expect(toPasscodeIntegrationEvent(event!)).toEqual({
      type: 'PasscodeSessionsExpired',
      version: 1,
      data: {
        reason: 'EXPIRED',
        sessions: [{ kind: 'REGISTRATION', expiresDtm: at(300).toISOString() }],
        at: at(600).toISOString(),
      },
    });
  });
});
