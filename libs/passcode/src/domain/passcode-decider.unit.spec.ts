import { DomainError, type DomainErrorKind, passcodeResourceSchema } from '@identity-store/contracts';
import { DeciderSpecification } from '@identity-store/testing';
import { type SrpParameters, srpParameters, srpServerChallenge } from '@identity-store/srp';
import { SRP, SrpClient, SrpServer } from 'fast-srp-hap';
import {
  evolvePasscode,
  findByPolicy,
  initialPasscodeUserState,
  type PasscodeEvent,
  type PasscodeUserState,
  passcodeStreamId,
  secretLabels,
  toPasscodeIntegrationEvent,
  userIdOfPasscodeStream,
} from './passcode';
import { passcodeDecider } from './passcode-decider';
import type { PasscodePolicyParameters } from './passcode-sessions';
import { listPasscodeResources, toPasscodeResource } from './passcode-views';
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

// ---------------------------------------------------------------------------------------------
// The client side is fast-srp-hap's SrpClient (an independent RFC 5054 implementation): the decider
// must agree with the RFC, not with the server library it uses.
// ---------------------------------------------------------------------------------------------

/** fast-srp-hap's parameter set per group and hash (its 2048 set is RFC 5054's with SHA-256). */
const clientParams = (group: 2048 | 3072, hash: 'SHA-256' | 'SHA-512' = 'SHA-256') => ({
  ...SRP.params[group],
  hash: hash === 'SHA-256' ? 'sha256' : 'sha512',
});

const USER = 'b7c4a4f2-2f44-4a35-9d43-1d7f0f4c2a11';
const PASSWORD = 'correct horse battery staple';
const SALT = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
const NEW_SALT = Buffer.from('ffeeddccbbaa99887766554433221100', 'hex');
const DECOY_SALT = Buffer.from('d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0', 'hex');

const verifierOf = (password: string, salt = SALT, params = clientParams(2048)) =>
  SRP.computeVerifier(params, salt, Buffer.from(USER), Buffer.from(password)).toString('hex');

/**
 * The client's A and M1 for a challenge, and a check of the server's M2. SrpClient's last argument
 * (`hap`, default true) selects RFC 5054's M1 = H(H(N) xor H(g) | H(I) | s | PAD(A) | PAD(B) | K).
 */
const clientProof = (B: string, password: string, salt = SALT, params = clientParams(2048)) => {
  const client = new SrpClient(
    params,
    salt,
    Buffer.from(USER),
    Buffer.from(password),
    Buffer.alloc(32, 7),
    true,
  );
  const A = client.computeA().toString('hex');
  client.setB(Buffer.from(B, 'hex'));
  const M1 = client.computeM1().toString('hex');
  return { A, M1, acceptsM2: (M2: string) => (client.checkM2(Buffer.from(M2, 'hex')), true) };
};

// ---------------------------------------------------------------------------------------------
// Fixtures: fixed clock, ids, "encryption" that binds the label, a fixed server ephemeral b.
// ---------------------------------------------------------------------------------------------

const enc = (label: string, bytes: Buffer | string) =>
  `enc:${label}:${Buffer.isBuffer(bytes) ? bytes.toString('hex') : bytes}`;

const serverProofs: string[] = [];
const FIXED_B = Buffer.alloc(32, 0x5b);
const deps: PasscodeDeciderDeps = {
  encrypt: (plaintext, label) => enc(label, plaintext),
  decrypt: (ciphertext, label) => {
    const prefix = `enc:${label}:`;
    // Like AES-GCM with associated data: a ciphertext made for another value does not decrypt.
    if (!ciphertext.startsWith(prefix)) throw new Error(`ciphertext is not for ${label}`);
    return Buffer.from(ciphertext.slice(prefix.length), 'hex');
  },
  challenge: (params: SrpParameters, verifierHex: string) => srpServerChallenge(params, verifierHex, FIXED_B),
  onServerProof: (M2) => serverProofs.push(M2),
  decoy: (policyName: string, params: SrpParameters) => ({
    salt: DECOY_SALT.toString('hex'),
    verifier: verifierOf(`decoy of ${policyName}`, DECOY_SALT, clientParams(params.bits as 2048)),
  }),
};
beforeEach(() => (serverProofs.length = 0));

const T0 = new Date('2026-05-07T10:00:00.000Z');
const plus = (date: Date, seconds: number) => new Date(date.getTime() + seconds * 1000);
const iso = (date: Date) => date.toISOString();

const STORE = 'store-1';
const PASSCODE = 'pc-1';
/** The policy default (the decider only passes KDF parameters on; the client applies them). */
const KDF = { algorithm: 'argon2id', memoryKiB: 19456, iterations: 2, parallelism: 1 } as const;
const policy: PasscodePolicyParameters = {
  name: 'default',
  srpGroup: 2048,
  hash: 'SHA-256',
  validity: 'P90D',
  renewalWindow: null,
  maxFailedAttempts: 3,
  lockoutDuration: 'PT15M',
  kdf: KDF,
};
const policies = { default: policy };

// ---- event builders (exact stored shapes) ----

const registrationStarted = (sessionId = 'reg-1', at = T0): PasscodeEvent => ({
  type: 'PasscodeRegistrationStarted',
  data: {
    sessionId,
    storeId: STORE,
    policyName: 'default',
    srpGroup: 2048,
    hash: 'SHA-256',
    kdf: KDF,
    expiresDtm: iso(plus(at, 300)),
    at: iso(at),
  },
});

const REGISTERED_AT = new Date('2026-05-01T09:00:00.000Z');
const EXPIRES = '2026-07-30T09:00:00.000Z'; // REGISTERED_AT + P90D

const registered = ({
  passcodeId = PASSCODE,
  password = PASSWORD,
  expirationDtm = EXPIRES as string | null,
} = {}): PasscodeEvent => ({
  type: 'PasscodeRegistrationCompleted',
  data: {
    sessionId: 'reg-0',
    passcodeId,
    policyName: 'default',
    srpGroup: 2048,
    hash: 'SHA-256',
    encryptedSalt: enc(secretLabels.salt(passcodeId), SALT),
    encryptedVerifier: enc(secretLabels.verifier(passcodeId), verifierOf(password)),
    createdDtm: iso(REGISTERED_AT),
    expirationDtm,
    kdf: KDF,
  },
});

