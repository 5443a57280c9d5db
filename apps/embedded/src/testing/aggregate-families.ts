import {
  AppkeyConfigRemoved,
  AppkeyConfigSet,
  BiometricPolicyRemoved,
  BiometricPolicySet,
  PasscodePolicySet,
  PasscodePolicyRemoved,
  PasskeyConfigRemoved,
  PasskeyConfigSet,
  PushNotificationPolicyRemoved,
  StoreCreated,
  StoreDeleted,
  type StoredEvent,
  StoreUpdated,
  TotpPolicyRemoved,
  TotpPolicySet,
  UserCreated,
  UserDeleted,
  UserUpdated,
} from '@identity-store/contracts';
import type { SnapshotPolicy } from '@identity-store/event-store';
import fc from 'fast-check';
import { type ApiKeyEvent, evolveApiKey, initialApiKeyState } from '@identity-store/gateway';
import {
  evolveStore,
  evolveUser,
  initialStoreState,
  initialUserState,
  PushNotificationPolicySet,
  storeSnapshot,
  userSnapshot,
} from '@identity-store/identity';
import { evolvePasscode, initialPasscodeUserState, passcodeEvents, passcodeSnapshot } from '@identity-store/passcode';
import { evolvePasskey, initialPasskeyUserState, passkeyEvents, passkeySnapshot } from '@identity-store/passkey';
import { evolveTotp, initialTotpUserState, totpEvents, totpSnapshot } from '@identity-store/totp';

const {
  PasscodeAuthenticationFailed,
  PasscodeAuthenticationStarted,
  PasscodeAuthenticationSucceeded,
  PasscodeDecoyAuthenticationFailed,
  PasscodeDecoyAuthenticationStarted,
  PasscodeDeregistered,
  PasscodeExpirationChanged,
  PasscodeLocked,
  PasscodeRegistrationCompleted,
  PasscodeRegistrationStarted,
  PasscodeRenewalStarted,
  PasscodeRenewed,
  PasscodeSessionsExpired,
  PasscodeStatusChanged,
} = passcodeEvents;

const {
  PasskeyAuthenticationFailed,
  PasskeyAuthenticationSessionClosed,
  PasskeyAuthenticationStarted,
  PasskeyAuthenticationSucceeded,
  PasskeyDeregistered,
  PasskeyRegistrationCompleted,
  PasskeyRegistrationFailed,
  PasskeyRegistrationStarted,
  PasskeyRenamed,
  PasskeySessionsExpired,
  PasskeyStatusChanged,
} = passkeyEvents;

const {
  TotpAuthenticationFailed,
  TotpAuthenticationSucceeded,
  TotpDeregistered,
  TotpLocked,
  TotpRegistrationCompleted,
  TotpRegistrationStarted,
  TotpStatusChanged,
} = totpEvents;

/**
 * Every aggregate family of the system with an arbitrary (fast-check) of its stored events: any
 * sequence of schema-valid events over small pools of ids, so that events keep meeting the same
 * credentials and sessions (created, used, changed, removed, in any order — evolvers tolerate
 * events about entities they no longer hold). What the snapshot properties run on.
 */
export interface AggregateFamily {
  name: string;
  initialState: () => unknown;
  evolve: (state: unknown, event: StoredEvent) => unknown;
  /** Absent: not snapshotted (API keys: a handful of events a stream); still JSON-exact. */
  snapshot?: SnapshotPolicy<unknown>;
  event: fc.Arbitrary<StoredEvent>;
}

const BASE = Date.UTC(2026, 0, 1);
const dtm = fc.integer({ min: 0, max: 30 * 86_400 }).map((s) => new Date(BASE + s * 1000).toISOString());
const pool = (...values: string[]) => fc.constantFrom(...values);
const sessionId = pool('s1', 's2', 's3', 's4');
const storeId = pool('store-1');
const policyName = pool('default', 'strong');
const opaque = fc.string({ minLength: 1, maxLength: 12 });
const hex = fc.stringMatching(/^[0-9a-f]{4,16}$/);
const base64url = fc.stringMatching(/^[A-Za-z0-9_-]{16,24}$/);
const nat = fc.nat({ max: 1_000 });
/** Client context as requests carry it: present or left out. */
const context = fc.option(
  fc.dictionary(
    pool('device', 'ip', 'app'),
    fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean()),
  ),
  { nil: undefined },
);
/** Leaves out optional fields whose value is undefined, as the deciders build events. */
const defined = <T extends object>(data: T): T =>
  Object.fromEntries(Object.entries(data).filter(([, value]) => value !== undefined)) as T;
