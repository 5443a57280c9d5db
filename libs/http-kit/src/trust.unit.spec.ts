import { generateKeyPairSync, randomBytes } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import request from 'supertest';
import {
  attachInProcessGrant,
  createLogger,
  createServiceApps,
  generateGrantKeyPair,
  GRANT_HEADER,
  type GrantClaims,
  GrantSigner,
  GrantVerifier,
  grantOf,
  InternalTokenIssuer,
  internalTokenKey,
  markSummaryStale,
  operationRouter,
  parseGrantSigningKey,
  parseGrantVerifyKey,
  Router,
  type ServiceTrust,
} from './index';

const logger = createLogger('trust-unit', 'silent');
const S = '/api/identity-store/stores';
const keys = generateGrantKeyPair();
const signingKey = parseGrantSigningKey(keys.signingKey);
const verifyKey = parseGrantVerifyKey(keys.verifyKey);
const getUser: GrantClaims = { aud: 'identity', op: 'getUser', perm: 'IdentityStore:getUser', stores: ['acme'], sub: 'k-1' };

/** A service app (identity, unless named) whose routes answer what they were granted. */
const identityApp = (trust: ServiceTrust = {}, register?: (router: express.Router) => void, service: 'identity' | 'totp' = 'identity') => {
  const router = operationRouter();
  const answer = (name: string) => (req: Request, res: Response) => void res.json({ route: name, grant: grantOf(req)?.op });
  if (register) register(router);
  else {
    router.get(`${S}/:storeName/users/:userId`, answer('getUser'));
    router.get(`${S}/:storeName/users/:extId/ext`, answer('getUserByExtId'));
  }
  const internal = Router();
  internal.get('/internal/ping', (_req, res) => void res.json({ pong: true }));
  return createServiceApps({ name: service, logger, routers: [router, internal], trust: { service, ...trust } });
};

/** What the in-process forwarder does: the grant as a property of the request, then the service. */
const inProcess = (claims: GrantClaims, service: express.Express) => {
  const outer = express();
  outer.use((req: Request, res: Response, next: NextFunction) => {
    attachInProcessGrant(req, claims);
    service(req, res, next);
  });
  return outer;
};

describe('gateway grants', () => {
  it('are EdDSA JWTs of a fixed type, 60 s, for one audience; the gateway reuses one until 15 s before expiry', async () => {
    let now = Date.parse('2026-11-30T10:00:00Z');
    const signer = new GrantSigner(signingKey, () => now);
    const token = await signer.sign(getUser);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'EdDSA', typ: 'identity-store-grant+jwt' });
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ iss: 'identity-store-gateway', aud: 'identity', sub: 'k-1', op: 'getUser', stores: ['acme'] });
    expect(claims.exp! - claims.iat!).toBe(60);
    now += 44_000;
    expect(await signer.sign(getUser)).toBe(token);
    expect(await signer.sign({ ...getUser, stores: null })).not.toBe(token);
    now += 2_000;
    expect(await signer.sign(getUser)).not.toBe(token);
  });

  it('verify only with the gateway key, for this audience, unexpired', async () => {
    const verifier = new GrantVerifier('identity', verifyKey);
    const signed = await new GrantSigner(signingKey).sign(getUser);
    expect(await verifier.verify(signed)).toMatchObject({ op: 'getUser', stores: ['acme'], sub: 'k-1' });
    const foreign = new GrantSigner(generateKeyPairSync('ed25519').privateKey);
    await expect(verifier.verify(await foreign.sign(getUser))).rejects.toMatchObject({ status: 401, code: 'GRANT_INVALID' });
    await expect(new GrantVerifier('totp', verifyKey).verify(signed)).rejects.toMatchObject({ code: 'GRANT_INVALID' });
    const old = new GrantSigner(signingKey, () => Date.now() - 120_000);
    await expect(verifier.verify(await old.sign(getUser))).rejects.toMatchObject({ code: 'GRANT_INVALID' });
    const [header, , signature] = signed.split('.');
    const widened = Buffer.from(JSON.stringify({ ...decodeJwt(signed), stores: null })).toString('base64url');
    await expect(verifier.verify(`${header}.${widened}.${signature}`)).rejects.toMatchObject({ code: 'GRANT_INVALID' });
  });

  it('keys: PEM or base64 DER; a private key is refused as the verify key', () => {
    const pem = signingKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(parseGrantSigningKey(pem.replace(/\n/g, '\\n')).asymmetricKeyType).toBe('ed25519');
    expect(() => parseGrantVerifyKey(pem)).toThrow(/public key/);
    expect(() => parseGrantVerifyKey(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'pem', type: 'spki' }).toString())).toThrow(/Ed25519/);
  });
});

