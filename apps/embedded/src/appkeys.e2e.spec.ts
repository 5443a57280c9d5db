import { randomBytes } from 'node:crypto';
import { PUSHES_PER_USER_PER_MINUTE } from '@identity-store/appkey';
import { createPushSender, type PushSender } from '@identity-store/push';
import {
  type ApnsStandIn,
  createTestUafCa,
  type FcmStandIn,
  pemKeyPair,
  SoftwareUafAuthenticator,
  SoftwareUafClient,
  startApnsStandIn,
  startFcmStandIn,
  uafTamper,
  uniqueName,
} from '@identity-store/testing';
import pg from 'pg';
import { type HttpAnswer, useE2eSystem } from './testing/e2e-system';

/**
 * Appkeys (FIDO UAF 1.1) end to end through the gateway, on real PostgreSQL and Kafka, driven by the
 * software UAF client and authenticator of libs/testing (independent of the server's UAF code), with
 * pushes to local APNs and FCM stand-ins that verify the provider JWTs: registration (Basic Surrogate
 * and Basic Full, raw and DER encodings), authentication started by a push and completed from what
 * the device received, transaction confirmation, every failure path a device or an attacker can
 * produce, lockout, deregistration, preferred devices, and what the events and audits say.
 */

const RP = 'app.example.com';
const FACET_IOS = 'ios:bundle-id:com.example.app';
const FACET_ANDROID = 'android:apk-key-hash:2jmj7l5rSw0yVb_vlWAYkK_YBwk';
const FACET_WEB = 'https://login.example.com';
const TEAM_ID = 'TEAM123456';
const KEY_ID = 'KEY1234567';
const FCM_EMAIL = 'push@test-project.iam.gserviceaccount.com';

const apnsKey = pemKeyPair('ec');
const fcmKey = pemKeyPair('rsa');
const ca = createTestUafCa({ intermediate: true });