/** An event kind that comes `weight` times as often as a kind of weight 1 (creations outnumber removals). */
const often = <T>(arbitrary: fc.Arbitrary<T>, weight = 4) => ({ arbitrary, weight });
const event = <D extends object>(
  definition: { create: (data: D) => StoredEvent },
  fields: { [K in keyof D]: fc.Arbitrary<D[K]> },
) =>
  fc.record(fields as Parameters<typeof fc.record>[0]).map((data) => definition.create(defined(data) as D));

// ---- TOTP -------------------------------------------------------------------------------------

const credentialId = pool('c1', 'c2', 'c3');
const totpEvent: fc.Arbitrary<StoredEvent> = fc.oneof(
  often(
    event(TotpRegistrationStarted, {
      credentialId,
      policyName,
      algorithm: pool('SHA1', 'SHA256', 'SHA512') as fc.Arbitrary<'SHA1'>,
      digits: fc.constantFrom(6 as const, 8 as const),
      period: fc.constantFrom(30, 60),
      window: fc.integer({ min: 0, max: 3 }),
      createdDtm: dtm,
      encryptedSecret: opaque,
    }),
  ),
  often(event(TotpRegistrationCompleted, { credentialId, timeStep: nat, at: dtm })),
  event(TotpAuthenticationSucceeded, {
    credentialId,
    authenticationId: opaque,
    timeStep: nat,
    at: dtm,
    context,
  }),
  event(TotpAuthenticationFailed, {
    credentialId,
    authenticationId: opaque,
    reason: pool('INVALID_CODE', 'CODE_REPLAYED') as fc.Arbitrary<'INVALID_CODE'>,
    failedAttempts: fc.integer({ min: 1, max: 10 }),
    at: dtm,
    context,
  }),
  event(TotpLocked, { credentialId, lockedUntil: dtm, at: dtm }),
  event(TotpStatusChanged, {
    credentialId,
    status: pool('ACTIVE', 'SUSPENDED') as fc.Arbitrary<'ACTIVE'>,
    at: dtm,
  }),
  event(TotpDeregistered, {
    credentialId,
    at: dtm,
    reason: pool('DEREGISTERED', 'DELETED') as fc.Arbitrary<'DELETED'>,
  }),
);

// ---- passcodes --------------------------------------------------------------------------------