const statusChanged = (status: 'ACTIVE' | 'SUSPENDED' | 'REVOKED'): PasscodeEvent => ({
  type: 'PasscodeStatusChanged',
  data: { passcodeId: PASSCODE, status, at: '2026-05-02T09:00:00.000Z' },
});

const failedBefore = (failedAttempts: number): PasscodeEvent => ({
  type: 'PasscodeAuthenticationFailed',
  data: {
    sessionId: `old-${failedAttempts}`,
    passcodeId: PASSCODE,
    authenticationId: `auth-old-${failedAttempts}`,
    ceremony: 'AUTHENTICATION',
    policyName: 'default',
    srpGroup: 2048,
    hash: 'SHA-256',
    status: 'ACTIVE',
    expirationDtm: EXPIRES,
    failedAttempts,
    locked: false,
    reason: 'INVALID_PROOF',
    at: '2026-05-06T09:00:00.000Z',
  },
});

const lockedUntil = (until: Date, at = T0): PasscodeEvent => ({
  type: 'PasscodeLocked',
  data: { passcodeId: PASSCODE, lockedUntil: iso(until), at: iso(at) },
});

// ---------------------------------------------------------------------------------------------
// Given / When / Then
// ---------------------------------------------------------------------------------------------

/** The decider as the handler drives it: requests in, the SRP work done as the handler does. */
const given = DeciderSpecification.for(
  {
    ...passcodeDecider,
    decide: (command: PasscodeCommand, state: PasscodeUserState) => decidePasscode(command, state, deps),
  },
  { equality: 'strict' },
);

const stateFrom = (events: PasscodeEvent[]): PasscodeUserState => given(events).state();

const decide = (events: PasscodeEvent[], command: PasscodeCommand) => given(events).when(command).decided().events;

/** A refusal: a DomainError of this kind and code. */
const refused = (kind: DomainErrorKind, code: string) => (error: DomainError) =>
  expect({ kind: error.kind, code: error.code }).toEqual({ kind, code });

// ---- commands ----

const startRegistration = (sessionId = 'reg-1', now = T0): PasscodeCommand => ({
  type: 'StartPasscodeRegistration',
  now,
  policy,
  sessionId,
  storeId: STORE,
});

const completeRegistration = (
  over: Partial<Extract<PasscodeCommand, { type: 'CompletePasscodeRegistration' }>> = {},
): PasscodeCommand => ({
  type: 'CompletePasscodeRegistration',
  now: plus(T0, 10),
  sessionId: 'reg-1',
  storeId: STORE,
  policies,
  passcodeId: 'pc-2',
  salt: SALT.toString('hex'),
  verifier: verifierOf(PASSWORD),
  ...over,
});

const startChallenge = (
  type: 'StartPasscodeAuthentication' | 'StartPasscodeRenewal',
  { sessionId = 'ses-1', now = T0, withPolicy = policy } = {},
): PasscodeCommand => ({ type, now, policy: withPolicy, sessionId, storeId: STORE });

/** Runs a challenge start on the history; returns the history with the started event, and B. */
const started = (
  history: PasscodeEvent[],
  type: 'StartPasscodeAuthentication' | 'StartPasscodeRenewal' = 'StartPasscodeAuthentication',
  options: Parameters<typeof startChallenge>[1] = {},
) => {
  const events = decide(history, startChallenge(type, options));
  expect(events).toHaveLength(1);
  return { history: [...history, ...events], B: (events[0]!.data as { B: string }).B };
};

const completeAuthentication = (
  proof: { A: string; M1: string },
  {
    sessionId = 'ses-1',
    now = plus(T0, 20),
    storeId = STORE,
    context = undefined as Record<string, unknown> | undefined,
  } = {},
): PasscodeCommand => ({
  type: 'CompletePasscodeAuthentication',
  now,
  sessionId,
  storeId,
  policies,
  identity: USER,
  authenticationId: 'auth-1',
  A: proof.A,
  M1: proof.M1,
  ...(context ? { context } : {}),
});

const completeRenewal = (
  proof: { A: string; M1: string },
  { password = 'a new passcode', now = plus(T0, 20), withPolicies = policies } = {},
): PasscodeCommand => ({
  type: 'CompletePasscodeRenewal',
  now,
  sessionId: 'ses-1',
  storeId: STORE,
  policies: withPolicies,
  identity: USER,
  authenticationId: 'auth-1',
  A: proof.A,
  M1: proof.M1,
  salt: NEW_SALT.toString('hex'),
  verifier: verifierOf(password, NEW_SALT),
});

/** Authenticates on a history (start + complete with the password) and returns the outcome events. */
const authenticateWith = (history: PasscodeEvent[], password: string, now = T0) => {
  const { history: withSession, B } = started(history, 'StartPasscodeAuthentication', { now });
  const events = decide(withSession, completeAuthentication(clientProof(B, password), { now: plus(now, 5) }));
  return { events, after: [...withSession, ...events] };
};

const proofFields = (over: Record<string, unknown> = {}) => ({
  sessionId: 'ses-1',
  passcodeId: PASSCODE,
  authenticationId: 'auth-1',
  ceremony: 'AUTHENTICATION',
  policyName: 'default',
  srpGroup: 2048,
  hash: 'SHA-256',
  status: 'ACTIVE',
  expirationDtm: EXPIRES,
  at: iso(plus(T0, 20)),
  ...over,
});

// ---------------------------------------------------------------------------------------------

describe('the independent client', () => {
  it('uses RFC 5054’s 2048-bit group with g = 2 and SHA-256', () => {
    const params = clientParams(2048);
    expect(params.N_length_bits).toBe(2048);
    expect(parseInt(params.g.toString(16), 16)).toBe(2);
    expect(params.hash).toBe('sha256');
    expect(params.N.toString(16).slice(0, 16)).toBe('ac6bdb41324a9a9b');
  });
});

