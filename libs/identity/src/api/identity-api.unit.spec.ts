import {
  biometricPolicyDefaults,
  pushCredentialContext,
  TRUSTED_FACETS_MEDIA_TYPE,
  trustedFacetsPath,
} from '@identity-store/contracts';
import { generateSecretsKey, SecretBox } from '@identity-store/crypto';
import { type InMemoryEventStore } from '@identity-store/event-store';
import { createLogger, createServiceApps } from '@identity-store/http-kit';
import {
  ApiSpecification,
  type ApiRequest,
  apnsTestPrivateKey,
  emptySummaries,
  fcmTestPrivateKey,
  grantedByGateway,
} from '@identity-store/testing';
import { storeStreamId } from '../domain/store';
import { inMemoryIdentityService } from '../testing/in-memory-identity';
import { identityApi } from './identity-api';

/**
 * The identity service's appkey configuration and push notification policy operations on the
 * in-memory event store: defaults, partial updates validated as a whole, the public TrustedFacets
 * list, and private keys that are write-only (never answered, never published, encrypted at rest).
 */

const secrets = new SecretBox(generateSecretsKey());
const given = ApiSpecification.for((eventStore: InMemoryEventStore) => {
  const identity = inMemoryIdentityService(eventStore, undefined, undefined, secrets);
  const logger = createLogger('identity-api-unit', 'silent');
  const { app } = createServiceApps({
    name: 'identity',
    logger,
    routers: [identityApi(identity, emptySummaries)],
    trust: { service: 'identity' },
  });
  return grantedByGateway('identity', app);
});

const STORES = '/api/identity-store/stores';
const APNS_KEY = apnsTestPrivateKey();
const FCM_KEY = fcmTestPrivateKey();
const apnsConfig = { teamId: 'ABCDE12345', keyId: 'KEY1234567', privateKey: APNS_KEY, bundleId: 'com.example.app', production: false };
const fcmConfig = { projectId: 'example-app-1234', clientEmail: 'push@example-app-1234.iam.gserviceaccount.com', privateKey: FCM_KEY };
const pushPolicy = { rpId: 'example.com', apnsConfig, fcmConfig };
const pushPath = (rpId = '') => `${STORES}/acme/pushNotificationPolicy${rpId ? `/${rpId}` : ''}`;
const appkeyPath = (rpId = '') => `${STORES}/acme/appkeyConfig${rpId ? `/${rpId}` : ''}`;
const withStore = async (api: ApiRequest) => void (await api.post(STORES).send({ name: 'acme' }).expect(201));

/** Fails when a text (an answer, an event) carries a private key or a ciphertext of one. */
const expectNoKeyMaterial = (text: string) => {
  expect(text).not.toContain('PRIVATE KEY');
  expect(text).not.toContain('"privateKey":');
  expect(text).not.toContain('"encryptedPrivateKey":');
  expect(text).not.toMatch(/"v2\.[^"]*"/);
};