const passcodeId = pool('p1', 'p2');
const srpGroup = fc.constantFrom(2048 as const, 3072 as const);
const srpHash = pool('SHA-256', 'SHA-512') as fc.Arbitrary<'SHA-256'>;
const passcodeStatus = pool('ACTIVE', 'SUSPENDED', 'REVOKED') as fc.Arbitrary<'ACTIVE'>;
/** A policy's KDF: one of each kind, none (plain RFC 5054), or left out (events from before KDFs). */
const kdf = fc.option(
  fc.option(
    fc.constantFrom(
      { algorithm: 'argon2id' as const, memoryKiB: 19_456, iterations: 2, parallelism: 1 },
      { algorithm: 'PBKDF2-SHA256' as const, iterations: 600_000 },
    ),
    { nil: null },
  ),
  { nil: undefined },
);
const ceremony = pool('AUTHENTICATION', 'RENEWAL') as fc.Arbitrary<'AUTHENTICATION'>;
const proofChecked = {
  sessionId,
  passcodeId,
  authenticationId: opaque,
  ceremony,
  policyName,
  srpGroup,
  hash: srpHash,
  status: passcodeStatus,
  expirationDtm: fc.option(dtm, { nil: null }),
  at: dtm,
  context,
};
const challengeStarted = {
  sessionId,
  storeId,
  passcodeId,
  policyName,
  B: hex,
  encryptedB: opaque,
  expiresDtm: dtm,
  at: dtm,
};
const passcodeEvent: fc.Arbitrary<StoredEvent> = fc.oneof(
  often(
    event(PasscodeRegistrationStarted, {
      sessionId,
      storeId,
      policyName,
      srpGroup,
      hash: srpHash,
      kdf,
      expiresDtm: dtm,
      at: dtm,
    }),
  ),
  often(
    event(PasscodeRegistrationCompleted, {
      sessionId,
      passcodeId,
      policyName,
      srpGroup,
      hash: srpHash,
      encryptedSalt: opaque,
      encryptedVerifier: opaque,
      createdDtm: dtm,
      expirationDtm: fc.option(dtm, { nil: null }),
      kdf,
    }),
  ),
  often(event(PasscodeAuthenticationStarted, challengeStarted)),
  often(event(PasscodeRenewalStarted, { ...challengeStarted, newKdf: kdf })),
  event(PasscodeDecoyAuthenticationStarted, {
    sessionId,
    storeId,
    policyName,
    srpGroup,
    hash: srpHash,
    B: hex,
    encryptedB: opaque,
    expiresDtm: dtm,
    at: dtm,
  }),
  event(PasscodeDecoyAuthenticationFailed, {
    sessionId,
    authenticationId: opaque,
    policyName,
    srpGroup,
    hash: srpHash,
    reason: fc.constant('PASSCODE_NOT_FOUND' as const),
    at: dtm,
    context,
  }),
  event(PasscodeAuthenticationSucceeded, {
    ...proofChecked,
    failedAttempts: fc.constant(0),
    locked: fc.constant(false),
  }),
  event(PasscodeAuthenticationFailed, {
    ...proofChecked,
    reason: fc.constant('INVALID_PROOF' as const),
    failedAttempts: fc.integer({ min: 1, max: 10 }),
    locked: fc.boolean(),
  }),
  event(PasscodeLocked, { passcodeId, lockedUntil: dtm, at: dtm }),
  event(PasscodeRenewed, {
    sessionId,
    passcodeId,
    authenticationId: opaque,
    encryptedSalt: opaque,
    encryptedVerifier: opaque,
    expirationDtm: fc.option(dtm, { nil: null }),
    kdf,
    at: dtm,
  }),
  event(PasscodeStatusChanged, { passcodeId, status: passcodeStatus, at: dtm }),
  event(PasscodeExpirationChanged, { passcodeId, expirationDtm: fc.option(dtm, { nil: null }), at: dtm }),
  event(PasscodeDeregistered, {
    passcodeId,
    reason: pool('DEREGISTERED', 'DELETED', 'REPLACED') as fc.Arbitrary<'DELETED'>,
    at: dtm,
  }),
  event(PasscodeSessionsExpired, {
    reason: pool('EXPIRED', 'EVICTED') as fc.Arbitrary<'EXPIRED'>,
    sessions: fc.array(
      fc.record({
        sessionId,
        kind: pool('REGISTRATION', 'AUTHENTICATION', 'RENEWAL', 'DECOY') as fc.Arbitrary<'REGISTRATION'>,
        expiresDtm: dtm,
      }),
      { minLength: 1, maxLength: 3 },
    ),
    at: dtm,
  }),
);

// ---- passkeys ---------------------------------------------------------------------------------