describe('StartPasscodeRegistration', () => {
  it('opens a registration session with the policy’s group and hash, expiring after 5 minutes', () => {
    given([]).when(startRegistration()).then([registrationStarted()]);
  });

  it('is a conflict while the policy’s passcode is ACTIVE (also when locked) or SUSPENDED', () => {
    given([registered()]).when(startRegistration()).thenThrows(DomainError, refused('conflict', 'PASSCODE_ALREADY_REGISTERED'));
    given([registered(), failedBefore(3), lockedUntil(plus(T0, 900))])
      .when(startRegistration())
      .thenThrows(DomainError, refused('conflict', 'PASSCODE_ALREADY_REGISTERED'));
    given([registered({ expirationDtm: iso(plus(T0, -1)) }), statusChanged('SUSPENDED')])
      .when(startRegistration())
      .thenThrows(DomainError, refused('conflict', 'PASSCODE_ALREADY_REGISTERED'));
  });

  it('is allowed when the policy’s passcode is REVOKED or expired', () => {
    given([registered(), statusChanged('REVOKED')])
      .when(startRegistration())
      .then([registrationStarted()]);
    given([registered({ expirationDtm: iso(T0) })])
      .when(startRegistration())
      .then([registrationStarted()]);
  });
});

describe('CompletePasscodeRegistration', () => {
  it('registers an ACTIVE passcode: salt and verifier encrypted for it, expiry from the policy’s validity', () => {
    given([registrationStarted()])
      .when(completeRegistration())
      .then([
        {
          type: 'PasscodeRegistrationCompleted',
          data: {
            sessionId: 'reg-1',
            passcodeId: 'pc-2',
            policyName: 'default',
            srpGroup: 2048,
            hash: 'SHA-256',
            encryptedSalt: enc('passcode:pc-2:salt', SALT),
            encryptedVerifier: enc('passcode:pc-2:verifier', verifierOf(PASSWORD)),
            createdDtm: '2026-05-07T10:00:10.000Z',
            expirationDtm: '2026-08-05T10:00:10.000Z',
            kdf: KDF,
          },
        },
      ]);
  });

  it('never expires when the policy has no validity', () => {
    const events = decide(
      [registrationStarted()],
      completeRegistration({ policies: { default: { ...policy, validity: null } } }),
    );
    expect(events[0]!.data).toMatchObject({ expirationDtm: null });
  });

  it('consumes the session: a second completion is 404', () => {
    const history = [registrationStarted()];
    const after = [...history, ...decide(history, completeRegistration())];
    expect(stateFrom(after).sessions).toEqual({});
    given(after)
      .when(completeRegistration({ passcodeId: 'pc-3' }))
      .thenThrows(DomainError, refused('not-found', 'PASSCODE_SESSION_NOT_FOUND'));
  });

  it('is 410 once the session has expired (and nothing is registered)', () => {
    given([registrationStarted()])
      .when(completeRegistration({ now: plus(T0, 300) }))
      .thenThrows(DomainError, refused('gone', 'PASSCODE_SESSION_EXPIRED'));
  });

  it('is 404 for a session of another store, of another kind, or unknown', () => {
    given([registrationStarted()])
      .when(completeRegistration({ storeId: 'store-2' }))
      .thenThrows(DomainError, refused('not-found', 'PASSCODE_SESSION_NOT_FOUND'));
    const { history } = started([registered()]);
    given(history)
      .when(completeRegistration({ sessionId: 'ses-1' }))
      .thenThrows(DomainError, refused('not-found', 'PASSCODE_SESSION_NOT_FOUND'));
    given([]).when(completeRegistration()).thenThrows(DomainError, refused('not-found', 'PASSCODE_SESSION_NOT_FOUND'));
  });

  it('names every malformed value (400) and leaves the session open', () => {
    const error = given([registrationStarted()])
      .when(completeRegistration({ salt: 'ABCD', verifier: 'ab'.repeat(255) }))
      .thenThrows(DomainError, refused('validation', 'INVALID_SRP_VALUE'));
    expect(error.errors?.map((e) => e.path)).toEqual(['body.salt', 'body.verifier']);
    // a verifier of the right length that is 0 mod N is refused too
    const zero = given([registrationStarted()])
      .when(completeRegistration({ verifier: '00'.repeat(256) }))
      .thenThrows(DomainError, refused('validation', 'INVALID_SRP_VALUE'));
    expect(zero.errors).toEqual([{ path: 'body.verifier', message: expect.stringContaining('0 modulo N') }]);
  });

  it('is a conflict when another registration of the policy completed since the start', () => {
    given([registrationStarted(), registered()])
      .when(completeRegistration())
      .thenThrows(DomainError, refused('conflict', 'PASSCODE_ALREADY_REGISTERED'));
  });

  it('replaces a REVOKED passcode of the policy: deregisters it first', () => {
    const events = decide(
      [registered(), statusChanged('REVOKED'), registrationStarted()],
      completeRegistration(),
    );
    expect(events.map((e) => e.type)).toEqual(['PasscodeDeregistered', 'PasscodeRegistrationCompleted']);
    expect(events[0]!.data).toEqual({
      passcodeId: PASSCODE,
      reason: 'REPLACED',
      at: '2026-05-07T10:00:10.000Z',
    });
  });

  it('is 404 POLICY_NOT_FOUND when the policy was deleted since the start', () => {
    given([registrationStarted()])
      .when(completeRegistration({ policies: {} }))
      .thenThrows(DomainError, refused('not-found', 'POLICY_NOT_FOUND'));
  });
});

