import { generateKeyPairSync } from 'node:crypto';
import { apnsTestPrivateKey, fcmTestPrivateKey, issuePathsOf, issuesOf } from '@identity-store/testing';
import { identityIntegrationEvents, PushNotificationPolicyRemoved } from './identity-integration-events';
import {
  createPushNotificationPolicyBodySchema,
  createStoreBodySchema,
  encryptedPushCredentialsSchema,
  pushCredentialContext,
  pushNotificationPolicyDefaults,
  pushNotificationPolicySchema,
  storeSchema,
  updatePushNotificationPolicyBodySchema,
} from './store';


const APNS_KEY = apnsTestPrivateKey();
const FCM_KEY = fcmTestPrivateKey();
const apnsConfig = { teamId: 'ABCDE12345', keyId: 'KEY1234567', privateKey: APNS_KEY, bundleId: 'com.example.app', production: false };
const fcmConfig = {
  projectId: 'example-app-1234',
  clientEmail: 'push@example-app-1234.iam.gserviceaccount.com',
  privateKey: FCM_KEY,
};
const parse = (policy: object) => createPushNotificationPolicyBodySchema.safeParse({ rpId: 'example.com', ...policy });

const pem = (type: 'ec' | 'rsa' | 'ed25519', options: object, encoding: object = { type: 'pkcs8', format: 'pem' }) =>
  String(
    (generateKeyPairSync as (type: string, options: object) => { privateKey: { export(o: object): string | Buffer } })(type, options)
      .privateKey.export(encoding),
  );

describe('PushNotificationPolicy schema', () => {
  it('takes APNs, FCM or both; ttlSeconds defaults to 3600', () => {
    expect(pushNotificationPolicyDefaults).toEqual({ ttlSeconds: 3_600 });
    expect(parse({ apnsConfig }).data).toEqual({ rpId: 'example.com', apnsConfig, ttlSeconds: 3_600 });
    expect(parse({ fcmConfig, ttlSeconds: 0 }).data).toEqual({ rpId: 'example.com', fcmConfig, ttlSeconds: 0 });
    const both = {
      apnsConfig: { ...apnsConfig, production: true, endpoint: 'https://api.push.apple.com' },
      fcmConfig: { ...fcmConfig, endpoint: 'http://127.0.0.1:9443', tokenEndpoint: 'http://localhost:9444/token' },
      ttlSeconds: 2_419_200,
    };
    expect(parse(both).data).toEqual({ rpId: 'example.com', ...both });
  });

  it('needs at least one provider', () => {
    expect(issuesOf(parse({}))).toEqual([': needs apnsConfig, fcmConfig or both']);
    expect(issuesOf(parse({ ttlSeconds: 60, apnsConfig: undefined }))).toEqual([': needs apnsConfig, fcmConfig or both']);
  });

  it('bounds ttlSeconds to 0–28 days (whole seconds)', () => {
    for (const ttlSeconds of [-1, 2_419_201, 1.5, '60'])
      expect([ttlSeconds, issuePathsOf(parse({ apnsConfig, ttlSeconds }))]).toEqual([ttlSeconds, ['ttlSeconds']]);
  });

  it('accepts only an unencrypted ECDSA P-256 key for APNs and an RSA key of 2048+ bits for FCM, never quoting a key', () => {
    const notAKey = 'must be an unencrypted PEM private key';
    const notP256 = 'must be an ECDSA P-256 private key (the APNs .p8 key)';
    const notRsa = 'must be an RSA private key of at least 2048 bits (the service account key)';
    const sec1 = pem('ec', { namedCurve: 'prime256v1' }, { type: 'sec1', format: 'pem' });
    expect(parse({ apnsConfig: { ...apnsConfig, privateKey: sec1 } }).success).toBe(true);
    const encrypted = pem('ec', { namedCurve: 'prime256v1' }, { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' });
    const publicKey = String(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'pem' }));
    const cases: Array<[string, object, string]> = [
      ['garbage', { apnsConfig: { ...apnsConfig, privateKey: 'not a key' } }, `apnsConfig.privateKey: ${notAKey}`],
      ['encrypted', { apnsConfig: { ...apnsConfig, privateKey: encrypted } }, `apnsConfig.privateKey: ${notAKey}`],
      ['a public key', { apnsConfig: { ...apnsConfig, privateKey: publicKey } }, `apnsConfig.privateKey: ${notAKey}`],
      ['P-384 for APNs', { apnsConfig: { ...apnsConfig, privateKey: pem('ec', { namedCurve: 'secp384r1' }) } }, `apnsConfig.privateKey: ${notP256}`],
      ['RSA for APNs', { apnsConfig: { ...apnsConfig, privateKey: FCM_KEY } }, `apnsConfig.privateKey: ${notP256}`],
      ['Ed25519 for APNs', { apnsConfig: { ...apnsConfig, privateKey: pem('ed25519', {}) } }, `apnsConfig.privateKey: ${notP256}`],
      ['EC for FCM', { fcmConfig: { ...fcmConfig, privateKey: APNS_KEY } }, `fcmConfig.privateKey: ${notRsa}`],
      ['RSA-1024 for FCM', { fcmConfig: { ...fcmConfig, privateKey: fcmTestPrivateKey(1024) } }, `fcmConfig.privateKey: ${notRsa}`],
    ];
    for (const [what, policy, issue] of cases) {
      const result = parse(policy);
      expect([what, issuesOf(result)]).toEqual([what, [issue]]);
      expect(JSON.stringify(result.error)).not.toContain('PRIVATE KEY-----\n');
    }
  });

  it('names every bad field of both providers at once', () => {
    const result = parse({
      apnsConfig: { teamId: 'abc', keyId: 'KEY12345678', privateKey: 1, bundleId: 'app', production: 'yes', endpoint: 'http://api.push.apple.com', topic: 'x' },
      fcmConfig: { projectId: 'Bad_Project', clientEmail: 'not-an-email', privateKey: '', endpoint: 'https://user:pw@fcm.googleapis.com', tokenEndpoint: 'ftp://x' },
      ttlSeconds: -1,
      extra: 1,
    });
    expect(issuePathsOf(result)).toEqual([
      '',
      'apnsConfig',
      'apnsConfig.bundleId',
      'apnsConfig.endpoint',
      'apnsConfig.keyId',
      'apnsConfig.privateKey',
      'apnsConfig.production',
      'apnsConfig.teamId',
      'fcmConfig.clientEmail',
      'fcmConfig.endpoint',
      'fcmConfig.privateKey',
      'fcmConfig.projectId',
      'fcmConfig.tokenEndpoint',
      'ttlSeconds',
    ]);
    expect(issuesOf(parse({ apnsConfig: { ...apnsConfig, endpoint: 'http://example.com' } }))).toEqual([
      'apnsConfig.endpoint: must be an https URL (http only on localhost), without credentials or fragment',
    ]);
  });
});

