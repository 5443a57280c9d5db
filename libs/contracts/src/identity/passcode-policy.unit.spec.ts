import { issuesOf } from '@identity-store/testing';
import {
  ARGON2ID_DEFAULT,
  createStoreBodySchema,
  passcodePolicyDefaults,
  passcodePolicySchema,
  storeSchema,
  updatePasscodePolicyBodySchema,
  withLegacyKdf,
} from './store';
import { PasscodePolicySet } from './identity-integration-events';


describe('PasscodePolicy kdf (client-side key stretching before SRP)', () => {
  const kdfOf = (kdf: unknown) => passcodePolicySchema.safeParse({ name: 'p', kdf });

  it('defaults to OWASP’s argon2id (19 MiB, 2 passes, 1 lane); each algorithm fills its own defaults', () => {
    expect(passcodePolicySchema.parse({ name: 'p' }).kdf).toEqual(ARGON2ID_DEFAULT);
    expect(ARGON2ID_DEFAULT).toEqual({ algorithm: 'argon2id', memoryKiB: 19456, iterations: 2, parallelism: 1 });
    expect(kdfOf({ algorithm: 'argon2id' }).data?.kdf).toEqual(ARGON2ID_DEFAULT);
    expect(kdfOf({ algorithm: 'PBKDF2-SHA256' }).data?.kdf).toEqual({ algorithm: 'PBKDF2-SHA256', iterations: 600000 });
    expect(kdfOf(null).data?.kdf).toBeNull();
  });

  it('accepts OWASP’s other argon2id configurations and the bounds themselves', () => {
    for (const [memoryKiB, iterations] of [[47104, 1], [12288, 3], [9216, 4], [7168, 5], [1048576, 2]])
      expect(kdfOf({ algorithm: 'argon2id', memoryKiB, iterations }).success).toBe(true);
    expect(kdfOf({ algorithm: 'PBKDF2-SHA256', iterations: 10_000_000 }).success).toBe(true);
  });

  it('refuses parameters below OWASP’s minimum or above what a client can run, naming each', () => {
    expect(issuesOf(kdfOf({ algorithm: 'argon2id', memoryKiB: 7168 }))).toEqual([
      "kdf.memoryKiB: memoryKiB × iterations must be at least 35840 (OWASP's minimum: 19456 × 2, 7168 × 5, …)",
    ]);
    expect(issuesOf(kdfOf({ algorithm: 'argon2id', memoryKiB: 1048576, iterations: 3 }))).toEqual([
      'kdf.memoryKiB: memoryKiB × iterations must be at most 2097152 (a client must not hang)',
    ]);
    expect(issuesOf(kdfOf({ algorithm: 'argon2id', memoryKiB: 4096, iterations: 11, parallelism: 0, salt: 'x' }))).toEqual([
      'kdf.iterations: Too big: expected number to be <=10',
      'kdf.memoryKiB: Too small: expected number to be >=7168',
      'kdf.parallelism: Too small: expected number to be >=1',
      'kdf: Unrecognized key: "salt"',
    ]);
    expect(issuesOf(kdfOf({ algorithm: 'PBKDF2-SHA256', iterations: 100_000 }))).toEqual([
      'kdf.iterations: Too small: expected number to be >=600000',
    ]);
    expect(issuesOf(kdfOf({ algorithm: 'scrypt' }))).toEqual([
      "kdf.algorithm: Invalid discriminator value. Expected 'argon2id' | 'PBKDF2-SHA256'",
    ]);
  });

  it('an update may set another KDF or null', () => {
    expect(updatePasscodePolicyBodySchema.parse({ kdf: null })).toEqual({ kdf: null });
    expect(updatePasscodePolicyBodySchema.parse({ kdf: { algorithm: 'PBKDF2-SHA256' } })).toEqual({
      kdf: { algorithm: 'PBKDF2-SHA256', iterations: 600000 },
    });
  });

  it('a policy stored before KDFs reads as plain RFC 5054 (kdf null), a stored KDF stays', () => {
    const { kdf: _kdf, ...stored } = passcodePolicySchema.parse({ name: 'p' });
    expect(withLegacyKdf(stored).kdf).toBeNull();
    expect(withLegacyKdf(passcodePolicySchema.parse({ name: 'p' })).kdf).toEqual(ARGON2ID_DEFAULT);
  });
});