describe('passcode authentication', () => {
  it('issues B = k·v + g^b for the passcode’s verifier, keeping b encrypted for the session', () => {
    const [event] = decide([registered()], startChallenge('StartPasscodeAuthentication'));
    // fast-srp-hap's server with the same b computes the same B
    const B = new SrpServer(clientParams(2048), Buffer.from(verifierOf(PASSWORD), 'hex'), FIXED_B)
      .computeB()
      .toString('hex');
    expect(event).toStrictEqual({
      type: 'PasscodeAuthenticationStarted',
      data: {
        sessionId: 'ses-1',
        storeId: STORE,
        passcodeId: PASSCODE,
        policyName: 'default',
        B,
        encryptedB: enc('session:ses-1:b', FIXED_B),
        expiresDtm: '2026-05-07T10:05:00.000Z',
        at: '2026-05-07T10:00:00.000Z',
      },
    });
  });

  it('succeeds with the right passcode; M2 convinces the client; the context is recorded', () => {
    const { history, B } = started([registered()]);
    const proof = clientProof(B, PASSWORD);
    given(history)
      .when(completeAuthentication(proof, { context: { ip: '192.0.2.1' } }))
      .then([
        {
          type: 'PasscodeAuthenticationSucceeded',
          data: { ...proofFields(), failedAttempts: 0, locked: false, context: { ip: '192.0.2.1' } },
        } as PasscodeEvent,
      ]);
    expect(serverProofs).toHaveLength(1);
    expect(proof.acceptsM2(serverProofs[0]!)).toBe(true);
  });

  it('fails with a wrong passcode: a failed attempt, no server proof', () => {
    const { history, B } = started([registered()]);
    given(history)
      .when(completeAuthentication(clientProof(B, 'wrong passcode')))
      .then([
        {
          type: 'PasscodeAuthenticationFailed',
          data: { ...proofFields(), failedAttempts: 1, locked: false, reason: 'INVALID_PROOF' },
        } as PasscodeEvent,
      ]);
    expect(serverProofs).toEqual([]);
  });

  it('works with the passcode’s own group and hash (3072-bit, SHA-512)', () => {
    const params = clientParams(3072, 'SHA-512');
    const history: PasscodeEvent[] = [
      {
        type: 'PasscodeRegistrationCompleted',
        data: {
          ...(registered().data as Extract<PasscodeEvent, { type: 'PasscodeRegistrationCompleted' }>['data']),
          srpGroup: 3072,
          hash: 'SHA-512',
          encryptedVerifier: enc(secretLabels.verifier(PASSCODE), verifierOf(PASSWORD, SALT, params)),
        },
      },
    ];
    const { history: withSession, B } = started(history);
    expect(B).toHaveLength(768);
    const events = decide(withSession, completeAuthentication(clientProof(B, PASSWORD, SALT, params)));
    expect(events.map((e) => e.type)).toEqual(['PasscodeAuthenticationSucceeded']);
    expect(clientProof(B, PASSWORD, SALT, params).acceptsM2(serverProofs[0]!)).toBe(true);
  });

  it('consumes the session on success and on failure: a replay is 404', () => {
    for (const password of [PASSWORD, 'wrong']) {
      const { history, B } = started([registered()]);
      const proof = clientProof(B, password);
      const after = [...history, ...decide(history, completeAuthentication(proof))];
      given(after).when(completeAuthentication(proof)).thenThrows(DomainError, refused('not-found', 'PASSCODE_SESSION_NOT_FOUND'));
    }
  });

  it('is 410 after the session expired, 404 once a later start pruned it', () => {
    const { history, B } = started([registered()]);
    const proof = clientProof(B, PASSWORD);
    given(history)
      .when(completeAuthentication(proof, { now: plus(T0, 301) }))
      .thenThrows(DomainError, refused('gone', 'PASSCODE_SESSION_EXPIRED'));
    const { history: later } = started(history, 'StartPasscodeAuthentication', {
      sessionId: 'ses-2',
      now: plus(T0, 400),
    });
    expect(Object.keys(stateFrom(later).sessions)).toEqual(['ses-2']);
    given(later)
      .when(completeAuthentication(proof, { now: plus(T0, 401) }))
      .thenThrows(DomainError, refused('not-found', 'PASSCODE_SESSION_NOT_FOUND'));
  });

  it('is 404 through another store', () => {
    const { history, B } = started([registered()]);
    given(history)
      .when(completeAuthentication(clientProof(B, PASSWORD), { storeId: 'store-2' }))
      .thenThrows(DomainError, refused('not-found', 'PASSCODE_SESSION_NOT_FOUND'));
  });

  it('names malformed A and M1 (400) without counting an attempt or closing the session', () => {
    const { history, B } = started([registered()]);
    const { A, M1 } = clientProof(B, PASSWORD);
    const both = given(history)
      .when(completeAuthentication({ A: A.toUpperCase(), M1: M1.slice(2) }))
      .thenThrows(DomainError, refused('validation', 'INVALID_SRP_VALUE'));
    expect(both.errors?.map((e) => e.path)).toEqual(['body.A', 'body.M1']);
    for (const badA of ['00'.repeat(256), 'ab'.repeat(128), `${A}00`]) {
      const error = given(history)
        .when(completeAuthentication({ A: badA, M1 }))
        .thenThrows(DomainError, refused('validation', 'INVALID_SRP_VALUE'));
      expect(error.errors?.map((e) => e.path)).toEqual(['body.A']);
    }
    // A = N ≡ 0 (mod N)
    const N = srpParameters(2048, 'SHA-256').N.toString(16).padStart(512, '0');
    given(history)
      .when(completeAuthentication({ A: N, M1 }))
      .thenThrows(DomainError, refused('validation', 'INVALID_SRP_VALUE'));
    // and the session still works
    expect(decide(history, completeAuthentication({ A, M1 })).map((e) => e.type)).toEqual([
      'PasscodeAuthenticationSucceeded',
    ]);
  });

  it('without a passcode for the policy: a decoy challenge (L3), not a 404; a renewal start stays 404', () => {
    const events = decide([], startChallenge('StartPasscodeAuthentication'));
    const decoyVerifier = deps.decoy('default', srpParameters(2048, 'SHA-256')).verifier;
    expect(events).toStrictEqual([
      {
        type: 'PasscodeDecoyAuthenticationStarted',
        data: {
          sessionId: 'ses-1',
          storeId: STORE,
          policyName: 'default',
          srpGroup: 2048,
          hash: 'SHA-256',
          // B from the decoy verifier and the server's b, like a real challenge
          B: srpServerChallenge(srpParameters(2048, 'SHA-256'), decoyVerifier, FIXED_B).B,
          encryptedB: enc('session:ses-1:b', FIXED_B),
          expiresDtm: iso(plus(T0, 300)),
          at: iso(T0),
        },
      },
    ]);
    given([]).when(startChallenge('StartPasscodeRenewal')).thenThrows(DomainError, refused('not-found', 'PASSCODE_NOT_FOUND'));
  });

  it('a decoy completes like a wrong proof (nothing counted), also for the proof of the decoy salt; single-use', () => {
    const { history, B } = started([]);
    const proof = clientProof(B, 'decoy of default', DECOY_SALT);
    const events = decide(history, completeAuthentication(proof, { context: { ip: '192.0.2.1' } }));
    expect(events).toStrictEqual([
      {
        type: 'PasscodeDecoyAuthenticationFailed',
        data: {
          sessionId: 'ses-1',
          authenticationId: 'auth-1',
          policyName: 'default',
          srpGroup: 2048,
          hash: 'SHA-256',
          reason: 'PASSCODE_NOT_FOUND',
          at: iso(plus(T0, 20)),
          context: { ip: '192.0.2.1' },
        },
      },
    ]);
    expect(serverProofs).toEqual([]);
    const after = stateFrom([...history, ...events]);
    expect(after).toEqual(initialPasscodeUserState());
    given([...history, ...events])
      .when(completeAuthentication(proof))
      .thenThrows(DomainError, refused('not-found', 'PASSCODE_SESSION_NOT_FOUND'));
  });

  it('a decoy checks the request like a real session: malformed values 400 (session left open), another store 404, expired 410', () => {
    const { history, B } = started([]);
    const proof = clientProof(B, 'anything');
    const error = given(history)
      .when(completeAuthentication({ A: proof.A.slice(2), M1: 'XY' }))
      .thenThrows(DomainError, refused('validation', 'INVALID_SRP_VALUE'));
    expect(error.errors?.map((e) => e.path)).toEqual(['body.A', 'body.M1']);
    given(history)
      .when(completeAuthentication({ A: '00'.repeat(256), M1: proof.M1 }))
      .thenThrows(DomainError, refused('validation', 'INVALID_SRP_VALUE'));
    given(history)
      .when(completeAuthentication(proof, { storeId: 'store-2' }))
      .thenThrows(DomainError, refused('not-found', 'PASSCODE_SESSION_NOT_FOUND'));
    given(history)
      .when(completeAuthentication(proof, { now: plus(T0, 300) }))
      .thenThrows(DomainError, refused('gone', 'PASSCODE_SESSION_EXPIRED'));
    given(history).when(completeRenewal(proof)).thenThrows(DomainError, refused('not-found', 'PASSCODE_SESSION_NOT_FOUND'));
  });

  it('refuses SUSPENDED and REVOKED passcodes (403), at start and at completion', () => {
    for (const status of ['SUSPENDED', 'REVOKED'] as const) {
      given([registered(), statusChanged(status)])
        .when(startChallenge('StartPasscodeAuthentication'))
        .thenThrows(DomainError, refused('forbidden', `PASSCODE_${status}`));
      const { history, B } = started([registered()]);
      given([...history, statusChanged(status)])
        .when(completeAuthentication(clientProof(B, PASSWORD)))
        .thenThrows(DomainError, refused('forbidden', `PASSCODE_${status}`));
    }
  });

  describe('expiry', () => {
    const expiring = [registered({ expirationDtm: iso(plus(T0, 60)) })];

    it('an expired passcode fails with 400 PASSCODE_EXPIRED at start', () => {
      given(expiring)
        .when(startChallenge('StartPasscodeAuthentication', { now: plus(T0, 60) }))
        .thenThrows(DomainError, refused('validation', 'PASSCODE_EXPIRED'));
    });

    it('and at completion when it expired after the start (the session stays, nothing counted)', () => {
      const { history, B } = started(expiring);
      given(history)
        .when(completeAuthentication(clientProof(B, PASSWORD), { now: plus(T0, 61) }))
        .thenThrows(DomainError, refused('validation', 'PASSCODE_EXPIRED'));
      expect(stateFrom(history).passcodes[PASSCODE]?.failedAttempts).toBe(0);
    });

    it('authenticates until then', () => {
      expect(authenticateWith(expiring, PASSWORD, plus(T0, 50)).events.map((e) => e.type)).toEqual([
        'PasscodeAuthenticationSucceeded',
      ]);
    });
  });

  describe('lockout (maxFailedAttempts 3, lockoutDuration PT15M)', () => {
    const twoFailures = [registered(), failedBefore(1), failedBefore(2)];

    it('the failure reaching maxFailedAttempts locks for lockoutDuration', () => {
      const { history, B } = started(twoFailures);
      given(history)
        .when(completeAuthentication(clientProof(B, 'wrong')))
        .then([
          {
            type: 'PasscodeAuthenticationFailed',
            data: { ...proofFields(), failedAttempts: 3, locked: true, reason: 'INVALID_PROOF' },
          } as PasscodeEvent,
          {
            type: 'PasscodeLocked',
            data: {
              passcodeId: PASSCODE,
              lockedUntil: '2026-05-07T10:15:20.000Z',
              at: '2026-05-07T10:00:20.000Z',
            },
          },
        ]);
    });

    const lockedHistory = () => authenticateWith(twoFailures, 'wrong').after; // locked until 10:15:05

    it('while locked: 423 at start, and at completion even with the right passcode', () => {
      const history = lockedHistory();
      expect(toPasscodeResource(stateFrom(history).passcodes[PASSCODE]!, plus(T0, 60)).status).toBe('LOCKED');
      given(history)
        .when(startChallenge('StartPasscodeAuthentication', { sessionId: 'ses-2', now: plus(T0, 60) }))
        .thenThrows(DomainError, refused('locked', 'PASSCODE_LOCKED'));
      // a session opened before the lock cannot be used either
      const { history: open, B } = started(twoFailures, 'StartPasscodeAuthentication', {
        sessionId: 'ses-2',
      });
      const withLock = [...open, ...lockedHistory().slice(twoFailures.length)];
      given(withLock)
        .when(completeAuthentication(clientProof(B, PASSWORD), { sessionId: 'ses-2', now: plus(T0, 60) }))
        .thenThrows(DomainError, refused('locked', 'PASSCODE_LOCKED'));
    });

    it('after lockoutDuration it authenticates again, and a success resets the counter', () => {
      const afterLock = new Date('2026-05-07T10:15:05.000Z');
      const { events, after } = authenticateWith(lockedHistory(), PASSWORD, afterLock);
      expect(events.map((e) => e.type)).toEqual(['PasscodeAuthenticationSucceeded']);
      expect(stateFrom(after).passcodes[PASSCODE]).toMatchObject({ failedAttempts: 0, lockedUntil: null });
      expect(authenticateWith(after, 'wrong', plus(afterLock, 60)).events[0]!.data).toMatchObject({
        failedAttempts: 1,
        locked: false,
      });
    });

    it('after lockoutDuration one more failure locks again at once (expiry does not reset the counter)', () => {
      const { events } = authenticateWith(lockedHistory(), 'wrong', new Date('2026-05-07T10:16:00.000Z'));
      expect(events.map((e) => e.type)).toEqual(['PasscodeAuthenticationFailed', 'PasscodeLocked']);
      expect(events[0]!.data).toMatchObject({ failedAttempts: 4, locked: true });
    });
  });

  describe('extreme durations (review M1): the locking failure is counted and its session consumed', () => {
    const twoFailures = [registered(), failedBefore(1), failedBefore(2)];
    const withPolicy = (over: Partial<PasscodePolicyParameters>) => ({ default: { ...policy, ...over } });

    /** A wrong proof reaching maxFailedAttempts under `policies`: the events, and the history after them. */
    const lockingFailure = (policiesNow: Record<string, PasscodePolicyParameters>) => {
      const { history, B } = started(twoFailures, 'StartPasscodeAuthentication', {
        withPolicy: policiesNow.default,
      });
      const command = { ...completeAuthentication(clientProof(B, 'wrong')), policies: policiesNow } as PasscodeCommand;
      const events = decide(history, command);
      return { events, after: [...history, ...events], command };
    };

    it('locks for the largest duration a policy may name (P10Y)', () => {
      const { events } = lockingFailure(withPolicy({ lockoutDuration: 'P10Y' }));
      expect(events[0]!.data).toMatchObject({ failedAttempts: 3, locked: true });
      expect(events[1]).toStrictEqual({
        type: 'PasscodeLocked',
        data: { passcodeId: PASSCODE, lockedUntil: '2036-05-07T10:00:20.000Z', at: '2026-05-07T10:00:20.000Z' },
      });
    });

    it.each([
      ['P1000000Y', 'P1000000Y'],
      ['PT99999999999H', 'PT99999999999H'],
      ['a 400-digit number of days', `P${'9'.repeat(400)}D`],
    ])('a policy stored before durations were bounded (%s) locks until the latest instant', (_label, lockoutDuration) => {
      const { events, after, command } = lockingFailure(withPolicy({ lockoutDuration }));
      expect(events.map((e) => e.type)).toEqual(['PasscodeAuthenticationFailed', 'PasscodeLocked']);
      expect(events[0]!.data).toMatchObject({ failedAttempts: 3, locked: true });
      expect(events[1]!.data).toMatchObject({ lockedUntil: '9999-12-31T23:59:59.999Z' });
      // the session is consumed: replaying it with another guess is 404, not another try
      expect(stateFrom(after).sessions).toEqual({});
      given(after).when(command).thenThrows(DomainError, refused('not-found', 'PASSCODE_SESSION_NOT_FOUND'));
      given(after)
        .when(startChallenge('StartPasscodeAuthentication', { sessionId: 'ses-2', now: plus(T0, 3600) }))
        .thenThrows(DomainError, refused('locked', 'PASSCODE_LOCKED'));
    });

    it('a stored validity too large for a date expires at the latest instant (registration and renewal)', () => {
      const huge = withPolicy({ validity: 'P1000000Y' });
      const registration = decide([registrationStarted()], completeRegistration({ policies: huge }));
      expect(registration[0]!.data).toMatchObject({ expirationDtm: '9999-12-31T23:59:59.999Z' });
      const { history, B } = started([registered()], 'StartPasscodeRenewal');
      const renewal = decide(history, completeRenewal(clientProof(B, PASSWORD), { withPolicies: huge }));
      expect(renewal[1]!.data).toMatchObject({ expirationDtm: '9999-12-31T23:59:59.999Z' });
    });

    it('a stored renewal window too large for a date keeps renewal open', () => {
      const windowed = { ...policy, renewalWindow: 'P1000000Y' };
      const events = decide([registered()], startChallenge('StartPasscodeRenewal', { withPolicy: windowed }));
      expect(events.map((e) => e.type)).toEqual(['PasscodeRenewalStarted']);
    });
  });
});