const passkeyId = pool('k1', 'k2');
const rpId = pool('example.com', 'example.org');
const hints = fc.subarray(['security-key', 'client-device', 'hybrid'] as const).map((h) => [...h]);
const userVerification = pool('discouraged', 'preferred', 'required') as fc.Arbitrary<'preferred'>;
const passkeyStatus = pool('ACTIVE', 'SUSPENDED', 'REVOKED') as fc.Arbitrary<'ACTIVE'>;
const failureReason = pool(
  'CHALLENGE_MISMATCH',
  'UNKNOWN_CREDENTIAL',
  'INVALID_SIGNATURE',
) as fc.Arbitrary<'UNKNOWN_CREDENTIAL'>;
const passkeySession = {
  sessionId,
  storeId,
  rpId,
  policyName,
  challenge: base64url,
  userVerification,
  hints,
  expiresDtm: dtm,
  at: dtm,
};
const assertionChecked = {
  sessionId,
  authenticationId: opaque,
  rpId,
  policyName,
  usernameless: fc.boolean(),
  hints,
  at: dtm,
  context,
};
const passkeyEvent: fc.Arbitrary<StoredEvent> = fc.oneof(
  often(event(PasskeyRegistrationStarted, passkeySession)),
  often(
    event(PasskeyRegistrationCompleted, {
      sessionId,
      storeId,
      passkeyId,
      rpId,
      policyName,
      credentialId: base64url,
      name: fc.option(fc.constantFrom('Phone', 'Key'), { nil: null }),
      aaguid: fc.constant('00000000-0000-0000-0000-000000000000'),
      attestationFormat: pool('none', 'packed'),
      transports: fc.subarray(['internal', 'hybrid', 'usb']),
      hints,
      userVerified: fc.boolean(),
      backupEligible: fc.boolean(),
      backedUp: fc.boolean(),
      deviceType: pool('singleDevice', 'multiDevice') as fc.Arbitrary<'singleDevice'>,
      authenticatorAttachment: fc.option(pool('platform', 'cross-platform') as fc.Arbitrary<'platform'>, {
        nil: null,
      }),
      origin: fc.constant('https://login.example.com'),
      signCount: nat,
      createdDtm: dtm,
      publicKey: base64url,
      context,
    }),
  ),
  event(PasskeyRegistrationFailed, { sessionId, rpId, policyName, reason: failureReason, at: dtm, context }),
  often(
    event(PasskeyAuthenticationStarted, {
      ...passkeySession,
      usernameless: fc.boolean(),
      allowCredentials: fc.array(base64url, { maxLength: 2 }),
    }),
  ),
  event(PasskeyAuthenticationSucceeded, {
    ...assertionChecked,
    passkeyId,
    credentialId: base64url,
    name: fc.option(fc.constantFrom('Phone', 'Key'), { nil: null }),
    status: passkeyStatus,
    userVerified: fc.boolean(),
    backedUp: fc.boolean(),
    signCount: nat,
    previousSignCount: nat,
    origin: fc.constant('https://login.example.com'),
  }),
  event(PasskeyAuthenticationFailed, {
    ...assertionChecked,
    passkeyId: fc.option(passkeyId, { nil: null }),
    credentialId: base64url,
    name: fc.option(fc.constantFrom('Phone', 'Key'), { nil: null }),
    status: fc.option(passkeyStatus, { nil: null }),
    reason: failureReason,
    counterRegression: fc.boolean(),
    userVerified: fc.option(fc.boolean(), { nil: null }),
    signCount: fc.option(nat, { nil: null }),
    previousSignCount: fc.option(nat, { nil: null }),
  }),
  event(PasskeyAuthenticationSessionClosed, { sessionId, authenticationId: opaque, at: dtm }),
  event(PasskeyStatusChanged, { passkeyId, status: passkeyStatus, at: dtm }),
  event(PasskeyRenamed, {
    passkeyId,
    name: fc.option(fc.constantFrom('Phone', 'Key'), { nil: null }),
    at: dtm,
  }),
  event(PasskeyDeregistered, { passkeyId, reason: fc.constant('DELETED' as const), at: dtm }),
  event(PasskeySessionsExpired, {
    reason: pool('EXPIRED', 'EVICTED') as fc.Arbitrary<'EXPIRED'>,
    sessions: fc.array(
      fc.record({
        sessionId,
        kind: pool('REGISTRATION', 'AUTHENTICATION') as fc.Arbitrary<'REGISTRATION'>,
        rpId,
        policyName,
        usernameless: fc.boolean(),
        expiresDtm: dtm,
      }),
      { minLength: 1, maxLength: 3 },
    ),
    at: dtm,
  }),
);

// ---- stores and users -------------------------------------------------------------------------

