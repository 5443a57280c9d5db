import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { operations } from '@identity-store/contracts';
import { createPrismaClient } from '@identity-store/event-store';
import { createLogger, generateGrantKeyPair, GRANT_HEADER, parseGrantVerifyKey } from '@identity-store/http-kit';
import { decodeJwt, SignJWT } from 'jose';
import request from 'supertest';
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from './api/tokens';
import { ADMIN_KEY_ID } from './domain/api-key';
import { decideApiKey } from './domain/api-key-decider';
import { postgresApiKeyStorage } from './data/api-key-storage';
import { scopeViolation } from './domain/permissions';
import { createGatewayApp, type GatewayApp, type GatewayAppOptions } from './index';
import { createTestDatabase, type TestDatabase } from '@identity-store/testing';
import { type Echo, echoService, listen } from './testing/gateway-test-kit';

const JWT_SECRET = 'int-spec-jwt-secret-0123456789abcdef';
/** A passphrase-style bootstrap key (not of the random isk_ form): stored with scrypt. */
const ADMIN_KEY = 'a-configured-bootstrap-admin-key-0001';
/** A key of the random form: isk_<id>_ and 43 base64url characters (256 bits). */
const randomKey = (id: string) => `isk_${id}_${randomBytes(32).toString('base64url')}`;
/** Unique per call: store names and addresses of one test do not meet another test's. */
const unique = (label: string) => `${label}-${randomBytes(3).toString('hex')}`;
const S = '/api/identity-store/stores';
const OPENAPI = {
  openapi: '3.1.0',
  info: { title: 'Spec API', version: '9.9.9' },
  paths: { '/x': { get: { operationId: 'getX', summary: 'Get the x', tags: ['things'] } } },
};

let db: TestDatabase;
let gateway: GatewayApp;
const others: GatewayApp[] = [];
const closers: Array<() => Promise<void>> = [];
const extraDatabases: TestDatabase[] = [];
/** A database of its own, for tests that change what others rely on (the bootstrap key, limits). */
const ownDatabase = async (label: string) => {
  const created = await createTestDatabase(label);
  extraDatabases.push(created);
  return created;
};

const GRANT_KEYS = generateGrantKeyPair();

const options = (over: Partial<GatewayAppOptions> = {}): GatewayAppOptions => ({
  databaseUrl: db.url,
  jwtSecret: JWT_SECRET,
  grantSigningKey: GRANT_KEYS.signingKey,
  logger: createLogger('gateway-int', 'silent'),
  targets: { identity: echoService('identity'), totp: echoService('totp'), audit: echoService('audit') },
  openApiDocument: () => OPENAPI,
  ...over,
});
const another = async (over: Partial<GatewayAppOptions> = {}) => {
  const created = await createGatewayApp(options(over));
  others.push(created);
  return created;
};

const issue = async (key: string, app = gateway.app) => {
  const response = await request(app).post('/api/arthr/apiKeys/issue').set('X-Api-Key', key);
  expect(response.status).toBe(200);
  return response.body.token as string;
};
let adminToken: string;
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
/** Creates a key through the API (201 expected): its resource, and the key string shown once. */
const createKey = async (
  body: { name?: string; permissions: string[]; stores?: string[] | null },
  app = gateway.app,
  token = adminToken,
) => {
  const response = await request(app)
    .post('/api/arthr/apiKeys')
    .set(bearer(token))
    .send({ name: 'test key', ...body });
  expect(response.status).toBe(201);
  return response.body as { id: string; key: string; permissions: string[]; stores: string[] | null };
};
/** A key created through the API, and a token issued for it. */
const keyWithToken = async (body: Parameters<typeof createKey>[0], app = gateway.app, token = adminToken) => {
  const created = await createKey(body, app, token);
  return { ...created, token: await issue(created.key, app) };
};
const secretHashesOf = async (database: TestDatabase, keyId: string) =>
  (
    await database.query<{ data: { secretHash?: string } }>(
      'SELECT data FROM events WHERE stream_id = $1 ORDER BY stream_version',
      [`apikey-${keyId}`],
    )
  ).map((row) => row.data.secretHash);
const countEvents = async () =>
  Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM events'))[0]!.n);

beforeAll(async () => {
  db = await createTestDatabase('gateway');
  gateway = await createGatewayApp(options({ adminApiKey: ADMIN_KEY }));
  adminToken = await issue(ADMIN_KEY);
});

afterAll(async () => {
  try {
    await Promise.allSettled([gateway, ...others].map((instance) => instance?.close()));
    await Promise.allSettled(closers.map((close) => close()));
  } finally {
    await Promise.allSettled([db, ...extraDatabases].map((database) => database?.drop()));
  }
});

describe('issuing tokens', () => {
  it('exchanges the bootstrap key for a signed token of every permission and store', async () => {
    const response = await request(gateway.app).post('/api/arthr/apiKeys/issue').set('X-Api-Key', ADMIN_KEY);
    expect(response.status).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(Object.keys(response.body).sort()).toEqual(['token', 'ttl']);
    expect(response.body.ttl).toBe(900);
    const claims = decodeJwt(response.body.token);
    expect(claims).toMatchObject({
      sub: 'admin',
      permissions: ['IdentityStore:*'],
      iss: TOKEN_ISSUER,
      aud: TOKEN_AUDIENCE,
    });
    expect(claims.exp! - claims.iat!).toBe(900);
    expect('stores' in claims).toBe(false);
  });

  it('answers 401 for a missing, unknown or wrong key', async () => {
    const missing = await request(gateway.app).post('/api/arthr/apiKeys/issue');
    expect([missing.status, missing.body.code]).toEqual([401, 'API_KEY_MISSING']);
    expect(missing.headers['content-type']).toMatch(/^application\/problem\+json/);
    for (const key of [
      `${ADMIN_KEY}x`,
      'isk_nosuchkey_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      'isk_admin_AAAAAAAAAAAAAAAAAAAAAAAA',
    ]) {
      const response = await request(gateway.app).post('/api/arthr/apiKeys/issue').set('X-Api-Key', key);
      expect([response.status, response.body.code]).toEqual([401, 'API_KEY_INVALID']);
    }
  });

  it('ensures the bootstrap key idempotently', async () => {
    await expect(gateway.apiKeys.ensureAdminKey(ADMIN_KEY)).resolves.toEqual({ status: 'unchanged' });
    await expect(gateway.apiKeys.ensureAdminKey()).resolves.toEqual({ status: 'unchanged' });
    const rows = await db.query<{ type: string }>(
      "SELECT type FROM events WHERE stream_id = 'apikey-admin' ORDER BY stream_version",
    );
    expect(rows.map((row) => row.type)).toEqual(['ApiKeyCreated']);
  });
});

