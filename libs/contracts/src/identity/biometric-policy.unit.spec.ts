import { issuePathsOf, issuesOf } from '@identity-store/testing';
import {
  biometricPolicyBodySchema,
  biometricPolicyDefaults,
  biometricPolicySchema,
  effectiveBiometricPolicy,
  updateBiometricPolicyBodySchema,
} from './biometric-policy';
import { BiometricPolicyRemoved, BiometricPolicySet, identityIntegrationEvents } from './identity-integration-events';
import { createStoreBodySchema, storeSchema, updateStoreBodySchema } from './store';

const defaults = {
  matchThreshold: 0.75,
  livenessRequired: false,
  livenessThreshold: 0.3,
  maxFailedAttempts: 5,
  lockoutDuration: 'PT15M',
  minFaceSize: 64,
};
const at = '2026-05-07T10:00:00.000Z';

describe('BiometricPolicy schema', () => {
  it('fills every field left out with the documented defaults', () => {
    expect(biometricPolicyDefaults).toEqual(defaults);
    expect(biometricPolicyBodySchema.parse({})).toEqual(defaults);
    expect(biometricPolicyBodySchema.parse({ livenessRequired: true, matchThreshold: 0.72 })).toEqual({
      ...defaults,
      livenessRequired: true,
      matchThreshold: 0.72,
    });
  });

  it('accepts the bounds: thresholds 0 and 1, attempts 1 and 100, faces of 32 and 1024 pixels, P10Y', () => {
    for (const bound of [
      { matchThreshold: 0, livenessThreshold: 1, maxFailedAttempts: 1, minFaceSize: 32, lockoutDuration: 'PT1S' },
      { matchThreshold: 1, livenessThreshold: 0, maxFailedAttempts: 100, minFaceSize: 1024, lockoutDuration: 'P10Y' },
    ])
      expect(biometricPolicyBodySchema.parse(bound)).toEqual({ ...defaults, ...bound });
  });

  it.each([
    ['matchThreshold below 0', { matchThreshold: -0.01 }, 'matchThreshold'],
    ['matchThreshold above 1', { matchThreshold: 1.01 }, 'matchThreshold'],
    ['livenessThreshold below 0', { livenessThreshold: -1 }, 'livenessThreshold'],
    ['livenessThreshold above 1', { livenessThreshold: 2 }, 'livenessThreshold'],
    ['a threshold as a string', { matchThreshold: '0.6' }, 'matchThreshold'],
    ['0 attempts', { maxFailedAttempts: 0 }, 'maxFailedAttempts'],
    ['101 attempts', { maxFailedAttempts: 101 }, 'maxFailedAttempts'],
    ['a fraction of an attempt', { maxFailedAttempts: 2.5 }, 'maxFailedAttempts'],
    ['a duration that is none', { lockoutDuration: '15 minutes' }, 'lockoutDuration'],
    ['a duration over P10Y', { lockoutDuration: 'P11Y' }, 'lockoutDuration'],
    ['a face under 32 pixels', { minFaceSize: 31 }, 'minFaceSize'],
    ['a face over 1024 pixels', { minFaceSize: 1025 }, 'minFaceSize'],
    ['livenessRequired not a boolean', { livenessRequired: 'yes' }, 'livenessRequired'],
    ['an unknown field', { matchTreshold: 0.5 }, ''],
  ])('refuses %s, naming the field, in a whole policy and in an update', (_what, field, path) => {
    expect(issuePathsOf(biometricPolicyBodySchema.safeParse(field))).toEqual([path]);
    expect(issuePathsOf(updateBiometricPolicyBodySchema.safeParse(field))).toEqual([path]);
  });

  it('names every bad field at once, with its reason', () => {
    const result = biometricPolicyBodySchema.safeParse({
      matchThreshold: 1.5,
      livenessRequired: 1,
      livenessThreshold: -0.5,
      maxFailedAttempts: 0,
      lockoutDuration: 'P11Y',
      minFaceSize: 2048,
      extra: true,
    });
    expect(issuePathsOf(result)).toEqual([
      '',
      'livenessRequired',
      'livenessThreshold',
      'lockoutDuration',
      'matchThreshold',
      'maxFailedAttempts',
      'minFaceSize',
    ]);
    expect(issuesOf(result)).toContain('lockoutDuration: must be at most P10Y (10 years)');
    expect(issuesOf(result)).toContain(': Unrecognized key: "extra"');
  });

  it('an update takes any subset, and no defaults: what it leaves out is for the merge to keep', () => {
    expect(updateBiometricPolicyBodySchema.parse({})).toEqual({});
    expect(updateBiometricPolicyBodySchema.parse({ maxFailedAttempts: 3 })).toEqual({ maxFailedAttempts: 3 });
    // null is no value here (a field is set or left out; the whole policy is removed with DELETE).
    expect(issuePathsOf(updateBiometricPolicyBodySchema.safeParse({ matchThreshold: null }))).toEqual(['matchThreshold']);
  });

  it('reads a stored duration over P10Y (stored policies stay readable), and the effective policy is the stored one or the defaults', () => {
    const stored = biometricPolicySchema.parse({ ...defaults, lockoutDuration: 'P20Y' });
    expect(stored.lockoutDuration).toBe('P20Y');
    expect(issuePathsOf(biometricPolicySchema.safeParse({ ...defaults, lockoutDuration: 'soon' }))).toEqual(['lockoutDuration']);
    expect(effectiveBiometricPolicy(null)).toEqual(defaults);
    expect(effectiveBiometricPolicy(undefined)).toEqual(defaults);
    expect(effectiveBiometricPolicy(stored)).toBe(stored);
  });
});

