import {
  type AppkeyConfig,
  appkeyConfigSchema,
  type BiometricPolicy,
  biometricPolicySchema,
  DomainError,
  type PasscodePolicy,
  passcodePolicySchema,
  type PasskeyConfig,
  passkeyConfigSchema,
  passkeyRegistrationPolicySchema,
  type TotpPolicy,
  totpPolicySchema,
} from '@identity-store/contracts';
import { DeciderSpecification } from '@identity-store/testing';
import type { StoredPushNotificationPolicy } from './store';
import { type StoreCommand, storeDecider } from './store-decider';

const now = new Date('2026-05-07T10:00:00.000Z');
const later = new Date('2026-05-07T11:00:00.000Z');
const passcodePolicy = (name: string, fields: Partial<PasscodePolicy> = {}): PasscodePolicy =>
  passcodePolicySchema.parse({ name, ...fields });
const totpPolicy = (name: string): TotpPolicy => totpPolicySchema.parse({ name, issuer: 'ACME' });
const passkeyConfig = (rpId: string, fields: Partial<PasskeyConfig> = {}): PasskeyConfig =>
  passkeyConfigSchema.parse({ rpId, rpName: 'ACME', origins: [`https://${rpId}`], ...fields });

const appkeyConfig = (rpId: string, fields: Partial<AppkeyConfig> = {}): AppkeyConfig =>
  appkeyConfigSchema.parse({ rpId, appID: `https://${rpId}/facets`, facets: [`https://${rpId}`], ...fields });
/** A push policy as the service hands it to the decider: keys already ciphertext. */
const pushPolicy = (rpId: string, ttlSeconds = 3_600): StoredPushNotificationPolicy => ({
  rpId,
  apnsConfig: { teamId: 'ABCDE12345', keyId: 'KEY1234567', bundleId: 'com.example.app', production: false, encryptedPrivateKey: `v2.0.iv.${rpId}` },
  ttlSeconds,
});

const given = DeciderSpecification.for(storeDecider);

const createStore = (fields: Partial<Extract<StoreCommand, { type: 'CreateStore' }>> = {}): StoreCommand => ({
  type: 'CreateStore',
  storeId: 's1',
  name: 'acme',
  attributeSchema: null,
  totpPolicies: [],
  passcodePolicies: [],
  passkeyConfigs: [],
  metadata: { now },
  ...fields,
});
/** A store created with these fields. */
const created = (fields: Partial<Extract<StoreCommand, { type: 'CreateStore' }>> = {}) => given().followedBy(createStore(fields));

