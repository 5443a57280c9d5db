import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { createPushNotificationPolicyBodySchema, pushCredentialContext } from '@identity-store/contracts';
import { generateSecretsKey, SecretBox } from '@identity-store/crypto';
import { createLogger, createServiceApps, InternalTokenIssuer } from '@identity-store/http-kit';
import { HttpPushCredentialQueries } from '@identity-store/service-clients';
import { apnsTestPrivateKey, fcmTestPrivateKey } from '@identity-store/testing';
import { inMemoryIdentityService } from '../testing/in-memory-identity';
import { identityInternalRoutes } from './identity-api';

/**
 * The appkey service's port to push credentials over real sockets: HttpPushCredentialQueries
 * against the identity service's internal route, behind the service-token check every `/internal/*`
 * route has. What arrives is ciphertext that the same SECRETS_KEY opens under pushCredentialContext.
 */
describe('HttpPushCredentialQueries against the identity service’s internal route', () => {
  const secrets = new SecretBox(generateSecretsKey());
  const internalKey = randomBytes(32);
  const identity = inMemoryIdentityService(undefined, undefined, undefined, secrets);
  const apnsKey = apnsTestPrivateKey();
  const fcmKey = fcmTestPrivateKey();
  let server: Server;
  let url: string;
  let storeId: string;

  beforeAll(async () => {
    const policy = createPushNotificationPolicyBodySchema.parse({
      rpId: 'example.com',
      apnsConfig: { teamId: 'ABCDE12345', keyId: 'KEY1234567', privateKey: apnsKey, bundleId: 'com.example.app', production: false },
      fcmConfig: {
        projectId: 'example-app-1234',
        clientEmail: 'push@example-app-1234.iam.gserviceaccount.com',
        privateKey: fcmKey,
        tokenEndpoint: 'http://127.0.0.1:9/token',
      },
    });
    const { value } = await identity.createStore(
      { name: 'acme', attributeSchema: null, pushNotificationPolicies: [policy] },
      { metadata: { correlationId: 'int' } },
    );
    storeId = value.id;
    const { app } = createServiceApps({
      name: 'identity',
      logger: createLogger('push-credentials-int', 'silent'),
      routers: [identityInternalRoutes(identity)],
      trust: { service: 'identity', internalTokenKey: internalKey },
    });
    server = await new Promise<Server>((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const client = (key = internalKey) => new HttpPushCredentialQueries(url, { tokens: new InternalTokenIssuer('appkey', key) });

  it('answers the credentials with the keys as ciphertext the shared SECRETS_KEY opens', async () => {
    const credentials = await client().getPushCredentials(storeId, 'example.com');
    expect(credentials).toEqual({
      ttlSeconds: 3_600,
      apns: { teamId: 'ABCDE12345', keyId: 'KEY1234567', bundleId: 'com.example.app', production: false, encryptedPrivateKey: expect.any(String) },
      fcm: {
        projectId: 'example-app-1234',
        clientEmail: 'push@example-app-1234.iam.gserviceaccount.com',
        tokenEndpoint: 'http://127.0.0.1:9/token',
        encryptedPrivateKey: expect.any(String),
      },
    });
    expect(JSON.stringify(credentials)).not.toContain('PRIVATE KEY');
    const open = (ciphertext: string, provider: 'apns' | 'fcm') =>
      secrets.decrypt(ciphertext, pushCredentialContext(storeId, 'example.com', provider)).toString();
    expect(open(credentials!.apns!.encryptedPrivateKey, 'apns')).toBe(apnsKey);
    expect(open(credentials!.fcm!.encryptedPrivateKey, 'fcm')).toBe(fcmKey);
  });

  it('is null for an unknown store or rpId (and for dot segments, without a request)', async () => {
    expect(await client().getPushCredentials(storeId, 'other.com')).toBeNull();
    expect(await client().getPushCredentials('no-such-store', 'example.com')).toBeNull();
    expect(await client().getPushCredentials(storeId, '..')).toBeNull();
  });

  it('is refused to a caller without the internal token key', async () => {
    await expect(client(randomBytes(32)).getPushCredentials(storeId, 'example.com')).rejects.toThrow(/answered 401/);
    const anonymous = await fetch(`${url}/internal/stores/${storeId}/pushCredentials/example.com`);
    expect(anonymous.status).toBe(401);
  });
});
