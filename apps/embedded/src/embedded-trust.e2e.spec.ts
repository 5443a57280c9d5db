import { randomBytes } from 'node:crypto';
import { createLogger } from '@identity-store/http-kit';
import { createTestDatabases, uniqueName } from '@identity-store/testing';
import { jwtVerify } from 'jose';
import { jwtSecretFrom } from './service-apps';
import { type RunningSystem, startSystem, SYSTEM_SERVICES } from './system';

/**
 * The embedded default (`npm start`: every app in one process, in-process transport): the same
 * service-side authorisation as the distributed layout, fed by in-process grants (L1, F2), and its
 * token key kept apart from SECRETS_KEY (L2).
 */

const S = '/api/identity-store/stores';

const startEmbedded = async (label: string, keys: { secretsKey: string; jwtSecret?: string }) => {
  const prefix = uniqueName(label);
  const databases = await createTestDatabases(prefix, [...SYSTEM_SERVICES]);
  const adminApiKey = `isk_admin_${randomBytes(24).toString('base64url')}`;
  try {
    const system = await startSystem({
      postgresUrl: databases.server,
      databasePrefix: prefix,
      transport: { kind: 'in-process' },
      adminApiKey,
      logger: createLogger('embedded-trust', 'silent'),
      consistencyTimeoutMs: 10_000,
      ...keys,
    });
    const issued = await fetch(`${system.url}/api/arthr/apiKeys/issue`, { method: 'POST', headers: { 'x-api-key': adminApiKey } });
    const { token } = (await issued.json()) as { token: string };
    return { system, token, drop: databases.drop };
  } catch (error) {
    await databases.drop();
    throw error;
  }
};

describe('embedded default: in-process grants and key separation', () => {
  const shortSecretsKey = 'sixteen-to-31-ch'; // 16 characters: valid SECRETS_KEY, too short as an HMAC key
  let embedded: { system: RunningSystem; token: string; drop(): Promise<void> };
  const call = async (method: string, path: string, body?: unknown, bearer = embedded.token) => {
    const response = await fetch(`${embedded.system.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${bearer}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read whatever was answered
    return { status: response.status, body: text ? (JSON.parse(text) as any) : undefined };
  };

  beforeAll(async () => {
    embedded = await startEmbedded('embtrust', { secretsKey: shortSecretsKey });
  });
  afterAll(async () => {
    await embedded?.system.close();
    await embedded?.drop();
  });

  it('L2: starts with a 16–31 character SECRETS_KEY and signs tokens with the HKDF-derived key, never SECRETS_KEY itself', async () => {
    const derived = jwtSecretFrom({ secretsKey: shortSecretsKey });
    expect(Buffer.from(derived).equals(Buffer.from(shortSecretsKey))).toBe(false);
    await expect(jwtVerify(embedded.token, derived)).resolves.toBeDefined();
    await expect(jwtVerify(embedded.token, new TextEncoder().encode(shortSecretsKey))).rejects.toThrow();
  });

  it('L2: signs tokens with JWT_SECRET when one is given', async () => {
    const jwtSecret = randomBytes(32).toString('hex');
    const other = await startEmbedded('embjwt', { secretsKey: randomBytes(32).toString('hex'), jwtSecret });
    try {
      await expect(jwtVerify(other.token, new TextEncoder().encode(jwtSecret))).resolves.toBeDefined();
    } finally {
      await other.system.close();
      await other.drop();
    }
  });

  it('F2: a key with listStores restricted to store a lists exactly [a]', async () => {
    const names = [uniqueName('a'), uniqueName('b'), uniqueName('c')];
    for (const name of names) expect((await call('POST', S, { name })).status).toBe(201);
    const key = await call('POST', '/api/arthr/apiKeys', { name: 'lister', permissions: ['IdentityStore:listStores'], stores: [names[0]] });
    expect(key.status).toBe(201);
    const issued = await fetch(`${embedded.system.url}/api/arthr/apiKeys/issue`, { method: 'POST', headers: { 'x-api-key': key.body.key } });
    const listed = await call('GET', `${S}?size=100`, undefined, ((await issued.json()) as { token: string }).token);
    expect(listed.status).toBe(200);
    expect(listed.body.content.map((store: { name: string }) => store.name)).toEqual([names[0]]);
    expect((await call('GET', `${S}?size=100`)).body.content.map((store: { name: string }) => store.name)).toEqual(
      expect.arrayContaining(names),
    );
  });

  it('L1: a case variation of a literal segment is not another operation (no TOTP secret for updateTotpByExtId)', async () => {
    const store = uniqueName('l1');
    const policy = { issuer: 'Acme', algorithm: 'SHA1', digits: 6, period: 30, window: 1, maxFailedAttempts: 5, lockoutDuration: 'PT15M' };
    expect((await call('POST', S, { name: store, totpPolicies: { ext: policy } })).status).toBe(201);
    const user = await call('POST', `${S}/${store}/users`, { extId: 'alice' });
    const exploit = await call('POST', `${S}/${store}/users/${user.body.id}/totps/Registrations/ext`, { status: 'ACTIVE' });
    expect([exploit.status, exploit.body.code]).toEqual([404, 'USER_NOT_FOUND']);
    expect(exploit.body).not.toHaveProperty('secret');
    expect((await call('GET', `${S}/${store}/users/${user.body.id}/totps`)).body.content).toEqual([]);
  });
});