describe('push notification policies (in memory)', () => {
  it('creates a policy (201, the store) and shows it without its keys, everywhere', async () => {
    const spec = given();
    await spec
      .when(async (api) => {
        await withStore(api);
        const created = await api.post(pushPath()).send(pushPolicy);
        expect(created.status).toBe(201);
        expect(created.body.pushNotificationPolicies['example.com']).toEqual({
          rpId: 'example.com',
          apnsConfig: { teamId: 'ABCDE12345', keyId: 'KEY1234567', bundleId: 'com.example.app', production: false, privateKeyConfigured: true },
          fcmConfig: { projectId: 'example-app-1234', clientEmail: fcmConfig.clientEmail, privateKeyConfigured: true },
          ttlSeconds: 3_600,
        });
        const read = await api.get(pushPath('example.com'));
        expect(read.body).toEqual(created.body.pushNotificationPolicies['example.com']);
        const store = await api.get(`${STORES}/acme`);
        for (const answer of [created, read, store]) expectNoKeyMaterial(answer.text);
        return created;
      })
      .then();
    // Published: without keys or ciphertexts.
    expectNoKeyMaterial(spec.eventStore.outbox.map((entry) => entry.value).join('\n'));
  });

  it('stores each key encrypted, bound to its store, rpId and provider', async () => {
    const spec = given();
    const created = await spec
      .when(async (api) => {
        await withStore(api);
        return api.post(pushPath()).send(pushPolicy);
      })
      .then();
    const storeId = created.body.id as string;
    const events = await spec.eventStore.readStream(storeStreamId(storeId));
    const set = events.find((event) => event.type === 'PushNotificationPolicySet')?.data as {
      policy: { apnsConfig: { encryptedPrivateKey: string }; fcmConfig: { encryptedPrivateKey: string } };
    };
    expect(JSON.stringify(set)).not.toContain('PRIVATE KEY');
    const { apnsConfig: apns, fcmConfig: fcm } = set.policy;
    expect(secrets.decrypt(apns.encryptedPrivateKey, pushCredentialContext(storeId, 'example.com', 'apns')).toString()).toBe(APNS_KEY);
    expect(secrets.decrypt(fcm.encryptedPrivateKey, pushCredentialContext(storeId, 'example.com', 'fcm')).toString()).toBe(FCM_KEY);
    // Copied to another provider, rpId or store, a ciphertext does not decrypt.
    expect(() => secrets.decrypt(apns.encryptedPrivateKey, pushCredentialContext(storeId, 'example.com', 'fcm'))).toThrow();
    expect(() => secrets.decrypt(apns.encryptedPrivateKey, pushCredentialContext(storeId, 'other.com', 'apns'))).toThrow();
    expect(() => secrets.decrypt(apns.encryptedPrivateKey, pushCredentialContext('another', 'example.com', 'apns'))).toThrow();
  });

  it('updates field by field: a key left out is kept, null removes a provider or an override; the whole is checked again', async () => {
    const spec = given();
    let storeId = '';
    const updated = await spec
      .when(async (api) => {
        await withStore(api);
        const created = await api.post(pushPath()).send({ ...pushPolicy, fcmConfig: { ...fcmConfig, endpoint: 'http://127.0.0.1:9999' } });
        storeId = created.body.id;
        const changed = await api.post(pushPath('example.com')).send({ apnsConfig: { keyId: 'NEWKEY1234' }, fcmConfig: { endpoint: null }, ttlSeconds: 60 });
        expect(changed.status).toBe(200);
        expect(changed.body.pushNotificationPolicies['example.com']).toMatchObject({
          apnsConfig: { teamId: 'ABCDE12345', keyId: 'NEWKEY1234', privateKeyConfigured: true },
          fcmConfig: { projectId: 'example-app-1234', privateKeyConfigured: true },
          ttlSeconds: 60,
        });
        expect(changed.body.pushNotificationPolicies['example.com'].fcmConfig.endpoint).toBeUndefined();

        const withoutFcm = await api.post(pushPath('example.com')).send({ fcmConfig: null });
        expect(withoutFcm.status).toBe(200);
        expect(withoutFcm.body.pushNotificationPolicies['example.com'].fcmConfig).toBeUndefined();

        // Without its last provider, the policy is refused as a whole; nothing changes.
        const withoutAny = await api.post(pushPath('example.com')).send({ apnsConfig: null });
        expect([withoutAny.status, withoutAny.body.errors]).toEqual([400, [{ path: 'body', message: 'needs apnsConfig, fcmConfig or both' }]]);
        // A provider added in an update needs its key; a bad key is named.
        const fcmWithoutKey = await api.post(pushPath('example.com')).send({ fcmConfig: { projectId: 'p-123456', clientEmail: 'a@b.test' } });
        expect([fcmWithoutKey.status, fcmWithoutKey.body.errors.map((e: { path: string }) => e.path)]).toEqual([400, ['body.fcmConfig.privateKey']]);
        const wrongKey = await api.post(pushPath('example.com')).send({ apnsConfig: { privateKey: FCM_KEY } });
        expect([wrongKey.status, wrongKey.body.errors]).toEqual([
          400,
          [{ path: 'body.apnsConfig.privateKey', message: 'must be an ECDSA P-256 private key (the APNs .p8 key)' }],
        ]);
        expectNoKeyMaterial(wrongKey.text);
        return api.get(pushPath('example.com'));
      })
      .then();
    expect(updated.body).toEqual({
      rpId: 'example.com',
      apnsConfig: { teamId: 'ABCDE12345', keyId: 'NEWKEY1234', bundleId: 'com.example.app', production: false, privateKeyConfigured: true },
      ttlSeconds: 60,
    });
    // The kept key is the one first given, encrypted again with each update.
    const sets = (await spec.eventStore.readStream(storeStreamId(storeId))).filter((event) => event.type === 'PushNotificationPolicySet');
    const last = sets.at(-1)?.data as { policy: { apnsConfig: { encryptedPrivateKey: string } } };
    expect(sets).toHaveLength(3);
    expect(secrets.decrypt(last.policy.apnsConfig.encryptedPrivateKey, pushCredentialContext(storeId, 'example.com', 'apns')).toString()).toBe(
      APNS_KEY,
    );
  });

  it('refuses a second policy for an rpId (409), and answers 404 for an unknown one on every operation', () =>
    given()
      .when(async (api) => {
        await withStore(api);
        await api.post(pushPath()).send(pushPolicy).expect(201);
        const duplicate = await api.post(pushPath()).send({ rpId: 'example.com', fcmConfig });
        expect([duplicate.status, duplicate.body.code]).toEqual([409, 'PUSH_NOTIFICATION_POLICY_EXISTS']);
        for (const [method, body] of [['get'], ['post', { ttlSeconds: 5 }], ['delete']] as const) {
          const unknown = await (body ? api[method](pushPath('other.com')).send(body) : api[method](pushPath('other.com')));
          expect([method, unknown.status, unknown.body.code]).toEqual([method, 404, 'PUSH_NOTIFICATION_POLICY_NOT_FOUND']);
        }
        const deleted = await api.delete(pushPath('example.com'));
        expect([deleted.status, deleted.body.pushNotificationPolicies]).toEqual([200, {}]);
        return api.delete(pushPath('example.com'));
      })
      .then((response) => expect(response.status).toBe(404)));
});