describe('store decider: passcode policies', () => {
  it('creates a store with its passcode policies, one PasscodePolicySet each', () => {
    const basic = passcodePolicy('basic');
    const strict = passcodePolicy('strict', { srpGroup: 4096, hash: 'SHA-512', validity: 'P90D', renewalWindow: 'P7D' });
    const { state, events } = given()
      .when(createStore({ passcodePolicies: [basic, strict], totpPolicies: [totpPolicy('otp')] }))
      .decided();
    expect(events.map((e) => e.type)).toEqual(['StoreCreated', 'TotpPolicySet', 'PasscodePolicySet', 'PasscodePolicySet']);
    expect(state.store?.passcodePolicies).toEqual({ basic, strict });
    expect(Object.keys(state.store?.totpPolicies ?? {})).toEqual(['otp']);
  });

  it('adds a policy (create) and refuses a second one of the same name with 409 POLICY_EXISTS', () => {
    const policy = passcodePolicy('default');
    const added = created()
      .when({ type: 'SetPolicy', kind: 'passcode', mode: 'create', policy, metadata: { now: later } })
      .then([{ type: 'PasscodePolicySet', data: { storeId: 's1', policy, at: later.toISOString() } }]);
    expect(added.state.store?.passcodePolicies.default).toEqual(policy);
    expect(added.state.store?.lastUpdatedDtm).toBe(later.toISOString());

    const error = added
      .when({ type: 'SetPolicy', kind: 'passcode', mode: 'create', policy: passcodePolicy('default'), metadata: { now } })
      .thenThrows(DomainError);
    expect({ kind: error.kind, code: error.code, message: error.message }).toEqual({
      kind: 'conflict',
      code: 'POLICY_EXISTS',
      message: 'Passcode policy default already exists.',
    });
  });

  it('keeps passcode and TOTP policy names apart: the same name in both kinds is no conflict', () => {
    const { state } = created({ totpPolicies: [totpPolicy('default')] })
      .when({ type: 'SetPolicy', kind: 'passcode', mode: 'create', policy: passcodePolicy('default'), metadata: { now } })
      .decided();
    expect(Object.keys(state.store?.passcodePolicies ?? {})).toEqual(['default']);
    expect(Object.keys(state.store?.totpPolicies ?? {})).toEqual(['default']);
  });

  it('replaces a policy (update) and refuses to update an unknown one with 404 POLICY_NOT_FOUND', () => {
    const replacement = passcodePolicy('default', { srpGroup: 3072, maxFailedAttempts: 3 });
    const replaced = created({ passcodePolicies: [passcodePolicy('default')] })
      .when({ type: 'SetPolicy', kind: 'passcode', mode: 'update', policy: replacement, metadata: { now: later } })
      .decided();
    expect(replaced.state.store?.passcodePolicies).toEqual({ default: replacement });

    const error = replaced
      .when({ type: 'SetPolicy', kind: 'passcode', mode: 'update', policy: passcodePolicy('other'), metadata: { now } })
      .thenThrows(DomainError);
    expect([error.kind, error.code, error.message]).toEqual(['not-found', 'POLICY_NOT_FOUND', 'Passcode policy other does not exist.']);
  });

  it('removes a policy, leaving the others, and refuses to remove an unknown one', () => {
    const removed = created({ passcodePolicies: [passcodePolicy('a'), passcodePolicy('b')] })
      .when({ type: 'RemovePolicy', kind: 'passcode', name: 'a', metadata: { now: later } })
      .then([{ type: 'PasscodePolicyRemoved', data: { storeId: 's1', name: 'a', at: later.toISOString() } }]);
    expect(Object.keys(removed.state.store?.passcodePolicies ?? {})).toEqual(['b']);
    expect(removed.state.store?.lastUpdatedDtm).toBe(later.toISOString());

    const error = removed.when({ type: 'RemovePolicy', kind: 'passcode', name: 'a', metadata: { now } }).thenThrows(DomainError);
    expect([error.code, error.message]).toEqual(['POLICY_NOT_FOUND', 'Passcode policy a does not exist.']);
    // A TOTP policy of that name is not a passcode policy.
    expect(
      created({ totpPolicies: [totpPolicy('t')] })
        .when({ type: 'RemovePolicy', kind: 'passcode', name: 't', metadata: { now } })
        .thenThrows(DomainError).code,
    ).toBe('POLICY_NOT_FOUND');
  });

  it('adds or replaces the passcode policies given with a store update', () => {
    const changed = passcodePolicy('change', { hash: 'SHA-512' });
    const added = passcodePolicy('added');
    const { state, events } = created({ passcodePolicies: [passcodePolicy('keep'), passcodePolicy('change')] })
      .when({ type: 'UpdateStore', passcodePolicies: [changed, added], metadata: { now: later } })
      .decided();
    expect(events.map((e) => e.type)).toEqual(['PasscodePolicySet', 'PasscodePolicySet']);
    expect(state.store?.passcodePolicies).toEqual({ keep: passcodePolicy('keep'), change: changed, added });
  });

  it('answers 404 STORE_NOT_FOUND for policy commands on a missing or deleted store', () => {
    const policy = passcodePolicy('p');
    expect(
      given().when({ type: 'SetPolicy', kind: 'passcode', mode: 'create', policy, metadata: { now } }).thenThrows(DomainError).code,
    ).toBe('STORE_NOT_FOUND');
    expect(
      created()
        .followedBy({ type: 'DeleteStore', metadata: { now } })
        .when({ type: 'RemovePolicy', kind: 'passcode', name: 'p', metadata: { now } })
        .thenThrows(DomainError).code,
    ).toBe('STORE_NOT_FOUND');
  });

  it('refuses a policy the contract rejects when the event is created (events are schema-checked)', () => {
    const invalid = { ...passcodePolicy('p'), srpGroup: 1024 } as unknown as PasscodePolicy;
    created().when({ type: 'SetPolicy', kind: 'passcode', mode: 'create', policy: invalid, metadata: { now } }).thenThrows();
  });
});

