import { createServer } from 'node:net';
import {
  type ApnsStandIn,
  type FcmStandIn,
  pemKeyPair,
  startApnsStandIn,
  startFcmStandIn,
} from '@identity-store/testing';
import { decodeProtectedHeader } from 'jose';
import {
  APNS_PAYLOAD_LIMIT_BYTES,
  type ApnsCredentials,
  createPushSender,
  type FcmCredentials,
  type PushMessage,
  type PushSenderOptions,
} from './index';

// The senders against the local stand-ins of APNs and FCM (libs/testing), which verify the JWTs
// with their own code over TLS from a test CA.

const message: PushMessage = {
  sessionId: 'session-1',
  storeName: 'acme',
  rpId: 'acme.example',
  uafRequest: '[{"header":{"op":"Auth"}}]',
};
const MINUTE = 60_000;

/** Senders trusting the stand-ins' CA, each closed after its test. */
const senders: ReturnType<typeof createPushSender>[] = [];
const trustingSender = (caPem: string, options: PushSenderOptions = {}) => {
  const created = createPushSender({ caCertificates: [caPem], ...options });
  senders.push(created);
  return created;
};
afterEach(async () => {
  await Promise.all(senders.splice(0).map((created) => created.close()));
});

describe('APNs delivery', () => {
  const teamKey = pemKeyPair('ec');
  const otherTeamKey = pemKeyPair('ec');
  let apns: ApnsStandIn;
  let credentials: ApnsCredentials;
  const sender = (options: PushSenderOptions = {}) => trustingSender(apns.caPem, options);
  const ios = (pushToken: string, deviceId = 'device-1') => ({
    deviceId,
    platform: 'IOS' as const,
    pushToken,
  });

  beforeAll(async () => {
    apns = await startApnsStandIn({
      teamKeys: new Map([
        ['KEY1', { teamId: 'TEAM1', publicKeyPem: teamKey.publicKey }],
        ['KEY2', { teamId: 'TEAM2', publicKeyPem: otherTeamKey.publicKey }],
      ]),
    });
    credentials = {
      teamId: 'TEAM1',
      keyId: 'KEY1',
      privateKey: teamKey.privateKey,
      bundleId: 'com.example.app',
      production: false,
      endpoint: apns.url,
    };
  });
  afterAll(() => apns.close());

  it('sends the alert with a provider token the stand-in verified, the APNs headers and the message', async () => {
    const now = Date.now();
    const logs: unknown[] = [];
    const log = (entry: object, msg: string) => logs.push({ ...entry, msg });
    const outcomes = await sender({ now: () => now, logger: { info: log, warn: log } }).send(
      { ttlSeconds: 300, apns: credentials },
      [ios('a1b2')],
      message,
    );

    expect(outcomes).toEqual([
      { deviceId: 'device-1', provider: 'APNS', status: 'SENT', messageId: expect.any(String) },
    ]);
    const received = apns.received.find((entry) => entry.token === 'a1b2')!;
    expect(decodeProtectedHeader(received.providerToken)).toEqual({ alg: 'ES256', kid: 'KEY1' });
    expect(received.jwtClaims).toEqual({ iss: 'TEAM1', iat: Math.floor(now / 1000) });
    expect(received.headers).toMatchObject({
      'apns-topic': 'com.example.app',
      'apns-push-type': 'alert',
      'apns-priority': '10',
      'apns-expiration': String(Math.floor(now / 1000) + 300),
    });
    expect(received.payload).toEqual({
      aps: { alert: { title: 'Sign-in request', body: 'Confirm the sign-in to acme.example' } },
      ...message,
    });
    expect(logs).toEqual([
      {
        deviceId: 'device-1',
        provider: 'APNS',
        status: 'SENT',
        messageId: expect.any(String),
        sessionId: 'session-1',
        rpId: 'acme.example',
        msg: 'push sent',
      },
    ]);
    expect(JSON.stringify(logs)).not.toContain(received.providerToken);
  });

  it('reuses the provider token and the HTTP/2 connection, and signs a new token after 40 minutes', async () => {
    let now = Date.now() - 45 * MINUTE;
    const pushes = sender({ now: () => now });
    const connectionsBefore = apns.connectionsOpened();
    const tokenOfSend = async (deviceToken: string) => {
      await pushes.send({ ttlSeconds: 60, apns: credentials }, [ios(deviceToken)], message);
      return apns.received.find((entry) => entry.token === deviceToken)!.providerToken;
    };

    const first = await tokenOfSend('b001');
    now += 15 * MINUTE;
    const second = await tokenOfSend('b002');
    now += 30 * MINUTE;
    const third = await tokenOfSend('b003');

    expect(second).toBe(first);
    expect(third).not.toBe(first);
    expect(apns.connectionsOpened() - connectionsBefore).toBe(1);
  });

  it('opens a connection of its own for another team key', async () => {
    const pushes = sender();
    const otherTeam = { ...credentials, teamId: 'TEAM2', keyId: 'KEY2', privateKey: otherTeamKey.privateKey };
    const connectionsBefore = apns.connectionsOpened();
    const outcomes = [
      ...(await pushes.send({ ttlSeconds: 60, apns: credentials }, [ios('b101')], message)),
      ...(await pushes.send({ ttlSeconds: 60, apns: otherTeam }, [ios('b102')], message)),
      ...(await pushes.send({ ttlSeconds: 60, apns: credentials }, [ios('b103')], message)),
    ];
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['SENT', 'SENT', 'SENT']);
    expect(apns.connectionsOpened() - connectionsBefore).toBe(2);
  });

  it('reports UNREGISTERED for a token APNs answers 410 Unregistered, and SENT for the other devices', async () => {
    apns.unregistered.add('c0de');
    const outcomes = await sender().send(
      { ttlSeconds: 60, apns: credentials },
      [ios('c0de', 'gone'), ios('c0df', 'kept')],
      message,
    );
    expect(outcomes).toEqual([
      { deviceId: 'gone', provider: 'APNS', status: 'UNREGISTERED' },
      { deviceId: 'kept', provider: 'APNS', status: 'SENT', messageId: expect.any(String) },
    ]);
  });

  it('reports FAILED when APNs refuses a provider token signed with another key', async () => {
    const forged = { ...credentials, privateKey: pemKeyPair('ec').privateKey };
    const outcomes = await sender().send({ ttlSeconds: 60, apns: forged }, [ios('d001')], message);
    expect(outcomes).toEqual([
      {
        deviceId: 'device-1',
        provider: 'APNS',
        status: 'FAILED',
        reason: 'APNs answered 403 InvalidProviderToken',
      },
    ]);
    expect(apns.refused).toContainEqual({ token: 'd001', status: 403, reason: 'InvalidProviderToken' });
  });

  it('leaves uafRequest out of a payload over 4 KB, and says so', async () => {
    const big = { ...message, uafRequest: 'x'.repeat(APNS_PAYLOAD_LIMIT_BYTES) };
    const outcomes = await sender().send({ ttlSeconds: 60, apns: credentials }, [ios('e001')], big);
    expect(outcomes[0]).toMatchObject({ status: 'SENT' });
    const { payload } = apns.received.find((entry) => entry.token === 'e001')!;
    expect(payload).not.toHaveProperty('uafRequest');
    expect(payload).toMatchObject({ sessionId: 'session-1', uafRequestOmitted: true });
  });

  it('answers every target: a missing configuration and a WEB device fail without a provider call', async () => {
    const outcomes = await sender().send(
      { ttlSeconds: 60, apns: credentials },
      [
        ios('f001', 'phone'),
        { deviceId: 'android', platform: 'ANDROID', pushToken: 'fcm-1' },
        { deviceId: 'browser', platform: 'WEB', pushToken: 'w' },
      ],
      message,
    );
    expect(outcomes).toEqual([
      { deviceId: 'phone', provider: 'APNS', status: 'SENT', messageId: expect.any(String) },
      { deviceId: 'android', provider: 'FCM', status: 'FAILED', reason: 'no FCM configuration' },
      {
        deviceId: 'browser',
        provider: 'NONE',
        status: 'FAILED',
        reason: 'no push provider for platform WEB',
      },
    ]);
  });

  it('reports FAILED, without throwing, when APNs does not answer in time; the next send goes through', async () => {
    apns.stalled.add('0001');
    const pushes = sender({ timeoutMs: 300 });
    const outcomes = await pushes.send({ ttlSeconds: 60, apns: credentials }, [ios('0001')], message);
    expect(outcomes).toEqual([
      { deviceId: 'device-1', provider: 'APNS', status: 'FAILED', reason: 'no answer within 300 ms' },
    ]);
    expect(await pushes.send({ ttlSeconds: 60, apns: credentials }, [ios('0002')], message)).toEqual([
      expect.objectContaining({ status: 'SENT' }),
    ]);
  });

  it('reports FAILED, without throwing, when the endpoint is unreachable, untrusted or not https', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const attempt = (endpoint: string, options: PushSenderOptions = {}) =>
      sender(options).send({ ttlSeconds: 60, apns: { ...credentials, endpoint } }, [ios('0003')], message);

    expect(await attempt(`https://127.0.0.1:${closedPort}`)).toEqual([
      { deviceId: 'device-1', provider: 'APNS', status: 'FAILED', reason: 'network error (ECONNREFUSED)' },
    ]);
    expect(await attempt(apns.url, { caCertificates: [] })).toEqual([
      {
        deviceId: 'device-1',
        provider: 'APNS',
        status: 'FAILED',
        reason: expect.stringMatching(
          /^network error \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\)$/,
        ),
      },
    ]);
    expect(await attempt(apns.url.replace('https:', 'http:'))).toEqual([
      {
        deviceId: 'device-1',
        provider: 'APNS',
        status: 'FAILED',
        reason: 'APNs endpoint must be an https URL',
      },
    ]);
  });
});

