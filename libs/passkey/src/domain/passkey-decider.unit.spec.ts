import { DomainError, type DomainErrorKind, passkeyResourceSchema } from '@identity-store/contracts';
import {
  type AuthenticationSession,
  evolvePasskey,
  initialPasskeyUserState,
  type PasskeyEvent,
  type PasskeyUserState,
  passkeyStreamId,
  toPasskeyIntegrationEvent,
  userIdOfPasskeyStream,
  usernamelessSessionStreamId,
} from './passkey';
import type { AssertionCheck } from './passkey-authentication-decider';
import { decidePasskey, type PasskeyCommand } from './passkey-decider';
import type { VerifiedAttestation } from './passkey-registration-decider';
import { findSessionByChallenge } from './passkey-sessions';
import { credentialKey, credentialKeysOf, listPasskeyResources } from './passkey-views';

// ---------------------------------------------------------------------------------------------
// Fixtures: a fixed clock and ids. The cryptographic checks come in as their outcomes (the
// service makes them with @simplewebauthn/server; ../webauthn/verify-response.unit.spec.ts tests
// them with the software authenticator): here the decisions on those outcomes are tested.
// ---------------------------------------------------------------------------------------------

const T0 = new Date('2026-05-07T10:00:00.000Z');
const plus = (date: Date, seconds: number) => new Date(date.getTime() + seconds * 1000);
const STORE = 'store-1';
const RP = 'example.com';
const CHALLENGE = 'Y2hhbGxlbmdlLWNoYWxsZW5nZS0xMjM0NTY3ODk';
const CREDENTIAL = 'Y3JlZGVudGlhbC0x';
const USER_HANDLE = 'dXNlci0x';

const apply = (events: PasskeyEvent[], state = initialPasskeyUserState()) =>
  events.reduce(evolvePasskey, state);
const decide = (command: PasskeyCommand, state: PasskeyUserState) => decidePasskey(command, state);
/** Decides and evolves: the state after the command. */
const run = (command: PasskeyCommand, state: PasskeyUserState) => apply(decide(command, state), state);

const rejects = (fn: () => unknown, kind: DomainErrorKind, code: string) => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    expect([(error as DomainError).kind, (error as DomainError).code]).toEqual([kind, code]);
    return;
  }
  throw new Error(`expected ${code}`);
};

const startRegistration = (sessionId = 'reg-1', now = T0, timeoutMs = 300_000): PasskeyCommand => ({
  type: 'StartPasskeyRegistration',
  metadata: { now },
  sessionId,
  storeId: STORE,
  rpId: RP,
  policyName: 'default',
  challenge: CHALLENGE,
  userVerification: 'required',
  hints: ['client-device', 'hybrid'],
  timeoutMs,
});

const attestation = (credentialId = CREDENTIAL): VerifiedAttestation => ({
  ok: true,
  credentialId,
  publicKey: 'cHVibGljLWtleQ',
  signCount: 0,
  aaguid: '00000000-0000-0000-0000-000000000000',
  attestationFormat: 'none',
  transports: ['internal'],
  userVerified: true,
  backupEligible: true,
  backedUp: true,
  deviceType: 'multiDevice',
  authenticatorAttachment: 'platform',
  origin: 'https://example.com',
});

const completeRegistration = (
  over: Partial<Extract<PasskeyCommand, { type: 'CompletePasskeyRegistration' }>> = {},
): PasskeyCommand => ({
  type: 'CompletePasskeyRegistration',
  metadata: { now: plus(T0, 10) },
  sessionId: 'reg-1',
  storeId: STORE,
  passkeyId: 'pk-1',
  attestation: attestation(),
  name: 'Phone',
  context: { ip: '192.0.2.1' },
  ...over,
});

/** A user with one registered passkey (counter `signCount`). */
const registered = (signCount = 0) =>
  run(
    completeRegistration({ attestation: { ...attestation(), signCount } }),
    run(startRegistration(), initialPasskeyUserState()),
  );

