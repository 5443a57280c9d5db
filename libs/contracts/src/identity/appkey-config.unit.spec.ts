import { createHash } from 'node:crypto';
import { issuePathsOf, issuesOf, TEST_ATTESTATION_ROOT_PEM, TEST_LEAF_CERTIFICATE_PEM } from '@identity-store/testing';
import { AppkeyConfigRemoved, AppkeyConfigSet } from './identity-integration-events';
import {
  appkeyConfigSchema,
  appkeyPolicyDefaults,
  createAppkeyConfigBodySchema,
  createStoreBodySchema,
  isFacetId,
  storeSchema,
  trustedFacetsOf,
  trustedFacetsPath,
  UAF_USER_VERIFICATION_METHODS,
  updateAppkeyConfigBodySchema,
  updateStoreBodySchema,
} from './store';


const digest = (algorithm: 'sha1' | 'sha256') => createHash(algorithm).update('signing certificate').digest();
/** The UAF 1.1 facet id: base64 of the SHA-1, padding removed. */
const SHA1_FACET = `android:apk-key-hash:${digest('sha1').toString('base64').replace(/=+$/, '')}`;
const SHA256_FACET = `android:apk-key-hash:${digest('sha256').toString('base64url')}`;
const IOS_FACET = 'ios:bundle-id:com.example.app';
const minimal = { rpId: 'example.com', facets: ['https://login.example.com'] };
const FACET_FORMAT =
  'must be android:apk-key-hash:<base64 SHA-1 or SHA-256 of the signing certificate>, ios:bundle-id:<bundle id> ' +
  'or an https origin such as https://login.example.com';

describe('AppkeyConfig schema: defaults', () => {
  it('takes rpId and facets; each policy map gets a policy named default, maxDevices 5; appID stays for the service to fill', () => {
    expect(appkeyPolicyDefaults).toEqual({
      registration: { keyTypes: 'DEVICE', userVerification: ['presence'], hints: [], attestation: 'ANY' },
      authentication: { userVerification: ['presence'], hints: [], transaction: false, maxFailedAttempts: 5, lockoutDuration: 'PT15M' },
      maxDevices: 5,
    });
    expect(createAppkeyConfigBodySchema.parse(minimal)).toEqual({
      ...minimal,
      registrationPolicies: { default: { keyTypes: 'DEVICE', userVerification: ['presence'], hints: [], attestation: 'ANY' } },
      authenticationPolicies: {
        default: { userVerification: ['presence'], hints: [], transaction: false, maxFailedAttempts: 5, lockoutDuration: 'PT15M' },
      },
      maxDevices: 5,
    });
  });

  it('fills omitted policy fields; no timeout, AAIDs or certificates unless given; given maps get no default policy', () => {
    const config = createAppkeyConfigBodySchema.parse({
      ...minimal,
      registrationPolicies: { bio: { keyTypes: 'BIOMETRIC', userVerification: ['fingerprint', 'faceprint'] } },
      authenticationPolicies: { pay: { transaction: true, timeout: 60_000 } },
    });
    expect(config.registrationPolicies).toEqual({
      bio: { keyTypes: 'BIOMETRIC', userVerification: ['fingerprint', 'faceprint'], hints: [], attestation: 'ANY' },
    });
    expect(config.authenticationPolicies).toEqual({
      pay: { userVerification: ['presence'], hints: [], transaction: true, timeout: 60_000, maxFailedAttempts: 5, lockoutDuration: 'PT15M' },
    });
  });

  it('does not share default lists between policies', () => {
    const a = createAppkeyConfigBodySchema.parse(minimal);
    a.registrationPolicies.default!.userVerification.push('fingerprint');
    expect(createAppkeyConfigBodySchema.parse(minimal).registrationPolicies.default!.userVerification).toEqual(['presence']);
  });

  it('names the UAF registry user verification methods with their USER_VERIFY_* bits', () => {
    expect(UAF_USER_VERIFICATION_METHODS).toEqual({
      presence: 0x01, fingerprint: 0x02, passcode: 0x04, voiceprint: 0x08, faceprint: 0x10, location: 0x20,
      eyeprint: 0x40, pattern: 0x80, handprint: 0x100, none: 0x200, all: 0x400,
    });
  });
});