const totpPolicy = fc
  .record({
    name: policyName,
    issuer: pool('Acme', 'Example'),
    digits: fc.constantFrom(6 as const, 8 as const),
  })
  .map((p) => ({
    ...p,
    algorithm: 'SHA1' as const,
    period: 30,
    window: 1,
    maxFailedAttempts: 5,
    lockoutDuration: 'PT15M',
  }));
const passcodePolicy = fc
  .record({ name: policyName, validity: fc.option(pool('P90D', 'P1Y'), { nil: null }) })
  .map((p) => ({
    ...p,
    protocol: 'SRP' as const,
    srpGroup: 2048 as const,
    hash: 'SHA-256' as const,
    clientRules: {
      minLength: 8,
      maxLength: 64,
      requireDigit: false,
      requireLetter: false,
      requireSymbol: false,
    },
    renewalWindow: null,
    maxFailedAttempts: 5,
    lockoutDuration: 'PT15M',
  }));
const passkeyConfig = rpId.map((id) => ({
  rpId: id,
  rpName: 'Example',
  origins: [`https://login.${id}`],
  registrationPolicies: {
    default: {
      attestation: 'none' as const,
      residentKey: 'preferred' as const,
      userVerification: 'preferred' as const,
      hints: [],
    },
  },
  authenticationPolicies: {
    default: { userVerification: 'preferred' as const, hints: [], timeout: 300_000 },
  },
}));
const appkeyConfig = rpId.map((id) => ({
  rpId: id,
  appID: `/api/identity-store/public/stores/acme/appkeys/${id}/facets`,
  facets: [`https://login.${id}`, 'ios:bundle-id:com.example.app'],
  registrationPolicies: {
    default: { keyTypes: 'DEVICE' as const, userVerification: ['presence' as const], hints: [], attestation: 'ANY' as const },
  },
  authenticationPolicies: { default: { userVerification: ['presence' as const], hints: [], transaction: false } },
  maxDevices: 5,
}));
/** As the stream holds it: the key is ciphertext (opaque here). */
const pushPolicy = fc.record({ rpId, ttlSeconds: fc.nat({ max: 2_419_200 }), encryptedPrivateKey: base64url }).map((p) => ({
  rpId: p.rpId,
  fcmConfig: { projectId: 'example-app-1234', clientEmail: 'push@example.test', encryptedPrivateKey: `v2.0.${p.encryptedPrivateKey}` },
  ttlSeconds: p.ttlSeconds,
}));
/** A score threshold in hundredths (JSON-exact, unlike -0 or a double's last digits). */
const fraction = fc.integer({ min: 0, max: 100 }).map((hundredths) => hundredths / 100);
const biometricPolicy = fc.record({
  matchThreshold: fraction,
  livenessRequired: fc.boolean(),
  livenessThreshold: fraction,
  maxFailedAttempts: fc.integer({ min: 1, max: 100 }),
  lockoutDuration: pool('PT15M', 'PT1H', 'P1D'),
  minFaceSize: fc.integer({ min: 32, max: 1024 }),
});
const attributeSchema = fc.option(
  fc.constant({ type: 'object', properties: { email: { type: 'string' } } }),
  { nil: null },
);
const storeEvent: fc.Arbitrary<StoredEvent> = fc.oneof(
  often(
    event(StoreCreated, {
      storeId,
      name: pool('acme'),
      description: fc.option(pool('Acme Inc.'), { nil: undefined }),
      attributeSchema,
      at: dtm,
    }),
  ),
  event(StoreUpdated, {
    storeId,
    description: fc.option(fc.option(pool('New'), { nil: null }), { nil: undefined }),
    attributeSchema: fc.option(attributeSchema, { nil: undefined }),
    at: dtm,
  }),
  event(StoreDeleted, { storeId, name: pool('acme'), at: dtm }),
  often(event(TotpPolicySet, { storeId, policy: totpPolicy, at: dtm })),
  event(TotpPolicyRemoved, { storeId, name: policyName, at: dtm }),
  often(event(PasscodePolicySet, { storeId, policy: passcodePolicy, at: dtm })),
  event(PasscodePolicyRemoved, { storeId, name: policyName, at: dtm }),
  often(event(PasskeyConfigSet, { storeId, config: passkeyConfig, at: dtm })),
  event(PasskeyConfigRemoved, { storeId, rpId, at: dtm }),
  often(event(AppkeyConfigSet, { storeId, config: appkeyConfig, at: dtm })),
  event(AppkeyConfigRemoved, { storeId, rpId, at: dtm }),
  often(event(PushNotificationPolicySet, { storeId, policy: pushPolicy, at: dtm })),
  event(PushNotificationPolicyRemoved, { storeId, rpId, at: dtm }),
  often(event(BiometricPolicySet, { storeId, policy: biometricPolicy, at: dtm })),
  event(BiometricPolicyRemoved, { storeId, at: dtm }),
);

