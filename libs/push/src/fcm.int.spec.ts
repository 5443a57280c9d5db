import { generateKeyPairSync } from 'node:crypto';
import { type FcmStandIn, startFcmStandIn } from '@identity-store/testing';
import { createPushSender, type FcmCredentials, type PushMessage, type PushSenderOptions } from './index';

const rsaKeyPair = () =>
  generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });

const serviceKey = rsaKeyPair();
const clientEmail = 'push@test-project.iam.gserviceaccount.com';
const message: PushMessage = {
  sessionId: 'session-1',
  storeName: 'acme',
  rpId: 'acme.example',
  uafRequest: '[{"header":{"op":"Auth"}}]',
};
const MINUTE = 60_000;

describe('FCM delivery', () => {
  let fcm: FcmStandIn;
  let credentials: FcmCredentials;
  const senders: ReturnType<typeof createPushSender>[] = [];
  const sender = (options: PushSenderOptions = {}) => {
    const created = createPushSender({ caCertificates: [fcm.caPem], ...options });
    senders.push(created);
    return created;
  };
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
  afterEach(async () => {
    await Promise.all(senders.splice(0).map((created) => created.close()));
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
    const forged = { ...credentials, privateKey: rsaKeyPair().privateKey };
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
    const notRsa = generateKeyPairSync('ec', {
      namedCurve: 'P-256',
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
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