describe('appkeys over FIDO UAF 1.1 end to end (push through APNs and FCM stand-ins)', () => {
  let apns: ApnsStandIn;
  let fcm: FcmStandIn;
  let sender: PushSender & { close(): Promise<void> };
  // The system is built before the stand-ins' CA exists: the sender is resolved per send.
  const pushSender: PushSender = { send: (...args) => sender.send(...args) };
  // The credential services' clock: a test moves it past a session's expiry.
  let clockOffsetMs = 0;
  const { call, api, system } = useE2eSystem('e2e_appkey', { pushSender, clock: () => new Date(Date.now() + clockOffsetMs) });
  const storeName = uniqueName('appkey');
  const otherStore = uniqueName('appkey2');

  const user = (id: string) => (path: string) => api(`/${storeName}/users/${id}${path}`);
  const newUser = async (extId: string, store = storeName) => {
    const created = await call('POST', api(`/${store}/users`), { extId });
    expect(created.status).toBe(200);
    return created.body.id as string;
  };
  const device = (deviceId: string, platform: 'IOS' | 'ANDROID' | 'WEB', pushToken?: string) => ({
    deviceId,
    name: `${platform} phone`,
    platform,
    ...(pushToken ? { pushToken } : {}),
  });
  const uafClient = (facetID = FACET_IOS, authenticator = new SoftwareUafAuthenticator()) =>
    new SoftwareUafClient({ facetID, authenticator });

  /** Registers an appkey of `client`'s authenticator for the user through the session path. */
  const register = async (userId: string, client: SoftwareUafClient, dev = device('ios-1', 'IOS'), store = storeName) => {
    const started = await call('POST', api(`/${store}/users/${userId}/appkeys/relyingParties/${RP}/registrations/default`));
    expect(started.status).toBe(201);
    const done = await call('POST', api(`/${store}/appkeys/registrations/sessions/${started.body.sessionId}`), {
      uafResponse: client.register(started.body.uafRequest),
      device: dev,
      context: { ip: '203.0.113.7' },
    });
    return done;
  };
  const startAuthentication = (userId: string, body: object = {}, policy = 'default') =>
    call('POST', user(userId)(`/appkeys/relyingParties/${RP}/authentications/${policy}`), body);
  const completeAuthentication = (sessionId: string, uafResponse: string) =>
    call('POST', api(`/${storeName}/appkeys/authentications/sessions/${sessionId}`), { uafResponse });
  const expectFailure = (answer: HttpAnswer, reason: string) =>
    expect([answer.status, answer.body.result, answer.body.reason]).toEqual([400, 'FAILURE', reason]);

  beforeAll(async () => {
    apns = await startApnsStandIn({ teamKeys: new Map([[KEY_ID, { teamId: TEAM_ID, publicKeyPem: apnsKey.publicKey }]]) });
    fcm = await startFcmStandIn({ clientEmail: FCM_EMAIL, publicKeyPem: fcmKey.publicKey, projectId: 'test-project' });
    sender = createPushSender({ caCertificates: [apns.caPem, fcm.caPem], timeoutMs: 3_000 });
  });
  afterAll(async () => {
    await sender?.close();
    await apns?.close();
    await fcm?.close();
  });

  const appkeyConfig = {
    facets: [FACET_IOS, FACET_ANDROID, FACET_WEB],
    registrationPolicies: {
      default: { keyTypes: 'DEVICE', userVerification: ['fingerprint', 'passcode'], hints: ['client-device'] },
      picky: { keyTypes: 'DEVICE', userVerification: ['fingerprint'], hints: [], acceptedAaids: ['AAAA#0001'] },
    },
    authenticationPolicies: {
      default: { userVerification: ['fingerprint', 'passcode'], hints: [], maxFailedAttempts: 3, lockoutDuration: 'PT15M' },
    },
    maxDevices: 3,
    attestationRootCertificates: [ca.rootPem],
  };

  it('sets up a store with an appkey configuration and a push policy (APNs and FCM at the stand-ins)', async () => {
    expect((await call('POST', api(''), { name: storeName })).status).toBe(201);
    const configured = await call('POST', api(`/${storeName}/appkeyConfig`), { rpId: RP, ...appkeyConfig });
    expect(configured.status).toBe(201);
    expect(configured.body.appkeyConfigs[RP].facets).toEqual(appkeyConfig.facets);
    const pushed = await call('POST', api(`/${storeName}/pushNotificationPolicy`), {
      rpId: RP,
      apnsConfig: { teamId: TEAM_ID, keyId: KEY_ID, privateKey: apnsKey.privateKey, bundleId: 'com.example.app', production: false, endpoint: apns.url },
      fcmConfig: { projectId: 'test-project', clientEmail: FCM_EMAIL, privateKey: fcmKey.privateKey, endpoint: fcm.url, tokenEndpoint: fcm.tokenUrl },
      ttlSeconds: 120,
    });
    expect(pushed.status).toBe(201);
    expect(JSON.stringify(pushed.body)).not.toContain('PRIVATE KEY');
    // A second store with the same relying party: its keys are not this store's.
    expect((await call('POST', api(''), { name: otherStore })).status).toBe(201);
    expect((await call('POST', api(`/${otherStore}/appkeyConfig`), { rpId: RP, ...appkeyConfig })).status).toBe(201);
  });

  it.each([
    ['Basic Surrogate, raw signature and key', { attestation: 'BASIC_SURROGATE', signatureEncoding: 'RAW', keyEncoding: 'RAW' }],
    ['Basic Full (chain to the configured root), DER signature and key', { attestation: 'BASIC_FULL', signatureEncoding: 'DER', keyEncoding: 'DER', attestationCa: ca }],
  ] as const)('registers an appkey with %s; summaryInfo and the registration audit show it', async (_label, options) => {
    const id = await newUser(`reg-${options.attestation}`);
    const client = uafClient(FACET_IOS, new SoftwareUafAuthenticator(options));
    const done = await register(id, client);
    expect(done.status).toBe(200);
    const [item] = done.body.summaryInfo.appkeys.items;
    expect(done.body.summaryInfo.appkeys.count).toBe(1);
    expect(item).toMatchObject({ status: 'ACTIVE', rpId: RP, deviceId: 'ios-1', type: 'DEVICE', policyName: 'default' });
    const audit = await call('GET', user(id)(`/appkeys/${item.id}/registrationAudit`));
    expect(audit.status).toBe(200);
    expect(audit.body).toMatchObject({
      type: 'Appkey',
      result: 'SUCCESS',
      context: { ip: '203.0.113.7' },
      hints: ['client-device'],
      appkeyRegistrationAuditInfo: {
        rpId: RP,
        aaid: client['authenticator'].aaid,
        attestationType: options.attestation,
        facetId: FACET_IOS,
        device: { deviceId: 'ios-1', platform: 'IOS' },
      },
    });
    const listed = await call('GET', user(id)('/appkeys'));
    expect(listed.body.content[0]).toMatchObject({ id: item.id, status: 'ACTIVE', attestationType: options.attestation });
    expect(JSON.stringify(listed.body)).not.toMatch(/publicKey|pushToken/);
  });

  it('registers in one call (POST …/appkeys/registrations) and answers 200 with the user', async () => {
    const id = await newUser('one-call');
    const client = uafClient(FACET_ANDROID);
    const started = await call('POST', user(id)(`/appkeys/relyingParties/${RP}/registrations/default`));
    const done = await call('POST', api(`/${storeName}/appkeys/registrations`), {
      userId: id,
      rpId: RP,
      policyName: 'default',
      uafResponse: client.register(started.body.uafRequest),
      device: device('android-1', 'ANDROID'),
    });
    expect(done.status).toBe(200);
    expect(done.body.summaryInfo.appkeys.items[0]).toMatchObject({ deviceId: 'android-1' });
  });

  it('pushes an authentication to the iOS device through APNs and completes it from what the device received', async () => {
    const id = await newUser('push-ios');
    const client = uafClient(FACET_IOS);
    const token = randomBytes(32).toString('hex');
    expect((await register(id, client, device('ios-push', 'IOS', token))).status).toBe(200);
    const started = await startAuthentication(id);
    expect(started.status).toBe(201);
    expect(started.body.pushed).toEqual(['ios-push']);
    const received = apns.received.find((r) => r.token === token)!;
    expect(received.jwtClaims.iss).toBe(TEAM_ID);
    expect(received.headers['apns-topic']).toBe('com.example.app');
    expect(received.payload).toMatchObject({ sessionId: started.body.sessionId, storeName, rpId: RP });
    // The device answers the request it was pushed, not the one the start returned to the caller.
    const done = await completeAuthentication(started.body.sessionId, client.authenticate(received.payload.uafRequest as string));
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ result: 'SUCCESS', deviceId: 'ios-push' });
    expect(done.body.user.summaryInfo.lastAuthentication).toMatchObject({ type: 'Appkey', result: 'SUCCESS' });
    const audit = await call('GET', user(id)(`/authentications/${done.body.authenticationId}`));
    expect(audit.body).toMatchObject({ type: 'Appkey', result: 'SUCCESS', appkeyAuditInfo: { deviceId: 'ios-push', counterRegression: false } });
    expect(apns.refused).toEqual([]);
  });

  it('pushes to the preferred Android device through FCM (JWT-bearer grant) and completes in one call', async () => {
    const id = await newUser('push-android');
    const ios = uafClient(FACET_IOS);
    const android = uafClient(FACET_ANDROID);
    const fcmToken = `fcm:${randomBytes(16).toString('hex')}`;
    expect((await register(id, ios, device('ios-a', 'IOS', randomBytes(32).toString('hex')))).status).toBe(200);
    expect((await register(id, android, device('android-a', 'ANDROID', fcmToken))).status).toBe(200);
    const preferred = await call('POST', user(id)(`/appkeys/relyingParties/${RP}/preferredDevices`), { deviceIds: ['android-a'] });
    expect(preferred.status).toBe(200);
    const started = await startAuthentication(id);
    expect(started.body.pushed).toEqual(['android-a']);
    const received = fcm.received.find((r) => r.message.token === fcmToken)!;
    expect(fcm.grants.at(-1)).toMatchObject({ iss: FCM_EMAIL, aud: fcm.tokenUrl });
    const done = await call('POST', api(`/${storeName}/appkeys/authentications`), {
      userId: id,
      rpId: RP,
      policyName: 'default',
      uafResponse: android.authenticate(received.message.data!.uafRequest!),
    });
    expect(done.status).toBe(200);
    expect(done.body.deviceId).toBe('android-a');
  });

  it('an unregistered push token is cleared; a push failure never fails the start', async () => {
    const id = await newUser('push-gone');
    const token = randomBytes(32).toString('hex');
    apns.unregistered.add(token);
    expect((await register(id, uafClient(), device('ios-gone', 'IOS', token))).status).toBe(200);
    const first = await startAuthentication(id);
    expect([first.status, first.body.pushed]).toEqual([201, []]);
    const pushesBefore = apns.refused.length;
    const second = await startAuthentication(id);
    expect([second.status, second.body.pushed]).toEqual([201, []]);
    // The cleared token is not pushed to again.
    expect(apns.refused.length).toBe(pushesBefore);
    const listed = await call('GET', user(id)('/appkeys'));
    expect(listed.body.content[0].device.pushEnabled).toBe(false);
  });

  it('rate-limits pushes per user (push bombing): starts beyond the limit open sessions but push nothing', async () => {
    const id = await newUser('push-bombing');
    const token = randomBytes(32).toString('hex');
    expect((await register(id, uafClient(), device('ios-bomb', 'IOS', token))).status).toBe(200);
    const pushed: string[][] = [];
    for (let start = 0; start <= PUSHES_PER_USER_PER_MINUTE; start++) {
      const started = await startAuthentication(id);
      expect(started.status).toBe(201);
      pushed.push(started.body.pushed);
    }
    expect(pushed.slice(0, PUSHES_PER_USER_PER_MINUTE)).toEqual(Array(PUSHES_PER_USER_PER_MINUTE).fill(['ios-bomb']));
    expect(pushed.at(-1)).toEqual([]);
    expect(apns.received.filter((r) => r.token === token)).toHaveLength(PUSHES_PER_USER_PER_MINUTE);
  });

  it('confirms a transaction: the signed hash must be of the text that was shown', async () => {
    const id = await newUser('transaction');
    const client = uafClient();
    await register(id, client);
    const started = await startAuthentication(id, { transaction: 'Pay 10 EUR to ACME', push: false });
    const confirmed = await completeAuthentication(started.body.sessionId, client.authenticate(started.body.uafRequest));
    expect(confirmed.status).toBe(200);
    const again = await startAuthentication(id, { transaction: 'Pay 10 EUR to ACME', push: false });
    const unconfirmed = await completeAuthentication(
      again.body.sessionId,
      client.authenticate(again.body.uafRequest, { confirmTransaction: false }),
    );
    expectFailure(unconfirmed, 'TRANSACTION_MISMATCH');
  });

  describe('failure paths', () => {
    it('a registration from a facet the configuration does not trust fails (and uses the session up)', async () => {
      const id = await newUser('bad-facet');
      const started = await call('POST', user(id)(`/appkeys/relyingParties/${RP}/registrations/default`));
      const path = api(`/${storeName}/appkeys/registrations/sessions/${started.body.sessionId}`);
      const body = { uafResponse: uafClient('ios:bundle-id:com.evil.app').register(started.body.uafRequest), device: device('d', 'IOS') };
      const failed = await call('POST', path, body);
      expect([failed.status, failed.body.code, failed.body.reason]).toEqual([400, 'APPKEY_REGISTRATION_FAILED', 'FACET_NOT_TRUSTED']);
      expect((await call('POST', path, body)).status).toBe(404);
    });

    it('a registration signing another challenge fails as CHALLENGE_MISMATCH', async () => {
      const id = await newUser('bad-challenge');
      const started = await call('POST', user(id)(`/appkeys/relyingParties/${RP}/registrations/default`));
      const failed = await call('POST', api(`/${storeName}/appkeys/registrations/sessions/${started.body.sessionId}`), {
        uafResponse: uafClient().register(started.body.uafRequest, { challenge: randomBytes(32).toString('base64url') }),
        device: device('d', 'IOS'),
      });
      expect([failed.status, failed.body.reason]).toEqual([400, 'CHALLENGE_MISMATCH']);
    });

    it('an authenticator the policy does not accept is refused (POLICY_NOT_SATISFIED)', async () => {
      const id = await newUser('disallowed');
      const started = await call('POST', user(id)(`/appkeys/relyingParties/${RP}/registrations/picky`));
      const failed = await call('POST', api(`/${storeName}/appkeys/registrations/sessions/${started.body.sessionId}`), {
        uafResponse: uafClient().register(started.body.uafRequest, { ignorePolicy: true }),
        device: device('d', 'IOS'),
      });
      expect([failed.status, failed.body.reason]).toEqual([400, 'POLICY_NOT_SATISFIED']);
    });

    it('a Basic Full attestation whose chain does not end in a configured root is untrusted', async () => {
      const id = await newUser('untrusted');
      const stranger = new SoftwareUafAuthenticator({ attestation: 'BASIC_FULL', attestationCa: createTestUafCa() });
      const failed = await register(id, uafClient(FACET_IOS, stranger));
      expect([failed.status, failed.body.reason]).toEqual([400, 'ATTESTATION_UNTRUSTED']);
    });

    it('tampered, truncated and oversized assertions: a bad signature fails, unreadable TLV changes nothing', async () => {
      const id = await newUser('tamper');
      const client = uafClient();
      await register(id, client);
      const started = await startAuthentication(id, { push: false });
      const response = client.authenticate(started.body.uafRequest);
      for (const broken of [uafTamper.truncateAssertion(response, 7), uafTamper.oversizeLength(response)]) {
        const refused = await completeAuthentication(started.body.sessionId, broken);
        expect([refused.status, refused.body.code]).toEqual([400, 'INVALID_UAF_RESPONSE']);
        expect(refused.body.errors[0].path).toBe('body.uafResponse');
      }
      expectFailure(await completeAuthentication(started.body.sessionId, uafTamper.flipAssertionByte(response)), 'SIGNATURE_INVALID');
    });

    it('a replayed response: the session is used up (404); another session refuses it (its serverData is not that session)', async () => {
      const id = await newUser('replay');
      const client = uafClient();
      await register(id, client);
      const started = await startAuthentication(id, { push: false });
      const response = client.authenticate(started.body.uafRequest);
      expect((await completeAuthentication(started.body.sessionId, response)).status).toBe(200);
      expect((await completeAuthentication(started.body.sessionId, response)).status).toBe(404);
      const next = await startAuthentication(id, { push: false });
      expectFailure(await completeAuthentication(next.body.sessionId, response), 'SERVER_DATA_MISMATCH');
    });

    it('a signature counter that does not grow is a COUNTER_REGRESSION (a cloned authenticator?)', async () => {
      const id = await newUser('counter');
      const authenticator = new SoftwareUafAuthenticator();
      const client = uafClient(FACET_IOS, authenticator);
      await register(id, client);
      const first = await startAuthentication(id, { push: false });
      expect((await completeAuthentication(first.body.sessionId, client.authenticate(first.body.uafRequest))).status).toBe(200);
      const [keyID] = authenticator.keyIDs();
      authenticator.setSignCounter(keyID!, 0);
      const second = await startAuthentication(id, { push: false });
      const regressed = await completeAuthentication(second.body.sessionId, client.authenticate(second.body.uafRequest));
      expectFailure(regressed, 'COUNTER_REGRESSION');
      const audit = await call('GET', user(id)(`/authentications/${regressed.body.authenticationId}`));
      expect(audit.body.appkeyAuditInfo.counterRegression).toBe(true);
    });

    it("another user's key is UNKNOWN_KEY; another store's session is 404 here", async () => {
      const alice = await newUser('alice-key');
      const bob = await newUser('bob-key');
      const bobsClient = uafClient();
      await register(alice, uafClient());
      await register(bob, bobsClient);
      const started = await startAuthentication(alice, { push: false });
      const forged = bobsClient.authenticate(started.body.uafRequest, { ignorePolicy: true });
      expectFailure(await completeAuthentication(started.body.sessionId, forged), 'UNKNOWN_KEY');
      // Carol of the other store: her session cannot be completed through this store either.
      const carol = await newUser('carol-key', otherStore);
      const carolsClient = uafClient();
      expect((await register(carol, carolsClient, device('ios-c', 'IOS'), otherStore)).status).toBe(200);
      const carolStart = await call('POST', api(`/${otherStore}/users/${carol}/appkeys/relyingParties/${RP}/authentications/default`), { push: false });
      expect((await completeAuthentication(carolStart.body.sessionId, carolsClient.authenticate(carolStart.body.uafRequest))).status).toBe(404);
    });

    it('an expired session is 410 (5 minutes by default)', async () => {
      const id = await newUser('expired');
      const client = uafClient();
      await register(id, client);
      const started = await startAuthentication(id, { push: false });
      clockOffsetMs = 5 * 60_000 + 1_000;
      try {
        const late = await completeAuthentication(started.body.sessionId, client.authenticate(started.body.uafRequest));
        expect([late.status, late.body.code]).toEqual([410, 'APPKEY_SESSION_EXPIRED']);
      } finally {
        clockOffsetMs = 0;
      }
    });

    it('locks the relying party after the policy’s maximum of failures (423), with the failures audited', async () => {
      const id = await newUser('lockout');
      const client = uafClient();
      await register(id, client);
      for (let attempt = 1; attempt <= appkeyConfig.authenticationPolicies.default.maxFailedAttempts; attempt++) {
        const started = await startAuthentication(id, { push: false });
        const failed = await completeAuthentication(started.body.sessionId, uafTamper.flipAssertionByte(client.authenticate(started.body.uafRequest)));
        expectFailure(failed, 'SIGNATURE_INVALID');
      }
      const locked = await startAuthentication(id, { push: false });
      expect([locked.status, locked.body.code]).toEqual([423, 'APPKEY_LOCKED']);
      const listed = await call('GET', user(id)('/appkeys'));
      expect(listed.body.content[0].locked).toBe(true);
    });
  });

  it('deregisters by type and answers the UAF DeregistrationRequest the device runs', async () => {
    const id = await newUser('dereg');
    const authenticator = new SoftwareUafAuthenticator();
    const client = uafClient(FACET_IOS, authenticator);
    await register(id, client);
    expect(authenticator.keyIDs()).toHaveLength(1);
    const answer = await call('POST', user(id)(`/appkeys/relyingParties/${RP}/deregistrations`), { types: ['ALL'] });
    expect(answer.status).toBe(200);
    expect(answer.body.summaryInfo.appkeys.count).toBe(0);
    const [request] = JSON.parse(answer.body.uafRequest) as Array<{ header: { op: string } }>;
    expect(request!.header.op).toBe('Dereg');
    client.deregister(answer.body.uafRequest);
    expect(authenticator.keyIDs()).toHaveLength(0);
  });

  it('preferred devices: set, remove one, clear; delete by key id; unknown ones are 400/404', async () => {
    const id = await newUser('devices');
    const authenticator = new SoftwareUafAuthenticator();
    await register(id, uafClient(FACET_IOS, authenticator), device('d1', 'IOS'));
    await register(id, uafClient(FACET_ANDROID), device('d2', 'ANDROID'));
    const path = user(id)(`/appkeys/relyingParties/${RP}/preferredDevices`);
    const unknown = await call('POST', path, { deviceIds: ['d1', 'nope'] });
    expect([unknown.status, unknown.body.code, unknown.body.errors[0].path]).toEqual([400, 'UNKNOWN_DEVICE', 'body.deviceIds.1']);
    expect((await call('POST', path, { deviceIds: ['d2', 'd1'] })).status).toBe(200);
    expect((await call('DELETE', user(id)(`/appkeys/relyingParties/${RP}/preferredDevice/d2`))).status).toBe(200);
    expect((await call('DELETE', user(id)(`/appkeys/relyingParties/${RP}/preferredDevice/d2`))).status).toBe(404);
    expect((await call('DELETE', path)).status).toBe(200);
    const [keyId] = authenticator.keyIDs();
    const deleted = await call('DELETE', user(id)(`/appkeys/relyingParties/${RP}/registrations/keyIds/${keyId}`));
    expect([deleted.status, deleted.body.summaryInfo.appkeys.count]).toEqual([200, 1]);
    expect((await call('DELETE', user(id)(`/appkeys/relyingParties/${RP}/registrations/keyIds/${keyId}`))).status).toBe(404);
  });

  it('a device holds one key per relying party and key type; more devices than maxDevices is 409', async () => {
    const id = await newUser('max-devices');
    expect((await register(id, uafClient(), device('m1', 'IOS'))).status).toBe(200);
    const replaced = await register(id, uafClient(), device('m1', 'IOS'));
    expect([replaced.status, replaced.body.summaryInfo.appkeys.count]).toEqual([200, 1]);
    expect((await register(id, uafClient(), device('m2', 'IOS'))).status).toBe(200);
    expect((await register(id, uafClient(), device('m3', 'IOS'))).status).toBe(200);
    const fourth = await register(id, uafClient(), device('m4', 'IOS'));
    expect([fourth.status, fourth.body.code]).toEqual([409, 'MAX_DEVICES_REACHED']);
  });

  it('bad input names every bad field and changes nothing', async () => {
    const id = await newUser('bad-input');
    const started = await call('POST', user(id)(`/appkeys/relyingParties/${RP}/registrations/default`));
    const bad = await call('POST', api(`/${storeName}/appkeys/registrations/sessions/${started.body.sessionId}`), {
      uafResponse: 7,
      device: { deviceId: '', platform: 'PALM' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(
      ['body.device.deviceId', 'body.device.platform', 'body.uafResponse'].sort(),
    );
    // The session is still open: a good response completes it.
    const done = await call('POST', api(`/${storeName}/appkeys/registrations/sessions/${started.body.sessionId}`), {
      uafResponse: uafClient().register(started.body.uafRequest),
      device: device('ok', 'IOS'),
    });
    expect(done.status).toBe(200);
  });

  it('publishes events without public keys, push tokens, challenges or session ids', async () => {
    await system().drainOutboxes();
    const client = new pg.Client({ connectionString: system().databases.appkey });
    await client.connect();
    try {
      const { rows } = await client.query<{ value: string }>('SELECT value FROM outbox');
      expect(rows.length).toBeGreaterThan(10);
      for (const { value } of rows) expect(value).not.toMatch(/publicKey|pushToken|challenge|sessionId|allowedKeyIds|transactionContent/);
    } finally {
      await client.end();
    }
  });
});
