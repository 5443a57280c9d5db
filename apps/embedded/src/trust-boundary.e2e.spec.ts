import { generateKeyPairSync, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { ServiceName } from '@identity-store/contracts';
import {
  GRANT_HEADER,
  GRANT_ISSUER,
  GRANT_TYPE,
  type GrantClaims,
  GrantSigner,
  InternalTokenIssuer,
  parseGrantSigningKey,
} from '@identity-store/http-kit';
import { uniqueName } from '@identity-store/testing';
import { SignJWT } from 'jose';
import * as OTPAuth from 'otpauth';
import { type DistributedSystem, startDistributedSystem } from './testing/distributed-system';

/**
 * H1 and its neighbours, in the distributed layout over real HTTP: the gateway proxies to every
 * service with a signed grant; every service, called directly as a neighbour on its network could,
 * refuses anything the gateway did not grant (operation, store), and /internal/* anything without a
 * service token. Real PostgreSQL (a database per service) and the real Kafka broker.
 */

interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read whatever was answered
  body: any;
  headers: Headers;
}

const send = async (
  url: string,
  method: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> => {
  const response = await fetch(url, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
};

/** A request with its path exactly as written (fetch would resolve `.` and `..` segments first). */
const sendRaw = (baseUrl: string, method: string, path: string, headers: Record<string, string>) =>
  new Promise<Answer>((resolve, reject) => {
    const request = http.request(`${baseUrl}/`, { method, path, headers }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          body: text ? JSON.parse(text) : undefined,
          headers: new Headers(response.headers as Record<string, string>),
        }),
      );
    });
    request.on('error', reject);
    request.end();
  });

const S = '/api/identity-store/stores';
const totpPolicy = { issuer: 'Acme', algorithm: 'SHA1', digits: 6, period: 30, window: 1, maxFailedAttempts: 5, lockoutDuration: 'PT15M' };
const codeOf = (secret: string, offset = 0) =>
  new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate({
    timestamp: Date.now() + offset * 30_000,
  });