describe('key stretching (the KDF the client applies before SRP)', () => {
  const PBKDF2 = { algorithm: 'PBKDF2-SHA256', iterations: 600000 } as const;

  it('a registration keeps the KDF of its start, even if the policy changed before the completion', () => {
    const changed = { default: { ...policy, kdf: PBKDF2 } };
    const [completed] = decide([registrationStarted()], completeRegistration({ policies: changed }));
    expect(completed!.data).toMatchObject({ kdf: KDF });
    expect(stateFrom([registrationStarted(), completed!]).passcodes['pc-2']!.kdf).toEqual(KDF);
  });

  it('a policy change after registration leaves the passcode’s KDF; a renewal moves it to the policy’s current one', () => {
    const changedPolicy = { ...policy, kdf: PBKDF2 };
    const { history, B } = started([registered()], 'StartPasscodeRenewal', { withPolicy: changedPolicy });
    expect(stateFrom(history).sessions['ses-1']).toMatchObject({ kind: 'RENEWAL', newKdf: PBKDF2 });
    expect(stateFrom(history).passcodes[PASSCODE]!.kdf).toEqual(KDF);
    const events = decide(
      history,
      completeRenewal(clientProof(B, PASSWORD), { withPolicies: { default: changedPolicy } }),
    );
    expect(events.map((e) => e.type)).toEqual(['PasscodeAuthenticationSucceeded', 'PasscodeRenewed']);
    expect(events[1]!.data).toMatchObject({ kdf: PBKDF2 });
    expect(stateFrom([...history, ...events]).passcodes[PASSCODE]!.kdf).toEqual(PBKDF2);
  });

  it('a policy without a KDF (null, or stored before KDFs) registers plain RFC 5054 passcodes', () => {
    const { kdf: _kdf, ...legacyPolicy } = policy;
    for (const withPolicy of [{ ...policy, kdf: null }, legacyPolicy]) {
      const [start] = decide([], { ...startRegistration(), policy: withPolicy } as PasscodeCommand);
      expect(start!.data).toMatchObject({ kdf: null });
    }
  });

  it('events written before KDFs (no kdf field) are plain RFC 5054 passcodes', () => {
    const legacy = (event: PasscodeEvent): PasscodeEvent => {
      const { kdf: _kdf, ...data } = event.data as { kdf?: unknown };
      return { ...event, data } as PasscodeEvent;
    };
    const state = stateFrom([legacy(registrationStarted()), legacy(registered())]);
    expect(state.sessions['reg-1']).toMatchObject({ kdf: null });
    expect(state.passcodes[PASSCODE]!.kdf).toBeNull();
    expect(toPasscodeResource(state.passcodes[PASSCODE]!, T0).kdf).toBeNull();
  });
});

