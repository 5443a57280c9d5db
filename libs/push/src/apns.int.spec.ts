import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:net';
import { type ApnsStandIn, startApnsStandIn } from '@identity-store/testing';
import { decodeProtectedHeader } from 'jose';
import {
  APNS_PAYLOAD_LIMIT_BYTES,
  type ApnsCredentials,
  createPushSender,
  type PushMessage,
  type PushSenderOptions,
} from './index';

const ecKeyPair = () =>
  generateKeyPairSync('ec', {
    namedCurve: 'P-256',
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });

const teamKey = ecKeyPair();
const message: PushMessage = {
  sessionId: 'session-1',
  storeName: 'acme',
  rpId: 'acme.example',
  uafRequest: '[{"header":{"op":"Auth"}}]',
};
const MINUTE = 60_000;

describe('APNs delivery', () => {
  let apns: ApnsStandIn;
  let credentials: ApnsCredentials;
  const senders: ReturnType<typeof createPushSender>[] = [];
  const sender = (options: PushSenderOptions = {}) => {
    const created = createPushSender({ caCertificates: [apns.caPem], ...options });
    senders.push(created);
    return created;
  };
  const ios = (pushToken: string, deviceId = 'device-1') => ({
    deviceId,
    platform: 'IOS' as const,
    pushToken,
  });

  beforeAll(async () => {
    apns = await startApnsStandIn({
      teamKeys: new Map([['KEY1', { teamId: 'TEAM1', publicKeyPem: teamKey.publicKey }]]),
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
  afterEach(async () => {
    await Promise.all(senders.splice(0).map((created) => created.close()));
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
    const forged = { ...credentials, privateKey: ecKeyPair().privateKey };
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
