import { createHmac } from 'node:crypto';
import {
  type DistributiveOmit,
  DomainError,
  totpCredentialSchema,
  type DomainErrorKind,
} from '@identity-store/contracts';
import { DeciderSpecification } from '@identity-store/testing';
import {
  evolveTotp,
  findByPolicy,
  initialTotpUserState,
  type TotpEvent,
  totpStreamId,
  type TotpUserState,
} from './totp';
import { totpCodeVerdict } from './totp-code-verdict';
import {
  decideTotp as decideCommand,
  type TotpCommand,
  totpDecider,
  type TotpPolicyParameters,
} from './totp-decider';
import { listTotpResources, toTotpResource } from './totp-views';

// ---------------------------------------------------------------------------------------------
// An independent RFC 4226 / RFC 6238 implementation (node:crypto only) to produce the codes the
// tests present. Deliberately not totp-code.ts: the decider must agree with the RFC, not with itself.
// ---------------------------------------------------------------------------------------------

type Algo = 'SHA1' | 'SHA256' | 'SHA512';

const hotp = (secret: Uint8Array, counter: number, digits: number, algorithm: Algo): string => {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac(algorithm.toLowerCase(), secret).update(message).digest();
  const offset = mac[mac.length - 1]! & 0x0f; // dynamic truncation, RFC 4226 §5.3
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
};

const stepOf = (date: Date, period = 30) => Math.floor(date.getTime() / 1000 / period);

const codeFor = (step: number, { secret = SECRET, digits = 6, algorithm = 'SHA1' as Algo } = {}) =>
  hotp(secret, step, digits, algorithm);

// ---------------------------------------------------------------------------------------------
// Fixtures: fixed clock, secret, "encryption", policy.
// ---------------------------------------------------------------------------------------------

const SECRET = new Uint8Array(Buffer.from('12345678901234567890'));
const SECRET_256 = new Uint8Array(Buffer.from('12345678901234567890123456789012'));
const ENCRYPTED = `enc:${Buffer.from(SECRET).toString('hex')}`;
const ENCRYPTED_256 = `enc:${Buffer.from(SECRET_256).toString('hex')}`;

const decryptSecret = jest.fn((encrypted: string): Uint8Array => {
  if (!encrypted.startsWith('enc:')) throw new Error('not ciphertext');
  return new Uint8Array(Buffer.from(encrypted.slice(4), 'hex'));
});
/** What the handler checks presented codes with (the decider itself gets only the verdict). */
const deps = { decryptSecret };
beforeEach(() => decryptSecret.mockClear());

/** The injected clock: 10 s into a 30-s time step. */
const T0 = new Date('2026-05-07T10:00:10.000Z');
const plus = (date: Date, seconds: number) => new Date(date.getTime() + seconds * 1000);
const S0 = stepOf(T0);

const policy: TotpPolicyParameters = {
  name: 'default',
  algorithm: 'SHA1',
  digits: 6,
  period: 30,
  window: 1,
  maxFailedAttempts: 3,
  lockoutDuration: 'PT15M',
};

const CRED = 'cred-1';
const AUTH = 'auth-1';

// Event builders (exact stored shapes).
const started = (
  over: Partial<Extract<TotpEvent, { type: 'TotpRegistrationStarted' }>['data']> = {},
): TotpEvent => ({
  type: 'TotpRegistrationStarted',
  data: {
    credentialId: CRED,
    policyName: 'default',
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
    window: 1,
    encryptedSecret: ENCRYPTED,
    createdDtm: '2026-05-07T09:00:00.000Z',
    ...over,
  },
});
const completed = (
  credentialId = CRED,
  timeStep = stepOf(new Date('2026-05-07T09:01:00.000Z')),
): TotpEvent => ({
  type: 'TotpRegistrationCompleted',
  data: { credentialId, timeStep, at: '2026-05-07T09:01:00.000Z' },
});
const succeeded = (timeStep: number, at: string, credentialId = CRED): TotpEvent => ({
  type: 'TotpAuthenticationSucceeded',
  data: { credentialId, authenticationId: 'auth-0', timeStep, at },
});
const failed = (failedAttempts: number, at = '2026-05-07T09:30:00.000Z'): TotpEvent => ({
  type: 'TotpAuthenticationFailed',
  data: { credentialId: CRED, authenticationId: 'auth-0', reason: 'INVALID_CODE', failedAttempts, at },
});
const lockedEvent = (lockedUntil: string, at: string): TotpEvent => ({
  type: 'TotpLocked',
  data: { credentialId: CRED, lockedUntil, at },
});
const statusChanged = (status: 'ACTIVE' | 'SUSPENDED', credentialId = CRED): TotpEvent => ({
  type: 'TotpStatusChanged',
  data: { credentialId, status, at: '2026-05-07T09:40:00.000Z' },
});
const deregistered = (
  credentialId = CRED,
  reason: 'DEREGISTERED' | 'DELETED' = 'DEREGISTERED',
): TotpEvent => ({
  type: 'TotpDeregistered',
  data: { credentialId, at: '2026-05-07T09:50:00.000Z', reason },
});

