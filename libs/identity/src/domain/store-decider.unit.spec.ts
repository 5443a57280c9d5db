import {
  DomainError,
  type PasscodePolicy,
  passcodePolicySchema,
  type PasskeyConfig,
  passkeyConfigSchema,
  passkeyRegistrationPolicySchema,
  type StoreEvent,
  type TotpPolicy,
  totpPolicySchema,
} from '@identity-store/contracts';
import { evolveStore, initialStoreState, type StoreState } from './store';
import { decideStore, type StoreCommand } from './store-decider';

const now = new Date('2026-05-07T10:00:00.000Z');
const later = new Date('2026-05-07T11:00:00.000Z');
const passcodePolicy = (name: string, fields: Partial<PasscodePolicy> = {}): PasscodePolicy =>
  passcodePolicySchema.parse({ name, ...fields });
const totpPolicy = (name: string): TotpPolicy => totpPolicySchema.parse({ name, issuer: 'ACME' });
const passkeyConfig = (rpId: string, fields: Partial<PasskeyConfig> = {}): PasskeyConfig =>
  passkeyConfigSchema.parse({ rpId, rpName: 'ACME', origins: [`https://${rpId}`], ...fields });

/** Decides and folds the events into the state, as the repository does. */
const run = (state: StoreState, command: StoreCommand): { state: StoreState; events: StoreEvent[] } => {
  const events = decideStore(command, state);
  return { state: events.reduce(evolveStore, state), events };
};