describe('AppkeyConfig schema: facets', () => {
  it('accepts Android (SHA-1 or SHA-256, base64 or base64url, padded or not), iOS and https facet ids', () => {
    const sha1Padded = `android:apk-key-hash:${digest('sha1').toString('base64')}`;
    for (const facet of [SHA1_FACET, sha1Padded, SHA256_FACET, IOS_FACET, 'ios:bundle-id:com.Example-Co.app2', 'https://example.com', 'https://login.example.com:8443'])
      expect([facet, isFacetId(facet)]).toEqual([facet, true]);
  });

  it('refuses other forms', () => {
    for (const facet of [
      'android:apk-key-hash:*',
      'android:apk-key-hash:',
      `android:apk-key-hash:${digest('sha1').toString('base64').slice(0, 20)}`,
      `android:apk-key-hash:${createHash('md5').update('x').digest('base64')}`,
      `android:apk-key-hash:${digest('sha1').toString('base64').replace(/=+$/, '')}==`,
      `android:apk-key-hash:${digest('sha256').toString('hex')}`,
      'ios:bundle-id:*',
      'ios:bundle-id:app',
      'ios:bundle-id:com..example',
      'ios:bundle-id:com.example app',
      'http://example.com',
      'http://localhost:3000',
      'https://example.com/',
      'https://example.com/app',
      'https://Example.com',
      'https://127.0.0.1',
      'example.com',
      'android-app:com.example',
      '',
    ])
      expect([facet, isFacetId(facet)]).toEqual([facet, false]);
  });

  it('names each bad or repeated facet, and refuses an empty list', () => {
    const result = createAppkeyConfigBodySchema.safeParse({ ...minimal, facets: [IOS_FACET, 'ios:bundle-id:*', IOS_FACET, 'http://example.com'] });
    expect(issuesOf(result)).toEqual([
      `facets.1: ${FACET_FORMAT}`,
      `facets.2: repeats the facet ${IOS_FACET}`,
      `facets.3: ${FACET_FORMAT}`,
    ]);
    expect(issuePathsOf(createAppkeyConfigBodySchema.safeParse({ ...minimal, facets: [] }))).toEqual(['facets']);
  });
});

describe('AppkeyConfig schema: policies', () => {
  const withRegistration = (policy: object) =>
    createAppkeyConfigBodySchema.safeParse({ ...minimal, registrationPolicies: { p: policy } });

  it('accepts the key types, attestations and user verification combinations of UAF', () => {
    for (const keyTypes of ['DEVICE', 'BIOMETRIC', 'DEVICE_AND_BIOMETRIC'])
      for (const attestation of ['BASIC_FULL', 'BASIC_SURROGATE', 'ANY'])
        expect(withRegistration({ keyTypes, attestation }).success).toBe(true);
    for (const userVerification of [['none'], ['fingerprint', 'passcode'], ['all', 'fingerprint', 'passcode'], ['handprint', 'eyeprint', 'location']])
      expect([userVerification, withRegistration({ userVerification }).success]).toEqual([userVerification, true]);
    expect(withRegistration({ acceptedAaids: ['4e4e#4005', 'ABCD#0001'], hints: ['client-device'], timeout: 120_000 }).success).toBe(true);
  });

  it('names every bad field of a policy', () => {
    expect(
      issuesOf(
        withRegistration({
          keyTypes: 'PLATFORM',
          userVerification: ['fingerprint', 'retina', 'fingerprint'],
          hints: ['nfc'],
          acceptedAaids: ['4E4E#4005', '4e4e#4005', 'nope'],
          attestation: 'NONE',
          timeout: 1,
          extra: true,
        }),
      ),
    ).toEqual([
      'registrationPolicies.p.acceptedAaids.1: repeats the AAID 4e4e#4005',
      'registrationPolicies.p.acceptedAaids.2: must be an AAID: 4 hex digits, #, 4 hex digits (e.g. 4E4E#4005)',
      'registrationPolicies.p.attestation: Invalid option: expected one of "BASIC_FULL"|"BASIC_SURROGATE"|"ANY"',
      'registrationPolicies.p.hints.0: Invalid option: expected one of "security-key"|"client-device"|"hybrid"',
      'registrationPolicies.p.keyTypes: Invalid option: expected one of "DEVICE"|"BIOMETRIC"|"DEVICE_AND_BIOMETRIC"',
      'registrationPolicies.p.timeout: Too small: expected number to be >=10000',
      expect.stringMatching(/^registrationPolicies\.p\.userVerification\.1: Invalid option/),
      'registrationPolicies.p.userVerification.2: repeats the method fingerprint',
      'registrationPolicies.p: Unrecognized key: "extra"',
    ]);
  });

  it('refuses none with other methods, all without two methods to combine, and no method at all', () => {
    expect(issuesOf(withRegistration({ userVerification: ['presence', 'none'] }))).toEqual([
      'registrationPolicies.p.userVerification.1: none must be the only method',
    ]);
    expect(issuesOf(withRegistration({ userVerification: ['all', 'fingerprint'] }))).toEqual([
      'registrationPolicies.p.userVerification.0: all needs at least two methods to combine',
    ]);
    expect(issuePathsOf(withRegistration({ userVerification: [] }))).toEqual(['registrationPolicies.p.userVerification']);
  });

  it('keys policies by name (1–20 letters, digits or hyphens) and checks authentication policies too', () => {
    const result = createAppkeyConfigBodySchema.safeParse({
      ...minimal,
      registrationPolicies: { 'not valid!': {} },
      authenticationPolicies: { ok: { transaction: 'yes', userVerification: ['none', 'presence'] } },
    });
    expect(issuesOf(result)).toEqual([
      'authenticationPolicies.ok.transaction: Invalid input: expected boolean, received string',
      'authenticationPolicies.ok.userVerification.0: none must be the only method',
      'registrationPolicies.not valid!: policy name must be 1–20 letters, digits or hyphens',
    ]);
  });
});