describe('bearer tokens on /api/identity-store/**', () => {
  it('401 TOKEN_MISSING without a bearer token', async () => {
    for (const headers of [{}, { Authorization: 'Basic YWRtaW46YWRtaW4=' }, { Authorization: 'Bearer' }]) {
      const response = await request(gateway.app).get(S).set(headers);
      expect([response.status, response.body.code]).toEqual([401, 'TOKEN_MISSING']);
      expect(response.headers['www-authenticate']).toBe('Bearer realm="identity-store"');
    }
    // before routing: an unknown path without a token is 401 too
    expect((await request(gateway.app).get(`${S}/acme/nothing`)).status).toBe(401);
  });

  it('answers a public operation of the table without a token: granted to its service as anonymous, credentials dropped', async () => {
    const facets = '/api/identity-store/public/stores/acme/appkeys/example.com/facets';
    for (const headers of [{}, { Authorization: 'Bearer not-a-token' }, { Authorization: `Bearer ${adminToken}` }]) {
      const response = await request(gateway.app).get(facets).set(headers).set(GRANT_HEADER, 'forged');
      expect(response.status).toBe(200);
      const echo = response.body as Echo;
      expect([echo.service, echo.url]).toEqual(['identity', facets]);
      expect(echo.grant).toMatchObject({ aud: 'identity', op: 'getTrustedFacets', stores: null, sub: 'anonymous' });
      expect(echo.headers['x-principal']).toBe('anonymous');
      expect(echo.headers.authorization).toBeUndefined();
    }
    // Only that operation: the same store's other operations still need a token.
    expect((await request(gateway.app).get(`${S}/acme/appkeyConfig/example.com`)).status).toBe(401);
    expect((await request(gateway.app).post(facets)).status).toBe(401);
  });

  it('authenticates before reading the body: malformed JSON is 401 without a token, 400 with one', async () => {
    const malformed = (headers: Record<string, string>) =>
      request(gateway.app)
        .post(S)
        .set({ 'content-type': 'application/json', ...headers })
        .send('{"name": ');
    const anonymous = await malformed({});
    expect([anonymous.status, anonymous.body.code]).toEqual([401, 'TOKEN_MISSING']);
    const authenticated = await malformed({ authorization: `Bearer ${adminToken}` });
    expect(authenticated.status).toBe(400);
  });

  it('401 TOKEN_INVALID for expired, forged and malformed tokens', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = (secret: string, iat: number, exp: number) =>
      new SignJWT({ permissions: ['IdentityStore:*'] })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('admin')
        .setJti('j-1')
        .setIssuer(TOKEN_ISSUER)
        .setAudience(TOKEN_AUDIENCE)
        .setIssuedAt(iat)
        .setExpirationTime(exp)
        .sign(Buffer.from(secret));
    // One signature byte flipped (not the last base64url characters: their padding bits may decode to
    // the same bytes, which made an earlier `…xx` version of this case pass as valid now and then).
    const tamperedSignature = (jwt: string) => {
      const [header, payload, signature] = jwt.split('.') as [string, string, string];
      const bytes = Buffer.from(signature, 'base64url');
      bytes[0]! ^= 0x01;
      return `${header}.${payload}.${bytes.toString('base64url')}`;
    };
    const cases: Array<[string, string]> = [
      [await token(JWT_SECRET, now - 1000, now - 100), 'The token has expired.'],
      [
        await token('another-secret-of-at-least-32-bytes!!', now, now + 600),
        'The token signature is not valid.',
      ],
      [tamperedSignature(adminToken), 'The token signature is not valid.'],
      ['not.a.jwt', 'The token is not valid (ERR_JWS_INVALID).'],
    ];
    for (const [bad, detail] of cases) {
      const response = await request(gateway.app).get(S).set(bearer(bad));
      expect([response.status, response.body.code, response.body.detail]).toEqual([
        401,
        'TOKEN_INVALID',
        detail,
      ]);
      expect(response.headers['www-authenticate']).toMatch(
        /^Bearer realm="identity-store", error="invalid_token"/,
      );
    }
    // the same construction with the right secret and times is accepted (the cases above fail for their reason)
    expect(
      (
        await request(gateway.app)
          .get(S)
          .set(bearer(await token(JWT_SECRET, now, now + 600)))
      ).status,
    ).toBe(200);
  });

  it('404 ROUTE_NOT_FOUND for a path or method of no operation', async () => {
    for (const [method, path] of [
      ['get', `${S}/acme/nothing-here`],
      ['put', `${S}/acme`],
      ['delete', `${S}/acme/users`],
      ['get', '/api/identity-store'],
    ] as const) {
      const response = await request(gateway.app)[method](path).set(bearer(adminToken));
      expect([response.status, response.body.code]).toEqual([404, 'ROUTE_NOT_FOUND']);
    }
  });

  it('every operation of the contract is implemented (none answers 501)', () => {
    expect(operations.filter((operation) => !operation.implemented).map((operation) => operation.operationId)).toEqual([]);
  });

  it('503 SERVICE_UNAVAILABLE for an operation whose service this gateway has no target for', async () => {
    // This gateway is given no biometric target.
    const response = await request(gateway.app)
      .post(`${S}/acme/users/u1/biometrics/face`)
      .set(bearer(adminToken))
      .send({ image: 'AAAA' });
    expect([response.status, response.body.code]).toEqual([503, 'SERVICE_UNAVAILABLE']);
  });

  it('routes each operation to its owning service, in-process, method/path/query/body/headers unchanged', async () => {
    const response = await request(gateway.app)
      .post(`${S}/acme/users?trace=1&x=a%20b`)
      .set(bearer(adminToken))
      .set('X-Custom', 'kept')
      .set('X-Correlation-Id', 'corr-123')
      .set('X-Principal', 'forged-principal')
      .set('X-Allowed-Stores', '["forged"]')
      .send({ extId: 'e-1', attributes: { tier: 'gold', n: 3 } });
    expect(response.status).toBe(200);
    const echo = response.body as Echo;
    expect(echo.service).toBe('identity');
    expect(echo.method).toBe('POST');
    expect(echo.url).toBe('/api/identity-store/stores/acme/users?trace=1&x=a%20b');
    expect(echo.body).toEqual({ extId: 'e-1', attributes: { tier: 'gold', n: 3 } });
    expect(echo.headers['x-custom']).toBe('kept');
    expect(echo.headers['x-principal']).toBe('admin');
    expect(echo.headers['x-correlation-id']).toBe('corr-123');
    expect(echo.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    // The service trusts the grant for the matched operation; the caller's token is not forwarded (L6).
    expect(echo.grant).toEqual({
      aud: 'identity',
      op: 'createUser',
      perm: 'IdentityStore:createUser',
      stores: null,
      sub: 'admin',
    });
    expect(echo.headers['authorization']).toBeUndefined();
    expect(response.headers['x-correlation-id']).toBe('corr-123');

    // One trailing slash is tolerated by the table; the service gets the canonical path (its routers are strict).
    const totp = await request(gateway.app).delete(`${S}/acme/users/u-1/totps/t-1/`).set(bearer(adminToken));
    expect([totp.body.service, totp.body.method, totp.body.url, totp.body.grant?.op]).toEqual([
      'totp',
      'DELETE',
      `${S}/acme/users/u-1/totps/t-1`,
      'deleteTotp',
    ]);
    const audit = await request(gateway.app)
      .get(`${S}/acme/users/ext-9/authentications/a-1/ext`)
      .set(bearer(adminToken));
    expect([audit.body.service, audit.body.method]).toEqual(['audit', 'GET']);
    const listByExt = await request(gateway.app).get(`${S}/acme/users/u-1/totps/ext`).set(bearer(adminToken));
    expect(listByExt.body.service).toBe('totp');
  });
});