describe('FCM delivery', () => {
  const serviceKey = pemKeyPair('rsa');
  const clientEmail = 'push@test-project.iam.gserviceaccount.com';
  let fcm: FcmStandIn;
  let credentials: FcmCredentials;
  const sender = (options: PushSenderOptions = {}) => trustingSender(fcm.caPem, options);
  const android = (pushToken: string, deviceId = 'device-1') => ({
    deviceId,
    platform: 'ANDROID' as const,
    pushToken,
  });
  const receivedBy = (pushToken: string) => fcm.received.filter((entry) => entry.message.token === pushToken);

  beforeAll(async () => {
    // Access tokens for 5 minutes, so a moved clock can outlive one.
    fcm = await startFcmStandIn({
      clientEmail,
      publicKeyPem: serviceKey.publicKey,
      accessTokenLifetimeSeconds: 300,
    });
    credentials = {
      projectId: 'test-project',
      clientEmail,
      privateKey: serviceKey.privateKey,
      endpoint: fcm.url,
      tokenEndpoint: fcm.tokenUrl,
    };
  });
  afterAll(() => fcm.close());

  it('gets an access token with the JWT-bearer grant and sends the message as data', async () => {
    const now = Date.now();
    const grantsBefore = fcm.grants.length;
    const outcomes = await sender({ now: () => now }).send(
      { ttlSeconds: 300, fcm: credentials },
      [android('t1')],
      message,
    );

    expect(outcomes).toEqual([
      {
        deviceId: 'device-1',
        provider: 'FCM',
        status: 'SENT',
        messageId: expect.stringMatching(/^projects\/test-project\/messages\//),
      },
    ]);
    expect(fcm.grants.slice(grantsBefore)).toEqual([
      {
        iss: clientEmail,
        aud: fcm.tokenUrl,
        scope: 'https://www.googleapis.com/auth/firebase.messaging',
        iat: Math.floor(now / 1000),
        exp: Math.floor(now / 1000) + 3600,
      },
    ]);
    expect(receivedBy('t1').map((entry) => entry.message)).toEqual([
      {
        token: 't1',
        data: {
          sessionId: 'session-1',
          storeName: 'acme',
          rpId: 'acme.example',
          uafRequest: message.uafRequest,
        },
        android: { ttl: '300s', priority: 'high' },
      },
    ]);
  });

  it('adds a notification when the message has a title or body', async () => {
    await sender().send({ ttlSeconds: 60, fcm: credentials }, [android('t2')], {
      ...message,
      title: 'Sign in?',
      body: 'acme wants you to confirm',
    });
    expect(receivedBy('t2')[0]?.message.notification).toEqual({
      title: 'Sign in?',
      body: 'acme wants you to confirm',
    });
  });

  it('reuses the access token until shortly before it expires, then gets a new one', async () => {
    let now = Date.now() - 10 * MINUTE;
    const pushes = sender({ now: () => now });
    const grantsBefore = fcm.grants.length;

    await pushes.send(
      { ttlSeconds: 60, fcm: credentials },
      [android('t3'), android('t4', 'device-2')],
      message,
    );
    now += 2 * MINUTE;
    await pushes.send({ ttlSeconds: 60, fcm: credentials }, [android('t5')], message);
    expect(fcm.grants.length - grantsBefore).toBe(1);
    const first = receivedBy('t3')[0]!.accessToken;
    expect([receivedBy('t4')[0]!.accessToken, receivedBy('t5')[0]!.accessToken]).toEqual([first, first]);

    now += 8 * MINUTE;
    await pushes.send({ ttlSeconds: 60, fcm: credentials }, [android('t6')], message);
    expect(fcm.grants.length - grantsBefore).toBe(2);
    expect(receivedBy('t6')[0]!.accessToken).not.toBe(first);
  });

  it('drops an access token FCM no longer accepts: that send fails, the next one gets a new token', async () => {
    const pushes = sender();
    await pushes.send({ ttlSeconds: 60, fcm: credentials }, [android('t7')], message);
    fcm.revokeAccessTokens();
    expect(await pushes.send({ ttlSeconds: 60, fcm: credentials }, [android('t8')], message)).toEqual([
      { deviceId: 'device-1', provider: 'FCM', status: 'FAILED', reason: 'FCM answered 401 UNAUTHENTICATED' },
    ]);
    expect(await pushes.send({ ttlSeconds: 60, fcm: credentials }, [android('t8')], message)).toEqual([
      expect.objectContaining({ status: 'SENT' }),
    ]);
  });

  it('reports UNREGISTERED for a token FCM answers with errorCode UNREGISTERED', async () => {
    fcm.unregistered.add('gone');
    expect(await sender().send({ ttlSeconds: 60, fcm: credentials }, [android('gone')], message)).toEqual([
      { deviceId: 'device-1', provider: 'FCM', status: 'UNREGISTERED' },
    ]);
  });

  it('reports FAILED for every device when the token endpoint refuses the service account key', async () => {
    const forged = { ...credentials, privateKey: pemKeyPair('rsa').privateKey };
    const outcomes = await sender().send(
      { ttlSeconds: 60, fcm: forged },
      [android('t9'), android('t10', 'device-2')],
      message,
    );
    const failed = {
      provider: 'FCM',
      status: 'FAILED',
      reason: 'FCM token endpoint answered 400 invalid_grant',
    };
    expect(outcomes).toEqual([
      { deviceId: 'device-1', ...failed },
      { deviceId: 'device-2', ...failed },
    ]);
    expect(receivedBy('t9')).toEqual([]);
  });

  it('reports FAILED for a project the service account may not send to, and for a key that is not RSA', async () => {
    expect(
      await sender().send(
        { ttlSeconds: 60, fcm: { ...credentials, projectId: 'other' } },
        [android('t11')],
        message,
      ),
    ).toEqual([
      {
        deviceId: 'device-1',
        provider: 'FCM',
        status: 'FAILED',
        reason: 'FCM answered 403 PERMISSION_DENIED',
      },
    ]);
    const notRsa = pemKeyPair('ec');
    expect(
      await sender().send(
        { ttlSeconds: 60, fcm: { ...credentials, privateKey: notRsa.privateKey } },
        [android('t12')],
        message,
      ),
    ).toEqual([
      {
        deviceId: 'device-1',
        provider: 'FCM',
        status: 'FAILED',
        reason: 'FCM privateKey is not a PKCS#8 RSA key',
      },
    ]);
  });
});