const startAuthentication = (
  over: Partial<Extract<PasskeyCommand, { type: 'StartPasskeyAuthentication' }>> = {},
): PasskeyCommand => ({
  type: 'StartPasskeyAuthentication',
  metadata: { now: plus(T0, 60) },
  sessionId: 'auth-1',
  storeId: STORE,
  rpId: RP,
  policyName: 'default',
  challenge: CHALLENGE,
  userVerification: 'preferred',
  hints: ['client-device'],
  timeoutMs: 120_000,
  usernameless: false,
  ...over,
});

const verified = (signCount: number): AssertionCheck => ({
  ok: true,
  signCount,
  userVerified: true,
  backedUp: true,
  origin: 'https://example.com',
});

const completeAuthentication = (
  assertion: AssertionCheck,
  over: Partial<Extract<PasskeyCommand, { type: 'CompletePasskeyAuthentication' }>> = {},
): PasskeyCommand => ({
  type: 'CompletePasskeyAuthentication',
  metadata: { now: plus(T0, 70) },
  sessionId: 'auth-1',
  storeId: STORE,
  authenticationId: 'a-1',
  credentialId: CREDENTIAL,
  userHandle: USER_HANDLE,
  expectedUserHandle: USER_HANDLE,
  assertion,
  ...over,
});

const outcome = (events: PasskeyEvent[]) => {
  expect(events).toHaveLength(1);
  const [event] = events;
  return event!;
};

describe('passkey streams', () => {
  it('are per user, and per session for usernameless authentications', () => {
    expect(passkeyStreamId('u1')).toBe('passkey-user-u1');
    expect(userIdOfPasskeyStream('passkey-user-u1')).toBe('u1');
    expect(userIdOfPasskeyStream(usernamelessSessionStreamId('s1'))).toBeUndefined();
  });
});