describe('API keys with limited permissions and stores', () => {
  const limitedBody = {
    name: ' ci pipeline ',
    permissions: [
      'IdentityStore:getStore',
      'IdentityStore:listStores',
      'IdentityStore:createUser',
      'IdentityStore:enrolBiometric',
    ],
    stores: ['acme', 'beta'],
  };
  /** Shared by the tests that only read it; a test that changes a key makes its own. */
  let limited: { id: string; key: string };
  let limitedToken: string;

  beforeAll(async () => {
    const created = await keyWithToken(limitedBody);
    limited = { id: created.id, key: created.key };
    limitedToken = created.token;
  });

  it('creates a key shown once: 201 with the key string, ETag and Location', async () => {
    const response = await request(gateway.app)
      .post('/api/arthr/apiKeys')
      .set(bearer(adminToken))
      .send({ name: 'reader', permissions: ['IdentityStore:getStore'] });
    expect(response.status).toBe(201);
    const { id, key, createdDtm, lastUpdatedDtm, ...rest } = response.body;
    expect(rest).toEqual({ name: 'reader', permissions: ['IdentityStore:getStore'], stores: null });
    expect(id).toMatch(/^[0-9a-f]{20}$/);
    expect(key).toMatch(new RegExp(`^isk_${id}_[A-Za-z0-9_-]{43}$`));
    expect(createdDtm).toBe(lastUpdatedDtm);
    expect(Date.now() - Date.parse(createdDtm)).toBeLessThan(60_000);
    expect(response.headers.etag).toBe('W/"1"');
    expect(response.headers.location).toBe(`/api/arthr/apiKeys/${id}`);
    // neither the key nor its secret is stored anywhere
    const secret = (key as string).slice(`isk_${id}_`.length);
    const stored = await db.query<{ data: unknown }>(
      'SELECT data FROM events UNION ALL SELECT data FROM documents',
    );
    expect(JSON.stringify(stored)).not.toContain(secret);
  });

  it('reads, lists and never shows the secret hash', async () => {
    const one = await request(gateway.app).get(`/api/arthr/apiKeys/${limited.id}`).set(bearer(adminToken));
    expect(one.status).toBe(200);
    expect(one.headers.etag).toBe('W/"1"');
    expect(one.body).toEqual({
      id: limited.id,
      name: 'ci pipeline',
      permissions: [
        'IdentityStore:getStore',
        'IdentityStore:listStores',
        'IdentityStore:createUser',
        'IdentityStore:enrolBiometric',
      ],
      stores: ['acme', 'beta'],
      createdDtm: expect.any(String),
      lastUpdatedDtm: expect.any(String),
    });
    const list = await request(gateway.app)
      .get('/api/arthr/apiKeys?size=100&sort=name,asc')
      .set(bearer(adminToken));
    expect(list.status).toBe(200);
    expect(Object.keys(list.body).sort()).toEqual(['content', 'page', 'size', 'totalElements', 'totalPages']);
    expect(list.body).toMatchObject({ page: 0, size: 100, totalPages: 1 });
    expect(list.body.totalElements).toBe(list.body.content.length);
    const names = list.body.content.map((key: { name: string }) => key.name);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(['Bootstrap administrator', 'ci pipeline']));
    expect(JSON.stringify(list.body)).not.toMatch(/secretHash|[0-9a-f]{64}|\$scrypt\$/);
    const page = await request(gateway.app).get('/api/arthr/apiKeys?size=1&page=1').set(bearer(adminToken));
    expect(page.body).toMatchObject({ page: 1, size: 1, totalElements: list.body.totalElements });
    expect(page.body.content).toHaveLength(1);
  });

  it("issues tokens carrying the key's permissions, stores and secret version", async () => {
    expect(decodeJwt(limitedToken)).toMatchObject({
      sub: limited.id,
      stores: ['acme', 'beta'],
      secretVersion: 0,
    });
  });

  it('403 PERMISSION_DENIED naming the missing permission', async () => {
    const response = await request(gateway.app).delete(`${S}/acme`).set(bearer(limitedToken));
    expect(response.status).toBe(403);
    expect(response.body).toMatchObject({
      code: 'PERMISSION_DENIED',
      permission: 'IdentityStore:deleteStore',
    });
    expect(response.body.detail).toContain('IdentityStore:deleteStore');
    // the /ext twin needs the same permission as its operation
    const ext = await request(gateway.app).get(`${S}/acme/users/e-1/ext`).set(bearer(limitedToken));
    expect([ext.status, ext.body.permission]).toEqual([403, 'IdentityStore:getUser']);
    // key management needs its own permissions
    const keys = await request(gateway.app).get('/api/arthr/apiKeys').set(bearer(limitedToken));
    expect([keys.status, keys.body.code, keys.body.permission]).toEqual([
      403,
      'PERMISSION_DENIED',
      'IdentityStore:listApiKeys',
    ]);
  });

  it("403 STORE_NOT_ALLOWED outside the key's stores; its own stores pass", async () => {
    const other = await request(gateway.app).get(`${S}/other`).set(bearer(limitedToken));
    expect(other.status).toBe(403);
    expect(other.body).toMatchObject({ code: 'STORE_NOT_ALLOWED', storeName: 'other' });
    const unimplementedElsewhere = await request(gateway.app)
      .post(`${S}/other/users/u1/biometrics/face`)
      .set(bearer(limitedToken))
      .send({});
    expect([unimplementedElsewhere.status, unimplementedElsewhere.body.code]).toEqual([
      403,
      'STORE_NOT_ALLOWED',
    ]);
    const own = await request(gateway.app).get(`${S}/beta`).set(bearer(limitedToken));
    expect([own.status, own.body.service, own.body.headers['x-principal']]).toEqual([
      200,
      'identity',
      limited.id,
    ]);
    const user = await request(gateway.app)
      .post(`${S}/acme/users`)
      .set(bearer(limitedToken))
      .send({ extId: 'x' });
    expect(user.status).toBe(200);
  });

  it("createStore: a key limited to [acme] creates acme only, not another store's name (F1)", async () => {
    const creator = await keyWithToken({
      name: 'store creator',
      permissions: ['IdentityStore:createStore'],
      stores: ['acme'],
    });
    const evil = await request(gateway.app).post(S).set(bearer(creator.token)).send({ name: 'evil' });
    expect(evil.status).toBe(403);
    expect(evil.body).toMatchObject({ code: 'STORE_NOT_ALLOWED', storeName: 'evil' });
    const acme = await request(gateway.app).post(S).set(bearer(creator.token)).send({ name: 'acme' });
    expect(acme.status).toBe(200);
    expect([acme.body.service, acme.body.method, acme.body.url, acme.body.body]).toEqual([
      'identity',
      'POST',
      S,
      { name: 'acme' },
    ]);
  });

  it("grants every operation with the key's stores (null: every store), whatever the client sends", async () => {
    const restricted = await request(gateway.app)
      .get(S)
      .set(bearer(limitedToken))
      .set('X-Allowed-Stores', '["evil"]')
      .set(GRANT_HEADER, 'forged');
    expect(restricted.status).toBe(200);
    expect(restricted.body.grant).toMatchObject({ op: 'listStores', stores: ['acme', 'beta'] });
    expect(restricted.body.headers[GRANT_HEADER]).toBeUndefined();
    const admin = await request(gateway.app).get(S).set(bearer(adminToken));
    expect(admin.status).toBe(200);
    expect(admin.body.grant).toMatchObject({ op: 'listStores', stores: null });
    const store = await request(gateway.app).get(`${S}/acme`).set(bearer(limitedToken));
    expect(store.body.grant).toMatchObject({ op: 'getStore', stores: ['acme', 'beta'] });
  });

  it('checks permission and store before answering that a service is unavailable', async () => {
    const allowed = await request(gateway.app)
      .post(`${S}/acme/users/u1/biometrics/face`)
      .set(bearer(limitedToken))
      .send({});
    expect([allowed.status, allowed.body.code]).toEqual([503, 'SERVICE_UNAVAILABLE']);
    const denied = await request(gateway.app)
      .post(`${S}/acme/passkeyConfig`)
      .set(bearer(limitedToken))
      .send({});
    expect([denied.status, denied.body.permission]).toEqual([403, 'IdentityStore:createPasskeyConfig']);
  });

  it('updates a key (If-Match checked) and narrows tokens issued before', async () => {
    const changing = await keyWithToken(limitedBody);
    const stale = await request(gateway.app)
      .post(`/api/arthr/apiKeys/${changing.id}`)
      .set(bearer(adminToken))
      .set('If-Match', 'W/"7"')
      .send({ stores: ['acme'] });
    expect([stale.status, stale.body.code]).toEqual([412, 'PRECONDITION_FAILED']);
    const updated = await request(gateway.app)
      .post(`/api/arthr/apiKeys/${changing.id}`)
      .set(bearer(adminToken))
      .set('If-Match', 'W/"1"')
      .send({ stores: ['acme'] });
    expect(updated.status).toBe(200);
    expect(updated.headers.etag).toBe('W/"2"');
    expect(updated.body.stores).toEqual(['acme']);
    // the token issued with stores [acme, beta] no longer reaches beta
    const beta = await request(gateway.app).get(`${S}/beta`).set(bearer(changing.token));
    expect([beta.status, beta.body.code]).toEqual([403, 'STORE_NOT_ALLOWED']);
    const list = await request(gateway.app).get(S).set(bearer(changing.token));
    expect(list.body.grant.stores).toEqual(['acme']);
  });

  it('lets a key create and manage only keys within its own scope', async () => {
    const manager = await keyWithToken({
      name: 'manager',
      permissions: ['IdentityStore:createApiKey', 'IdentityStore:deleteApiKey', 'IdentityStore:getStore'],
      stores: ['acme'],
    });
    const create = (body: object) =>
      request(gateway.app).post('/api/arthr/apiKeys').set(bearer(manager.token)).send(body);
    const wildcard = await create({ name: 'w', permissions: ['IdentityStore:*'], stores: ['acme'] });
    expect([wildcard.status, wildcard.body.code]).toEqual([403, 'PERMISSION_DENIED']);
    const everyStore = await create({ name: 'e', permissions: ['IdentityStore:getStore'] });
    expect([everyStore.status, everyStore.body.code]).toEqual([403, 'STORE_NOT_ALLOWED']);
    const fine = await create({ name: 'f', permissions: ['IdentityStore:getStore'], stores: ['acme'] });
    expect(fine.status).toBe(201);
    const revokeBroader = await request(gateway.app)
      .delete(`/api/arthr/apiKeys/${limited.id}`)
      .set(bearer(manager.token));
    expect([revokeBroader.status, revokeBroader.body.code]).toEqual([403, 'PERMISSION_DENIED']);
    const revokeOwn = await request(gateway.app)
      .delete(`/api/arthr/apiKeys/${fine.body.id}`)
      .set(bearer(manager.token));
    expect(revokeOwn.status).toBe(204);
  });

  it('refuses to change or revoke the bootstrap key through the API', async () => {
    const response = await request(gateway.app).delete('/api/arthr/apiKeys/admin').set(bearer(adminToken));
    expect([response.status, response.body.code]).toEqual([409, 'API_KEY_MANAGED_BY_CONFIGURATION']);
    const update = await request(gateway.app)
      .post('/api/arthr/apiKeys/admin')
      .set(bearer(adminToken))
      .send({ name: 'x' });
    expect([update.status, update.body.code]).toEqual([409, 'API_KEY_MANAGED_BY_CONFIGURATION']);
  });

  it('400 listing every bad field of a malformed create, and nothing stored', async () => {
    const eventsBefore = await countEvents();
    const listBefore = (await request(gateway.app).get('/api/arthr/apiKeys').set(bearer(adminToken))).body
      .totalElements;
    const response = await request(gateway.app)
      .post('/api/arthr/apiKeys')
      .set(bearer(adminToken))
      .send({
        name: '',
        permissions: ['IdentityStore:getStore', 'IdentityStore:nope', 7],
        stores: ['ok', 'bad store!'],
        extra: true,
      });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('VALIDATION_FAILED');
    expect(response.body.errors.map((error: { path: string }) => error.path).sort()).toEqual(
      ['body', 'body.name', 'body.permissions.1', 'body.permissions.2', 'body.stores.1'].sort(),
    );
    const unknown = response.body.errors.find(
      (error: { path: string }) => error.path === 'body.permissions.1',
    );
    expect(unknown.message).toContain('IdentityStore:nope');
    const empty = await request(gateway.app).post('/api/arthr/apiKeys').set(bearer(adminToken)).send({});
    expect(empty.body.errors.map((error: { path: string }) => error.path).sort()).toEqual([
      'body.name',
      'body.permissions',
    ]);
    const emptyLists = await request(gateway.app)
      .post('/api/arthr/apiKeys')
      .set(bearer(adminToken))
      .send({ name: 'n', permissions: [], stores: [] });
    expect(emptyLists.body.errors.map((error: { path: string }) => error.path).sort()).toEqual([
      'body.permissions',
      'body.stores',
    ]);
    const badJson = await request(gateway.app)
      .post('/api/arthr/apiKeys')
      .set(bearer(adminToken))
      .set('Content-Type', 'application/json')
      .send('{"name": ');
    expect([badJson.status, badJson.body.code]).toEqual([400, 'MALFORMED_JSON']);
    expect(await countEvents()).toBe(eventsBefore);
    expect(
      (await request(gateway.app).get('/api/arthr/apiKeys').set(bearer(adminToken))).body.totalElements,
    ).toBe(listBefore);
  });

  it('revokes a key: 204, then no token for it, its tokens refused, 404 afterwards', async () => {
    const revoked = await keyWithToken(limitedBody);
    const response = await request(gateway.app)
      .delete(`/api/arthr/apiKeys/${revoked.id}`)
      .set(bearer(adminToken));
    expect(response.status).toBe(204);
    const reissue = await request(gateway.app).post('/api/arthr/apiKeys/issue').set('X-Api-Key', revoked.key);
    expect([reissue.status, reissue.body.code]).toEqual([401, 'API_KEY_INVALID']);
    const old = await request(gateway.app).get(`${S}/acme`).set(bearer(revoked.token));
    expect([old.status, old.body.code, old.body.detail]).toEqual([
      401,
      'TOKEN_INVALID',
      'The API key of this token was revoked or re-keyed.',
    ]);
    expect(
      (await request(gateway.app).get(`/api/arthr/apiKeys/${revoked.id}`).set(bearer(adminToken))).status,
    ).toBe(404);
    const again = await request(gateway.app)
      .delete(`/api/arthr/apiKeys/${revoked.id}`)
      .set(bearer(adminToken));
    expect([again.status, again.body.code]).toEqual([404, 'API_KEY_NOT_FOUND']);
    const list = await request(gateway.app).get('/api/arthr/apiKeys?size=100').set(bearer(adminToken));
    expect(list.body.content.map((key: { id: string }) => key.id)).not.toContain(revoked.id);
    const rows = await db.query<{ type: string }>(
      'SELECT type FROM events WHERE stream_id = $1 ORDER BY stream_version',
      [`apikey-${revoked.id}`],
    );
    expect(rows.map((row) => row.type)).toEqual(['ApiKeyCreated', 'ApiKeyRevoked']);
  });

  it('a revocation through another instance reaches this one when its key-status cache expires, not before (F12)', async () => {
    const created = await createKey({ name: 'short-lived', permissions: ['IdentityStore:getStore'] });
    let clock = Date.now();
    const cached = await another({ keyStatusTtlMs: 5_000, now: () => new Date(clock) });
    const token = await issue(created.key, cached.app);
    const read = () => request(cached.app).get(`${S}/acme`).set(bearer(token));
    expect((await read()).status).toBe(200);
    expect(
      (await request(gateway.app).delete(`/api/arthr/apiKeys/${created.id}`).set(bearer(adminToken))).status,
    ).toBe(204);
    clock += 4_999; // still within the 5 s the other instance trusts what it read
    expect((await read()).status).toBe(200);
    clock += 2;
    const refused = await read();
    expect([refused.status, refused.body.code]).toEqual([401, 'TOKEN_INVALID']);
  });
});