describe('PasscodePolicy schema', () => {
  it('fills every omitted field with the documented default', () => {
    expect(passcodePolicySchema.parse({ name: 'default' })).toEqual({ name: 'default', ...passcodePolicyDefaults });
    expect(passcodePolicyDefaults).toEqual({
      protocol: 'SRP',
      srpGroup: 2048,
      hash: 'SHA-256',
      clientRules: { minLength: 8, maxLength: 64, requireDigit: false, requireLetter: false, requireSymbol: false },
      validity: null,
      renewalWindow: null,
      maxFailedAttempts: 5,
      lockoutDuration: 'PT15M',
      kdf: { algorithm: 'argon2id', memoryKiB: 19456, iterations: 2, parallelism: 1 },
    });
  });

  it('fills the omitted client rules of a partial clientRules one by one', () => {
    expect(passcodePolicySchema.parse({ name: 'p', clientRules: { minLength: 12, requireDigit: true } }).clientRules).toEqual({
      minLength: 12,
      maxLength: 64,
      requireDigit: true,
      requireLetter: false,
      requireSymbol: false,
    });
  });

  it('accepts every allowed group and hash, a validity with a renewal window', () => {
    for (const srpGroup of [2048, 3072, 4096])
      for (const hash of ['SHA-256', 'SHA-512'])
        expect(
          passcodePolicySchema.safeParse({ name: 'p', srpGroup, hash, validity: 'P90D', renewalWindow: 'P7D' }).success,
        ).toBe(true);
  });

  it('names every bad field at once', () => {
    const result = passcodePolicySchema.safeParse({
      name: 'a-name-that-is-far-too-long',
      protocol: 'PAKE',
      srpGroup: 1024,
      hash: 'MD5',
      clientRules: { minLength: 20, maxLength: 10, requireDigit: 'yes' },
      validity: 'ninety days',
      renewalWindow: 'P7D',
      maxFailedAttempts: 0,
      lockoutDuration: '15 minutes',
      extra: true,
    });
    expect(issuesOf(result)).toEqual([
      ': Unrecognized key: "extra"',
      'clientRules.minLength: must not exceed maxLength',
      'clientRules.requireDigit: Invalid input: expected boolean, received string',
      'hash: Invalid option: expected one of "SHA-256"|"SHA-512"',
      'lockoutDuration: must be an ISO-8601 duration such as PT15M or P90D',
      'maxFailedAttempts: Too small: expected number to be >=1',
      'name: must be 1–20 letters, digits or hyphens',
      'protocol: Invalid input: expected "SRP"',
      'srpGroup: must be 2048, 3072 or 4096',
      'validity: must be an ISO-8601 duration such as PT15M or P90D',
    ]);
  });

  it('compares minLength with the default maxLength when only minLength is given', () => {
    expect(issuesOf(passcodePolicySchema.safeParse({ name: 'p', clientRules: { minLength: 65 } }))).toEqual([
      'clientRules.minLength: must not exceed maxLength',
    ]);
    expect(passcodePolicySchema.safeParse({ name: 'p', clientRules: { minLength: 64 } }).success).toBe(true);
  });

  it('refuses a renewal window without a validity, also next to other bad fields', () => {
    expect(issuesOf(passcodePolicySchema.safeParse({ name: 'p', renewalWindow: 'P7D' }))).toEqual([
      'renewalWindow: requires validity (a passcode that never expires has no renewal window)',
    ]);
    expect(issuesOf(passcodePolicySchema.safeParse({ name: 'p', renewalWindow: 'P7D', srpGroup: 1 }))).toEqual([
      'renewalWindow: requires validity (a passcode that never expires has no renewal window)',
      'srpGroup: must be 2048, 3072 or 4096',
    ]);
  });

  it('rejects input that is not an object without throwing', () => {
    expect(passcodePolicySchema.safeParse(null).success).toBe(false);
    expect(passcodePolicySchema.safeParse({ name: 'p', clientRules: null }).success).toBe(false);
  });

  it('lets an update name any subset, clientRules included, and nothing else', () => {
    expect(updatePasscodePolicyBodySchema.parse({ clientRules: { maxLength: 32 } })).toEqual({ clientRules: { maxLength: 32 } });
    expect(updatePasscodePolicyBodySchema.parse({ validity: null })).toEqual({ validity: null });
    expect(issuesOf(updatePasscodePolicyBodySchema.safeParse({ name: 'renamed', srpGroup: 1024 }))).toEqual([
      ': Unrecognized key: "name"',
      'srpGroup: must be 2048, 3072 or 4096',
    ]);
  });

  it('is how a store holds its passcode policies: a record by name', () => {
    const policy = passcodePolicySchema.parse({ name: 'default' });
    const dtm = '2026-05-07T10:00:00.000Z';
    const store = {
      id: 's1',
      name: 'acme',
      attributeSchema: null,
      passkeyConfigs: {},
      appkeyConfigs: {},
      totpPolicies: {},
      passcodePolicies: { default: policy },
      pushNotificationPolicies: {},
      biometricPolicy: null,
      createdDtm: dtm,
      lastUpdatedDtm: dtm,
    };
    expect(storeSchema.parse(store).passcodePolicies).toEqual({ default: policy });
    expect(storeSchema.safeParse({ ...store, passcodePolicies: { default: { ...policy, hash: 'MD5' } } }).success).toBe(false);
  });

  it('takes passcode policies in a store body, keyed by name, with defaults and the same checks', () => {
    const body = createStoreBodySchema.parse({ name: 'acme', passcodePolicies: { basic: {} } });
    expect(body.passcodePolicies?.basic).toEqual(passcodePolicyDefaults);
    expect(
      issuesOf(
        createStoreBodySchema.safeParse({
          name: 'acme',
          passcodePolicies: { 'bad name!': {}, ok: { renewalWindow: 'P1D', clientRules: { minLength: 9, maxLength: 8 } } },
        }),
      ),
    ).toEqual([
      'passcodePolicies.bad name!: Invalid key in record',
      'passcodePolicies.ok.clientRules.minLength: must not exceed maxLength',
      'passcodePolicies.ok.renewalWindow: requires validity (a passcode that never expires has no renewal window)',
    ]);
  });

  it('is carried whole by the PasscodePolicySet event, version 1', () => {
    const policy = passcodePolicySchema.parse({ name: 'default', validity: 'P90D' });
    expect(PasscodePolicySet.version).toBe(1);
    expect(PasscodePolicySet.create({ storeId: 's1', policy, at: '2026-05-07T10:00:00.000Z' }).data.policy).toEqual(policy);
  });
});