/** Registered and ACTIVE, never used to authenticate. */
const active = (): TotpEvent[] => [started(), completed()];

// ---------------------------------------------------------------------------------------------
// Given / When / Then
// ---------------------------------------------------------------------------------------------

/**
 * A command as the handler receives it: `now`, and the presented code rather than the verdict on
 * it. {@link commandOf} does what the handler does: checks the code against the state's credential
 * (totp-code-verdict.ts) and puts the verdict and `now` into the command.
 */
type TotpRequest = DistributiveOmit<TotpCommand, 'metadata' | 'verdict'> & { now: Date; code?: string };

const commandOf = (request: TotpRequest, state: TotpUserState, checks: typeof deps): TotpCommand => {
  const { now, code = '', ...command } = request;
  const metadata = { now };
  switch (command.type) {
    case 'CompleteTotpRegistration': {
      const credential = findByPolicy(state, command.policyName);
      return { ...command, metadata, verdict: totpCodeVerdict(credential, { code, purpose: 'COMPLETION', now }, checks.decryptSecret) };
    }
    case 'AuthenticateTotp': {
      const credential = findByPolicy(state, command.policy.name);
      return { ...command, metadata, verdict: totpCodeVerdict(credential, { code, purpose: 'AUTHENTICATION', now }, checks.decryptSecret) };
    }
    default:
      return { ...command, metadata };
  }
};

const decideTotp = (request: TotpRequest, state: TotpUserState, checks = deps): TotpEvent[] =>
  decideCommand(commandOf(request, state, checks), state);

/** The decider as the handler drives it: requests in, the code checked as the handler does. */
const given = DeciderSpecification.for(
  { ...totpDecider, decide: (request: TotpRequest, state: TotpUserState) => decideTotp(request, state, deps) },
  { equality: 'strict' },
);

const stateFrom = (events: TotpEvent[]): TotpUserState => given(events).state();

/** A refusal: a DomainError of this kind and code. */
const refused = (kind: DomainErrorKind, code: string) => (error: DomainError) =>
  expect({ kind: error.kind, code: error.code }).toEqual({ kind, code });

const authenticate = (code: string, now = T0, over: Partial<TotpRequest> = {}): TotpRequest =>
  ({
    type: 'AuthenticateTotp',
    now,
    policy,
    code,
    authenticationId: AUTH,
    ...over,
  }) as TotpRequest;

// ---------------------------------------------------------------------------------------------

describe('the independent test oracle', () => {
  it('reproduces RFC 6238 Appendix B (T = 59 and 1111111109, SHA1 and SHA256, 8 digits)', () => {
    expect(hotp(SECRET, 1, 8, 'SHA1')).toBe('94287082');
    expect(hotp(SECRET, 0x23523ec, 8, 'SHA1')).toBe('07081804');
    expect(hotp(SECRET_256, 1, 8, 'SHA256')).toBe('46119246');
    expect(hotp(SECRET_256, 0x23523ec, 8, 'SHA256')).toBe('68084774');
  });

  it('is 10 s into step S0', () => {
    expect(T0.getTime() / 1000 - S0 * 30).toBe(10);
  });
});