describe('API-key reads are scoped like writes (M4)', () => {
  type KeyView = { id: string; permissions: string[]; stores: string[] | null };
  /** Every page of the list as `token` sees it, and each page's counts. */
  const listAll = async (token: string, size = 100) => {
    const keys: KeyView[] = [];
    const pages: Array<{ totalElements: number; totalPages: number }> = [];
    for (let page = 0; ; page++) {
      const response = await request(gateway.app)
        .get(`/api/arthr/apiKeys?size=${size}&page=${page}&sort=id,asc`)
        .set(bearer(token));
      expect(response.status).toBe(200);
      pages.push({ totalElements: response.body.totalElements, totalPages: response.body.totalPages });
      keys.push(...response.body.content);
      if (page + 1 >= response.body.totalPages) break;
    }
    return { keys, ids: keys.map((key) => key.id).sort(), pages };
  };

  it("a key limited to store A cannot see store B's keys, by list or by id", async () => {
    const [storeA, storeB] = [unique('tenant-a'), unique('tenant-b')];
    const tenantAdmin = await keyWithToken({
      name: 'tenant A admin',
      permissions: ['IdentityStore:listApiKeys', 'IdentityStore:getApiKey', 'IdentityStore:getStore'],
      stores: [storeA],
    });
    const own = await createKey({
      name: 'tenant A app',
      permissions: ['IdentityStore:getStore'],
      stores: [storeA],
    });
    const foreign = await createKey({
      name: 'tenant B app',
      permissions: ['IdentityStore:getStore'],
      stores: [storeB],
    });
    const list = await request(gateway.app).get('/api/arthr/apiKeys?size=100').set(bearer(tenantAdmin.token));
    expect(list.status).toBe(200);
    const ids = list.body.content.map((key: { id: string }) => key.id).sort();
    expect(ids).toEqual([tenantAdmin.id, own.id].sort());
    expect(list.body).toMatchObject({ totalElements: 2, totalPages: 1 });
    expect(JSON.stringify(list.body)).not.toContain(storeB);

    const byId = (id: string) =>
      request(gateway.app).get(`/api/arthr/apiKeys/${id}`).set(bearer(tenantAdmin.token));
    const hidden = await byId(foreign.id);
    const unknown = await byId('0123456789abcdef0123');
    expect([hidden.status, hidden.body.code]).toEqual([404, 'API_KEY_NOT_FOUND']);
    // answered exactly as an id that does not exist
    expect(hidden.body.detail).toBe(unknown.body.detail.replace('0123456789abcdef0123', foreign.id));
    expect([(await byId(ADMIN_KEY_ID)).status, (await byId(own.id)).status]).toEqual([404, 200]);
  });

  it('lists exactly the keys scopeViolation(caller, key) allows, and pages count only those', async () => {
    const [x, y] = [unique('x'), unique('y')];
    const getStore = 'IdentityStore:getStore';
    const listApiKeys = 'IdentityStore:listApiKeys';
    const inside = await createKey({ permissions: [getStore], stores: [x] });
    const lister = await createKey({ permissions: [listApiKeys], stores: [x] });
    const outside = [
      await createKey({ permissions: [getStore], stores: [x, y] }),
      await createKey({ permissions: [getStore, 'IdentityStore:deleteStore'], stores: [x] }),
      await createKey({ permissions: [getStore] }),
      await createKey({ permissions: ['IdentityStore:*'], stores: [x] }),
    ];
    const scopes = [
      { permissions: [listApiKeys, getStore], stores: [x] },
      { permissions: [listApiKeys, getStore, 'IdentityStore:deleteStore'], stores: null },
      { permissions: [listApiKeys, getStore], stores: [x, y] },
    ];
    const callers = [];
    for (const scope of scopes) callers.push(await keyWithToken(scope));
    const everyKey = (await listAll(adminToken)).keys;
    for (const [index, scope] of scopes.entries()) {
      const expected = everyKey
        .filter((key) => scopeViolation(scope, key) === undefined)
        .map((key) => key.id)
        .sort();
      const seen = await listAll(callers[index]!.token, 1);
      expect(seen.ids).toEqual(expected);
      expect(seen.pages[0]).toEqual({ totalElements: expected.length, totalPages: expected.length });
    }
    // the store-x caller's view, spelt out
    const view = (await listAll(callers[0]!.token)).ids;
    expect(view).toEqual([inside.id, lister.id, callers[0]!.id].sort());
    for (const key of outside) expect(view).not.toContain(key.id);
  });
});