describe('registration', () => {
  it('a start opens a session holding the challenge, user verification and hints, expiring at the timeout', () => {
    const events = decide(startRegistration('reg-1', T0, 60_000), initialPasskeyUserState());
    expect(events).toEqual([
      {
        type: 'PasskeyRegistrationStarted',
        data: {
          sessionId: 'reg-1',
          storeId: STORE,
          rpId: RP,
          policyName: 'default',
          challenge: CHALLENGE,
          userVerification: 'required',
          hints: ['client-device', 'hybrid'],
          expiresDtm: '2026-05-07T10:01:00.000Z',
          at: T0.toISOString(),
        },
      },
    ]);
    expect(apply(events).sessions['reg-1']).toMatchObject({ kind: 'REGISTRATION', challenge: CHALLENGE });
    expect(findSessionByChallenge(apply(events), 'REGISTRATION', CHALLENGE)?.id).toBe('reg-1');
    expect(findSessionByChallenge(apply(events), 'AUTHENTICATION', CHALLENGE)).toBeUndefined();
  });

  it('a timeout too large for a date expires the session at the latest instant instead of throwing (review M1)', () => {
    const events = decide(startRegistration('reg-1', T0, Number.MAX_VALUE), initialPasskeyUserState());
    expect(events[0]!.data).toMatchObject({ expiresDtm: '9999-12-31T23:59:59.999Z' });
  });

  it('a verified attestation completes it: the passkey with what the attestation said, the session closed', () => {
    const state = run(startRegistration(), initialPasskeyUserState());
    const event = outcome(decide(completeRegistration(), state));
    expect(event).toEqual({
      type: 'PasskeyRegistrationCompleted',
      data: {
        sessionId: 'reg-1',
        storeId: STORE,
        passkeyId: 'pk-1',
        rpId: RP,
        policyName: 'default',
        name: 'Phone',
        hints: ['client-device', 'hybrid'],
        ...(({ ok: _ok, ...rest }) => rest)(attestation()),
        createdDtm: plus(T0, 10).toISOString(),
        context: { ip: '192.0.2.1' },
      },
    });
    const after = apply([event], state);
    expect(after.sessions).toEqual({});
    expect(listPasskeyResources(after)).toEqual([
      {
        id: 'pk-1',
        rpId: RP,
        credentialId: CREDENTIAL,
        name: 'Phone',
        status: 'ACTIVE',
        policyName: 'default',
        aaguid: '00000000-0000-0000-0000-000000000000',
        attestationFormat: 'none',
        transports: ['internal'],
        backupEligible: true,
        backedUp: true,
        deviceType: 'multiDevice',
        authenticatorAttachment: 'platform',
        userVerified: true,
        signCount: 0,
        createdDtm: plus(T0, 10).toISOString(),
        lastUsedDtm: null,
      },
    ]);
    // The resource never carries the public key or the store; it is what the API schema says.
    expect(passkeyResourceSchema.strict().safeParse(listPasskeyResources(after)[0]).success).toBe(true);
    expect(credentialKeysOf(after)).toEqual([credentialKey(STORE, RP, CREDENTIAL)]);
  });

  it('a failed check is a failed registration that uses the session up, and stores no passkey', () => {
    const state = run(startRegistration(), initialPasskeyUserState());
    const events = decide(
      completeRegistration({ attestation: { ok: false, reason: 'ORIGIN_MISMATCH' } }),
      state,
    );
    expect(events).toEqual([
      {
        type: 'PasskeyRegistrationFailed',
        data: {
          sessionId: 'reg-1',
          rpId: RP,
          policyName: 'default',
          reason: 'ORIGIN_MISMATCH',
          at: plus(T0, 10).toISOString(),
          context: { ip: '192.0.2.1' },
        },
      },
    ]);
    expect(apply(events, state)).toEqual({ passkeys: {}, sessions: {} });
  });

  it('refuses a credential id the user already has for the relying party (409), leaving the session open', () => {
    const state = run(startRegistration('reg-2'), registered());
    rejects(
      () => decide(completeRegistration({ sessionId: 'reg-2', passkeyId: 'pk-2' }), state),
      'conflict',
      'PASSKEY_ALREADY_REGISTERED',
    );
    // A refused decision appends nothing: the same session then completes with another credential.
    expect(
      outcome(
        decide(
          completeRegistration({
            sessionId: 'reg-2',
            passkeyId: 'pk-2',
            attestation: attestation('b3RoZXI'),
          }),
          state,
        ),
      ).type,
    ).toBe('PasskeyRegistrationCompleted');
  });

  it('sessions: unknown, used, of another kind or another store are 404; expired ones 410 until the next start prunes them', () => {
    const state = run(startRegistration(), initialPasskeyUserState());
    rejects(
      () => decide(completeRegistration({ sessionId: 'nope' }), state),
      'not-found',
      'PASSKEY_SESSION_NOT_FOUND',
    );
    rejects(
      () => decide(completeRegistration({ storeId: 'store-2' }), state),
      'not-found',
      'PASSKEY_SESSION_NOT_FOUND',
    );
    rejects(
      () => decide(completeAuthentication(verified(1), { sessionId: 'reg-1' }), state),
      'not-found',
      'PASSKEY_SESSION_NOT_FOUND',
    );
    const used = run(completeRegistration(), state);
    rejects(() => decide(completeRegistration(), used), 'not-found', 'PASSKEY_SESSION_NOT_FOUND');

    const late = plus(T0, 300);
    rejects(() => decide(completeRegistration({ metadata: { now: late } }), state), 'gone', 'PASSKEY_SESSION_EXPIRED');
    expect(decide(completeRegistration({ metadata: { now: plus(T0, 299) } }), state)).toHaveLength(1);
    const pruned = run(startRegistration('reg-2', late), state);
    expect(Object.keys(pruned.sessions)).toEqual(['reg-2']);
  });
});

