import http2 from 'node:http2';
import https from 'node:https';
import { importPKCS8, SignJWT } from 'jose';
import { type ApnsStandIn, startApnsStandIn } from './apns-stand-in';
import { type FcmStandIn, startFcmStandIn } from './fcm-stand-in';
import { pemKeyPair } from './push-test-keys';

// The stand-ins' own checks, driven with hand-made requests: each forgery must be refused, so a
// sender test that passes against them proves what they check.

const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('APNs stand-in', () => {
  const teamKey = pemKeyPair('ec');
  const otherKey = pemKeyPair('ec');
  let apns: ApnsStandIn;

  beforeAll(async () => {
    apns = await startApnsStandIn({
      teamKeys: new Map([['KEY1', { teamId: 'TEAM1', publicKeyPem: teamKey.publicKey }]]),
    });
  });
  afterAll(() => apns.close());

  const providerToken = async (
    privateKey: string,
    { kid = 'KEY1', iss = 'TEAM1', iat = nowSeconds() } = {},
  ) =>
    new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid })
      .setIssuer(iss)
      .setIssuedAt(iat)
      .sign(await importPKCS8(privateKey, 'ES256'));

  const post = (token: string, headers: http2.OutgoingHttpHeaders) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const session = http2.connect(apns.url, { ca: apns.caPem });
      session.on('error', reject);
      const stream = session.request({ ':method': 'POST', ':path': `/3/device/${token}`, ...headers });
      let status = 0;
      let body = '';
      stream.on('response', (answer) => (status = Number(answer[':status'])));
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => (body += chunk));
      stream.on('end', () => session.close(() => resolve({ status, body })));
      stream.end(JSON.stringify({ aps: { alert: 'hi' } }));
    });

  const alertHeaders = async (authorization: string) => ({
    authorization,
    'apns-topic': 'com.example.app',
    'apns-push-type': 'alert',
  });

  it('accepts a provider token signed with the team key and records the notification', async () => {
    const token = await providerToken(teamKey.privateKey);
    expect(await post('aa01', await alertHeaders(`bearer ${token}`))).toMatchObject({ status: 200 });
    expect(apns.received.at(-1)).toMatchObject({
      token: 'aa01',
      providerToken: token,
      jwtClaims: { iss: 'TEAM1' },
    });
  });

  it.each([
    [
      'signed with another key under the same kid',
      () => providerToken(otherKey.privateKey),
      'InvalidProviderToken',
    ],
    ['of another team', () => providerToken(teamKey.privateKey, { iss: 'TEAM2' }), 'InvalidProviderToken'],
    ['with an unknown kid', () => providerToken(teamKey.privateKey, { kid: 'KEY2' }), 'InvalidProviderToken'],
    [
      'issued more than an hour ago',
      () => providerToken(teamKey.privateKey, { iat: nowSeconds() - 3700 }),
      'ExpiredProviderToken',
    ],
  ])('refuses a provider token %s', async (_, forge, reason) => {
    const answer = await post('aa02', await alertHeaders(`bearer ${await forge()}`));
    expect(answer).toEqual({ status: 403, body: JSON.stringify({ reason }) });
  });

  it('refuses a request without apns-topic or with an unknown apns-push-type', async () => {
    const authorization = `bearer ${await providerToken(teamKey.privateKey)}`;
    expect(await post('aa03', { authorization, 'apns-push-type': 'alert' })).toMatchObject({
      status: 400,
      body: '{"reason":"MissingTopic"}',
    });
    expect(
      await post('aa03', { authorization, 'apns-topic': 'com.example.app', 'apns-push-type': 'shout' }),
    ).toMatchObject({
      status: 400,
      body: '{"reason":"InvalidPushType"}',
    });
  });
});

describe('FCM stand-in', () => {
  const serviceKey = pemKeyPair('rsa');
  const otherKey = pemKeyPair('rsa');
  const clientEmail = 'push@test-project.iam.gserviceaccount.com';
  let fcm: FcmStandIn;

  beforeAll(async () => {
    fcm = await startFcmStandIn({ clientEmail, publicKeyPem: serviceKey.publicKey });
  });
  afterAll(() => fcm.close());

  const assertion = async (
    privateKey: string,
    {
      aud = fcm.tokenUrl,
      scope = 'https://www.googleapis.com/auth/firebase.messaging',
      lifetime = 3600,
    } = {},
  ) =>
    new SignJWT({ scope })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
      .setIssuer(clientEmail)
      .setAudience(aud)
      .setIssuedAt(nowSeconds())
      .setExpirationTime(nowSeconds() + lifetime)
      .sign(await importPKCS8(privateKey, 'RS256'));

  const post = (url: string, headers: Record<string, string>, body: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = https.request(url, { method: 'POST', headers, ca: fcm.caPem }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
      });
      request.on('error', reject);
      request.end(body);
    });

  const grant = (jwt: string) =>
    post(
      fcm.tokenUrl,
      { 'content-type': 'application/x-www-form-urlencoded' },
      new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
        assertion: jwt,
      }).toString(),
    );

  const sendWith = (accessToken: string) =>
    post(
      `${fcm.url}/v1/projects/test-project/messages:send`,
      { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
      JSON.stringify({ message: { token: 'device-1', data: { a: 'b' } } }),
    );

  it('grants an access token to a valid assertion, and accepts messages sent with it', async () => {
    const granted = await grant(await assertion(serviceKey.privateKey));
    expect(granted.status).toBe(200);
    const { access_token } = JSON.parse(granted.body);
    expect(await sendWith(access_token)).toMatchObject({ status: 200 });
    expect(fcm.received.at(-1)).toMatchObject({ accessToken: access_token, message: { token: 'device-1' } });
  });

  it.each([
    ['signed with another key', () => assertion(otherKey.privateKey), 'invalid_grant'],
    [
      'for another audience',
      () => assertion(serviceKey.privateKey, { aud: 'https://oauth2.googleapis.com/token' }),
      'invalid_grant',
    ],
    [
      'valid for more than an hour',
      () => assertion(serviceKey.privateKey, { lifetime: 7200 }),
      'invalid_grant',
    ],
    [
      'without the messaging scope',
      () => assertion(serviceKey.privateKey, { scope: 'https://www.googleapis.com/auth/cloud-platform' }),
      'invalid_scope',
    ],
  ])('refuses an assertion %s', async (_, forge, error) => {
    const answer = await grant(await forge());
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ error });
  });

  it('refuses a message sent with an access token it did not issue', async () => {
    expect(await sendWith('ya29.made-up')).toMatchObject({ status: 401 });
  });
});