describe('StartTotpRegistration', () => {
  const start = (
    over: Partial<Extract<TotpRequest, { type: 'StartTotpRegistration' }>> = {},
  ): TotpRequest => ({
    type: 'StartTotpRegistration',
    now: T0,
    policy,
    credentialId: 'cred-2',
    encryptedSecret: 'enc:abcd',
    ...over,
  });

  it('starts a PENDING registration with the policy parameters and the caller’s ciphertext', () => {
    given([])
      .when(start())
      .then([
        {
          type: 'TotpRegistrationStarted',
          data: {
            credentialId: 'cred-2',
            policyName: 'default',
            algorithm: 'SHA1',
            digits: 6,
            period: 30,
            window: 1,
            encryptedSecret: 'enc:abcd',
            createdDtm: '2026-05-07T10:00:10.000Z',
          },
        },
      ]);
    expect(decryptSecret).not.toHaveBeenCalled();
  });

  it('is a conflict when an ACTIVE credential exists for the policy', () => {
    given(active()).when(start()).thenThrows(DomainError, refused('conflict', 'TOTP_ALREADY_REGISTERED'));
  });

  it('is a conflict when a SUSPENDED credential exists for the policy', () => {
    given([...active(), statusChanged('SUSPENDED')])
      .when(start())
      .thenThrows(DomainError, refused('conflict', 'TOTP_ALREADY_REGISTERED'));
  });

  it('is a conflict when a LOCKED credential exists for the policy', () => {
    given([...active(), failed(3), lockedEvent('2026-05-07T10:10:00.000Z', '2026-05-07T09:55:00.000Z')])
      .when(start())
      .thenThrows(DomainError, refused('conflict', 'TOTP_ALREADY_REGISTERED'));
  });

  it('replaces a PENDING registration of the same policy: deregisters the old one first', () => {
    given([started()])
      .when(start())
      .then([
        {
          type: 'TotpDeregistered',
          data: { credentialId: CRED, at: '2026-05-07T10:00:10.000Z', reason: 'DEREGISTERED' },
        },
        {
          type: 'TotpRegistrationStarted',
          data: {
            credentialId: 'cred-2',
            policyName: 'default',
            algorithm: 'SHA1',
            digits: 6,
            period: 30,
            window: 1,
            encryptedSecret: 'enc:abcd',
            createdDtm: '2026-05-07T10:00:10.000Z',
          },
        },
      ]);
  });

  it('after replacement only the new pending credential remains', () => {
    const { state: next } = given([started()]).when(start()).decided();
    expect(Object.keys(next.credentials)).toEqual(['cred-2']);
    expect(next.credentials['cred-2']).toMatchObject({ status: 'PENDING', encryptedSecret: 'enc:abcd' });
  });

  it('allows a registration for another policy while one policy is ACTIVE', () => {
    const other = { ...policy, name: 'other', algorithm: 'SHA512' as const, digits: 8 as const, period: 60 };
    given(active())
      .when(start({ policy: other }))
      .then([
        {
          type: 'TotpRegistrationStarted',
          data: {
            credentialId: 'cred-2',
            policyName: 'other',
            algorithm: 'SHA512',
            digits: 8,
            period: 60,
            window: 1,
            encryptedSecret: 'enc:abcd',
            createdDtm: '2026-05-07T10:00:10.000Z',
          },
        },
      ]);
  });

  it('allows registering again after deregistration', () => {
    given([...active(), deregistered()])
      .when(start({ credentialId: CRED }))
      .then([
        {
          type: 'TotpRegistrationStarted',
          data: {
            credentialId: CRED,
            policyName: 'default',
            algorithm: 'SHA1',
            digits: 6,
            period: 30,
            window: 1,
            encryptedSecret: 'enc:abcd',
            createdDtm: '2026-05-07T10:00:10.000Z',
          },
        },
      ]);
  });

  it('is a conflict when the credential id is already used by another policy’s credential', () => {
    given(active())
      .when(start({ policy: { ...policy, name: 'other' }, credentialId: CRED }))
      .thenThrows(DomainError, refused('conflict', 'TOTP_ALREADY_REGISTERED'));
  });
});

describe('CompleteTotpRegistration', () => {
  const complete = (code: string, now = T0, policyName = 'default'): TotpRequest => ({
    type: 'CompleteTotpRegistration',
    now,
    policyName,
    code,
  });

  it('activates the pending credential with a current code and records the matched time step', () => {
    given([started()])
      .when(complete(codeFor(S0)))
      .then([
        {
          type: 'TotpRegistrationCompleted',
          data: { credentialId: CRED, timeStep: S0, at: '2026-05-07T10:00:10.000Z' },
        },
      ]);
    expect(decryptSecret).toHaveBeenCalledWith(ENCRYPTED, CRED);
  });

  it('accepts the previous step within the window, recording that step', () => {
    given([started()])
      .when(complete(codeFor(S0 - 1)))
      .then([
        {
          type: 'TotpRegistrationCompleted',
          data: { credentialId: CRED, timeStep: S0 - 1, at: '2026-05-07T10:00:10.000Z' },
        },
      ]);
  });

  it('rejects a code outside the window as INVALID_CODE (validation), with no events', () => {
    given([started()])
      .when(complete(codeFor(S0 - 2)))
      .thenThrows(DomainError, refused('validation', 'INVALID_CODE'));
  });

  it('rejects a wrong code as INVALID_CODE', () => {
    const wrong = String((Number(codeFor(S0)) + 1) % 1_000_000).padStart(6, '0');
    given([started()]).when(complete(wrong)).thenThrows(DomainError, refused('validation', 'INVALID_CODE'));
  });

  it('does not count a wrong completion code as a failed attempt: it is a 400, no event', () => {
    // A decision that throws appends nothing (no TotpAuthenticationFailed, no counter change).
    given([started()]).when(complete('000000')).thenThrows(DomainError, refused('validation', 'INVALID_CODE'));
  });

  it('uses the registration’s own algorithm, digits and period', () => {
    const events = [
      started({ algorithm: 'SHA256', digits: 8, period: 60, window: 0, encryptedSecret: ENCRYPTED_256 }),
    ];
    const step60 = stepOf(T0, 60);
    given(events)
      .when(complete(codeFor(step60, { secret: SECRET_256, digits: 8, algorithm: 'SHA256' })))
      .then([
        {
          type: 'TotpRegistrationCompleted',
          data: { credentialId: CRED, timeStep: step60, at: '2026-05-07T10:00:10.000Z' },
        },
      ]);
    // a SHA1 / 30-s code of the same secret is not accepted
    given(events)
      .when(complete(codeFor(S0, { secret: SECRET_256, digits: 8, algorithm: 'SHA1' })))
      .thenThrows(DomainError, refused('validation', 'INVALID_CODE'));
  });

  it('is TOTP_REGISTRATION_NOT_FOUND without any registration', () => {
    given([])
      .when(complete(codeFor(S0)))
      .thenThrows(DomainError, refused('not-found', 'TOTP_REGISTRATION_NOT_FOUND'));
  });

  it('is TOTP_REGISTRATION_NOT_FOUND when the credential is already ACTIVE', () => {
    given(active())
      .when(complete(codeFor(S0)))
      .thenThrows(DomainError, refused('not-found', 'TOTP_REGISTRATION_NOT_FOUND'));
  });

  it('is TOTP_REGISTRATION_NOT_FOUND for another policy', () => {
    given([started()])
      .when(complete(codeFor(S0), T0, 'other'))
      .thenThrows(DomainError, refused('not-found', 'TOTP_REGISTRATION_NOT_FOUND'));
  });

  it('the completing code cannot then be used to authenticate', () => {
    given([started(), completed(CRED, S0)])
      .when(authenticate(codeFor(S0), plus(T0, 5)))
      .then([
        {
          type: 'TotpAuthenticationFailed',
          data: {
            credentialId: CRED,
            authenticationId: AUTH,
            reason: 'CODE_REPLAYED',
            failedAttempts: 1,
            at: '2026-05-07T10:00:15.000Z',
          },
        },
      ]);
  });
});