describe('the biometric policy in store bodies, the Store and the events', () => {
  it('takes a whole policy (defaults filled in) or null in store create and update bodies, naming bad fields under biometricPolicy', () => {
    expect(createStoreBodySchema.parse({ name: 'acme', biometricPolicy: { livenessRequired: true } }).biometricPolicy).toEqual({
      ...defaults,
      livenessRequired: true,
    });
    expect(createStoreBodySchema.parse({ name: 'acme', biometricPolicy: null }).biometricPolicy).toBeNull();
    expect(createStoreBodySchema.parse({ name: 'acme' }).biometricPolicy).toBeUndefined();
    expect(updateStoreBodySchema.parse({ biometricPolicy: null }).biometricPolicy).toBeNull();
    expect(issuePathsOf(updateStoreBodySchema.safeParse({ biometricPolicy: { matchThreshold: 7, minFaceSize: 8 } }))).toEqual([
      'biometricPolicy.matchThreshold',
      'biometricPolicy.minFaceSize',
    ]);
  });

  it('a Store always has biometricPolicy: a policy, or null for the defaults', () => {
    const store = {
      id: 's1', name: 'acme', attributeSchema: null, passkeyConfigs: {}, appkeyConfigs: {}, totpPolicies: {}, passcodePolicies: {},
      pushNotificationPolicies: {}, createdDtm: at, lastUpdatedDtm: at,
    };
    expect(storeSchema.safeParse({ ...store, biometricPolicy: null }).success).toBe(true);
    expect(storeSchema.safeParse({ ...store, biometricPolicy: defaults }).success).toBe(true);
    expect(issuePathsOf(storeSchema.safeParse(store))).toEqual(['biometricPolicy']);
  });

  it('publishes the whole policy when set, and only the store when removed', () => {
    const set = BiometricPolicySet.create({ storeId: 's1', policy: { ...defaults, maxFailedAttempts: 3 }, at });
    expect(set).toEqual({ type: 'BiometricPolicySet', data: { storeId: 's1', policy: { ...defaults, maxFailedAttempts: 3 }, at } });
    expect(BiometricPolicyRemoved.create({ storeId: 's1', at })).toEqual({ type: 'BiometricPolicyRemoved', data: { storeId: 's1', at } });
    expect(identityIntegrationEvents.BiometricPolicySet.schema.safeParse({ storeId: 's1', policy: { matchThreshold: 2 }, at }).success).toBe(
      false,
    );
  });
});