describe('store decider: TOTP policies (same plumbing)', () => {
  it('adds, conflicts on, and removes a TOTP policy with TOTP events and messages', () => {
    const policy = totpPolicy('default');
    const added = created().when({ type: 'SetPolicy', kind: 'totp', mode: 'create', policy, metadata: { now } }).decided();
    expect(added.events.map((e) => e.type)).toEqual(['TotpPolicySet']);
    expect(added.state.store?.totpPolicies.default).toEqual(policy);
    expect(added.state.store?.passcodePolicies).toEqual({});
    expect(added.when({ type: 'SetPolicy', kind: 'totp', mode: 'create', policy, metadata: { now } }).thenThrows(DomainError).message).toBe(
      'TOTP policy default already exists.',
    );
    const removed = added.when({ type: 'RemovePolicy', kind: 'totp', name: 'default', metadata: { now } }).decided();
    expect(removed.events.map((e) => e.type)).toEqual(['TotpPolicyRemoved']);
    expect(removed.state.store?.totpPolicies).toEqual({});
  });
});

describe('store decider: passkey configurations (keyed by rpId, same plumbing)', () => {
  it('creates a store with its passkey configurations, one PasskeyConfigSet each, after the policies', () => {
    const acme = passkeyConfig('acme.example', {
      registrationPolicies: { default: passkeyRegistrationPolicySchema.parse({ residentKey: 'required' }) },
    });
    const other = passkeyConfig('other.example');
    const { state, events } = given()
      .when(createStore({ passkeyConfigs: [acme, other], passcodePolicies: [passcodePolicy('pc')] }))
      .decided();
    expect(events.map((e) => e.type)).toEqual(['StoreCreated', 'PasscodePolicySet', 'PasskeyConfigSet', 'PasskeyConfigSet']);
    expect(events[2]).toEqual({ type: 'PasskeyConfigSet', data: { storeId: 's1', config: acme, at: now.toISOString() } });
    expect(state.store?.passkeyConfigs).toEqual({ 'acme.example': acme, 'other.example': other });
    expect(Object.keys(state.store?.passcodePolicies ?? {})).toEqual(['pc']);
  });

  it('adds a configuration under its rpId and refuses the same rpId again with 409 PASSKEY_CONFIG_EXISTS', () => {
    const config = passkeyConfig('example.com');
    const added = created()
      .when({ type: 'SetPolicy', kind: 'passkey', mode: 'create', policy: config, metadata: { now: later } })
      .then([{ type: 'PasskeyConfigSet', data: { storeId: 's1', config, at: later.toISOString() } }]);
    expect(added.state.store?.passkeyConfigs).toEqual({ 'example.com': config });
    expect(added.state.store?.lastUpdatedDtm).toBe(later.toISOString());

    const again = passkeyConfig('example.com', { rpName: 'Other' });
    const error = added
      .when({ type: 'SetPolicy', kind: 'passkey', mode: 'create', policy: again, metadata: { now } })
      .thenThrows(DomainError);
    expect([error.kind, error.code, error.message]).toEqual([
      'conflict',
      'PASSKEY_CONFIG_EXISTS',
      'Passkey configuration example.com already exists.',
    ]);
  });

  it('replaces a configuration (update) and refuses an unknown rpId with 404 PASSKEY_CONFIG_NOT_FOUND', () => {
    const replacement = passkeyConfig('example.com', { rpName: 'Renamed', origins: ['https://login.example.com'] });
    const replaced = created({ passkeyConfigs: [passkeyConfig('example.com')] })
      .when({ type: 'SetPolicy', kind: 'passkey', mode: 'update', policy: replacement, metadata: { now: later } })
      .decided();
    expect(replaced.events.map((e) => e.type)).toEqual(['PasskeyConfigSet']);
    expect(replaced.state.store?.passkeyConfigs).toEqual({ 'example.com': replacement });

    const error = replaced
      .when({ type: 'SetPolicy', kind: 'passkey', mode: 'update', policy: passkeyConfig('other.com'), metadata: { now } })
      .thenThrows(DomainError);
    expect([error.kind, error.code, error.message]).toEqual([
      'not-found',
      'PASSKEY_CONFIG_NOT_FOUND',
      'Passkey configuration other.com does not exist.',
    ]);
  });

  it('removes a configuration by rpId with PasskeyConfigRemoved, leaving the others, and refuses an unknown rpId', () => {
    const removed = created({ passkeyConfigs: [passkeyConfig('a.example'), passkeyConfig('b.example')] })
      .when({ type: 'RemovePolicy', kind: 'passkey', name: 'a.example', metadata: { now: later } })
      .then([{ type: 'PasskeyConfigRemoved', data: { storeId: 's1', rpId: 'a.example', at: later.toISOString() } }]);
    expect(Object.keys(removed.state.store?.passkeyConfigs ?? {})).toEqual(['b.example']);
    expect(removed.state.store?.lastUpdatedDtm).toBe(later.toISOString());
    expect(
      removed.when({ type: 'RemovePolicy', kind: 'passkey', name: 'a.example', metadata: { now } }).thenThrows(DomainError).code,
    ).toBe('PASSKEY_CONFIG_NOT_FOUND');
  });

  it('keeps passkey configurations apart from policies: a policy named like an rpId is no configuration', () => {
    expect(
      created({ passcodePolicies: [passcodePolicy('example')] })
        .when({ type: 'RemovePolicy', kind: 'passkey', name: 'example', metadata: { now } })
        .thenThrows(DomainError).code,
    ).toBe('PASSKEY_CONFIG_NOT_FOUND');
    expect(
      created({ passkeyConfigs: [passkeyConfig('example')] })
        .when({ type: 'RemovePolicy', kind: 'passcode', name: 'example', metadata: { now } })
        .thenThrows(DomainError).code,
    ).toBe('POLICY_NOT_FOUND');
  });

  it('adds or replaces the configurations given with a store update', () => {
    const changed = passkeyConfig('change.example', { rpName: 'Changed' });
    const added = passkeyConfig('added.example');
    const { state, events } = created({ passkeyConfigs: [passkeyConfig('keep.example'), passkeyConfig('change.example')] })
      .when({ type: 'UpdateStore', passkeyConfigs: [changed, added], metadata: { now: later } })
      .decided();
    expect(events.map((e) => e.type)).toEqual(['PasskeyConfigSet', 'PasskeyConfigSet']);
    expect(state.store?.passkeyConfigs).toEqual({ 'keep.example': passkeyConfig('keep.example'), 'change.example': changed, 'added.example': added });
  });

  it('answers 404 STORE_NOT_FOUND on a missing or deleted store', () => {
    expect(
      given()
        .when({ type: 'SetPolicy', kind: 'passkey', mode: 'create', policy: passkeyConfig('example.com'), metadata: { now } })
        .thenThrows(DomainError).code,
    ).toBe('STORE_NOT_FOUND');
    expect(
      created({ passkeyConfigs: [passkeyConfig('example.com')] })
        .followedBy({ type: 'DeleteStore', metadata: { now } })
        .when({ type: 'RemovePolicy', kind: 'passkey', name: 'example.com', metadata: { now } })
        .thenThrows(DomainError).code,
    ).toBe('STORE_NOT_FOUND');
  });

  it('refuses a configuration the contract rejects when the event is created (origin not under the rpId)', () => {
    const invalid = { ...passkeyConfig('example.com'), origins: ['https://evil.com'] };
    created()
      .when({ type: 'SetPolicy', kind: 'passkey', mode: 'create', policy: invalid, metadata: { now } })
      .thenThrows(Error, (error) => expect(error.message).toMatch(/host must be example.com or a subdomain of it/));
  });
});