describe('appkey configurations and their TrustedFacets list (in memory)', () => {
  const config = { rpId: 'example.com', facets: ['ios:bundle-id:com.example.app', 'https://login.example.com'] };

  it('defaults appID to the store’s TrustedFacets list, served as a cacheable TrustedFacets document', () =>
    given()
      .when(async (api) => {
        await withStore(api);
        const created = await api.post(appkeyPath()).send(config);
        expect(created.status).toBe(201);
        expect(created.body.appkeyConfigs['example.com']).toMatchObject({
          rpId: 'example.com',
          appID: trustedFacetsPath('acme', 'example.com'),
          facets: config.facets,
          maxDevices: 5,
          registrationPolicies: { default: { keyTypes: 'DEVICE' } },
          authenticationPolicies: { default: { transaction: false } },
        });
        const facets = await api.get(trustedFacetsPath('acme', 'example.com'));
        expect(facets.status).toBe(200);
        expect(facets.headers['content-type']).toBe(`${TRUSTED_FACETS_MEDIA_TYPE}; charset=utf-8`);
        expect(facets.headers['cache-control']).toBe('public, max-age=300');
        expect(JSON.parse(facets.text)).toEqual({ trustedFacets: [{ version: { major: 1, minor: 1 }, ids: config.facets }] });
        const unknownRp = await api.get(trustedFacetsPath('acme', 'other.com'));
        expect([unknownRp.status, unknownRp.body.code]).toEqual([404, 'APPKEY_CONFIG_NOT_FOUND']);
        return api.get(trustedFacetsPath('nope', 'example.com'));
      })
      .then((response) => expect([response.status, response.body.code]).toEqual([404, 'STORE_NOT_FOUND'])));

  it('updates partially (policies by name, null removes), keeps a given appID, checks the result as a whole', () =>
    given()
      .when(async (api) => {
        await withStore(api);
        await api.post(appkeyPath()).send({ ...config, appID: 'https://example.com/facets.json' }).expect(201);
        const updated = await api.post(appkeyPath('example.com')).send({
          registrationPolicies: { default: null, bio: { keyTypes: 'BIOMETRIC', userVerification: ['fingerprint'] } },
          maxDevices: 2,
        });
        expect(updated.status).toBe(200);
        const stored = updated.body.appkeyConfigs['example.com'];
        expect(stored.appID).toBe('https://example.com/facets.json');
        expect(Object.keys(stored.registrationPolicies)).toEqual(['bio']);
        expect(stored.authenticationPolicies.default).toBeDefined();
        expect(stored.maxDevices).toBe(2);
        const bad = await api.post(appkeyPath('example.com')).send({ facets: ['http://x.test'], registrationPolicies: { bio: { userVerification: ['none', 'all'] } } });
        expect([bad.status, bad.body.errors.map((e: { path: string }) => e.path).sort()]).toEqual([
          400,
          ['body.facets.0', 'body.registrationPolicies.bio.userVerification.0', 'body.registrationPolicies.bio.userVerification.1'],
        ]);
        const duplicate = await api.post(appkeyPath()).send(config);
        expect([duplicate.status, duplicate.body.code]).toEqual([409, 'APPKEY_CONFIG_EXISTS']);
        return api.delete(appkeyPath('other.com'));
      })
      .then((response) => expect([response.status, response.body.code]).toEqual([404, 'APPKEY_CONFIG_NOT_FOUND'])));

  it('takes appkey configurations and push policies in a store body, keyed by rpId', () =>
    given()
      .when((api) =>
        api.post(STORES).send({
          name: 'acme',
          appkeyConfigs: { 'example.com': { facets: ['https://example.com'] } },
          pushNotificationPolicies: { 'example.com': { apnsConfig } },
        }),
      )
      .then((response) => {
        expect(response.status).toBe(201);
        expect(response.body.appkeyConfigs['example.com'].appID).toBe(trustedFacetsPath('acme', 'example.com'));
        expect(response.body.pushNotificationPolicies['example.com'].apnsConfig.privateKeyConfigured).toBe(true);
        expectNoKeyMaterial(response.text);
      }));
});