const userStatus = pool('ACTIVE', 'DISABLED', 'LOCKED') as fc.Arbitrary<'ACTIVE'>;
const attributes = fc.dictionary(
  pool('email', 'name', 'age'),
  fc.oneof(fc.string({ maxLength: 8 }), fc.integer()),
);
const userEvent: fc.Arbitrary<StoredEvent> = fc.oneof(
  often(
    event(UserCreated, {
      userId: pool('u1'),
      storeId,
      extId: pool('alice', 'al'),
      status: userStatus,
      attributes,
      at: dtm,
    }),
  ),
  event(UserUpdated, {
    userId: pool('u1'),
    storeId,
    extId: fc.option(pool('alice', 'al'), { nil: undefined }),
    status: fc.option(userStatus, { nil: undefined }),
    attributes: fc.option(attributes, { nil: undefined }),
    at: dtm,
  }),
  event(UserDeleted, { userId: pool('u1'), storeId, extId: pool('alice'), at: dtm }),
);

// ---- API keys (the gateway's; plain TypeScript events) ------------------------------------------

const apiKeyEvent: fc.Arbitrary<StoredEvent> = fc.oneof(
  fc
    .record({
      name: pool('ci', 'ops'),
      permissions: fc.subarray(['IdentityStore:*', 'IdentityStore:getUser']),
      stores: fc.option(fc.subarray(['acme', 'other']), { nil: null }),
      secretHash: hex,
      createdDtm: dtm,
    })
    .map((data): ApiKeyEvent => ({ type: 'ApiKeyCreated', data: { id: 'key-1', ...data } })),
  fc
    .record(
      {
        name: pool('ci', 'ops'),
        permissions: fc.subarray(['IdentityStore:*']),
        stores: fc.option(fc.subarray(['acme']), { nil: null }),
        secretHash: hex,
        updatedDtm: dtm,
      },
      { requiredKeys: ['updatedDtm'] },
    )
    .map((data): ApiKeyEvent => ({ type: 'ApiKeyUpdated', data })),
  dtm.map((revokedDtm): ApiKeyEvent => ({ type: 'ApiKeyRevoked', data: { revokedDtm } })),
);

const family = <State, E extends StoredEvent>(
  name: string,
  evolver: { initialState: () => State; evolve: (state: State, event: E) => State },
  eventArbitrary: fc.Arbitrary<StoredEvent>,
  snapshot?: SnapshotPolicy<State>,
): AggregateFamily => ({
  name,
  initialState: evolver.initialState,
  evolve: evolver.evolve as (state: unknown, event: StoredEvent) => unknown,
  snapshot: snapshot as SnapshotPolicy<unknown> | undefined,
  event: eventArbitrary,
});

export const aggregateFamilies: AggregateFamily[] = [
  family('totp', { initialState: initialTotpUserState, evolve: evolveTotp }, totpEvent, totpSnapshot),
  family(
    'passcode',
    { initialState: initialPasscodeUserState, evolve: evolvePasscode },
    passcodeEvent,
    passcodeSnapshot,
  ),
  family(
    'passkey',
    { initialState: initialPasskeyUserState, evolve: evolvePasskey },
    passkeyEvent,
    passkeySnapshot,
  ),
  family('store', { initialState: initialStoreState, evolve: evolveStore }, storeEvent, storeSnapshot),
  family('user', { initialState: initialUserState, evolve: evolveUser }, userEvent, userSnapshot),
  family('api-key', { initialState: initialApiKeyState, evolve: evolveApiKey }, apiKeyEvent),
];