describe('store decider: appkey configurations and push notification policies (keyed by rpId, same plumbing)', () => {
  it('creates a store with both after the other policies, one Set event each', () => {
    const { state, events } = given()
      .when(createStore({ passkeyConfigs: [passkeyConfig('example.com')], appkeyConfigs: [appkeyConfig('example.com')], pushNotificationPolicies: [pushPolicy('example.com')] }))
      .decided();
    expect(events.map((e) => e.type)).toEqual(['StoreCreated', 'PasskeyConfigSet', 'AppkeyConfigSet', 'PushNotificationPolicySet']);
    expect(state.store?.appkeyConfigs).toEqual({ 'example.com': appkeyConfig('example.com') });
    // The stream holds the ciphertext the service made; the decider never sees a key.
    expect(state.store?.pushNotificationPolicies).toEqual({ 'example.com': pushPolicy('example.com') });
  });

  it('adds each under its rpId and refuses a duplicate rpId with 409 naming the kind', () => {
    const appkey = created()
      .when({ type: 'SetPolicy', kind: 'appkey', mode: 'create', policy: appkeyConfig('example.com'), metadata: { now: later } })
      .then([{ type: 'AppkeyConfigSet', data: { storeId: 's1', config: appkeyConfig('example.com'), at: later.toISOString() } }]);
    const duplicate = appkey
      .when({ type: 'SetPolicy', kind: 'appkey', mode: 'create', policy: appkeyConfig('example.com', { maxDevices: 2 }), metadata: { now } })
      .thenThrows(DomainError);
    expect([duplicate.kind, duplicate.code, duplicate.message]).toEqual([
      'conflict',
      'APPKEY_CONFIG_EXISTS',
      'Appkey configuration example.com already exists.',
    ]);

    const push = appkey
      .when({ type: 'SetPolicy', kind: 'push', mode: 'create', policy: pushPolicy('example.com'), metadata: { now: later } })
      .then([{ type: 'PushNotificationPolicySet', data: { storeId: 's1', policy: pushPolicy('example.com'), at: later.toISOString() } }]);
    const again = push
      .when({ type: 'SetPolicy', kind: 'push', mode: 'create', policy: pushPolicy('example.com', 60), metadata: { now } })
      .thenThrows(DomainError);
    expect([again.kind, again.code, again.message]).toEqual([
      'conflict',
      'PUSH_NOTIFICATION_POLICY_EXISTS',
      'Push notification policy example.com already exists.',
    ]);
  });

  it('replaces each (update) and refuses an unknown rpId with 404 naming the kind', () => {
    const both = created({ appkeyConfigs: [appkeyConfig('example.com')], pushNotificationPolicies: [pushPolicy('example.com')] });
    const replaced = both
      .when({ type: 'SetPolicy', kind: 'push', mode: 'update', policy: pushPolicy('example.com', 60), metadata: { now: later } })
      .decided();
    expect(replaced.state.store?.pushNotificationPolicies['example.com']?.ttlSeconds).toBe(60);
    expect(replaced.state.store?.lastUpdatedDtm).toBe(later.toISOString());
    const unknownAppkey = both
      .when({ type: 'SetPolicy', kind: 'appkey', mode: 'update', policy: appkeyConfig('other.com'), metadata: { now } })
      .thenThrows(DomainError);
    expect([unknownAppkey.kind, unknownAppkey.code, unknownAppkey.message]).toEqual([
      'not-found',
      'APPKEY_CONFIG_NOT_FOUND',
      'Appkey configuration other.com does not exist.',
    ]);
    const unknownPush = both
      .when({ type: 'SetPolicy', kind: 'push', mode: 'update', policy: pushPolicy('other.com'), metadata: { now } })
      .thenThrows(DomainError);
    expect([unknownPush.code, unknownPush.message]).toEqual([
      'PUSH_NOTIFICATION_POLICY_NOT_FOUND',
      'Push notification policy other.com does not exist.',
    ]);
  });

  it('removes each by rpId, leaving the other kinds under the same rpId, and refuses to remove an unknown one', () => {
    const both = created({
      passkeyConfigs: [passkeyConfig('example.com')],
      appkeyConfigs: [appkeyConfig('example.com')],
      pushNotificationPolicies: [pushPolicy('example.com')],
    });
    const withoutPush = both
      .when({ type: 'RemovePolicy', kind: 'push', name: 'example.com', metadata: { now: later } })
      .then([{ type: 'PushNotificationPolicyRemoved', data: { storeId: 's1', rpId: 'example.com', at: later.toISOString() } }]);
    expect(withoutPush.state.store?.pushNotificationPolicies).toEqual({});
    expect(Object.keys(withoutPush.state.store?.appkeyConfigs ?? {})).toEqual(['example.com']);
    expect(withoutPush.when({ type: 'RemovePolicy', kind: 'push', name: 'example.com', metadata: { now } }).thenThrows(DomainError).code).toBe(
      'PUSH_NOTIFICATION_POLICY_NOT_FOUND',
    );
    const withoutAppkey = withoutPush
      .when({ type: 'RemovePolicy', kind: 'appkey', name: 'example.com', metadata: { now } })
      .then([{ type: 'AppkeyConfigRemoved', data: { storeId: 's1', rpId: 'example.com', at: now.toISOString() } }]);
    expect(Object.keys(withoutAppkey.state.store?.passkeyConfigs ?? {})).toEqual(['example.com']);
    expect(withoutAppkey.when({ type: 'RemovePolicy', kind: 'appkey', name: 'example.com', metadata: { now } }).thenThrows(DomainError).code).toBe(
      'APPKEY_CONFIG_NOT_FOUND',
    );
  });

  it('adds or replaces those given with a store update', () => {
    const { state, events } = created({ appkeyConfigs: [appkeyConfig('keep.example')] })
      .when({
        type: 'UpdateStore',
        appkeyConfigs: [appkeyConfig('added.example')],
        pushNotificationPolicies: [pushPolicy('keep.example')],
        metadata: { now: later },
      })
      .decided();
    expect(events.map((e) => e.type)).toEqual(['AppkeyConfigSet', 'PushNotificationPolicySet']);
    expect(Object.keys(state.store?.appkeyConfigs ?? {}).sort()).toEqual(['added.example', 'keep.example']);
    expect(Object.keys(state.store?.pushNotificationPolicies ?? {})).toEqual(['keep.example']);
  });

  it('refuses what the event schemas reject (a push policy without its ciphertext, a bad appkey configuration)', () => {
    const { encryptedPrivateKey: _dropped, ...withoutKey } = pushPolicy('example.com').apnsConfig!;
    const keyless = { ...pushPolicy('example.com'), apnsConfig: withoutKey } as unknown as StoredPushNotificationPolicy;
    created().when({ type: 'SetPolicy', kind: 'push', mode: 'create', policy: keyless, metadata: { now } }).thenThrows();
    const badFacets = { ...appkeyConfig('example.com'), facets: ['http://example.com'] };
    created().when({ type: 'SetPolicy', kind: 'appkey', mode: 'create', policy: badFacets, metadata: { now } }).thenThrows();
  });
});