describe('AuthenticateTotp', () => {
  it('succeeds with the current code, recording the matched step and the context', () => {
    given(active())
      .when(authenticate(codeFor(S0), T0, { context: { ip: '192.0.2.1' } }))
      .then([
        {
          type: 'TotpAuthenticationSucceeded',
          data: {
            credentialId: CRED,
            authenticationId: AUTH,
            timeStep: S0,
            at: '2026-05-07T10:00:10.000Z',
            context: { ip: '192.0.2.1' },
          },
        },
      ]);
    expect(decryptSecret).toHaveBeenCalledWith(ENCRYPTED, CRED);
  });

  it('succeeds without context (no context key at all)', () => {
    given(active())
      .when(authenticate(codeFor(S0)))
      .then([
        {
          type: 'TotpAuthenticationSucceeded',
          data: { credentialId: CRED, authenticationId: AUTH, timeStep: S0, at: '2026-05-07T10:00:10.000Z' },
        },
      ]);
  });

  it('accepts the previous and the next step with window 1', () => {
    for (const step of [S0 - 1, S0 + 1]) {
      given(active())
        .when(authenticate(codeFor(step)))
        .then([
          {
            type: 'TotpAuthenticationSucceeded',
            data: {
              credentialId: CRED,
              authenticationId: AUTH,
              timeStep: step,
              at: '2026-05-07T10:00:10.000Z',
            },
          },
        ]);
    }
  });

  it('fails with INVALID_CODE outside the window, counting the attempt', () => {
    given(active())
      .when(authenticate(codeFor(S0 - 2), T0, { context: { ip: '192.0.2.1' } }))
      .then([
        {
          type: 'TotpAuthenticationFailed',
          data: {
            credentialId: CRED,
            authenticationId: AUTH,
            reason: 'INVALID_CODE',
            failedAttempts: 1,
            at: '2026-05-07T10:00:10.000Z',
            context: { ip: '192.0.2.1' },
          },
        },
      ]);
  });

  it.each(['12345', '1234567', 'abcdef', ''])('fails with INVALID_CODE for malformed code %j', (code) => {
    given(active())
      .when(authenticate(code))
      .then([
        {
          type: 'TotpAuthenticationFailed',
          data: {
            credentialId: CRED,
            authenticationId: AUTH,
            reason: 'INVALID_CODE',
            failedAttempts: 1,
            at: '2026-05-07T10:00:10.000Z',
          },
        },
      ]);
  });

  it('counts consecutive failures', () => {
    given([...active(), failed(1)])
      .when(authenticate('000000'))
      .then([
        {
          type: 'TotpAuthenticationFailed',
          data: {
            credentialId: CRED,
            authenticationId: AUTH,
            reason: 'INVALID_CODE',
            failedAttempts: 2,
            at: '2026-05-07T10:00:10.000Z',
          },
        },
      ]);
  });

  it('locks for lockoutDuration when failedAttempts reaches maxFailedAttempts', () => {
    given([...active(), failed(1), failed(2)])
      .when(authenticate('000000'))
      .then([
        {
          type: 'TotpAuthenticationFailed',
          data: {
            credentialId: CRED,
            authenticationId: AUTH,
            reason: 'INVALID_CODE',
            failedAttempts: 3,
            at: '2026-05-07T10:00:10.000Z',
          },
        },
        {
          type: 'TotpLocked',
          data: {
            credentialId: CRED,
            lockedUntil: '2026-05-07T10:15:10.000Z',
            at: '2026-05-07T10:00:10.000Z',
          },
        },
      ]);
  });

  it('honours the policy’s lockoutDuration and maxFailedAttempts', () => {
    given([...active(), failed(1)])
      .when(
        authenticate('000000', T0, {
          policy: { ...policy, maxFailedAttempts: 2, lockoutDuration: 'P1DT2H' },
        }),
      )
      .then([
        {
          type: 'TotpAuthenticationFailed',
          data: {
            credentialId: CRED,
            authenticationId: AUTH,
            reason: 'INVALID_CODE',
            failedAttempts: 2,
            at: '2026-05-07T10:00:10.000Z',
          },
        },
        {
          type: 'TotpLocked',
          data: {
            credentialId: CRED,
            lockedUntil: '2026-05-08T12:00:10.000Z',
            at: '2026-05-07T10:00:10.000Z',
          },
        },
      ]);
  });

  it('never locks when maxFailedAttempts is 0', () => {
    given([...active(), failed(1), failed(2), failed(3)])
      .when(authenticate('000000', T0, { policy: { ...policy, maxFailedAttempts: 0 } }))
      .then([
        {
          type: 'TotpAuthenticationFailed',
          data: {
            credentialId: CRED,
            authenticationId: AUTH,
            reason: 'INVALID_CODE',
            failedAttempts: 4,
            at: '2026-05-07T10:00:10.000Z',
          },
        },
      ]);
  });

  describe('extreme lockout durations (review M1): the failure that locks is always counted', () => {
    const lockingFailure = (lockedUntil: string): TotpEvent[] => [
      {
        type: 'TotpAuthenticationFailed',
        data: {
          credentialId: CRED,
          authenticationId: AUTH,
          reason: 'INVALID_CODE',
          failedAttempts: 3,
          at: '2026-05-07T10:00:10.000Z',
        },
      },
      { type: 'TotpLocked', data: { credentialId: CRED, lockedUntil, at: '2026-05-07T10:00:10.000Z' } },
    ];

    it('locks for the largest duration a policy may name (P10Y)', () => {
      given([...active(), failed(1), failed(2)])
        .when(authenticate('000000', T0, { policy: { ...policy, lockoutDuration: 'P10Y' } }))
        .then(lockingFailure('2036-05-07T10:00:10.000Z'));
    });

    it.each([
      ['P1000000Y', 'P1000000Y'],
      ['PT99999999999H', 'PT99999999999H'],
      ['a 400-digit number of days', `P${'9'.repeat(400)}D`],
    ])(
      'a policy stored before durations were bounded (%s) locks until the latest instant instead of throwing',
      (_label, lockoutDuration) => {
        const history = [...active(), failed(1), failed(2)];
        given(history)
          .when(authenticate('000000', T0, { policy: { ...policy, lockoutDuration } }))
          .then(lockingFailure('9999-12-31T23:59:59.999Z'));
        const locking = authenticate('000000', T0, { policy: { ...policy, lockoutDuration } });
        const after = [...history, ...given(history).when(locking).decided().events];
        given(after).when(authenticate(codeFor(S0), plus(T0, 3600))).thenThrows(DomainError, refused('locked', 'TOTP_LOCKED'));
      },
    );
  });

  describe('while locked', () => {
    const lockedHistory = [
      ...active(),
      failed(1),
      failed(2),
      failed(3, '2026-05-07T10:00:00.000Z'),
      lockedEvent('2026-05-07T10:15:00.000Z', '2026-05-07T10:00:00.000Z'),
    ];

    it('rejects even a correct code with TOTP_LOCKED and no events', () => {
      given(lockedHistory)
        .when(authenticate(codeFor(S0)))
        .thenThrows(DomainError, refused('locked', 'TOTP_LOCKED'));
      expect(decryptSecret).not.toHaveBeenCalled();
    });

    it('is still locked one millisecond before lockedUntil', () => {
      const now = new Date('2026-05-07T10:14:59.999Z');
      given(lockedHistory)
        .when(authenticate(codeFor(stepOf(now)), now))
        .thenThrows(DomainError, refused('locked', 'TOTP_LOCKED'));
    });

    it('allows authentication again once the lock expired (now = lockedUntil); success resets the counter', () => {
      const now = new Date('2026-05-07T10:15:00.000Z');
      const step = stepOf(now);
      const { events, state } = given(lockedHistory).when(authenticate(codeFor(step), now)).decided();
      expect(events).toStrictEqual([
        {
          type: 'TotpAuthenticationSucceeded',
          data: {
            credentialId: CRED,
            authenticationId: AUTH,
            timeStep: step,
            at: '2026-05-07T10:15:00.000Z',
          },
        },
      ]);
      const after = state.credentials[CRED]!;
      expect(after).toMatchObject({ failedAttempts: 0, lockedUntil: null, lastUsedTimeStep: step });
      expect(toTotpResource(after, now).status).toBe('ACTIVE');
    });

    it('after the lock expired, a further failure locks again at once (the counter is not reset by expiry)', () => {
      const now = new Date('2026-05-07T10:20:00.000Z');
      given(lockedHistory)
        .when(authenticate('000000', now))
        .then([
          {
            type: 'TotpAuthenticationFailed',
            data: {
              credentialId: CRED,
              authenticationId: AUTH,
              reason: 'INVALID_CODE',
              failedAttempts: 4,
              at: '2026-05-07T10:20:00.000Z',
            },
          },
          {
            type: 'TotpLocked',
            data: {
              credentialId: CRED,
              lockedUntil: '2026-05-07T10:35:00.000Z',
              at: '2026-05-07T10:20:00.000Z',
            },
          },
        ]);
    });

    it('after an expired lock and a success, failures count from 1 again', () => {
      const t1 = new Date('2026-05-07T10:16:00.000Z');
      const history = [...lockedHistory, succeeded(stepOf(t1), t1.toISOString())];
      given(history)
        .when(authenticate('000000', plus(t1, 60)))
        .then([
          {
            type: 'TotpAuthenticationFailed',
            data: {
              credentialId: CRED,
              authenticationId: AUTH,
              reason: 'INVALID_CODE',
              failedAttempts: 1,
              at: '2026-05-07T10:17:00.000Z',
            },
          },
        ]);
    });
  });

  describe('replay protection: a code is accepted once', () => {
    const usedAtS0 = [...active(), succeeded(S0, '2026-05-07T10:00:05.000Z')];

    it('rejects the same code again within its step as CODE_REPLAYED (counted as a failure)', () => {
      given(usedAtS0)
        .when(authenticate(codeFor(S0), plus(T0, 3)))
        .then([
          {
            type: 'TotpAuthenticationFailed',
            data: {
              credentialId: CRED,
              authenticationId: AUTH,
              reason: 'CODE_REPLAYED',
              failedAttempts: 1,
              at: '2026-05-07T10:00:13.000Z',
            },
          },
        ]);
    });

    it('rejects a code of an earlier step still inside the window as CODE_REPLAYED', () => {
      given(usedAtS0)
        .when(authenticate(codeFor(S0 - 1), plus(T0, 3)))
        .then([
          {
            type: 'TotpAuthenticationFailed',
            data: {
              credentialId: CRED,
              authenticationId: AUTH,
              reason: 'CODE_REPLAYED',
              failedAttempts: 1,
              at: '2026-05-07T10:00:13.000Z',
            },
          },
        ]);
    });

    it('rejects the replayed code in the next step too (it is still inside the window)', () => {
      given(usedAtS0)
        .when(authenticate(codeFor(S0), plus(T0, 30)))
        .then([
          {
            type: 'TotpAuthenticationFailed',
            data: {
              credentialId: CRED,
              authenticationId: AUTH,
              reason: 'CODE_REPLAYED',
              failedAttempts: 1,
              at: '2026-05-07T10:00:40.000Z',
            },
          },
        ]);
    });

    it('accepts the code of a later step', () => {
      given(usedAtS0)
        .when(authenticate(codeFor(S0 + 1), plus(T0, 30)))
        .then([
          {
            type: 'TotpAuthenticationSucceeded',
            data: {
              credentialId: CRED,
              authenticationId: AUTH,
              timeStep: S0 + 1,
              at: '2026-05-07T10:00:40.000Z',
            },
          },
        ]);
    });

    it('after a future-step code (S0+1) was used, the current step S0 is a replay as well', () => {
      given([...active(), succeeded(S0 + 1, '2026-05-07T10:00:05.000Z')])
        .when(authenticate(codeFor(S0)))
        .then([
          {
            type: 'TotpAuthenticationFailed',
            data: {
              credentialId: CRED,
              authenticationId: AUTH,
              reason: 'CODE_REPLAYED',
              failedAttempts: 1,
              at: '2026-05-07T10:00:10.000Z',
            },
          },
        ]);
    });

    it('a replay can trigger the lockout', () => {
      given([...usedAtS0, failed(1), failed(2)])
        .when(authenticate(codeFor(S0), plus(T0, 3)))
        .then([
          {
            type: 'TotpAuthenticationFailed',
            data: {
              credentialId: CRED,
              authenticationId: AUTH,
              reason: 'CODE_REPLAYED',
              failedAttempts: 3,
              at: '2026-05-07T10:00:13.000Z',
            },
          },
          {
            type: 'TotpLocked',
            data: {
              credentialId: CRED,
              lockedUntil: '2026-05-07T10:15:13.000Z',
              at: '2026-05-07T10:00:13.000Z',
            },
          },
        ]);
    });
  });

  it('a success resets the failure counter', () => {
    const history = [...active(), failed(1), failed(2)];
    const { events, state } = given(history).when(authenticate(codeFor(S0))).decided();
    expect(events.map((e) => e.type)).toEqual(['TotpAuthenticationSucceeded']);
    const after = state.credentials[CRED]!;
    expect(after).toMatchObject({
      failedAttempts: 0,
      lastUsedDtm: '2026-05-07T10:00:10.000Z',
      lastUsedTimeStep: S0,
    });
    // and the next failure starts from 1
    given([...history, ...events])
      .when(authenticate('000000', plus(T0, 30)))
      .then([
        {
          type: 'TotpAuthenticationFailed',
          data: {
            credentialId: CRED,
            authenticationId: AUTH,
            reason: 'INVALID_CODE',
            failedAttempts: 1,
            at: '2026-05-07T10:00:40.000Z',
          },
        },
      ]);
  });

  it('is TOTP_NOT_FOUND without a credential', () => {
    given([])
      .when(authenticate(codeFor(S0)))
      .thenThrows(DomainError, refused('not-found', 'TOTP_NOT_FOUND'));
  });

  it('is TOTP_NOT_FOUND while the registration is only PENDING', () => {
    given([started()])
      .when(authenticate(codeFor(S0)))
      .thenThrows(DomainError, refused('not-found', 'TOTP_NOT_FOUND'));
  });

  it('is TOTP_NOT_FOUND for a policy without credential', () => {
    given(active())
      .when(authenticate(codeFor(S0), T0, { policy: { ...policy, name: 'other' } }))
      .thenThrows(DomainError, refused('not-found', 'TOTP_NOT_FOUND'));
  });

  it('is TOTP_NOT_FOUND after deregistration', () => {
    given([...active(), deregistered()])
      .when(authenticate(codeFor(S0)))
      .thenThrows(DomainError, refused('not-found', 'TOTP_NOT_FOUND'));
  });

  it('is forbidden TOTP_SUSPENDED when suspended, with no events', () => {
    given([...active(), statusChanged('SUSPENDED')])
      .when(authenticate(codeFor(S0)))
      .thenThrows(DomainError, refused('forbidden', 'TOTP_SUSPENDED'));
  });
});