const createStore = (fields: Partial<Extract<StoreCommand, { type: 'CreateStore' }>> = {}) =>
  run(initialStoreState(), {
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

const domainErrorOf = (fn: () => unknown): DomainError => {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a DomainError');
};

describe('store decider: passcode policies', () => {
  it('creates a store with its passcode policies, one PasscodePolicySet each', () => {
    const basic = passcodePolicy('basic');
    const strict = passcodePolicy('strict', { srpGroup: 4096, hash: 'SHA-512', validity: 'P90D', renewalWindow: 'P7D' });
    const { state, events } = createStore({ passcodePolicies: [basic, strict], totpPolicies: [totpPolicy('otp')] });
    expect(events.map((e) => e.type)).toEqual(['StoreCreated', 'TotpPolicySet', 'PasscodePolicySet', 'PasscodePolicySet']);
    expect(state.store?.passcodePolicies).toEqual({ basic, strict });
    expect(Object.keys(state.store?.totpPolicies ?? {})).toEqual(['otp']);
  });

  it('adds a policy (create) and refuses a second one of the same name with 409 POLICY_EXISTS', () => {
    const policy = passcodePolicy('default');
    const { state, events } = run(createStore().state, { type: 'SetPolicy', kind: 'passcode', mode: 'create', policy, metadata: { now: later } });
    expect(events).toEqual([
      { type: 'PasscodePolicySet', data: { storeId: 's1', policy, at: later.toISOString() } },
    ]);
    expect(state.store?.passcodePolicies.default).toEqual(policy);
    expect(state.store?.lastUpdatedDtm).toBe(later.toISOString());

    const error = domainErrorOf(() =>
      decideStore({ type: 'SetPolicy', kind: 'passcode', mode: 'create', policy: passcodePolicy('default'), metadata: { now } }, state),
    );
    expect({ kind: error.kind, code: error.code, message: error.message }).toEqual({
      kind: 'conflict',
      code: 'POLICY_EXISTS',
      message: 'Passcode policy default already exists.',
    });
  });

  it('keeps passcode and TOTP policy names apart: the same name in both kinds is no conflict', () => {
    const withTotp = createStore({ totpPolicies: [totpPolicy('default')] }).state;
    const { state } = run(withTotp, { type: 'SetPolicy', kind: 'passcode', mode: 'create', policy: passcodePolicy('default'), metadata: { now } });
    expect(Object.keys(state.store?.passcodePolicies ?? {})).toEqual(['default']);
    expect(Object.keys(state.store?.totpPolicies ?? {})).toEqual(['default']);
  });

  it('replaces a policy (update) and refuses to update an unknown one with 404 POLICY_NOT_FOUND', () => {
    const created = createStore({ passcodePolicies: [passcodePolicy('default')] }).state;
    const replacement = passcodePolicy('default', { srpGroup: 3072, maxFailedAttempts: 3 });
    const { state } = run(created, { type: 'SetPolicy', kind: 'passcode', mode: 'update', policy: replacement, metadata: { now: later } });
    expect(state.store?.passcodePolicies).toEqual({ default: replacement });

    const error = domainErrorOf(() =>
      decideStore({ type: 'SetPolicy', kind: 'passcode', mode: 'update', policy: passcodePolicy('other'), metadata: { now } }, state),
    );
    expect([error.kind, error.code, error.message]).toEqual(['not-found', 'POLICY_NOT_FOUND', 'Passcode policy other does not exist.']);
  });

  it('removes a policy, leaving the others, and refuses to remove an unknown one', () => {
    const created = createStore({ passcodePolicies: [passcodePolicy('a'), passcodePolicy('b')] }).state;
    const { state, events } = run(created, { type: 'RemovePolicy', kind: 'passcode', name: 'a', metadata: { now: later } });
    expect(events).toEqual([{ type: 'PasscodePolicyRemoved', data: { storeId: 's1', name: 'a', at: later.toISOString() } }]);
    expect(Object.keys(state.store?.passcodePolicies ?? {})).toEqual(['b']);
    expect(state.store?.lastUpdatedDtm).toBe(later.toISOString());

    const error = domainErrorOf(() => decideStore({ type: 'RemovePolicy', kind: 'passcode', name: 'a', metadata: { now } }, state));
    expect([error.code, error.message]).toEqual(['POLICY_NOT_FOUND', 'Passcode policy a does not exist.']);
    // A TOTP policy of that name is not a passcode policy.
    const withTotp = createStore({ totpPolicies: [totpPolicy('t')] }).state;
    expect(domainErrorOf(() => decideStore({ type: 'RemovePolicy', kind: 'passcode', name: 't', metadata: { now } }, withTotp)).code).toBe(
      'POLICY_NOT_FOUND',
    );
  });

  it('adds or replaces the passcode policies given with a store update', () => {
    const created = createStore({ passcodePolicies: [passcodePolicy('keep'), passcodePolicy('change')] }).state;
    const changed = passcodePolicy('change', { hash: 'SHA-512' });
    const added = passcodePolicy('added');
    const { state, events } = run(created, { type: 'UpdateStore', passcodePolicies: [changed, added], metadata: { now: later } });
    expect(events.map((e) => e.type)).toEqual(['PasscodePolicySet', 'PasscodePolicySet']);
    expect(state.store?.passcodePolicies).toEqual({ keep: passcodePolicy('keep'), change: changed, added });
  });

  it('answers 404 STORE_NOT_FOUND for policy commands on a missing or deleted store', () => {
    const policy = passcodePolicy('p');
    expect(domainErrorOf(() => decideStore({ type: 'SetPolicy', kind: 'passcode', mode: 'create', policy, metadata: { now } }, initialStoreState())).code).toBe(
      'STORE_NOT_FOUND',
    );
    const deleted = run(createStore().state, { type: 'DeleteStore', metadata: { now } }).state;
    expect(domainErrorOf(() => decideStore({ type: 'RemovePolicy', kind: 'passcode', name: 'p', metadata: { now } }, deleted)).code).toBe(
      'STORE_NOT_FOUND',
    );
  });

  it('refuses a policy the contract rejects when the event is created (events are schema-checked)', () => {
    const invalid = { ...passcodePolicy('p'), srpGroup: 1024 } as unknown as PasscodePolicy;
    expect(() => decideStore({ type: 'SetPolicy', kind: 'passcode', mode: 'create', policy: invalid, metadata: { now } }, createStore().state)).toThrow();
  });
});

describe('store decider: TOTP policies (same plumbing)', () => {
  it('adds, conflicts on, and removes a TOTP policy with TOTP events and messages', () => {
    const policy = totpPolicy('default');
    const { state, events } = run(createStore().state, { type: 'SetPolicy', kind: 'totp', mode: 'create', policy, metadata: { now } });
    expect(events.map((e) => e.type)).toEqual(['TotpPolicySet']);
    expect(state.store?.totpPolicies.default).toEqual(policy);
    expect(state.store?.passcodePolicies).toEqual({});
    expect(domainErrorOf(() => decideStore({ type: 'SetPolicy', kind: 'totp', mode: 'create', policy, metadata: { now } }, state)).message).toBe(
      'TOTP policy default already exists.',
    );
    const removed = run(state, { type: 'RemovePolicy', kind: 'totp', name: 'default', metadata: { now } });
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
    const { state, events } = createStore({ passkeyConfigs: [acme, other], passcodePolicies: [passcodePolicy('pc')] });
    expect(events.map((e) => e.type)).toEqual(['StoreCreated', 'PasscodePolicySet', 'PasskeyConfigSet', 'PasskeyConfigSet']);
    expect(events[2]).toEqual({ type: 'PasskeyConfigSet', data: { storeId: 's1', config: acme, at: now.toISOString() } });
    expect(state.store?.passkeyConfigs).toEqual({ 'acme.example': acme, 'other.example': other });
    expect(Object.keys(state.store?.passcodePolicies ?? {})).toEqual(['pc']);
  });

  it('adds a configuration under its rpId and refuses the same rpId again with 409 PASSKEY_CONFIG_EXISTS', () => {
    const config = passkeyConfig('example.com');
    const { state, events } = run(createStore().state, { type: 'SetPolicy', kind: 'passkey', mode: 'create', policy: config, metadata: { now: later } });
    expect(events).toEqual([{ type: 'PasskeyConfigSet', data: { storeId: 's1', config, at: later.toISOString() } }]);
    expect(state.store?.passkeyConfigs).toEqual({ 'example.com': config });
    expect(state.store?.lastUpdatedDtm).toBe(later.toISOString());

    const again = passkeyConfig('example.com', { rpName: 'Other' });
    const error = domainErrorOf(() => decideStore({ type: 'SetPolicy', kind: 'passkey', mode: 'create', policy: again, metadata: { now } }, state));
    expect([error.kind, error.code, error.message]).toEqual([
      'conflict',
      'PASSKEY_CONFIG_EXISTS',
      'Passkey configuration example.com already exists.',
    ]);
  });

  it('replaces a configuration (update) and refuses an unknown rpId with 404 PASSKEY_CONFIG_NOT_FOUND', () => {
    const created = createStore({ passkeyConfigs: [passkeyConfig('example.com')] }).state;
    const replacement = passkeyConfig('example.com', { rpName: 'Renamed', origins: ['https://login.example.com'] });
    const { state, events } = run(created, { type: 'SetPolicy', kind: 'passkey', mode: 'update', policy: replacement, metadata: { now: later } });
    expect(events.map((e) => e.type)).toEqual(['PasskeyConfigSet']);
    expect(state.store?.passkeyConfigs).toEqual({ 'example.com': replacement });

    const error = domainErrorOf(() =>
      decideStore({ type: 'SetPolicy', kind: 'passkey', mode: 'update', policy: passkeyConfig('other.com'), metadata: { now } }, state),
    );
    expect([error.kind, error.code, error.message]).toEqual([
      'not-found',
      'PASSKEY_CONFIG_NOT_FOUND',
      'Passkey configuration other.com does not exist.',
    ]);
  });

  it('removes a configuration by rpId with PasskeyConfigRemoved, leaving the others, and refuses an unknown rpId', () => {
    const created = createStore({ passkeyConfigs: [passkeyConfig('a.example'), passkeyConfig('b.example')] }).state;
    const { state, events } = run(created, { type: 'RemovePolicy', kind: 'passkey', name: 'a.example', metadata: { now: later } });
    expect(events).toEqual([
      { type: 'PasskeyConfigRemoved', data: { storeId: 's1', rpId: 'a.example', at: later.toISOString() } },
    ]);
    expect(Object.keys(state.store?.passkeyConfigs ?? {})).toEqual(['b.example']);
    expect(state.store?.lastUpdatedDtm).toBe(later.toISOString());
    expect(domainErrorOf(() => decideStore({ type: 'RemovePolicy', kind: 'passkey', name: 'a.example', metadata: { now } }, state)).code).toBe(
      'PASSKEY_CONFIG_NOT_FOUND',
    );
  });

  it('keeps passkey configurations apart from policies: a policy named like an rpId is no configuration', () => {
    const withPolicy = createStore({ passcodePolicies: [passcodePolicy('example')] }).state;
    expect(domainErrorOf(() => decideStore({ type: 'RemovePolicy', kind: 'passkey', name: 'example', metadata: { now } }, withPolicy)).code).toBe(
      'PASSKEY_CONFIG_NOT_FOUND',
    );
    const withConfig = createStore({ passkeyConfigs: [passkeyConfig('example')] }).state;
    expect(domainErrorOf(() => decideStore({ type: 'RemovePolicy', kind: 'passcode', name: 'example', metadata: { now } }, withConfig)).code).toBe(
      'POLICY_NOT_FOUND',
    );
  });

  it('adds or replaces the configurations given with a store update', () => {
    const created = createStore({ passkeyConfigs: [passkeyConfig('keep.example'), passkeyConfig('change.example')] }).state;
    const changed = passkeyConfig('change.example', { rpName: 'Changed' });
    const added = passkeyConfig('added.example');
    const { state, events } = run(created, { type: 'UpdateStore', passkeyConfigs: [changed, added], metadata: { now: later } });
    expect(events.map((e) => e.type)).toEqual(['PasskeyConfigSet', 'PasskeyConfigSet']);
    expect(state.store?.passkeyConfigs).toEqual({ 'keep.example': passkeyConfig('keep.example'), 'change.example': changed, 'added.example': added });
  });

  it('answers 404 STORE_NOT_FOUND on a missing or deleted store', () => {
    expect(
      domainErrorOf(() =>
        decideStore({ type: 'SetPolicy', kind: 'passkey', mode: 'create', policy: passkeyConfig('example.com'), metadata: { now } }, initialStoreState()),
      ).code,
    ).toBe('STORE_NOT_FOUND');
    const deleted = run(createStore({ passkeyConfigs: [passkeyConfig('example.com')] }).state, { type: 'DeleteStore', metadata: { now } }).state;
    expect(domainErrorOf(() => decideStore({ type: 'RemovePolicy', kind: 'passkey', name: 'example.com', metadata: { now } }, deleted)).code).toBe(
      'STORE_NOT_FOUND',
    );
  });

  it('refuses a configuration the contract rejects when the event is created (origin not under the rpId)', () => {
    const invalid = { ...passkeyConfig('example.com'), origins: ['https://evil.com'] };
    expect(() =>
      decideStore({ type: 'SetPolicy', kind: 'passkey', mode: 'create', policy: invalid, metadata: { now } }, createStore().state),
    ).toThrow(/host must be example.com or a subdomain of it/);
  });
});