describe('AppkeyConfig schema: appID, maxDevices and attestation roots', () => {
  it('takes an https appID in a request; stored, also the path of this API’s TrustedFacets list', () => {
    expect(createAppkeyConfigBodySchema.safeParse({ ...minimal, appID: 'https://example.com/facets.json' }).success).toBe(true);
    const path = trustedFacetsPath('acme', 'example.com');
    expect(path).toBe('/api/identity-store/public/stores/acme/appkeys/example.com/facets');
    for (const appID of [path, 'http://example.com/facets', 'https://user:pw@example.com/f', 'https://example.com/f#x', 'facets'])
      expect([appID, createAppkeyConfigBodySchema.safeParse({ ...minimal, appID }).success]).toEqual([appID, false]);
    const stored = (appID: string) => appkeyConfigSchema.safeParse({ ...createAppkeyConfigBodySchema.parse(minimal), appID }).success;
    expect([stored(path), stored('https://example.com/facets.json'), stored('/api/identity-store/stores/acme'), stored('http://x.test')]).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });

  it('bounds maxDevices to 1–100 (whole numbers)', () => {
    for (const [maxDevices, ok] of [[1, true], [100, true], [0, false], [101, false], [2.5, false]] as const)
      expect([maxDevices, createAppkeyConfigBodySchema.safeParse({ ...minimal, maxDevices }).success]).toEqual([maxDevices, ok]);
  });

  it('takes CA certificates as attestation roots; a leaf, two certificates in one entry or no certificate are named', () => {
    expect(createAppkeyConfigBodySchema.safeParse({ ...minimal, attestationRootCertificates: [TEST_ATTESTATION_ROOT_PEM] }).success).toBe(true);
    const result = createAppkeyConfigBodySchema.safeParse({
      ...minimal,
      attestationRootCertificates: [
        TEST_ATTESTATION_ROOT_PEM,
        TEST_LEAF_CERTIFICATE_PEM,
        TEST_ATTESTATION_ROOT_PEM + TEST_LEAF_CERTIFICATE_PEM,
        '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----',
        'not a certificate',
      ],
    });
    expect(issuesOf(result)).toEqual([
      'attestationRootCertificates.1: must be a CA certificate (basicConstraints cA)',
      'attestationRootCertificates.2: must be one PEM certificate (-----BEGIN CERTIFICATE-----)',
      'attestationRootCertificates.3: must be one PEM certificate (-----BEGIN CERTIFICATE-----)',
      'attestationRootCertificates.4: must be one PEM certificate (-----BEGIN CERTIFICATE-----)',
    ]);
    expect(issuePathsOf(createAppkeyConfigBodySchema.safeParse({ ...minimal, attestationRootCertificates: [] }))).toEqual([
      'attestationRootCertificates',
    ]);
  });

  it('names every bad field of a create at once', () => {
    const result = createAppkeyConfigBodySchema.safeParse({
      rpId: 'https://Example.com',
      appID: 'ftp://x',
      facets: 'https://example.com',
      maxDevices: 0,
      attestationRootCertificates: ['x'],
      rpName: 'not a field',
    });
    expect(issuePathsOf(result)).toEqual(['', 'appID', 'attestationRootCertificates.0', 'facets', 'maxDevices', 'rpId']);
  });
});