describe('authentication', () => {
  it('a start allows the user’s ACTIVE passkeys of the relying party; none is 404', () => {
    rejects(() => decide(startAuthentication(), initialPasskeyUserState()), 'not-found', 'PASSKEY_NOT_FOUND');
    const state = registered();
    const [event] = decide(startAuthentication(), state);
    expect(event).toMatchObject({
      type: 'PasskeyAuthenticationStarted',
      data: { allowCredentials: [CREDENTIAL], usernameless: false, expiresDtm: plus(T0, 180).toISOString() },
    });
    rejects(
      () => decide(startAuthentication({ rpId: 'other.example' }), state),
      'not-found',
      'PASSKEY_NOT_FOUND',
    );
    const suspended = run({ type: 'UpdatePasskey', metadata: { now: T0 }, passkeyId: 'pk-1', status: 'SUSPENDED' }, state);
    rejects(() => decide(startAuthentication(), suspended), 'not-found', 'PASSKEY_NOT_FOUND');
  });

  it('a usernameless start allows any credential (its stream has no passkeys)', () => {
    const [event] = decide(startAuthentication({ usernameless: true }), initialPasskeyUserState());
    expect(event).toMatchObject({ data: { allowCredentials: [], usernameless: true } });
  });

  it('a verified assertion with a growing counter succeeds: counter, backup state and last use recorded', () => {
    const state = run(startAuthentication(), registered(5));
    const event = outcome(
      decide(completeAuthentication(verified(6), { context: { ip: '192.0.2.9' } }), state),
    );
    expect(event).toEqual({
      type: 'PasskeyAuthenticationSucceeded',
      data: {
        sessionId: 'auth-1',
        authenticationId: 'a-1',
        rpId: RP,
        policyName: 'default',
        usernameless: false,
        hints: ['client-device'],
        at: plus(T0, 70).toISOString(),
        context: { ip: '192.0.2.9' },
        passkeyId: 'pk-1',
        credentialId: CREDENTIAL,
        name: 'Phone',
        status: 'ACTIVE',
        userVerified: true,
        backedUp: true,
        signCount: 6,
        previousSignCount: 5,
        origin: 'https://example.com',
      },
    });
    const after = apply([event], state);
    expect(after.sessions).toEqual({});
    expect(after.passkeys['pk-1']).toMatchObject({ signCount: 6, lastUsedDtm: plus(T0, 70).toISOString() });
  });

  it('accepts the zero counter of synced passkeys (both zero), every time', () => {
    let state = registered(0);
    for (const sessionId of ['s1', 's2']) {
      state = run(startAuthentication({ sessionId }), state);
      const events = decide(completeAuthentication(verified(0), { sessionId }), state);
      expect(outcome(events).type).toBe('PasskeyAuthenticationSucceeded');
      state = apply(events, state);
    }
    expect(state.passkeys['pk-1']!.signCount).toBe(0);
  });

  it('flags a counter that does not grow as COUNTER_REGRESSION, keeping the stored counter', () => {
    for (const [stored, signed] of [
      [5, 4],
      [5, 5],
      [5, 0],
    ] as const) {
      const state = run(startAuthentication(), registered(stored));
      const event = outcome(decide(completeAuthentication(verified(signed)), state));
      expect(event).toMatchObject({
        type: 'PasskeyAuthenticationFailed',
        data: {
          reason: 'COUNTER_REGRESSION',
          counterRegression: true,
          signCount: signed,
          previousSignCount: stored,
        },
      });
      const after = apply([event], state);
      expect(after.passkeys['pk-1']!.signCount).toBe(stored);
      expect(after.sessions).toEqual({});
    }
  });

  it('judges in order: unknown or not allowed credential, user handle, passkey status, then the checks', () => {
    const state = run(startAuthentication(), registered(1));
    const reason = (command: PasskeyCommand, on = state) => {
      const event = outcome(decide(command, on));
      expect(event.type).toBe('PasskeyAuthenticationFailed');
      return (event.data as { reason: string }).reason;
    };
    const failedCheck: AssertionCheck = {
      ok: false,
      reason: 'INVALID_SIGNATURE',
      userVerified: true,
      signCount: 2,
    };
    expect(reason(completeAuthentication(verified(2), { credentialId: 'dW5rbm93bg' }))).toBe(
      'UNKNOWN_CREDENTIAL',
    );
    expect(reason(completeAuthentication(failedCheck, { userHandle: 'b3RoZXI' }))).toBe(
      'USER_HANDLE_MISMATCH',
    );
    const suspended = run({ type: 'UpdatePasskey', metadata: { now: T0 }, passkeyId: 'pk-1', status: 'SUSPENDED' }, state);
    expect(reason(completeAuthentication(failedCheck), suspended)).toBe('PASSKEY_NOT_ACTIVE');
    expect(reason(completeAuthentication(failedCheck))).toBe('INVALID_SIGNATURE');
    expect(
      reason(
        completeAuthentication({
          ok: false,
          reason: 'USER_VERIFICATION_MISSING',
          userVerified: false,
          signCount: 2,
        }),
      ),
    ).toBe('USER_VERIFICATION_MISSING');
    // A response without a user handle is fine for a user-scoped session.
    expect(outcome(decide(completeAuthentication(verified(2), { userHandle: undefined }), state)).type).toBe(
      'PasskeyAuthenticationSucceeded',
    );

    // A credential the session did not allow (registered after the start) is unknown to it.
    const later = run(
      completeRegistration({ sessionId: 'reg-9', passkeyId: 'pk-2', attestation: attestation('c2Vjb25k') }),
      run(startRegistration('reg-9', plus(T0, 61)), state),
    );
    expect(reason(completeAuthentication(verified(1), { credentialId: 'c2Vjb25k' }), later)).toBe(
      'UNKNOWN_CREDENTIAL',
    );
  });

  it('records what the failed check saw, and the passkey when one has the credential id', () => {
    const state = run(startAuthentication(), registered(1));
    const event = outcome(
      decide(
        completeAuthentication({ ok: false, reason: 'ORIGIN_MISMATCH', userVerified: false, signCount: 9 }),
        state,
      ),
    );
    expect(event.data).toMatchObject({
      passkeyId: 'pk-1',
      credentialId: CREDENTIAL,
      status: 'ACTIVE',
      reason: 'ORIGIN_MISMATCH',
      counterRegression: false,
      userVerified: false,
      signCount: 9,
      previousSignCount: 1,
    });
    const unknown = outcome(
      decide(completeAuthentication(verified(2), { credentialId: 'dW5rbm93bg' }), state),
    );
    expect(unknown.data).toMatchObject({
      passkeyId: null,
      name: null,
      status: null,
      previousSignCount: null,
    });
  });
});