describe('the biometric policy (in memory)', () => {
  const biometricPath = `${STORES}/acme/biometricPolicy`;
  const defaults = { ...biometricPolicyDefaults };
  const publishedTypes = (spec: ReturnType<typeof given>) =>
    spec.eventStore.outbox.map((entry) => JSON.parse(entry.value) as { type: string; data: Record<string, unknown> }).filter((event) => event.type.startsWith('Biometric'));

  it('answers the defaults for a store without one (Store.biometricPolicy null), with the store’s ETag', () =>
    given()
      .when(async (api) => {
        await withStore(api);
        const store = await api.get(`${STORES}/acme`);
        expect(store.body.biometricPolicy).toBeNull();
        return api.get(biometricPath);
      })
      .then((response) => {
        expect([response.status, response.body]).toEqual([200, defaults]);
        expect(response.headers.etag).toBe('W/"1"');
      }));

  it('merges a partial POST into the defaults, then into the stored policy; {} stores the effective policy as is', async () => {
    const spec = given();
    await spec
      .when(async (api) => {
        await withStore(api);
        const first = await api.post(biometricPath).send({ matchThreshold: 0.7, livenessRequired: true });
        expect([first.status, first.headers.etag, first.body.biometricPolicy]).toEqual([
          200,
          'W/"2"',
          { ...defaults, matchThreshold: 0.7, livenessRequired: true },
        ]);
        const second = await api.post(biometricPath).send({ maxFailedAttempts: 3, lockoutDuration: 'PT1H' });
        const merged = { ...defaults, matchThreshold: 0.7, livenessRequired: true, maxFailedAttempts: 3, lockoutDuration: 'PT1H' };
        expect(second.body.biometricPolicy).toEqual(merged);
        expect((await api.get(biometricPath)).body).toEqual(merged);
        const same = await api.post(biometricPath).send({});
        expect([same.status, same.body.biometricPolicy]).toEqual([200, merged]);
        return same;
      })
      .then();
    expect(publishedTypes(spec).map((event) => [event.type, event.data.policy])).toEqual([
      ['BiometricPolicySet', { ...defaults, matchThreshold: 0.7, livenessRequired: true }],
      ['BiometricPolicySet', { ...defaults, matchThreshold: 0.7, livenessRequired: true, maxFailedAttempts: 3, lockoutDuration: 'PT1H' }],
      ['BiometricPolicySet', { ...defaults, matchThreshold: 0.7, livenessRequired: true, maxFailedAttempts: 3, lockoutDuration: 'PT1H' }],
    ]);
  });

  it('refuses bad fields with 400 naming each, changing nothing; honours If-Match', () =>
    given()
      .when(async (api) => {
        await withStore(api);
        const bad = await api.post(biometricPath).send({ matchThreshold: 2, livenessThreshold: -1, maxFailedAttempts: 101, lockoutDuration: 'soon', minFaceSize: 16, extra: 1 });
        expect(bad.status).toBe(400);
        expect([...new Set(bad.body.errors.map((e: { path: string }) => e.path))].sort()).toEqual([
          'body',
          'body.livenessThreshold',
          'body.lockoutDuration',
          'body.matchThreshold',
          'body.maxFailedAttempts',
          'body.minFaceSize',
        ]);
        const stale = await api.post(biometricPath).set('if-match', 'W/"7"').send({ minFaceSize: 96 });
        expect([stale.status, stale.body.code]).toEqual([412, 'PRECONDITION_FAILED']);
        const current = await api.post(biometricPath).set('if-match', 'W/"1"').send({ minFaceSize: 96 });
        expect([current.status, current.body.biometricPolicy.minFaceSize]).toEqual([200, 96]);
        return api.get(`${STORES}/acme`);
      })
      .then((store) => expect(store.body.biometricPolicy).toEqual({ ...defaults, minFaceSize: 96 })));

  it('DELETE goes back to the defaults (200, the store with null); without a stored policy nothing changes', async () => {
    const spec = given();
    await spec
      .when(async (api) => {
        await withStore(api);
        await api.post(biometricPath).send({ livenessRequired: true }).expect(200);
        const removed = await api.delete(biometricPath);
        expect([removed.status, removed.headers.etag, removed.body.biometricPolicy]).toEqual([200, 'W/"3"', null]);
        expect((await api.get(biometricPath)).body).toEqual(defaults);
        const again = await api.delete(biometricPath);
        expect([again.status, again.headers.etag, again.body.biometricPolicy]).toEqual([200, 'W/"3"', null]);
        return again;
      })
      .then();
    expect(publishedTypes(spec).map((event) => event.type)).toEqual(['BiometricPolicySet', 'BiometricPolicyRemoved']);
  });

  it('takes a whole policy (defaults filled in) in store bodies, null removes it; 404 for an unknown store', () =>
    given()
      .when(async (api) => {
        const created = await api.post(STORES).send({ name: 'acme', biometricPolicy: { minFaceSize: 80 } });
        expect([created.status, created.body.biometricPolicy]).toEqual([201, { ...defaults, minFaceSize: 80 }]);
        // Whole, not merged: minFaceSize goes back to its default.
        const replaced = await api.post(`${STORES}/acme`).send({ biometricPolicy: { matchThreshold: 0.65 } });
        expect([replaced.status, replaced.body.biometricPolicy]).toEqual([200, { ...defaults, matchThreshold: 0.65 }]);
        const removed = await api.post(`${STORES}/acme`).send({ biometricPolicy: null });
        expect([removed.status, removed.body.biometricPolicy]).toEqual([200, null]);
        const listed = await api.get(STORES);
        expect(listed.body.content.map((store: { biometricPolicy: unknown }) => store.biometricPolicy)).toEqual([null]);
        for (const [method, body] of [['get'], ['post', {}], ['delete']] as const) {
          const unknown = await (body ? api[method](`${STORES}/nope/biometricPolicy`).send(body) : api[method](`${STORES}/nope/biometricPolicy`));
          expect([method, unknown.status, unknown.body.code]).toEqual([method, 404, 'STORE_NOT_FOUND']);
        }
        return api.post(STORES).send({ name: 'bad', biometricPolicy: { maxFailedAttempts: 0 } });
      })
      .then((response) =>
        expect([response.status, response.body.errors]).toEqual([
          400,
          [{ path: 'body.biometricPolicy.maxFailedAttempts', message: expect.any(String) }],
        ]),
      ));
});