describe('authorizeOperations and operationRouter', () => {
  it('401 without a grant, in-process grants accepted; a signed grant needs the verify key', async () => {
    const { app } = identityApp();
    expect((await request(app).get(`${S}/acme/users/u-1`)).body.code).toBe('GRANT_MISSING');
    const signed = await new GrantSigner(signingKey).sign(getUser);
    expect((await request(app).get(`${S}/acme/users/u-1`).set(GRANT_HEADER, signed)).status).toBe(401);
    expect((await request(inProcess(getUser, app)).get(`${S}/acme/users/u-1`)).body).toEqual({ route: 'getUser', grant: 'getUser' });
    const distributed = identityApp({ gatewayVerifyKey: verifyKey }).app;
    expect((await request(distributed).get(`${S}/acme/users/u-1`).set(GRANT_HEADER, signed)).body.route).toBe('getUser');
  });

  it('403 for another operation, another store or another service', async () => {
    const { app } = identityApp();
    const byExt = await request(inProcess(getUser, app)).get(`${S}/acme/users/alice/ext`);
    expect([byExt.status, byExt.body.code]).toEqual([403, 'OPERATION_NOT_GRANTED']);
    const otherStore = await request(inProcess(getUser, app)).get(`${S}/beta/users/u-1`);
    expect([otherStore.status, otherStore.body.code]).toEqual([403, 'STORE_NOT_ALLOWED']);
    const forTotp = await request(inProcess({ ...getUser, aud: 'totp' }, app)).get(`${S}/acme/users/u-1`);
    expect(forTotp.status).toBe(401);
  });

  it('routers are case-sensitive and strict: another case or a trailing slash is no route', async () => {
    const { app } = identityApp();
    const granted = inProcess({ ...getUser, op: 'getUserByExtId' }, app);
    expect((await request(granted).get(`${S}/acme/users/alice/ext`)).status).toBe(200);
    expect((await request(granted).get(`${S}/acme/users/alice/EXT`)).status).toBe(403);
    expect((await request(inProcess(getUser, app)).get(`${S}/acme/users/u-1/`)).status).toBe(404);
  });

  it('a route runs only for the operation of its own template, whatever order Express tries routes in', async () => {
    // Registered in the wrong order: for `…/users/u-1/totps/ext` the table says listTotpsByExtId (a
    // literal beats a parameter), Express tries `…/totps/:id` (getTotp, id "ext") first.
    const { app } = identityApp(
      {},
      (router) => {
        router.get(`${S}/:storeName/users/:userId/totps/:id`, (_req, res) => void res.json({ route: 'getTotp' }));
        router.get(`${S}/:storeName/users/:extId/totps/ext`, (_req, res) => void res.json({ route: 'listTotpsByExtId' }));
      },
      'totp',
    );
    const granted = (op: string, perm = op) =>
      inProcess({ aud: 'totp', op, perm: `IdentityStore:${perm}`, stores: null, sub: 'k' }, app);
    const misrouted = await request(granted('listTotpsByExtId', 'listTotps')).get(`${S}/acme/users/u-1/totps/ext`);
    expect([misrouted.status, misrouted.body.code]).toEqual([403, 'OPERATION_NOT_GRANTED']);
    expect((await request(granted('getTotp')).get(`${S}/acme/users/u-1/totps/t-1`)).body).toEqual({ route: 'getTotp' });
  });
});

describe('internal tokens', () => {
  const key = randomBytes(32);
  it('open /internal/* only with a token of the shared key for this service', async () => {
    const { app } = identityApp({ internalTokenKey: key });
    expect((await request(app).get('/internal/ping')).body.code).toBe('INTERNAL_TOKEN_MISSING');
    const tokens = new InternalTokenIssuer('totp', key);
    expect((await request(app).get('/internal/ping').set('authorization', `Bearer ${await tokens.tokenFor('identity')}`)).body).toEqual({ pong: true });
    expect((await request(app).get('/internal/ping').set('authorization', `Bearer ${await tokens.tokenFor('audit')}`)).status).toBe(401);
    const foreign = new InternalTokenIssuer('totp', randomBytes(32));
    expect((await request(app).get('/internal/ping').set('authorization', `Bearer ${await foreign.tokenFor('identity')}`)).status).toBe(401);
    const keyless = identityApp().app;
    expect((await request(keyless).get('/internal/ping').set('authorization', `Bearer ${await tokens.tokenFor('identity')}`)).status).toBe(401);
    expect(() => internalTokenKey('short')).toThrow(/32 bytes/);
  });
});

describe('operational endpoints', () => {
  it('public /readyz names the failing check, not its error; the admin app shows the error and /metrics', async () => {
    const { app, admin } = createServiceApps({
      name: 'svc',
      logger,
      routers: [],
      readiness: [{ name: 'database', check: () => Promise.reject(new Error('connect ECONNREFUSED 10.1.2.3:5432')) }],
    });
    const ready = await request(app).get('/readyz');
    expect([ready.status, ready.body]).toEqual([503, { status: 'DOWN', checks: { database: 'DOWN' } }]);
    expect((await request(app).get('/metrics')).status).toBe(404);
    expect((await request(admin).get('/readyz')).body.checks.database).toBe('DOWN: connect ECONNREFUSED 10.1.2.3:5432');
    expect((await request(admin).get('/metrics')).status).toBe(200);
  });

  it('markSummaryStale sets Summary-Status: stale on the answer of the request it runs in', async () => {
    const router = Router();
    router.get('/x', async (_req, res) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      markSummaryStale();
      res.json({});
    });
    router.get('/y', (_req, res) => void res.json({}));
    const { app } = createServiceApps({ name: 'svc', logger, routers: [router] });
    expect((await request(app).get('/x')).headers['summary-status']).toBe('stale');
    expect((await request(app).get('/y')).headers['summary-status']).toBeUndefined();
  });
});