describe('AppkeyConfig update body', () => {
  it('takes any subset of the fields but rpId; null removes a policy or the certificates', () => {
    expect(updateAppkeyConfigBodySchema.parse({})).toEqual({});
    expect(
      updateAppkeyConfigBodySchema.parse({
        registrationPolicies: { default: null, bio: { keyTypes: 'BIOMETRIC' } },
        attestationRootCertificates: null,
        maxDevices: 3,
      }),
    ).toEqual({
      registrationPolicies: {
        default: null,
        bio: { keyTypes: 'BIOMETRIC', userVerification: ['presence'], hints: [], attestation: 'ANY' },
      },
      attestationRootCertificates: null,
      maxDevices: 3,
    });
    expect(issuePathsOf(updateAppkeyConfigBodySchema.safeParse({ rpId: 'other.com', facets: null, maxDevices: null }))).toEqual([
      '',
      'facets',
      'maxDevices',
    ]);
  });
});

describe('appkey configurations in store bodies, the Store and the events', () => {
  it('keys them by rpId in create and update bodies; an own rpId must equal its key', () => {
    const body = { name: 'acme', appkeyConfigs: { 'example.com': { facets: [IOS_FACET] } } };
    expect(createStoreBodySchema.parse(body).appkeyConfigs?.['example.com']?.facets).toEqual([IOS_FACET]);
    expect(updateStoreBodySchema.safeParse({ appkeyConfigs: body.appkeyConfigs }).success).toBe(true);
    const bad = createStoreBodySchema.safeParse({
      name: 'acme',
      appkeyConfigs: { 'example.com': { rpId: 'other.com', facets: ['x'] }, 'NOT A DOMAIN': { facets: [IOS_FACET] } },
    });
    expect(issuesOf(bad)).toEqual([
      'appkeyConfigs.NOT A DOMAIN: rpId must be a lowercase domain name such as example.com',
      `appkeyConfigs.example.com.facets.0: ${FACET_FORMAT}`,
      'appkeyConfigs.example.com.rpId: must equal its key',
    ]);
  });

  it('types Store.appkeyConfigs and the published AppkeyConfigSet / AppkeyConfigRemoved', () => {
    const config = appkeyConfigSchema.parse({ ...minimal, appID: trustedFacetsPath('acme', 'example.com') });
    const store = {
      id: 's1', name: 'acme', attributeSchema: null, passkeyConfigs: {}, totpPolicies: {}, passcodePolicies: {},
      pushNotificationPolicies: {}, biometricPolicy: null, createdDtm: '2026-05-07T10:00:00.000Z', lastUpdatedDtm: '2026-05-07T10:00:00.000Z',
    };
    expect(storeSchema.safeParse({ ...store, appkeyConfigs: { 'example.com': config } }).success).toBe(true);
    expect(storeSchema.safeParse({ ...store, appkeyConfigs: { 'example.com': { rpId: 'example.com' } } }).success).toBe(false);
    const at = '2026-05-07T10:00:00.000Z';
    expect(AppkeyConfigSet.create({ storeId: 's1', config, at }).data.config).toEqual(config);
    expect(AppkeyConfigRemoved.create({ storeId: 's1', rpId: 'example.com', at }).data).toEqual({ storeId: 's1', rpId: 'example.com', at });
  });

  it('serves the facets as a UAF 1.1 TrustedFacets list', () => {
    expect(trustedFacetsOf({ facets: [SHA1_FACET, IOS_FACET, 'https://example.com'] })).toEqual({
      trustedFacets: [{ version: { major: 1, minor: 1 }, ids: [SHA1_FACET, IOS_FACET, 'https://example.com'] }],
    });
  });
});