describe('usernameless authentication', () => {
  /** The session's own stream, and the session as the service reads it from there. */
  const sessionStream = () => run(startAuthentication({ usernameless: true }), initialPasskeyUserState());
  const session = () => sessionStream().sessions['auth-1'] as AuthenticationSession;

  it('decides on the user’s stream with the session read from its own stream; the user handle is required', () => {
    const user = registered(3);
    const ok = outcome(decide(completeAuthentication(verified(4), { session: session() }), user));
    expect(ok).toMatchObject({
      type: 'PasskeyAuthenticationSucceeded',
      data: { usernameless: true, previousSignCount: 3 },
    });
    const noHandle = outcome(
      decide(completeAuthentication(verified(4), { session: session(), userHandle: undefined }), user),
    );
    expect(noHandle.data).toMatchObject({ reason: 'USER_HANDLE_MISMATCH' });
    rejects(
      () => decide(completeAuthentication(verified(4), { session: session(), storeId: 'store-2' }), user),
      'not-found',
      'PASSKEY_SESSION_NOT_FOUND',
    );
    rejects(
      () => decide(completeAuthentication(verified(4), { session: session(), metadata: { now: plus(T0, 180) } }), user),
      'gone',
      'PASSKEY_SESSION_EXPIRED',
    );
  });

  it('the session stream closes when a user is found (published without the session id), or records the failure when none is', () => {
    const base = { metadata: { now: plus(T0, 70) }, sessionId: 'auth-1', storeId: STORE, authenticationId: 'a-1' };
    const closed = decide({ type: 'CloseUsernamelessSession', ...base }, sessionStream());
    expect(closed).toEqual([
      {
        type: 'PasskeyAuthenticationSessionClosed',
        data: { sessionId: 'auth-1', authenticationId: 'a-1', at: base.metadata.now.toISOString() },
      },
    ]);
    expect(toPasskeyIntegrationEvent(closed[0]!)).toEqual({
      type: 'PasskeyAuthenticationSessionClosed',
      version: 1,
      data: { authenticationId: 'a-1', at: base.metadata.now.toISOString() },
    });
    expect(apply(closed, sessionStream()).sessions).toEqual({});
    rejects(
      () => decide({ type: 'CloseUsernamelessSession', ...base }, apply(closed, sessionStream())),
      'not-found',
      'PASSKEY_SESSION_NOT_FOUND',
    );

    const failed = outcome(
      decide({ type: 'FailUsernamelessAuthentication', ...base, credentialId: CREDENTIAL }, sessionStream()),
    );
    expect(failed).toMatchObject({
      type: 'PasskeyAuthenticationFailed',
      data: { reason: 'UNKNOWN_CREDENTIAL', passkeyId: null, usernameless: true, credentialId: CREDENTIAL },
    });
    // A user's session is never closed as a usernameless one.
    expect(() =>
      decide({ type: 'CloseUsernamelessSession', ...base }, run(startAuthentication(), registered())),
    ).toThrow();
  });
});