describe('passcode renewal', () => {
  it('renews with the old passcode’s proof: new salt and verifier, validity restarted; the old passcode fails afterwards', () => {
    const { history, B } = started([registered()], 'StartPasscodeRenewal');
    const proof = clientProof(B, PASSWORD);
    const events = decide(history, completeRenewal(proof));
    expect(events).toStrictEqual([
      {
        type: 'PasscodeAuthenticationSucceeded',
        data: { ...proofFields({ ceremony: 'RENEWAL' }), failedAttempts: 0, locked: false },
      },
      {
        type: 'PasscodeRenewed',
        data: {
          sessionId: 'ses-1',
          passcodeId: PASSCODE,
          authenticationId: 'auth-1',
          encryptedSalt: enc('passcode:pc-1:salt', NEW_SALT),
          encryptedVerifier: enc('passcode:pc-1:verifier', verifierOf('a new passcode', NEW_SALT)),
          expirationDtm: '2026-08-05T10:00:20.000Z',
          kdf: KDF,
          at: '2026-05-07T10:00:20.000Z',
        },
      },
    ]);
    expect(proof.acceptsM2(serverProofs[0]!)).toBe(true);

    const after = [...history, ...events];
    const old = started(after, 'StartPasscodeAuthentication', { sessionId: 'ses-1', now: plus(T0, 30) });
    expect(
      decide(
        old.history,
        completeAuthentication(clientProof(old.B, PASSWORD, SALT), { now: plus(T0, 31) }),
      )[0]!.type,
    ).toBe('PasscodeAuthenticationFailed');
    expect(
      decide(
        old.history,
        completeAuthentication(clientProof(old.B, 'a new passcode', NEW_SALT), { now: plus(T0, 31) }),
      )[0]!.type,
    ).toBe('PasscodeAuthenticationSucceeded');
  });

  it('closes the passcode’s other open challenges (their B belongs to the old verifier)', () => {
    const { history: withAuth } = started([registered()], 'StartPasscodeAuthentication', {
      sessionId: 'other',
    });
    const { history, B } = started(withAuth, 'StartPasscodeRenewal');
    const after = [...history, ...decide(history, completeRenewal(clientProof(B, PASSWORD)))];
    expect(stateFrom(after).sessions).toEqual({});
  });

  it('a wrong old passcode is a failed attempt (it counts toward the lockout) and renews nothing', () => {
    const { history, B } = started([registered(), failedBefore(1), failedBefore(2)], 'StartPasscodeRenewal');
    const events = decide(history, completeRenewal(clientProof(B, 'wrong')));
    expect(events.map((e) => e.type)).toEqual(['PasscodeAuthenticationFailed', 'PasscodeLocked']);
    expect(events[0]!.data).toMatchObject({ ceremony: 'RENEWAL', failedAttempts: 3, locked: true });
  });

  it('names a malformed new salt or verifier (400) before checking the proof', () => {
    const { history, B } = started([registered()], 'StartPasscodeRenewal');
    const command = {
      ...completeRenewal(clientProof(B, PASSWORD)),
      salt: 'abcd',
      verifier: 'xyz',
    } as PasscodeCommand;
    const error = given(history).when(command).thenThrows(DomainError, refused('validation', 'INVALID_SRP_VALUE'));
    expect(error.errors?.map((e) => e.path)).toEqual(['body.salt', 'body.verifier']);
    expect(serverProofs).toEqual([]);
  });

  it('an authentication session cannot complete a renewal (404)', () => {
    const { history, B } = started([registered()], 'StartPasscodeAuthentication');
    given(history)
      .when(completeRenewal(clientProof(B, PASSWORD)))
      .thenThrows(DomainError, refused('not-found', 'PASSCODE_SESSION_NOT_FOUND'));
  });

  describe('renewal window (validity P90D, renewalWindow P7D; expires 2026-07-30T09:00Z)', () => {
    const windowed = { ...policy, renewalWindow: 'P7D' };
    const at = (dtm: string) => new Date(dtm);

    it('before the window opens: 409 PASSCODE_RENEWAL_NOT_OPEN', () => {
      given([registered()])
        .when(
          startChallenge('StartPasscodeRenewal', {
            now: at('2026-07-23T08:59:59.000Z'),
            withPolicy: windowed,
          }),
        )
        .thenThrows(DomainError, refused('conflict', 'PASSCODE_RENEWAL_NOT_OPEN'));
    });

    it('inside the window (from expirationDtm − renewalWindow until expiry): renews', () => {
      for (const now of ['2026-07-23T09:00:00.000Z', '2026-07-30T08:59:59.000Z']) {
        const { history, B } = started([registered()], 'StartPasscodeRenewal', {
          now: at(now),
          withPolicy: windowed,
        });
        const events = decide(
          history,
          completeRenewal(clientProof(B, PASSWORD), { now: at(now), withPolicies: { default: windowed } }),
        );
        expect(events.map((e) => e.type)).toEqual(['PasscodeAuthenticationSucceeded', 'PasscodeRenewed']);
      }
    });

    it('once expired: 400 PASSCODE_EXPIRED (a new registration replaces it)', () => {
      given([registered()])
        .when(startChallenge('StartPasscodeRenewal', { now: at(EXPIRES), withPolicy: windowed }))
        .thenThrows(DomainError, refused('validation', 'PASSCODE_EXPIRED'));
      given([registered()])
        .when({ ...startRegistration('reg-9', at(EXPIRES)) })
        .then([registrationStarted('reg-9', at(EXPIRES))]);
    });

    it('without a window a passcode renews any time before it expires', () => {
      expect(
        started([registered()], 'StartPasscodeRenewal', { now: at('2026-05-02T00:00:00.000Z') }).B,
      ).toHaveLength(512);
    });
  });
});