describe('the bootstrap key from configuration (each test on a database of its own)', () => {
  const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest('hex');

  it('is re-keyed when ADMIN_API_KEY changes: old key and its tokens refused, new key works (F6: no waiting for the next second)', async () => {
    const own = await ownDatabase('gateway-rekey');
    const instance = await another({ databaseUrl: own.url, adminApiKey: ADMIN_KEY });
    const oldToken = await issue(ADMIN_KEY, instance.app);
    const rotated = 'isk_admin_rotatedSecretValue0123456789abcdef';
    await expect(instance.apiKeys.ensureAdminKey(rotated)).resolves.toEqual({ status: 'updated' });
    const oldKey = await request(instance.app).post('/api/arthr/apiKeys/issue').set('X-Api-Key', ADMIN_KEY);
    expect(oldKey.status).toBe(401);
    const refused = await request(instance.app).get(S).set(bearer(oldToken));
    expect([refused.status, refused.body.code]).toEqual([401, 'TOKEN_INVALID']);
    const newToken = await issue(rotated, instance.app);
    expect((await request(instance.app).get(S).set(bearer(newToken))).status).toBe(200);
    await expect(instance.apiKeys.ensureAdminKey('isk_other_0123456789abcdefghijklmnop')).rejects.toThrow(
      'names key id "other"',
    );
    await expect(instance.apiKeys.ensureAdminKey(ADMIN_KEY)).resolves.toEqual({ status: 'updated' });
    expect((await request(instance.app).get(S).set(bearer(newToken))).status).toBe(401);
    expect(
      (
        await request(instance.app)
          .get(S)
          .set(bearer(await issue(ADMIN_KEY, instance.app)))
      ).status,
    ).toBe(200);
  });

  it('refuses a token issued in the same millisecond as a re-key (L10)', async () => {
    const own = await ownDatabase('gateway-rekey-ms');
    const frozen = new Date('2026-11-30T12:00:00.250Z');
    const [first, second] = [randomKey('admin'), randomKey('admin')];
    const instance = await another({ databaseUrl: own.url, adminApiKey: first, now: () => frozen });
    const before = await issue(first, instance.app);
    await expect(instance.apiKeys.ensureAdminKey(second)).resolves.toEqual({ status: 'updated' });
    const after = await issue(second, instance.app);
    expect(decodeJwt(before).iat).toBe(decodeJwt(after).iat);
    const refused = await request(instance.app).get(S).set(bearer(before));
    expect([refused.status, refused.body.code, refused.body.detail]).toEqual([
      401,
      'TOKEN_INVALID',
      'The API key of this token was revoked or re-keyed.',
    ]);
    expect((await request(instance.app).get(S).set(bearer(after))).status).toBe(200);
    expect([decodeJwt(before).secretVersion, decodeJwt(after).secretVersion]).toEqual([0, 1]);
  });

  it('stores a passphrase-style ADMIN_API_KEY with salted scrypt, a random isk_ key as SHA-256 (L4)', async () => {
    const [one, two, random] = await Promise.all([
      ownDatabase('gateway-scrypt-1'),
      ownDatabase('gateway-scrypt-2'),
      ownDatabase('gateway-sha256'),
    ]);
    const first = await another({ databaseUrl: one.url, adminApiKey: ADMIN_KEY });
    await another({ databaseUrl: two.url, adminApiKey: ADMIN_KEY });
    const [hashOne] = await secretHashesOf(one, ADMIN_KEY_ID);
    const [hashTwo] = await secretHashesOf(two, ADMIN_KEY_ID);
    expect(hashOne).toMatch(/^\$scrypt\$ln=15,r=8,p=3\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(hashTwo).toMatch(/^\$scrypt\$/);
    expect(hashOne).not.toBe(hashTwo); // salted
    const everything = JSON.stringify(
      await one.query('SELECT data FROM events UNION ALL SELECT data FROM documents'),
    );
    expect(everything).not.toContain(sha256(ADMIN_KEY));
    expect(everything).not.toContain(ADMIN_KEY);
    // the passphrase works; a restart with it is no re-key (tokens stay), though every hash differs
    const token = await issue(ADMIN_KEY, first.app);
    await expect(first.apiKeys.ensureAdminKey(ADMIN_KEY)).resolves.toEqual({ status: 'unchanged' });
    await another({ databaseUrl: one.url, adminApiKey: ADMIN_KEY });
    expect(await secretHashesOf(one, ADMIN_KEY_ID)).toEqual([hashOne]);
    expect((await request(first.app).get(S).set(bearer(token))).status).toBe(200);

    const randomAdmin = randomKey('admin');
    await another({ databaseUrl: random.url, adminApiKey: randomAdmin });
    expect(await secretHashesOf(random, ADMIN_KEY_ID)).toEqual([
      sha256(randomAdmin.slice('isk_admin_'.length)),
    ]);
  });

  it('several instances starting at once with a passphrase store it once (no re-key by a second salt)', async () => {
    const own = await ownDatabase('gateway-concurrent-start');
    const instances = await Promise.all(
      [1, 2, 3].map(() => another({ databaseUrl: own.url, adminApiKey: ADMIN_KEY })),
    );
    const rows = await own.query<{ type: string }>(
      "SELECT type FROM events WHERE stream_id = 'apikey-admin' ORDER BY stream_version",
    );
    expect(rows.map((row) => row.type)).toEqual(['ApiKeyCreated']);
    for (const instance of instances) {
      const token = await issue(ADMIN_KEY, instance.app);
      expect(decodeJwt(token).secretVersion).toBe(0);
    }
  });

  it('re-hashes a passphrase an earlier version stored as SHA-256, without invalidating its tokens', async () => {
    const own = await ownDatabase('gateway-rehash');
    // the state an earlier version left: the passphrase's unsalted SHA-256
    const prisma = createPrismaClient(own.url, { poolSize: 1 });
    closers.push(() => prisma.$disconnect());
    await postgresApiKeyStorage(prisma).handle(
      ADMIN_KEY_ID,
      (state) =>
        decideApiKey(
          { type: 'EnsureBootstrapKey', secretHash: sha256(ADMIN_KEY), metadata: { now: new Date() } },
          state,
        ),
      { correlationId: 'earlier-version' },
    );
    const instance = await another({ databaseUrl: own.url });
    const token = await issue(ADMIN_KEY, instance.app);
    await expect(instance.apiKeys.ensureAdminKey(ADMIN_KEY)).resolves.toEqual({ status: 'updated' });
    const hashes = await secretHashesOf(own, ADMIN_KEY_ID);
    expect(hashes).toEqual([sha256(ADMIN_KEY), expect.stringMatching(/^\$scrypt\$/)]);
    expect((await request(instance.app).get(S).set(bearer(token))).status).toBe(200);
    expect(
      (
        await request(instance.app)
          .get(S)
          .set(bearer(await issue(ADMIN_KEY, instance.app)))
      ).status,
    ).toBe(200);
  });
});

describe('documents and operational endpoints (no token)', () => {
  it('serves the OpenAPI document of the option and an HTML page of it', async () => {
    const doc = await request(gateway.app).get('/api/identity-store/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body).toEqual(OPENAPI);
    const page = await request(gateway.app).get('/api/identity-store/docs');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('<h2>things</h2>');
    expect(page.text).toContain('<td class="m get">GET</td><td><code>/x</code></td><td>Get the x</td>');
  });

  it('answers /healthz, /readyz (database) and, on the admin app only, /metrics', async () => {
    expect((await request(gateway.app).get('/healthz')).body).toEqual({ status: 'UP' });
    const ready = await request(gateway.app).get('/readyz');
    expect([ready.status, ready.body]).toEqual([200, { status: 'UP', checks: { database: 'UP' } }]);
    expect((await request(gateway.app).get('/metrics')).status).toBe(404);
    const metrics = await request(gateway.admin).get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.text).toContain('http_request_duration_seconds_count{service="gateway"');
  });
});

describe('proxied services (string targets)', () => {
  let proxied: GatewayApp;

  beforeAll(async () => {
    const identity = await listen(
      echoService('identity', {
        operationalEndpoints: true,
        trust: { gatewayVerifyKey: parseGrantVerifyKey(GRANT_KEYS.verifyKey) },
      }),
    );
    closers.push(identity.close);
    proxied = await another({ targets: { identity: identity.url, totp: 'http://127.0.0.1:9' } });
  });

  it('proxies with method, path, query, body and headers unchanged, plus the gateway headers', async () => {
    const response = await request(proxied.app)
      .post(`${S}/acme/users?q=1`)
      .set(bearer(adminToken))
      .set('X-Correlation-Id', 'corr-proxy')
      .set('X-Principal', 'forged')
      .set('X-Custom', 'kept')
      .send({ extId: 'p-1', attributes: { a: [1, 2] } });
    expect(response.status).toBe(200);
    const echo = response.body as Echo;
    expect([echo.service, echo.method, echo.url]).toEqual(['identity', 'POST', `${S}/acme/users?q=1`]);
    expect(echo.body).toEqual({ extId: 'p-1', attributes: { a: [1, 2] } });
    expect(echo.headers['x-principal']).toBe('admin');
    expect(echo.headers['authorization']).toBeUndefined();
    expect(echo.headers[GRANT_HEADER]).toEqual(expect.any(String));
    expect(echo.grant).toMatchObject({ aud: 'identity', op: 'createUser', stores: null, sub: 'admin' });
    expect(echo.headers['x-correlation-id']).toBe('corr-proxy');
    expect(echo.headers['x-custom']).toBe('kept');
    expect(echo.headers['x-forwarded-for']).toBeDefined();
    expect(Number(echo.headers['content-length'])).toBe(Buffer.byteLength(JSON.stringify(echo.body)));
    const list = await request(proxied.app).get(`${S}?page=0`).set(bearer(adminToken));
    expect([list.body.method, list.body.url]).toEqual(['GET', `${S}?page=0`]);
    // A public operation travels with a signed grant too (the service verifies it like any other).
    const facets = await request(proxied.app).get('/api/identity-store/public/stores/acme/appkeys/example.com/facets');
    expect([facets.status, facets.body.grant]).toEqual([200, expect.objectContaining({ op: 'getTrustedFacets', sub: 'anonymous' })]);
  });

  it('answers 503 for an unreachable or unconfigured service', async () => {
    const down = await request(proxied.app).get(`${S}/acme/users/u-1/totps`).set(bearer(adminToken));
    expect([down.status, down.body.code]).toEqual([503, 'SERVICE_UNAVAILABLE']);
    expect(down.headers['content-type']).toMatch(/^application\/problem\+json/);
    const none = await request(proxied.app)
      .get(`${S}/acme/users/u-1/authentications/a-1`)
      .set(bearer(adminToken));
    expect([none.status, none.body.code]).toEqual([503, 'SERVICE_UNAVAILABLE']);
  });

  it('tells clients when to retry a service that cannot be reached (503 with Retry-After)', async () => {
    // A restarting or killed service: the request never reached it, so retrying is safe.
    const down = await request(proxied.app).get(`${S}/acme/users/u-1/totps`).set(bearer(adminToken));
    expect([down.status, down.headers['retry-after']]).toEqual([503, '1']);
  });

  it("includes every proxied service's /healthz in readiness", async () => {
    const ready = await request(proxied.app).get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body.checks.database).toBe('UP');
    expect(ready.body.checks['service:identity']).toBe('UP');
    expect(ready.body.checks['service:totp']).toMatch(/^DOWN/);
  });

  it('L6: public readiness and proxy errors name no cause (hosts, ports, error codes); the admin app does', async () => {
    const ready = await request(proxied.app).get('/readyz');
    expect(ready.body).toEqual({
      status: 'DOWN',
      checks: { database: 'UP', 'service:identity': 'UP', 'service:totp': 'DOWN' },
    });
    const detailed = await request(proxied.admin).get('/readyz');
    expect(detailed.body.checks['service:totp']).toMatch(/^DOWN: ./);

    // A service that resets every connection: 502, without the socket error's text.
    const resetting = net.createServer((socket) => socket.resetAndDestroy());
    await new Promise<void>((resolve) => resetting.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise<void>((resolve) => resetting.close(() => resolve())));
    const broken = await another({
      targets: { totp: `http://127.0.0.1:${(resetting.address() as net.AddressInfo).port}` },
    });
    const answer = await request(broken.app).get(`${S}/acme/users/u-1/totps`).set(bearer(adminToken));
    expect([answer.status, answer.body.code]).toEqual([502, 'BAD_GATEWAY']);
    expect(answer.body.detail).toBe('The totp service failed to answer.');
    expect(answer.text).not.toMatch(/ECONNRESET|socket|127\.0\.0\.1/);
  });
});