describe('DeregisterTotp', () => {
  const deregister = (policyName = 'default'): TotpRequest => ({
    type: 'DeregisterTotp',
    now: T0,
    policyName,
  });

  it('deregisters the ACTIVE credential of the policy', () => {
    given(active())
      .when(deregister())
      .then([
        {
          type: 'TotpDeregistered',
          data: { credentialId: CRED, at: '2026-05-07T10:00:10.000Z', reason: 'DEREGISTERED' },
        },
      ]);
  });

  it('deregisters a PENDING registration', () => {
    given([started()])
      .when(deregister())
      .then([
        {
          type: 'TotpDeregistered',
          data: { credentialId: CRED, at: '2026-05-07T10:00:10.000Z', reason: 'DEREGISTERED' },
        },
      ]);
  });

  it('removes the credential from the state', () => {
    expect(stateFrom([...active(), deregistered()])).toEqual({ credentials: {} });
  });

  it('is TOTP_NOT_FOUND without a credential for the policy', () => {
    given(active()).when(deregister('other')).thenThrows(DomainError, refused('not-found', 'TOTP_NOT_FOUND'));
    given([]).when(deregister()).thenThrows(DomainError, refused('not-found', 'TOTP_NOT_FOUND'));
  });
});

describe('UpdateTotp', () => {
  const update = (status: 'ACTIVE' | 'SUSPENDED', credentialId = CRED, now = T0): TotpRequest => ({
    type: 'UpdateTotp',
    now,
    credentialId,
    status,
  });

  it('suspends an ACTIVE credential', () => {
    given(active())
      .when(update('SUSPENDED'))
      .then([
        {
          type: 'TotpStatusChanged',
          data: { credentialId: CRED, status: 'SUSPENDED', at: '2026-05-07T10:00:10.000Z' },
        },
      ]);
  });

  it('re-activates a SUSPENDED credential, which can then authenticate', () => {
    given([...active(), statusChanged('SUSPENDED')])
      .when(update('ACTIVE'))
      .then([
        {
          type: 'TotpStatusChanged',
          data: { credentialId: CRED, status: 'ACTIVE', at: '2026-05-07T10:00:10.000Z' },
        },
      ]);
    expect(
      given([...active(), statusChanged('SUSPENDED'), statusChanged('ACTIVE')])
        .when(authenticate(codeFor(S0)))
        .decided()
        .events.map((e) => e.type),
    ).toEqual(['TotpAuthenticationSucceeded']);
  });

  it('is a no-op when the status is already the requested one', () => {
    given(active()).when(update('ACTIVE')).then([]);
    given([...active(), statusChanged('SUSPENDED')])
      .when(update('SUSPENDED'))
      .then([]);
  });

  it('setting ACTIVE on a LOCKED credential unlocks it and clears the failed attempts', () => {
    const history = [
      ...active(),
      failed(3),
      lockedEvent('2026-05-07T10:15:00.000Z', '2026-05-07T10:00:00.000Z'),
    ];
    given(history)
      .when(update('ACTIVE'))
      .then([
        {
          type: 'TotpStatusChanged',
          data: { credentialId: CRED, status: 'ACTIVE', at: '2026-05-07T10:00:10.000Z' },
        },
      ]);
    const after = stateFrom([...history, statusChanged('ACTIVE')]).credentials[CRED]!;
    expect(after).toMatchObject({ status: 'ACTIVE', failedAttempts: 0, lockedUntil: null });
  });

  it('is a conflict for a PENDING registration', () => {
    given([started()]).when(update('ACTIVE')).thenThrows(DomainError, refused('conflict', 'TOTP_REGISTRATION_PENDING'));
  });

  it('is TOTP_NOT_FOUND for an unknown credential id', () => {
    given(active()).when(update('SUSPENDED', 'nope')).thenThrows(DomainError, refused('not-found', 'TOTP_NOT_FOUND'));
  });
});