describe('DeregisterPasscode, DeletePasscode', () => {
  it('deregisters the policy’s passcode and closes its open challenges', () => {
    const { history } = started([registered()]);
    const events = decide(history, { type: 'DeregisterPasscode', now: T0, policyName: 'default' });
    expect(events).toEqual([
      { type: 'PasscodeDeregistered', data: { passcodeId: PASSCODE, reason: 'DEREGISTERED', at: iso(T0) } },
    ]);
    expect(stateFrom([...history, ...events])).toEqual({ passcodes: {}, sessions: {} });
  });

  it('deletes a passcode by id', () => {
    given([registered()])
      .when({ type: 'DeletePasscode', now: T0, passcodeId: PASSCODE })
      .then([
        { type: 'PasscodeDeregistered', data: { passcodeId: PASSCODE, reason: 'DELETED', at: iso(T0) } },
      ]);
  });

  it('is 404 without such a passcode', () => {
    given([])
      .when({ type: 'DeregisterPasscode', now: T0, policyName: 'default' })
      .thenThrows(DomainError, refused('not-found', 'PASSCODE_NOT_FOUND'));
    given([registered()])
      .when({ type: 'DeletePasscode', now: T0, passcodeId: 'nope' })
      .thenThrows(DomainError, refused('not-found', 'PASSCODE_NOT_FOUND'));
  });
});

