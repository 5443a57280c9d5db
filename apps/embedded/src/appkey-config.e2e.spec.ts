import { pushCredentialContext, topics, TRUSTED_FACETS_MEDIA_TYPE, trustedFacetsPath } from '@identity-store/contracts';
import { SecretBox } from '@identity-store/crypto';
import { createPrismaClient, readPublishedOutbox } from '@identity-store/event-store';
import { apnsTestPrivateKey, fcmTestPrivateKey, TEST_ATTESTATION_ROOT_PEM, uniqueName } from '@identity-store/testing';
import { type HttpAnswer, useE2eSystem } from './testing/e2e-system';

/**
 * Appkey (FIDO UAF) configurations and push notification policies of a store (`…/appkeyConfig`,
 * `…/pushNotificationPolicy`, keyed by rpId), end to end over HTTP through the gateway on real
 * PostgreSQL, in the embedded default's in-process transport: their lifecycle, the public
 * TrustedFacets list (no token), and push providers' private keys that are write-only — in no
 * answer, in no published event, and stored only as ciphertext.
 */

const errorPaths = (answer: HttpAnswer): string[] =>
  [...new Set<string>(answer.body.errors.map((e: { path: string }) => e.path))].sort();

describe('appkey configurations and push notification policies end to end through the gateway', () => {
  const { call, api, system, secretsKey } = useE2eSystem('e2e_akc', { transport: { kind: 'in-process' } });
  const storeName = uniqueName('akc');
  const appkeyPath = (rpId = '') => api(`/${storeName}/appkeyConfig${rpId ? `/${rpId}` : ''}`);
  const pushPath = (rpId = '') => api(`/${storeName}/pushNotificationPolicy${rpId ? `/${rpId}` : ''}`);
  const facetsPath = (rpId: string, store = storeName) => trustedFacetsPath(store, rpId);

  const APNS_KEY = apnsTestPrivateKey();
  const FCM_KEY = fcmTestPrivateKey();
  const NEW_APNS_KEY = apnsTestPrivateKey();
  const apnsConfig = { teamId: 'ABCDE12345', keyId: 'KEY1234567', privateKey: APNS_KEY, bundleId: 'com.example.app', production: false };
  const fcmConfig = { projectId: 'example-app-1234', clientEmail: 'push@example-app-1234.iam.gserviceaccount.com', privateKey: FCM_KEY };
  const shownApns = { teamId: 'ABCDE12345', keyId: 'KEY1234567', bundleId: 'com.example.app', production: false, privateKeyConfigured: true };
  const shownFcm = { projectId: 'example-app-1234', clientEmail: fcmConfig.clientEmail, privateKeyConfigured: true };

  /** Every answer of the suite: none may carry a private key or a ciphertext of one. */
  const answers: HttpAnswer[] = [];
  const send = async (...args: Parameters<typeof call>) => {
    const answer = await call(...args);
    answers.push(answer);
    return answer;
  };
  const keyMaterial = /PRIVATE KEY|"privateKey":|"encryptedPrivateKey":|"v2\.[^"]*"/;

  const facets = ['android:apk-key-hash:Lir5oIjf552K/XN4bTul0VS3GfM', 'ios:bundle-id:com.example.app', 'https://login.example.com'];
  const registrationDefaults = { keyTypes: 'DEVICE', userVerification: ['presence'], hints: [], attestation: 'ANY' };
  const authenticationDefaults = { userVerification: ['presence'], hints: [], transaction: false, maxFailedAttempts: 5, lockoutDuration: 'PT15M' };

  it('creates a store with appkey configurations and push policies in its body (keyed by rpId), defaults filled in, keys not shown', async () => {
    const created = await send('POST', api(''), {
      name: storeName,
      appkeyConfigs: { 'acme.test': { facets: ['https://acme.test'] } },
      pushNotificationPolicies: { 'acme.test': { fcmConfig } },
    });
    expect(created.status).toBe(201);
    expect(created.body.appkeyConfigs).toEqual({
      'acme.test': {
        rpId: 'acme.test',
        appID: facetsPath('acme.test'),
        facets: ['https://acme.test'],
        registrationPolicies: { default: registrationDefaults },
        authenticationPolicies: { default: authenticationDefaults },
        maxDevices: 5,
      },
    });
    expect(created.body.pushNotificationPolicies).toEqual({ 'acme.test': { rpId: 'acme.test', fcmConfig: shownFcm, ttlSeconds: 3_600 } });
  });

  it('creates an appkey configuration (201, the store), reads it, and refuses the same rpId again with 409', async () => {
    const created = await send('POST', appkeyPath(), {
      rpId: 'example.com',
      facets,
      registrationPolicies: { bio: { keyTypes: 'BIOMETRIC', userVerification: ['fingerprint', 'faceprint'], acceptedAaids: ['4E4E#4005'] } },
      authenticationPolicies: { pay: { transaction: true, timeout: 60_000 } },
      maxDevices: 3,
      attestationRootCertificates: [TEST_ATTESTATION_ROOT_PEM],
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toMatch(/^W\/"\d+"$/);
    const expected = {
      rpId: 'example.com',
      appID: facetsPath('example.com'),
      facets,
      registrationPolicies: {
        bio: { keyTypes: 'BIOMETRIC', userVerification: ['fingerprint', 'faceprint'], hints: [], acceptedAaids: ['4E4E#4005'], attestation: 'ANY' },
      },
      authenticationPolicies: { pay: { ...authenticationDefaults, transaction: true, timeout: 60_000 } },
      maxDevices: 3,
      attestationRootCertificates: [TEST_ATTESTATION_ROOT_PEM],
    };
    expect(created.body.appkeyConfigs['example.com']).toEqual(expected);
    const read = await send('GET', appkeyPath('example.com'));
    expect([read.status, read.body]).toEqual([200, expected]);

    const duplicate = await send('POST', appkeyPath(), { rpId: 'example.com', facets: ['https://example.com'] });
    expect([duplicate.status, duplicate.body.code]).toEqual([409, 'APPKEY_CONFIG_EXISTS']);
    expect(duplicate.body.detail).toBe('Appkey configuration example.com already exists.');
  });

  it('serves the TrustedFacets list without a token, cacheable, and 404 for an unknown store or rpId', async () => {
    const list = await send('GET', facetsPath('example.com'), undefined, null);
    expect(list.status).toBe(200);
    expect(list.headers.get('content-type')).toBe(`${TRUSTED_FACETS_MEDIA_TYPE}; charset=utf-8`);
    expect(list.headers.get('cache-control')).toBe('public, max-age=300');
    expect(list.body).toEqual({ trustedFacets: [{ version: { major: 1, minor: 1 }, ids: facets }] });

    const unknownRp = await send('GET', facetsPath('nope.example.com'), undefined, null);
    expect([unknownRp.status, unknownRp.body.code]).toEqual([404, 'APPKEY_CONFIG_NOT_FOUND']);
    const unknownStore = await send('GET', facetsPath('example.com', 'no-such-store'), undefined, null);
    expect([unknownStore.status, unknownStore.body.code]).toEqual([404, 'STORE_NOT_FOUND']);
    // Only the list is public: the configuration itself needs a token.
    expect((await send('GET', appkeyPath('example.com'), undefined, null)).status).toBe(401);
  });

  it('updates an appkey configuration partially (If-Match honoured), validated as a whole', async () => {
    const updated = await send('POST', appkeyPath('example.com'), {
      appID: 'https://example.com/facets.json',
      registrationPolicies: { default: {} },
      authenticationPolicies: { pay: null },
      attestationRootCertificates: null,
    });
    expect(updated.status).toBe(200);
    const config = updated.body.appkeyConfigs['example.com'];
    expect(config.appID).toBe('https://example.com/facets.json');
    expect(Object.keys(config.registrationPolicies).sort()).toEqual(['bio', 'default']);
    expect(config.authenticationPolicies).toEqual({});
    expect(config.attestationRootCertificates).toBeUndefined();
    expect(config.maxDevices).toBe(3);

    const stale = await send('POST', appkeyPath('example.com'), { maxDevices: 4 }, undefined, { 'if-match': 'W/"1"' });
    expect([stale.status, stale.body.code]).toEqual([412, 'PRECONDITION_FAILED']);
    const bad = await send('POST', appkeyPath('example.com'), {
      rpId: 'other.com',
      facets: ['android:apk-key-hash:*'],
      registrationPolicies: { bio: { userVerification: ['none', 'presence'] } },
      maxDevices: 0,
    });
    expect(bad.status).toBe(400);
    expect(errorPaths(bad)).toEqual(['body', 'body.facets.0', 'body.maxDevices', 'body.registrationPolicies.bio.userVerification.0']);
  });

  it('answers a bad appkey configuration with 400 naming every bad field, and stores nothing', async () => {
    const bad = await send('POST', appkeyPath(), {
      rpId: 'bad.test',
      appID: 'http://bad.test/facets',
      facets: ['ios:bundle-id:*', 'https://bad.test/app'],
      registrationPolicies: { 'name-far-too-long-for-a-policy': {}, ok: { keyTypes: 'PLATFORM', attestation: 'NONE' } },
      authenticationPolicies: { default: { transaction: 'yes' } },
      attestationRootCertificates: ['not a certificate'],
    });
    expect(bad.status).toBe(400);
    expect(errorPaths(bad)).toEqual([
      'body.appID',
      'body.attestationRootCertificates.0',
      'body.authenticationPolicies.default.transaction',
      'body.facets.0',
      'body.facets.1',
      'body.registrationPolicies.name-far-too-long-for-a-policy',
      'body.registrationPolicies.ok.attestation',
      'body.registrationPolicies.ok.keyTypes',
    ]);
    expect((await send('GET', appkeyPath('bad.test'))).status).toBe(404);
  });

  it('creates a push notification policy (201, the store) that shows privateKeyConfigured instead of its keys', async () => {
    const created = await send('POST', pushPath(), { rpId: 'example.com', apnsConfig, fcmConfig, ttlSeconds: 600 });
    expect(created.status).toBe(201);
    const expected = { rpId: 'example.com', apnsConfig: shownApns, fcmConfig: shownFcm, ttlSeconds: 600 };
    expect(created.body.pushNotificationPolicies['example.com']).toEqual(expected);
    expect((await send('GET', pushPath('example.com'))).body).toEqual(expected);
    const duplicate = await send('POST', pushPath(), { rpId: 'example.com', apnsConfig });
    expect([duplicate.status, duplicate.body.code]).toEqual([409, 'PUSH_NOTIFICATION_POLICY_EXISTS']);
  });

  it('refuses bad keys and a policy without provider, naming the fields', async () => {
    const wrongKeys = await send('POST', pushPath(), {
      rpId: 'other.com',
      apnsConfig: { ...apnsConfig, privateKey: FCM_KEY },
      fcmConfig: { ...fcmConfig, privateKey: '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----' },
    });
    expect(wrongKeys.status).toBe(400);
    expect(wrongKeys.body.errors).toEqual([
      { path: 'body.apnsConfig.privateKey', message: 'must be an ECDSA P-256 private key (the APNs .p8 key)' },
      { path: 'body.fcmConfig.privateKey', message: 'must be an unencrypted PEM private key' },
    ]);
    const none = await send('POST', pushPath(), { rpId: 'other.com', ttlSeconds: 60 });
    expect([none.status, none.body.errors]).toEqual([400, [{ path: 'body', message: 'needs apnsConfig, fcmConfig or both' }]]);
    expect((await send('GET', pushPath('other.com'))).status).toBe(404);
  });

  it('updates a push policy field by field: a key left out is kept, a new one replaces it, null removes a provider', async () => {
    const renamed = await send('POST', pushPath('example.com'), { apnsConfig: { keyId: 'NEWKEY1234', privateKey: NEW_APNS_KEY }, ttlSeconds: 60 });
    expect(renamed.status).toBe(200);
    expect(renamed.body.pushNotificationPolicies['example.com']).toEqual({
      rpId: 'example.com',
      apnsConfig: { ...shownApns, keyId: 'NEWKEY1234' },
      fcmConfig: shownFcm,
      ttlSeconds: 60,
    });
    const withoutApns = await send('POST', pushPath('example.com'), { apnsConfig: null });
    expect(withoutApns.body.pushNotificationPolicies['example.com']).toEqual({ rpId: 'example.com', fcmConfig: shownFcm, ttlSeconds: 60 });
    const withoutAny = await send('POST', pushPath('example.com'), { fcmConfig: null });
    expect([withoutAny.status, withoutAny.body.errors]).toEqual([400, [{ path: 'body', message: 'needs apnsConfig, fcmConfig or both' }]]);
  });

  it('stores the keys as ciphertext bound to store, rpId and provider (SECRETS_KEY)', async () => {
    const store = (await send('GET', api(`/${storeName}`))).body;
    const events = await system().eventStores.identity.readStream(`store-${store.id}`);
    const sets = events
      .filter((event) => event.type === 'PushNotificationPolicySet')
      .map((event) => (event.data as { policy: { rpId: string; apnsConfig?: { encryptedPrivateKey: string }; fcmConfig?: { encryptedPrivateKey: string } } }).policy);
    expect(JSON.stringify(events.map((event) => event.data))).not.toContain('PRIVATE KEY');
    const secrets = new SecretBox(secretsKey);
    const open = (ciphertext: string, rpId: string, provider: 'apns' | 'fcm') =>
      secrets.decrypt(ciphertext, pushCredentialContext(store.id, rpId, provider)).toString();
    const created = sets.find((policy) => policy.rpId === 'example.com' && policy.apnsConfig)!;
    expect(open(created.apnsConfig!.encryptedPrivateKey, 'example.com', 'apns')).toBe(APNS_KEY);
    expect(open(sets.at(-1)!.fcmConfig!.encryptedPrivateKey, 'example.com', 'fcm')).toBe(FCM_KEY);
    const renamed = sets.filter((policy) => policy.rpId === 'example.com' && policy.apnsConfig).at(-1)!;
    expect(open(renamed.apnsConfig!.encryptedPrivateKey, 'example.com', 'apns')).toBe(NEW_APNS_KEY);
    expect(() => open(created.apnsConfig!.encryptedPrivateKey, 'acme.test', 'apns')).toThrow();
  });

  it('deletes both (200, the store without it); gone afterwards, 404 on a second delete', async () => {
    for (const path of [pushPath, appkeyPath]) {
      const deleted = await send('DELETE', path('example.com'));
      expect(deleted.status).toBe(200);
      expect(deleted.headers.get('etag')).toMatch(/^W\/"\d+"$/);
      expect((await send('GET', path('example.com'))).status).toBe(404);
      expect((await send('DELETE', path('example.com'))).status).toBe(404);
    }
    const store = (await send('GET', api(`/${storeName}`))).body;
    expect(Object.keys(store.appkeyConfigs)).toEqual(['acme.test']);
    expect(Object.keys(store.pushNotificationPolicies)).toEqual(['acme.test']);
    expect((await send('GET', facetsPath('example.com'), undefined, null)).status).toBe(404);
  });

  it('publishes the changes on the identity topic without any key or ciphertext', async () => {
    const store = (await send('GET', api(`/${storeName}`))).body;
    await system().drainOutboxes();
    const prisma = createPrismaClient(system().databases.identity ?? '');
    try {
      const published = (await readPublishedOutbox(prisma, [topics.identity], 0n)).filter((message) => message.key === store.id);
      for (const message of published) expect(message.value).not.toMatch(keyMaterial);
      const events = published.map((message) => JSON.parse(message.value) as { type: string; version: number; data: Record<string, unknown> });
      const ours = events.filter((event) => /^(AppkeyConfig|PushNotificationPolicy)/.test(event.type));
      const rpIdOf = (data: Record<string, unknown>) =>
        ((data.config ?? data.policy) as { rpId?: string } | undefined)?.rpId ?? data.rpId;
      expect(ours.map((event) => [event.type, event.version, rpIdOf(event.data)])).toEqual([
        ['AppkeyConfigSet', 1, 'acme.test'], // with the store
        ['PushNotificationPolicySet', 1, 'acme.test'], // with the store
        ['AppkeyConfigSet', 1, 'example.com'], // created
        ['AppkeyConfigSet', 1, 'example.com'], // updated
        ['PushNotificationPolicySet', 1, 'example.com'], // created
        ['PushNotificationPolicySet', 1, 'example.com'], // new key id and key
        ['PushNotificationPolicySet', 1, 'example.com'], // APNs removed
        ['PushNotificationPolicyRemoved', 1, 'example.com'],
        ['AppkeyConfigRemoved', 1, 'example.com'],
      ]);
      expect(ours[4]?.data.policy).toEqual({ rpId: 'example.com', apnsConfig: shownApns, fcmConfig: shownFcm, ttlSeconds: 600 });
    } finally {
      await prisma.$disconnect();
    }
  });

  it('never answered a key or a ciphertext', () => {
    expect(answers.length).toBeGreaterThan(20);
    for (const answer of answers) expect(JSON.stringify(answer.body ?? null)).not.toMatch(keyMaterial);
  });
});