describe('distributed layout: a trust boundary at every service (H1, L1, L5, F2)', () => {
  let system: DistributedSystem;
  let token: string;
  let grants: GrantSigner;
  const store = uniqueName('acme');
  const other = uniqueName('other');
  let alice: { id: string };

  const viaGateway = (method: string, path: string, body?: unknown, bearer = token, headers: Record<string, string> = {}) =>
    send(`${system.gatewayUrl}${path}`, method, body, { authorization: `Bearer ${bearer}`, ...headers });
  /** A grant minted with the gateway's own key: what a captured grant would be. */
  const grant = (claims: Partial<GrantClaims> & Pick<GrantClaims, 'aud' | 'op' | 'perm'>) =>
    grants.sign({ stores: null, sub: 'admin', ...claims });
  const direct = async (service: ServiceName, method: string, path: string, headers: Record<string, string> = {}, body?: unknown) =>
    send(`${system.services[service as keyof DistributedSystem['services']].url}${path}`, method, body, headers);

  beforeAll(async () => {
    system = await startDistributedSystem({ label: 'trust' });
    grants = new GrantSigner(parseGrantSigningKey(system.keys.signingKey));
    const issued = await send(`${system.gatewayUrl}/api/arthr/apiKeys/issue`, 'POST', undefined, { 'x-api-key': system.adminApiKey });
    expect(issued.status).toBe(200);
    token = issued.body.token;
    // A policy named `ext` too: the L1 exploit needs one.
    const created = await viaGateway('POST', S, { name: store, totpPolicies: { default: totpPolicy, ext: totpPolicy } });
    expect(created.status).toBe(201);
    expect((await viaGateway('POST', S, { name: other })).status).toBe(201);
    const user = await viaGateway('POST', `${S}/${store}/users`, { extId: 'alice' });
    expect(user.status).toBe(200);
    alice = user.body;
  });
  afterAll(async () => {
    await system?.close();
  });

  it('serves a TOTP registration and authentication end to end: gateway → services over HTTP, with grants', async () => {
    const started = await viaGateway('POST', `${S}/${store}/users/${alice.id}/totps/registrations/default`);
    expect(started.status).toBe(201);
    expect(started.body.user.summaryInfo.totps.count).toBe(1);
    const completed = await viaGateway('POST', `${S}/${store}/users/alice/totps/registrations/default/complete/ext`, {
      code: codeOf(started.body.secret),
    });
    expect(completed.status).toBe(200);
    expect(completed.body.summaryInfo.totps.items[0].status).toBe('ACTIVE');
    const ok = await viaGateway('POST', `${S}/${store}/users/${alice.id}/totps/authentications/default`, {
      code: codeOf(started.body.secret, 1),
    });
    expect([ok.status, ok.body.result]).toEqual([200, 'SUCCESS']);
    expect(ok.headers.get('summary-status')).toBeNull();
    // The write answered without waiting for the audit projection: its token makes the read wait.
    const audit = await viaGateway('GET', `${S}/${store}/users/${alice.id}/authentications/${ok.body.authenticationId}`, undefined, token, {
      'consistency-token': ok.headers.get('consistency-token')!,
    });
    expect([audit.status, audit.body.result]).toEqual([200, 'SUCCESS']);
  });

  it('a service called directly answers 401 without a grant, even to a valid bearer token of the gateway', async () => {
    const bearer = { authorization: `Bearer ${token}` };
    const calls: Array<[ServiceName, string, string]> = [
      ['identity', 'GET', `${S}/${store}/users/${alice.id}`],
      ['identity', 'GET', S],
      ['totp', 'POST', `${S}/${store}/users/${alice.id}/totps/registrations/default`],
      ['passcode', 'GET', `${S}/${store}/users/${alice.id}/passcodes`],
      ['passkey', 'GET', `${S}/${store}/users/${alice.id}/passkeys`],
      ['audit', 'GET', `${S}/${store}/users/${alice.id}/authentications/a-1`],
    ];
    for (const [service, method, path] of calls) {
      for (const headers of [{}, bearer]) {
        const answer = await direct(service, method, path, headers);
        expect([service, path, answer.status, answer.body.code]).toEqual([service, path, 401, 'GRANT_MISSING']);
      }
    }
  });

  it('403 for a grant of another operation: a captured grant opens nothing else', async () => {
    const readGrant = await grant({ aud: 'totp', op: 'listTotps', perm: 'IdentityStore:listTotps' });
    const start = await direct('totp', 'POST', `${S}/${store}/users/${alice.id}/totps/registrations/ext`, { [GRANT_HEADER]: readGrant });
    expect([start.status, start.body.code]).toEqual([403, 'OPERATION_NOT_GRANTED']);
    expect(JSON.stringify(start.body)).not.toContain('secret');
    const listGrant = await grant({ aud: 'identity', op: 'listStores', perm: 'IdentityStore:listStores' });
    const createUser = await direct('identity', 'POST', `${S}/${store}/users`, { [GRANT_HEADER]: listGrant }, { extId: 'mallory' });
    expect([createUser.status, createUser.body.code]).toEqual([403, 'OPERATION_NOT_GRANTED']);
    // The /ext twins share a permission, not an operation.
    const getUser = await grant({ aud: 'identity', op: 'getUser', perm: 'IdentityStore:getUser' });
    const byExt = await direct('identity', 'GET', `${S}/${store}/users/alice/ext`, { [GRANT_HEADER]: getUser });
    expect([byExt.status, byExt.body.code]).toEqual([403, 'OPERATION_NOT_GRANTED']);
    // Each grant still opens what it names.
    expect((await direct('totp', 'GET', `${S}/${store}/users/${alice.id}/totps`, { [GRANT_HEADER]: readGrant })).status).toBe(200);
    expect((await direct('identity', 'GET', `${S}/${store}/users/${alice.id}`, { [GRANT_HEADER]: getUser })).status).toBe(200);
    expect((await viaGateway('GET', `${S}/${store}/users/mallory/ext`)).status).toBe(404);
    expect((await viaGateway('GET', `${S}/${store}/users/${alice.id}/totps/registrations/ext`)).status).toBe(404);
  });

  it("403 STORE_NOT_ALLOWED for a store outside the grant's stores: path, createStore body and listStores", async () => {
    const getUser = await grant({ aud: 'identity', op: 'getUser', perm: 'IdentityStore:getUser', stores: [other] });
    const outside = await direct('identity', 'GET', `${S}/${store}/users/${alice.id}`, { [GRANT_HEADER]: getUser });
    expect([outside.status, outside.body.code]).toEqual([403, 'STORE_NOT_ALLOWED']);
    const totpGrant = await grant({ aud: 'totp', op: 'startTotpRegistration', perm: 'IdentityStore:startTotpRegistration', stores: [other] });
    const secretAttempt = await direct('totp', 'POST', `${S}/${store}/users/${alice.id}/totps/registrations/ext`, {
      [GRANT_HEADER]: totpGrant,
    });
    expect([secretAttempt.status, secretAttempt.body.code]).toEqual([403, 'STORE_NOT_ALLOWED']);

    const createGrant = await grant({ aud: 'identity', op: 'createStore', perm: 'IdentityStore:createStore', stores: [other] });
    const sneaky = uniqueName('sneaky');
    const created = await direct('identity', 'POST', S, { [GRANT_HEADER]: createGrant }, { name: sneaky });
    expect([created.status, created.body.code]).toEqual([403, 'STORE_NOT_ALLOWED']);
    expect((await viaGateway('GET', `${S}/${sneaky}`)).status).toBe(404);

    const listGrant = await grant({ aud: 'identity', op: 'listStores', perm: 'IdentityStore:listStores', stores: [other] });
    const listed = await direct('identity', 'GET', `${S}?size=100`, { [GRANT_HEADER]: listGrant });
    expect(listed.status).toBe(200);
    expect(listed.body.content.map((s: { name: string }) => s.name)).toEqual([other]);
  });

  it('401 GRANT_INVALID for a forged, expired, unsigned or other-audience grant', async () => {
    const path = `${S}/${store}/users/${alice.id}`;
    const claims = { op: 'getUser', perm: 'IdentityStore:getUser', stores: null };
    const { privateKey: foreignKey } = generateKeyPairSync('ed25519');
    const now = Math.floor(Date.now() / 1000);
    const signed = (key: Parameters<SignJWT['sign']>[0], alg: string, over: { iat?: number; exp?: number; aud?: string } = {}) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg, typ: GRANT_TYPE })
        .setIssuer(GRANT_ISSUER)
        .setAudience(over.aud ?? 'identity')
        .setSubject('admin')
        .setJti('j-1')
        .setIssuedAt(over.iat ?? now)
        .setExpirationTime(over.exp ?? now + 60)
        .sign(key);
    const gatewayKey = parseGrantSigningKey(system.keys.signingKey);
    const forged = [
      await signed(foreignKey, 'EdDSA'),
      await signed(gatewayKey, 'EdDSA', { iat: now - 600, exp: now - 540 }),
      await signed(new TextEncoder().encode(system.keys.verifyKey), 'HS256'),
      await signed(gatewayKey, 'EdDSA', { aud: 'totp' }),
      `${Buffer.from(JSON.stringify({ alg: 'none', typ: GRANT_TYPE })).toString('base64url')}.${Buffer.from(
        JSON.stringify({ ...claims, iss: GRANT_ISSUER, aud: 'identity', sub: 'admin', jti: 'x', iat: now, exp: now + 60 }),
      ).toString('base64url')}.`,
      token, // the gateway's bearer token is no grant
    ];
    for (const value of forged) {
      const answer = await direct('identity', 'GET', path, { [GRANT_HEADER]: value });
      expect([answer.status, answer.body.code]).toEqual([401, 'GRANT_INVALID']);
    }
    expect((await direct('identity', 'GET', path, { [GRANT_HEADER]: await signed(gatewayKey, 'EdDSA') })).status).toBe(200);
  });

  it('/internal/* answers 401 without a service token, or with one of another key or audience', async () => {
    const storeId = (await viaGateway('GET', `${S}/${store}`)).body.id as string;
    const lookups: Array<[ServiceName, string]> = [
      ['identity', `/internal/stores/${store}`],
      ['identity', `/internal/stores/${storeId}/users/${alice.id}`],
      ['identity', `/internal/stores/${storeId}/users/ext/alice`],
      ['audit', `/internal/summaries/${alice.id}`],
    ];
    const foreign = new InternalTokenIssuer('totp', randomBytes(32));
    const valid = new InternalTokenIssuer('totp', Buffer.from(system.keys.internalTokenKey));
    for (const [service, path] of lookups) {
      expect((await direct(service, 'GET', path)).status).toBe(401);
      expect((await direct(service, 'GET', path, { authorization: `Bearer ${token}` })).status).toBe(401);
      const wrongKey = await direct(service, 'GET', path, { authorization: `Bearer ${await foreign.tokenFor(service)}` });
      expect([wrongKey.status, wrongKey.body.code]).toEqual([401, 'INTERNAL_TOKEN_INVALID']);
      const wrongAudience = service === 'audit' ? 'identity' : 'audit';
      expect((await direct(service, 'GET', path, { authorization: `Bearer ${await valid.tokenFor(wrongAudience)}` })).status).toBe(401);
      expect((await direct(service, 'GET', path, { authorization: `Bearer ${await valid.tokenFor(service)}` })).status).toBe(200);
    }
  });

  it('keeps the projection rebuild and /metrics off the public listeners (admin listener only)', async () => {
    const internal = new InternalTokenIssuer('totp', Buffer.from(system.keys.internalTokenKey));
    const withToken = { authorization: `Bearer ${await internal.tokenFor('audit')}` };
    // The old public route, with and without a service token; the admin route on the public port; the gateway.
    expect((await direct('audit', 'POST', '/internal/projections/rebuild')).status).toBe(401);
    expect((await direct('audit', 'POST', '/internal/projections/rebuild', withToken)).status).toBe(404);
    expect((await direct('audit', 'POST', '/admin/projections/rebuild', withToken)).status).toBe(404);
    for (const path of ['/internal/projections/rebuild', '/admin/projections/rebuild'])
      expect((await send(`${system.gatewayUrl}${path}`, 'POST', undefined, { authorization: `Bearer ${token}` })).status).toBe(404);
    for (const service of ['gateway', 'identity', 'audit'] as const) {
      const url = service === 'gateway' ? system.gatewayUrl : system.services[service].url;
      expect((await send(`${url}/metrics`, 'GET')).status).toBe(404);
    }
    const metrics = await fetch(`${system.services.audit.adminUrl}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('audit_projection_lag_seconds');
  });

  it('L1: a case variation of a literal segment is not another operation (no TOTP secret for updateTotpByExtId)', async () => {
    // The gateway reads this as updateTotpByExtId (user "U", TOTP id "Registrations") and grants that;
    // a case-insensitive service router ran startTotpRegistration(U, policy "ext") and answered the secret.
    const exploit = await viaGateway('POST', `${S}/${store}/users/${alice.id}/totps/Registrations/ext`, { status: 'ACTIVE' });
    expect(exploit.status).not.toBe(201);
    expect(exploit.body).not.toHaveProperty('secret');
    expect([exploit.status, exploit.body.code]).toEqual([404, 'USER_NOT_FOUND']);
    expect((await viaGateway('GET', `${S}/${store}/users/${alice.id}/totps/registrations/ext`)).body.code).toBe('TOTP_NOT_FOUND');
    // Trailing slash: the gateway forwards the canonical path, the strict service serves it.
    expect((await viaGateway('GET', `${S}/${store}/users/${alice.id}/`)).status).toBe(200);
  });

  it('L5: "." and ".." as user path segments are 400, and reach no other resource', async () => {
    const bearer = { authorization: `Bearer ${token}` };
    for (const segment of ['..', '.', '%2E%2E', '%2e']) {
      for (const path of [`${S}/${store}/users/${segment}/ext`, `${S}/${store}/users/${segment}/totps`, `${S}/${store}/users/${segment}`]) {
        const answer = await sendRaw(system.gatewayUrl, 'GET', path, bearer);
        expect([path, answer.status, answer.body.code]).toEqual([path, 400, 'VALIDATION_FAILED']);
        expect(answer.body.errors.map((e: { path: string }) => e.path)).toEqual([
          path.endsWith('/ext') ? 'params.extId' : 'params.userId',
        ]);
      }
    }
  });

  it('F2: a key with listStores restricted to store a lists exactly [a], through the gateway', async () => {
    const names = [uniqueName('a'), uniqueName('b'), uniqueName('c')];
    for (const name of names) expect((await viaGateway('POST', S, { name })).status).toBe(201);
    const key = await viaGateway('POST', '/api/arthr/apiKeys', {
      name: 'lister',
      permissions: ['IdentityStore:listStores'],
      stores: [names[0]],
    });
    expect(key.status).toBe(201);
    const issued = await send(`${system.gatewayUrl}/api/arthr/apiKeys/issue`, 'POST', undefined, { 'x-api-key': key.body.key });
    const listed = await viaGateway('GET', `${S}?size=100`, undefined, issued.body.token);
    expect(listed.status).toBe(200);
    expect(listed.body.content.map((s: { name: string }) => s.name)).toEqual([names[0]]);
    const all = await viaGateway('GET', `${S}?size=100`);
    expect(all.body.content.map((s: { name: string }) => s.name)).toEqual(expect.arrayContaining(names));
  });
});