describe('store decider: the biometric policy (one per store; null: the defaults)', () => {
  const biometricPolicy = (fields: Partial<BiometricPolicy> = {}): BiometricPolicy => biometricPolicySchema.parse(fields);
  const strict = biometricPolicy({ matchThreshold: 0.7, livenessRequired: true, maxFailedAttempts: 3 });

  it('a new store has none; one given with the store is set after the other policies', () => {
    expect(created().state().store?.biometricPolicy).toBeNull();
    const { state, events } = given().when(createStore({ totpPolicies: [totpPolicy('otp')], biometricPolicy: strict })).decided();
    expect(events.map((e) => e.type)).toEqual(['StoreCreated', 'TotpPolicySet', 'BiometricPolicySet']);
    expect(events[2]).toEqual({ type: 'BiometricPolicySet', data: { storeId: 's1', policy: strict, at: now.toISOString() } });
    expect(state.store?.biometricPolicy).toEqual(strict);
    // null in a create body: none, and no event.
    expect(given().when(createStore({ biometricPolicy: null })).decided().events.map((e) => e.type)).toEqual(['StoreCreated']);
  });

  it('sets and replaces the policy as a whole (SetBiometricPolicy), the store updated at that time', () => {
    const set = created()
      .when({ type: 'SetBiometricPolicy', policy: strict, metadata: { now: later } })
      .then([{ type: 'BiometricPolicySet', data: { storeId: 's1', policy: strict, at: later.toISOString() } }]);
    expect(set.state.store?.biometricPolicy).toEqual(strict);
    expect(set.state.store?.lastUpdatedDtm).toBe(later.toISOString());
    const replacement = biometricPolicy({ minFaceSize: 128 });
    const replaced = set.when({ type: 'SetBiometricPolicy', policy: replacement, metadata: { now } }).decided();
    expect(replaced.state.store?.biometricPolicy).toEqual(replacement);
  });

  it('removes it (back to the defaults); removing none decides nothing', () => {
    const removed = created({ biometricPolicy: strict })
      .when({ type: 'RemoveBiometricPolicy', metadata: { now: later } })
      .then([{ type: 'BiometricPolicyRemoved', data: { storeId: 's1', at: later.toISOString() } }]);
    expect(removed.state.store?.biometricPolicy).toBeNull();
    expect(removed.state.store?.lastUpdatedDtm).toBe(later.toISOString());
    removed.when({ type: 'RemoveBiometricPolicy', metadata: { now } }).thenNothingHappened();
  });

  it('a store update replaces it (whole) or removes it (null); left out, it is kept', () => {
    const withStrict = created({ biometricPolicy: strict });
    const replacement = biometricPolicy({ lockoutDuration: 'PT1H' });
    expect(
      withStrict.when({ type: 'UpdateStore', description: 'x', biometricPolicy: replacement, metadata: { now } }).decided().events.map((e) => e.type),
    ).toEqual(['StoreUpdated', 'BiometricPolicySet']);
    const removed = withStrict.when({ type: 'UpdateStore', biometricPolicy: null, metadata: { now } }).decided();
    expect([removed.events.map((e) => e.type), removed.state.store?.biometricPolicy]).toEqual([['BiometricPolicyRemoved'], null]);
    const kept = withStrict.when({ type: 'UpdateStore', description: 'kept', metadata: { now } }).decided();
    expect([kept.events.map((e) => e.type), kept.state.store?.biometricPolicy]).toEqual([['StoreUpdated'], strict]);
    created().when({ type: 'UpdateStore', biometricPolicy: null, metadata: { now } }).thenNothingHappened();
  });

  it('answers 404 STORE_NOT_FOUND on a missing or deleted store', () => {
    expect(given().when({ type: 'SetBiometricPolicy', policy: strict, metadata: { now } }).thenThrows(DomainError).code).toBe('STORE_NOT_FOUND');
    expect(
      created({ biometricPolicy: strict })
        .followedBy({ type: 'DeleteStore', metadata: { now } })
        .when({ type: 'RemoveBiometricPolicy', metadata: { now } })
        .thenThrows(DomainError).code,
    ).toBe('STORE_NOT_FOUND');
  });

  it('refuses a policy the contract rejects when the event is created (events are schema-checked)', () => {
    const invalid = { ...strict, matchThreshold: 1.5 };
    created().when({ type: 'SetBiometricPolicy', policy: invalid, metadata: { now } }).thenThrows();
  });
});