describe('DeleteTotp', () => {
  const del = (credentialId = CRED): TotpRequest => ({ type: 'DeleteTotp', now: T0, credentialId });

  it('deletes a credential by id', () => {
    given(active())
      .when(del())
      .then([
        {
          type: 'TotpDeregistered',
          data: { credentialId: CRED, at: '2026-05-07T10:00:10.000Z', reason: 'DELETED' },
        },
      ]);
  });

  it('deletes a PENDING registration by id', () => {
    given([started()])
      .when(del())
      .then([
        {
          type: 'TotpDeregistered',
          data: { credentialId: CRED, at: '2026-05-07T10:00:10.000Z', reason: 'DELETED' },
        },
      ]);
  });

  it('is TOTP_NOT_FOUND for an unknown or already deleted credential', () => {
    given(active()).when(del('nope')).thenThrows(DomainError, refused('not-found', 'TOTP_NOT_FOUND'));
    given([...active(), deregistered(CRED, 'DELETED')])
      .when(del())
      .thenThrows(DomainError, refused('not-found', 'TOTP_NOT_FOUND'));
  });
});

describe('evolve and read helpers', () => {
  it('builds the full credential state', () => {
    expect(stateFrom([...active(), succeeded(S0, '2026-05-07T10:00:05.000Z'), failed(1)])).toEqual({
      credentials: {
        [CRED]: {
          id: CRED,
          policyName: 'default',
          status: 'ACTIVE',
          algorithm: 'SHA1',
          digits: 6,
          period: 30,
          window: 1,
          encryptedSecret: ENCRYPTED,
          createdDtm: '2026-05-07T09:00:00.000Z',
          lastUsedDtm: '2026-05-07T10:00:05.000Z',
          lastUsedTimeStep: S0,
          failedAttempts: 1,
          lockedUntil: null,
        },
      },
    });
  });

  it('does not lower lastUsedTimeStep', () => {
    const state = stateFrom([
      ...active(),
      succeeded(S0 + 1, '2026-05-07T10:00:05.000Z'),
      succeeded(S0, '2026-05-07T10:00:06.000Z'),
    ]);
    expect(state.credentials[CRED]?.lastUsedTimeStep).toBe(S0 + 1);
  });

  it('ignores events about unknown credentials', () => {
    const state = stateFrom(active());
    const unknownFailure: TotpEvent = {
      type: 'TotpAuthenticationFailed',
      data: {
        credentialId: 'x',
        authenticationId: 'a',
        reason: 'INVALID_CODE',
        failedAttempts: 1,
        at: T0.toISOString(),
      },
    };
    expect(evolveTotp(state, unknownFailure)).toBe(state);
    expect(evolveTotp(state, deregistered('x'))).toBe(state);
  });

  it('findByPolicy finds the credential of a policy whatever its status', () => {
    expect(findByPolicy(stateFrom([started()]), 'default')?.status).toBe('PENDING');
    expect(findByPolicy(stateFrom(active()), 'default')?.id).toBe(CRED);
    expect(findByPolicy(stateFrom(active()), 'other')).toBeUndefined();
  });

  it('toTotpResource shows PENDING, ACTIVE, LOCKED (only while locked) and SUSPENDED, never the secret', () => {
    const pending = stateFrom([started()]).credentials[CRED]!;
    expect(toTotpResource(pending, T0)).toStrictEqual({
      id: CRED,
      policyName: 'default',
      status: 'PENDING',
      algorithm: 'SHA1',
      digits: 6,
      period: 30,
      createdDtm: '2026-05-07T09:00:00.000Z',
      lastUsedDtm: null,
      failedAttempts: 0,
      lockedUntil: null,
    });

    const lockedCred = stateFrom([
      ...active(),
      failed(3),
      lockedEvent('2026-05-07T10:15:00.000Z', '2026-05-07T10:00:00.000Z'),
    ]).credentials[CRED]!;
    const resource = toTotpResource(lockedCred, T0);
    expect(resource).toMatchObject({
      status: 'LOCKED',
      failedAttempts: 3,
      lockedUntil: '2026-05-07T10:15:00.000Z',
    });
    expect(toTotpResource(lockedCred, new Date('2026-05-07T10:15:00.000Z')).status).toBe('ACTIVE');
    expect(JSON.stringify(resource)).not.toContain('enc:');
    expect(totpCredentialSchema.parse(resource)).toStrictEqual(resource);

    const suspended = stateFrom([...active(), statusChanged('SUSPENDED')]).credentials[CRED]!;
    expect(toTotpResource(suspended, T0).status).toBe('SUSPENDED');
  });

  it('listTotpResources lists all credentials oldest first', () => {
    const state = stateFrom([
      started({ credentialId: 'b', policyName: 'p2', createdDtm: '2026-05-07T09:30:00.000Z' }),
      started({ credentialId: 'a', policyName: 'p1', createdDtm: '2026-05-07T09:00:00.000Z' }),
    ]);
    expect(listTotpResources(state, T0).map((r) => r.id)).toEqual(['a', 'b']);
  });

  it('names the stream after the user', () => {
    expect(totpStreamId('u-42')).toBe('totp-user-u-42');
  });
});