describe('rate limit of failed issue attempts (M5; a database of their own)', () => {
  const PASSPHRASE = 'limits-spec-bootstrap-passphrase-0001';
  let limitsDb: TestDatabase;
  /** A key of a tenant (random form), created through the limits database's gateway. */
  let tenantKey: string;

  const junk = () => randomKey('nosuchkey');
  const attempt = (app: GatewayApp['app'], key: string, forwardedFor?: string) => {
    const call = request(app).post('/api/arthr/apiKeys/issue').set('X-Api-Key', key);
    return forwardedFor ? call.set('X-Forwarded-For', forwardedFor) : call;
  };
  const onLimits = (over: Partial<GatewayAppOptions> = {}) => another({ databaseUrl: limitsDb.url, ...over });

  beforeAll(async () => {
    limitsDb = await ownDatabase('gateway-limits');
    const instance = await onLimits({ adminApiKey: PASSPHRASE });
    tenantKey = (
      await createKey(
        { name: 'tenant', permissions: ['IdentityStore:getStore'], stores: ['acme'] },
        instance.app,
        await issue(PASSPHRASE, instance.app),
      )
    ).key;
  });

  it('answers 429 with Retry-After once an address failed too often, other addresses unaffected', async () => {
    const limited = await onLimits({ issueRateLimit: { points: 3, durationSeconds: 60 }, trustProxy: true });
    for (let i = 0; i < 3; i++) expect((await attempt(limited.app, junk(), '203.0.113.7')).status).toBe(401);
    // (junk of the random form: checked, counted, and the one over the limit blocks for the full window)
    const blocked = await attempt(limited.app, junk(), '203.0.113.7');
    expect([blocked.status, blocked.body.code]).toEqual([429, 'TOO_MANY_ATTEMPTS']);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThanOrEqual(59);
    expect(Number(blocked.headers['retry-after'])).toBeLessThanOrEqual(60);
    // a passphrase-style key (guessable) waits while the address is blocked: it is not even checked
    expect((await attempt(limited.app, PASSPHRASE, '203.0.113.7')).status).toBe(429);
    expect((await attempt(limited.app, PASSPHRASE, '203.0.113.8')).status).toBe(200);
  });

  it('never refuses a valid key: 10 junk keys from one address, then the right key from it', async () => {
    const limited = await onLimits({ trustProxy: true }); // the default limit: 10 failures a minute
    const address = '198.51.100.10';
    for (let i = 0; i < 10; i++) expect((await attempt(limited.app, junk(), address)).status).toBe(401);
    expect((await attempt(limited.app, junk(), address)).status).toBe(429);
    const valid = await attempt(limited.app, tenantKey, address);
    expect(valid.status).toBe(200);
    expect(typeof valid.body.token).toBe('string');
    expect((await attempt(limited.app, junk(), address)).status).toBe(429);
  });

  it('counts IPv6 addresses per /64: one network shares a bucket, the next /64 does not', async () => {
    const limited = await onLimits({ issueRateLimit: { points: 3, durationSeconds: 60 }, trustProxy: true });
    for (const address of ['2001:db8:6:1::1', '2001:db8:6:1::2', '2001:db8:6:1:aaaa::3'])
      expect((await attempt(limited.app, junk(), address)).status).toBe(401);
    const sameNetwork = await attempt(limited.app, junk(), '2001:db8:6:1:ffff:ffff:ffff:ffff');
    expect(sameNetwork.status).toBe(429);
    expect((await attempt(limited.app, junk(), '2001:db8:6:2::1')).status).toBe(401);
  });

  it('believes X-Forwarded-For only with trust proxy (TRUST_PROXY)', async () => {
    const behindProxy = await onLimits({
      issueRateLimit: { points: 3, durationSeconds: 60 },
      trustProxy: true,
    });
    for (let i = 0; i < 3; i++)
      expect((await attempt(behindProxy.app, junk(), '192.0.2.20')).status).toBe(401);
    expect((await attempt(behindProxy.app, junk(), '192.0.2.20')).status).toBe(429);
    expect((await attempt(behindProxy.app, junk(), '192.0.2.21')).status).toBe(401);

    const direct = await onLimits({ issueRateLimit: { points: 3, durationSeconds: 60 } });
    for (const forwarded of ['192.0.2.30', '192.0.2.31', '192.0.2.32'])
      expect((await attempt(direct.app, junk(), forwarded)).status).toBe(401);
    // every attempt came from this test's socket address; the header changed nothing
    expect((await attempt(direct.app, junk(), '192.0.2.33')).status).toBe(429);
  });

  it('counts in the database: two gateway instances on one database share the count', async () => {
    const options = { issueRateLimit: { points: 3, durationSeconds: 60 }, trustProxy: true };
    const [first, second] = [await onLimits(options), await onLimits(options)];
    for (let i = 0; i < 3; i++) expect((await attempt(first.app, junk(), '192.0.2.50')).status).toBe(401);
    expect((await attempt(second.app, junk(), '192.0.2.50')).status).toBe(429);
    const rows = await limitsDb.query<{ key: string }>(
      "SELECT key FROM rate_limits WHERE key LIKE '%192.0.2.50'",
    );
    expect(rows.map((row) => row.key)).toEqual(['issue-client:192.0.2.50']);
  });

  it('locks a passphrase-style key guessed from many addresses; random keys stay usable', async () => {
    const own = await ownDatabase('gateway-limits-per-key');
    const instance = await another({
      databaseUrl: own.url,
      adminApiKey: PASSPHRASE,
      trustProxy: true,
      issueRateLimit: { points: 10, durationSeconds: 60, perKey: { points: 3, durationSeconds: 60 } },
    });
    const tenant = await createKey(
      { name: 'tenant', permissions: ['IdentityStore:getStore'] },
      instance.app,
      await issue(PASSPHRASE, instance.app),
    );
    for (let i = 0; i < 3; i++)
      expect(
        (await attempt(instance.app, `guess-${i}-of-the-bootstrap-passphrase`, `192.0.2.${70 + i}`)).status,
      ).toBe(401);
    const locked = await attempt(instance.app, PASSPHRASE, '192.0.2.80');
    expect([locked.status, locked.body.code]).toEqual([429, 'TOO_MANY_ATTEMPTS']);
    expect((await attempt(instance.app, tenant.key, '192.0.2.81')).status).toBe(200);
  });
});
