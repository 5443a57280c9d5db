import { DomainError, type DomainErrorKind, passkeyResourceSchema } from '@identity-store/contracts';
import { DeciderSpecification } from '@identity-store/testing';
import {
  type AuthenticationSession,
  evolvePasskey,
  type PasskeyEvent,
  passkeyStreamId,
  toPasskeyIntegrationEvent,
  userIdOfPasskeyStream,
  usernamelessSessionStreamId,
} from './passkey';
import type { AssertionCheck } from './passkey-authentication-decider';
import { type PasskeyCommand, passkeyDecider } from './passkey-decider';
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

const given = DeciderSpecification.for(passkeyDecider);
/** The decision is refused with a DomainError of this kind and code. */
const rejectedWith = (kind: DomainErrorKind, code: string) => (error: DomainError) =>
  expect([error.kind, error.code]).toEqual([kind, code]);

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
  given().followedBy(startRegistration(), completeRegistration({ attestation: { ...attestation(), signCount } }));

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
    const { state } = given()
      .when(startRegistration('reg-1', T0, 60_000))
      .then([
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
    expect(state.sessions['reg-1']).toMatchObject({ kind: 'REGISTRATION', challenge: CHALLENGE });
    expect(findSessionByChallenge(state, 'REGISTRATION', CHALLENGE)?.id).toBe('reg-1');
    expect(findSessionByChallenge(state, 'AUTHENTICATION', CHALLENGE)).toBeUndefined();
  });

  it('a timeout too large for a date expires the session at the latest instant instead of throwing (review M1)', () => {
    const { events } = given().when(startRegistration('reg-1', T0, Number.MAX_VALUE)).decided();
    expect(events[0]!.data).toMatchObject({ expiresDtm: '9999-12-31T23:59:59.999Z' });
  });

  it('a verified attestation completes it: the passkey with what the attestation said, the session closed', () => {
    const { state: after } = given()
      .followedBy(startRegistration())
      .when(completeRegistration())
      .then([
        {
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
        },
      ]);
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

  it('records the hints a one-call request named beside the options’ hints, and publishes both', () => {
    const [event] = given()
      .followedBy(startRegistration())
      .when(completeRegistration({ clientHints: ['security-key'] }))
      .decided().events;
    expect(event!.data).toMatchObject({ hints: ['client-device', 'hybrid'], clientHints: ['security-key'] });
    expect(toPasskeyIntegrationEvent(event!).data).toMatchObject({
      hints: ['client-device', 'hybrid'],
      clientHints: ['security-key'],
    });
    // Without any, the event has none (the options' hints were the ones used).
    const [plain] = given().followedBy(startRegistration()).when(completeRegistration()).decided().events;
    expect(plain!.data).not.toHaveProperty('clientHints');
  });

  it('a failed check is a failed registration that uses the session up, and stores no passkey', () => {
    const { state } = given()
      .followedBy(startRegistration())
      .when(completeRegistration({ attestation: { ok: false, reason: 'ORIGIN_MISMATCH' } }))
      .then([
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
    expect(state).toEqual({ passkeys: {}, sessions: {} });
  });

  it('refuses a credential id the user already has for the relying party (409), leaving the session open', () => {
    const reopened = registered().followedBy(startRegistration('reg-2'));
    reopened
      .when(completeRegistration({ sessionId: 'reg-2', passkeyId: 'pk-2' }))
      .thenThrows(DomainError, rejectedWith('conflict', 'PASSKEY_ALREADY_REGISTERED'));
    // A refused decision appends nothing: the same session then completes with another credential.
    expect(
      outcome(
        reopened
          .when(
            completeRegistration({
              sessionId: 'reg-2',
              passkeyId: 'pk-2',
              attestation: attestation('b3RoZXI'),
            }),
          )
          .decided().events,
      ).type,
    ).toBe('PasskeyRegistrationCompleted');
  });

  it('sessions: unknown, used, of another kind or another store are 404; expired ones 410 until the next start prunes them', () => {
    const started = given().followedBy(startRegistration());
    started
      .when(completeRegistration({ sessionId: 'nope' }))
      .thenThrows(DomainError, rejectedWith('not-found', 'PASSKEY_SESSION_NOT_FOUND'));
    started
      .when(completeRegistration({ storeId: 'store-2' }))
      .thenThrows(DomainError, rejectedWith('not-found', 'PASSKEY_SESSION_NOT_FOUND'));
    started
      .when(completeAuthentication(verified(1), { sessionId: 'reg-1' }))
      .thenThrows(DomainError, rejectedWith('not-found', 'PASSKEY_SESSION_NOT_FOUND'));
    started
      .followedBy(completeRegistration())
      .when(completeRegistration())
      .thenThrows(DomainError, rejectedWith('not-found', 'PASSKEY_SESSION_NOT_FOUND'));

    const late = plus(T0, 300);
    started
      .when(completeRegistration({ metadata: { now: late } }))
      .thenThrows(DomainError, rejectedWith('gone', 'PASSKEY_SESSION_EXPIRED'));
    expect(started.when(completeRegistration({ metadata: { now: plus(T0, 299) } })).decided().events).toHaveLength(1);
    const { state: pruned } = started.when(startRegistration('reg-2', late)).decided();
    expect(Object.keys(pruned.sessions)).toEqual(['reg-2']);
  });
});

describe('authentication', () => {
  it('a start allows the user’s ACTIVE passkeys of the relying party; none is 404', () => {
    given().when(startAuthentication()).thenThrows(DomainError, rejectedWith('not-found', 'PASSKEY_NOT_FOUND'));
    const user = registered();
    const [event] = user.when(startAuthentication()).decided().events;
    expect(event).toMatchObject({
      type: 'PasskeyAuthenticationStarted',
      data: { allowCredentials: [CREDENTIAL], usernameless: false, expiresDtm: plus(T0, 180).toISOString() },
    });
    user
      .when(startAuthentication({ rpId: 'other.example' }))
      .thenThrows(DomainError, rejectedWith('not-found', 'PASSKEY_NOT_FOUND'));
    user
      .followedBy({ type: 'UpdatePasskey', metadata: { now: T0 }, passkeyId: 'pk-1', status: 'SUSPENDED' })
      .when(startAuthentication())
      .thenThrows(DomainError, rejectedWith('not-found', 'PASSKEY_NOT_FOUND'));
  });

  it('a usernameless start allows any credential (its stream has no passkeys)', () => {
    const [event] = given().when(startAuthentication({ usernameless: true })).decided().events;
    expect(event).toMatchObject({ data: { allowCredentials: [], usernameless: true } });
  });

  it('a verified assertion with a growing counter succeeds: counter, backup state and last use recorded', () => {
    const { state: after } = registered(5)
      .followedBy(startAuthentication())
      .when(completeAuthentication(verified(6), { context: { ip: '192.0.2.9' } }))
      .then([
        {
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
        },
      ]);
    expect(after.sessions).toEqual({});
    expect(after.passkeys['pk-1']).toMatchObject({ signCount: 6, lastUsedDtm: plus(T0, 70).toISOString() });
  });

  it('records the hints a one-call request named with the outcome, success or failure', () => {
    const [succeeded] = registered(5)
      .followedBy(startAuthentication())
      .when(completeAuthentication(verified(6), { clientHints: ['hybrid', 'security-key'] }))
      .decided().events;
    expect(succeeded).toMatchObject({
      type: 'PasskeyAuthenticationSucceeded',
      data: { hints: ['client-device'], clientHints: ['hybrid', 'security-key'] },
    });
    const [failed] = registered(5)
      .followedBy(startAuthentication())
      .when(completeAuthentication(verified(5), { clientHints: [] }))
      .decided().events;
    expect(failed).toMatchObject({ type: 'PasskeyAuthenticationFailed', data: { reason: 'COUNTER_REGRESSION', clientHints: [] } });
  });

  it('accepts the zero counter of synced passkeys (both zero), every time', () => {
    let user = registered(0);
    for (const sessionId of ['s1', 's2']) {
      const started = user.followedBy(startAuthentication({ sessionId }));
      const { events } = started.when(completeAuthentication(verified(0), { sessionId })).decided();
      expect(outcome(events).type).toBe('PasskeyAuthenticationSucceeded');
      user = given([...started.events, ...events]);
    }
    expect(user.state().passkeys['pk-1']!.signCount).toBe(0);
  });

  it('flags a counter that does not grow as COUNTER_REGRESSION, keeping the stored counter', () => {
    for (const [stored, signed] of [
      [5, 4],
      [5, 5],
      [5, 0],
    ] as const) {
      const { events, state: after } = registered(stored)
        .followedBy(startAuthentication())
        .when(completeAuthentication(verified(signed)))
        .decided();
      const event = outcome(events);
      expect(event).toMatchObject({
        type: 'PasskeyAuthenticationFailed',
        data: {
          reason: 'COUNTER_REGRESSION',
          counterRegression: true,
          signCount: signed,
          previousSignCount: stored,
        },
      });
      expect(after.passkeys['pk-1']!.signCount).toBe(stored);
      expect(after.sessions).toEqual({});
    }
  });

  it('judges in order: unknown or not allowed credential, user handle, passkey status, then the checks', () => {
    const started = registered(1).followedBy(startAuthentication());
    const reason = (command: PasskeyCommand, on = started) => {
      const event = outcome(on.when(command).decided().events);
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
    const suspended = started.followedBy({ type: 'UpdatePasskey', metadata: { now: T0 }, passkeyId: 'pk-1', status: 'SUSPENDED' });
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
    expect(outcome(started.when(completeAuthentication(verified(2), { userHandle: undefined })).decided().events).type).toBe(
      'PasskeyAuthenticationSucceeded',
    );

    // A credential the session did not allow (registered after the start) is unknown to it.
    const later = started.followedBy(
      startRegistration('reg-9', plus(T0, 61)),
      completeRegistration({ sessionId: 'reg-9', passkeyId: 'pk-2', attestation: attestation('c2Vjb25k') }),
    );
    expect(reason(completeAuthentication(verified(1), { credentialId: 'c2Vjb25k' }), later)).toBe(
      'UNKNOWN_CREDENTIAL',
    );
  });

  it('records what the failed check saw, and the passkey when one has the credential id', () => {
    const started = registered(1).followedBy(startAuthentication());
    const event = outcome(
      started
        .when(completeAuthentication({ ok: false, reason: 'ORIGIN_MISMATCH', userVerified: false, signCount: 9 }))
        .decided().events,
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
      started.when(completeAuthentication(verified(2), { credentialId: 'dW5rbm93bg' })).decided().events,
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
  const sessionStream = () => given().followedBy(startAuthentication({ usernameless: true }));
  const session = () => sessionStream().state().sessions['auth-1'] as AuthenticationSession;

  it('decides on the user’s stream with the session read from its own stream; the user handle is required', () => {
    const user = registered(3);
    const ok = outcome(user.when(completeAuthentication(verified(4), { session: session() })).decided().events);
    expect(ok).toMatchObject({
      type: 'PasskeyAuthenticationSucceeded',
      data: { usernameless: true, previousSignCount: 3 },
    });
    const noHandle = outcome(
      user.when(completeAuthentication(verified(4), { session: session(), userHandle: undefined })).decided().events,
    );
    expect(noHandle.data).toMatchObject({ reason: 'USER_HANDLE_MISMATCH' });
    user
      .when(completeAuthentication(verified(4), { session: session(), storeId: 'store-2' }))
      .thenThrows(DomainError, rejectedWith('not-found', 'PASSKEY_SESSION_NOT_FOUND'));
    user
      .when(completeAuthentication(verified(4), { session: session(), metadata: { now: plus(T0, 180) } }))
      .thenThrows(DomainError, rejectedWith('gone', 'PASSKEY_SESSION_EXPIRED'));
  });

  it('the session stream closes when a user is found (published without the session id), or records the failure when none is', () => {
    const base = { metadata: { now: plus(T0, 70) }, sessionId: 'auth-1', storeId: STORE, authenticationId: 'a-1' };
    const closed = sessionStream()
      .when({ type: 'CloseUsernamelessSession', ...base })
      .then([
        {
          type: 'PasskeyAuthenticationSessionClosed',
          data: { sessionId: 'auth-1', authenticationId: 'a-1', at: base.metadata.now.toISOString() },
        },
      ]);
    expect(toPasskeyIntegrationEvent(closed.events[0]!)).toEqual({
      type: 'PasskeyAuthenticationSessionClosed',
      version: 1,
      data: { authenticationId: 'a-1', at: base.metadata.now.toISOString() },
    });
    expect(closed.state.sessions).toEqual({});
    closed
      .when({ type: 'CloseUsernamelessSession', ...base })
      .thenThrows(DomainError, rejectedWith('not-found', 'PASSKEY_SESSION_NOT_FOUND'));

    const failed = outcome(
      sessionStream().when({ type: 'FailUsernamelessAuthentication', ...base, credentialId: CREDENTIAL }).decided().events,
    );
    expect(failed).toMatchObject({
      type: 'PasskeyAuthenticationFailed',
      data: { reason: 'UNKNOWN_CREDENTIAL', passkeyId: null, usernameless: true, credentialId: CREDENTIAL },
    });
    // A user's session is never closed as a usernameless one.
    registered().followedBy(startAuthentication()).when({ type: 'CloseUsernamelessSession', ...base }).thenThrows();
  });
});

describe('administration', () => {
  it('updates status and name; setting what is there is a no-op; REVOKED is final', () => {
    const user = registered();
    const at = plus(T0, 5);
    user
      .when({ type: 'UpdatePasskey', metadata: { now: at }, passkeyId: 'pk-1', status: 'ACTIVE', name: 'Phone' })
      .thenNothingHappened();
    const { state: changed } = user
      .when({ type: 'UpdatePasskey', metadata: { now: at }, passkeyId: 'pk-1', status: 'SUSPENDED', name: null })
      .then([
        {
          type: 'PasskeyStatusChanged',
          data: { passkeyId: 'pk-1', status: 'SUSPENDED', at: at.toISOString() },
        },
        { type: 'PasskeyRenamed', data: { passkeyId: 'pk-1', name: null, at: at.toISOString() } },
      ]);
    expect(changed.passkeys['pk-1']).toMatchObject({ status: 'SUSPENDED', name: null });
    user
      .followedBy({ type: 'UpdatePasskey', metadata: { now: at }, passkeyId: 'pk-1', status: 'REVOKED' })
      .when({ type: 'UpdatePasskey', metadata: { now: at }, passkeyId: 'pk-1', name: 'x' })
      .thenThrows(DomainError, rejectedWith('conflict', 'PASSKEY_REVOKED'));
    user
      .when({ type: 'UpdatePasskey', metadata: { now: at }, passkeyId: 'nope', name: 'x' })
      .thenThrows(DomainError, rejectedWith('not-found', 'PASSKEY_NOT_FOUND'));
  });

  it('deletes a passkey, which releases its credential key', () => {
    const deleted = registered().followedBy({ type: 'DeletePasskey', metadata: { now: T0 }, passkeyId: 'pk-1' });
    expect(deleted.state().passkeys).toEqual({});
    expect(credentialKeysOf(deleted.state())).toEqual([]);
    deleted
      .when({ type: 'DeletePasskey', metadata: { now: T0 }, passkeyId: 'pk-1' })
      .thenThrows(DomainError, rejectedWith('not-found', 'PASSKEY_NOT_FOUND'));
  });

  it('ignores unknown event types and events of passkeys already removed', () => {
    const state = registered().state();
    expect(evolvePasskey(state, { type: 'SomethingNew', data: {} } as unknown as PasskeyEvent)).toBe(state);
    const gone = registered().followedBy({ type: 'DeletePasskey', metadata: { now: T0 }, passkeyId: 'pk-1' });
    expect(
      given([...gone.events, { type: 'PasskeyRenamed', data: { passkeyId: 'pk-1', name: 'x', at: T0.toISOString() } }]).state(),
    ).toEqual(gone.state());
  });
});