describe('PushNotificationPolicy update body', () => {
  it('takes a subset of a provider’s fields; null removes a provider or an endpoint override', () => {
    expect(updatePushNotificationPolicyBodySchema.parse({ apnsConfig: { keyId: 'NEWKEY1234' }, fcmConfig: null, ttlSeconds: 60 })).toEqual({
      apnsConfig: { keyId: 'NEWKEY1234' },
      fcmConfig: null,
      ttlSeconds: 60,
    });
    expect(updatePushNotificationPolicyBodySchema.safeParse({ fcmConfig: { endpoint: null, tokenEndpoint: null } }).success).toBe(true);
    expect(issuePathsOf(updatePushNotificationPolicyBodySchema.safeParse({ rpId: 'x.com', apnsConfig: { teamId: null, privateKey: 'x' } }))).toEqual([
      '',
      'apnsConfig.privateKey',
      'apnsConfig.teamId',
    ]);
  });
});

describe('push notification policies in store bodies, the Store and the events', () => {
  it('keys them by rpId in a store body; each needs a provider', () => {
    const body = { name: 'acme', pushNotificationPolicies: { 'example.com': { fcmConfig } } };
    expect(createStoreBodySchema.parse(body).pushNotificationPolicies?.['example.com']).toEqual({ fcmConfig, ttlSeconds: 3_600 });
    expect(issuesOf(createStoreBodySchema.safeParse({ name: 'acme', pushNotificationPolicies: { 'example.com': { ttlSeconds: 5 } } }))).toEqual([
      'pushNotificationPolicies.example.com: needs apnsConfig, fcmConfig or both',
    ]);
  });

  it('shows and publishes a policy with privateKeyConfigured instead of its keys', () => {
    const shown = {
      rpId: 'example.com',
      apnsConfig: { teamId: 'ABCDE12345', keyId: 'KEY1234567', bundleId: 'com.example.app', production: false, privateKeyConfigured: true },
      ttlSeconds: 3_600,
    };
    expect(pushNotificationPolicySchema.parse(shown)).toEqual(shown);
    expect(pushNotificationPolicySchema.safeParse({ ...shown, apnsConfig: { ...shown.apnsConfig, privateKeyConfigured: false } }).success).toBe(false);
    // The integration schema keeps only what it declares: a key slipped in is not published.
    const published = identityIntegrationEvents.PushNotificationPolicySet.schema.parse({
      storeId: 's1',
      policy: { ...shown, apnsConfig: { ...shown.apnsConfig, privateKey: APNS_KEY, encryptedPrivateKey: 'v2.x' } },
      at: '2026-05-07T10:00:00.000Z',
    });
    expect(JSON.stringify(published)).not.toContain('PrivateKey"');
    expect(JSON.stringify(published)).not.toContain('privateKey"');
    expect(PushNotificationPolicyRemoved.create({ storeId: 's1', rpId: 'example.com', at: '2026-05-07T10:00:00.000Z' }).type).toBe(
      'PushNotificationPolicyRemoved',
    );
    const store = {
      id: 's1', name: 'acme', attributeSchema: null, passkeyConfigs: {}, appkeyConfigs: {}, totpPolicies: {}, passcodePolicies: {}, biometricPolicy: null,
      createdDtm: '2026-05-07T10:00:00.000Z', lastUpdatedDtm: '2026-05-07T10:00:00.000Z',
    };
    expect(storeSchema.safeParse({ ...store, pushNotificationPolicies: { 'example.com': shown } }).success).toBe(true);
    expect(storeSchema.safeParse({ ...store, pushNotificationPolicies: { 'example.com': { rpId: 'example.com' } } }).success).toBe(false);
  });

  it('binds each encrypted key to its store, rpId and provider', () => {
    expect(pushCredentialContext('s1', 'example.com', 'apns')).toBe('store-s1/push:example.com:apns:privateKey');
    const contexts = new Set([
      pushCredentialContext('s1', 'example.com', 'apns'),
      pushCredentialContext('s1', 'example.com', 'fcm'),
      pushCredentialContext('s1', 'example.org', 'apns'),
      pushCredentialContext('s2', 'example.com', 'apns'),
    ]);
    expect(contexts.size).toBe(4);
    expect(
      encryptedPushCredentialsSchema.safeParse({ ttlSeconds: 60, fcm: { projectId: 'p', clientEmail: 'e', encryptedPrivateKey: '' } }).success,
    ).toBe(false);
  });
});