describe('UpdatePasscode', () => {
  const update = (over: {
    status?: 'ACTIVE' | 'SUSPENDED' | 'REVOKED';
    expirationDtm?: string | null;
  }): PasscodeCommand => ({
    type: 'UpdatePasscode',
    now: T0,
    passcodeId: PASSCODE,
    ...over,
  });

  it('changes status and expiration (both in one request)', () => {
    given([registered()])
      .when(update({ status: 'SUSPENDED', expirationDtm: '2027-01-01T00:00:00Z' }))
      .then([
        { type: 'PasscodeStatusChanged', data: { passcodeId: PASSCODE, status: 'SUSPENDED', at: iso(T0) } },
        {
          type: 'PasscodeExpirationChanged',
          data: { passcodeId: PASSCODE, expirationDtm: '2027-01-01T00:00:00.000Z', at: iso(T0) },
        },
      ]);
    given([registered()])
      .when(update({ expirationDtm: null }))
      .then([
        {
          type: 'PasscodeExpirationChanged',
          data: { passcodeId: PASSCODE, expirationDtm: null, at: iso(T0) },
        },
      ]);
  });

  it('is a no-op for what the API already shows', () => {
    given([registered()])
      .when(update({ status: 'ACTIVE', expirationDtm: EXPIRES }))
      .then([]);
  });

  it('setting ACTIVE on a LOCKED passcode unlocks it and clears the failed attempts', () => {
    const history = [registered(), failedBefore(3), lockedUntil(plus(T0, 900))];
    const events = decide(history, update({ status: 'ACTIVE' }));
    expect(events.map((e) => e.type)).toEqual(['PasscodeStatusChanged']);
    expect(stateFrom([...history, ...events]).passcodes[PASSCODE]).toMatchObject({
      status: 'ACTIVE',
      failedAttempts: 0,
      lockedUntil: null,
    });
  });

  it('REVOKED is final: any further change is a conflict', () => {
    given([registered(), statusChanged('REVOKED')])
      .when(update({ status: 'ACTIVE' }))
      .thenThrows(DomainError, refused('conflict', 'PASSCODE_REVOKED'));
  });

  it('an expiration set in the past makes the passcode expired', () => {
    const history = [
      registered(),
      ...decide([registered()], update({ expirationDtm: '2026-05-07T09:00:00.000Z' })),
    ];
    given(history)
      .when(startChallenge('StartPasscodeAuthentication'))
      .thenThrows(DomainError, refused('validation', 'PASSCODE_EXPIRED'));
  });

  it('is 404 for an unknown id', () => {
    given([])
      .when(update({ status: 'SUSPENDED' }))
      .thenThrows(DomainError, refused('not-found', 'PASSCODE_NOT_FOUND'));
  });
});

describe('read helpers and events', () => {
  it('the resource shows LOCKED only while locked, never a secret', () => {
    const passcode = stateFrom([registered(), failedBefore(3), lockedUntil(plus(T0, 900))]).passcodes[
      PASSCODE
    ]!;
    const resource = toPasscodeResource(passcode, T0);
    expect(resource).toStrictEqual({
      id: PASSCODE,
      policyName: 'default',
      status: 'LOCKED',
      protocol: 'SRP',
      srpGroup: 2048,
      hash: 'SHA-256',
      createdDtm: iso(REGISTERED_AT),
      lastUsedDtm: null,
      expirationDtm: EXPIRES,
      failedAttempts: 3,
      lockedUntil: '2026-05-07T10:15:00.000Z',
      kdf: KDF,
    });
    expect(toPasscodeResource(passcode, plus(T0, 900)).status).toBe('ACTIVE');
    expect(JSON.stringify(resource)).not.toContain('enc:');
    expect(passcodeResourceSchema.parse(resource)).toStrictEqual(resource);
  });

  it('lists oldest first, finds by policy', () => {
    const state = stateFrom([registered(), registered({ passcodeId: 'pc-0' })]);
    expect(listPasscodeResources(state, T0).map((r) => r.id)).toEqual(['pc-0', 'pc-1']);
    expect(findByPolicy(stateFrom([registered()]), 'default')?.id).toBe(PASSCODE);
  });

  it('integration events carry no ciphertext, B or session id', () => {
    const { history, B } = started([registrationStarted(), registered()], 'StartPasscodeRenewal');
    const all = [...history, ...decide(history, completeRenewal(clientProof(B, PASSWORD)))];
    for (const event of all) {
      const published = JSON.stringify(toPasscodeIntegrationEvent(event));
      expect(published).not.toMatch(/enc:|sessionId|encrypted|"B"|reg-1|ses-1/);
    }
  });

  it('names the stream after the user', () => {
    expect(passcodeStreamId('u-42')).toBe('passcode-user-u-42');
    expect(userIdOfPasscodeStream('passcode-user-u-42')).toBe('u-42');
    expect(userIdOfPasscodeStream('totp-user-u-42')).toBeUndefined();
  });
});