describe('administration', () => {
  it('updates status and name; setting what is there is a no-op; REVOKED is final', () => {
    const state = registered();
    const at = plus(T0, 5);
    expect(
      decide({ type: 'UpdatePasskey', metadata: { now: at }, passkeyId: 'pk-1', status: 'ACTIVE', name: 'Phone' }, state),
    ).toEqual([]);
    const changed = decide(
      { type: 'UpdatePasskey', metadata: { now: at }, passkeyId: 'pk-1', status: 'SUSPENDED', name: null },
      state,
    );
    expect(changed).toEqual([
      {
        type: 'PasskeyStatusChanged',
        data: { passkeyId: 'pk-1', status: 'SUSPENDED', at: at.toISOString() },
      },
      { type: 'PasskeyRenamed', data: { passkeyId: 'pk-1', name: null, at: at.toISOString() } },
    ]);
    expect(apply(changed, state).passkeys['pk-1']).toMatchObject({ status: 'SUSPENDED', name: null });
    const revoked = run({ type: 'UpdatePasskey', metadata: { now: at }, passkeyId: 'pk-1', status: 'REVOKED' }, state);
    rejects(
      () => decide({ type: 'UpdatePasskey', metadata: { now: at }, passkeyId: 'pk-1', name: 'x' }, revoked),
      'conflict',
      'PASSKEY_REVOKED',
    );
    rejects(
      () => decide({ type: 'UpdatePasskey', metadata: { now: at }, passkeyId: 'nope', name: 'x' }, state),
      'not-found',
      'PASSKEY_NOT_FOUND',
    );
  });

  it('deletes a passkey, which releases its credential key', () => {
    const state = registered();
    const deleted = run({ type: 'DeletePasskey', metadata: { now: T0 }, passkeyId: 'pk-1' }, state);
    expect(deleted.passkeys).toEqual({});
    expect(credentialKeysOf(deleted)).toEqual([]);
    rejects(
      () => decide({ type: 'DeletePasskey', metadata: { now: T0 }, passkeyId: 'pk-1' }, deleted),
      'not-found',
      'PASSKEY_NOT_FOUND',
    );
  });

  it('ignores unknown event types and events of passkeys already removed', () => {
    const state = registered();
    expect(evolvePasskey(state, { type: 'SomethingNew', data: {} } as unknown as PasskeyEvent)).toBe(state);
    const gone = run({ type: 'DeletePasskey', metadata: { now: T0 }, passkeyId: 'pk-1' }, state);
    expect(
      apply([{ type: 'PasskeyRenamed', data: { passkeyId: 'pk-1', name: 'x', at: T0.toISOString() } }], gone),
    ).toEqual(gone);
  });
});
