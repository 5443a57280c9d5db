import { uniqueName } from '@identity-store/testing';
import { decodeJwt, SignJWT } from 'jose';
import { useE2eSystem } from './testing/e2e-system';
import { currentStep, totpCode } from './testing/totp-client';

/**
 * End to end over HTTP through the gateway, on real PostgreSQL and the real Kafka broker:
 * codes come from an independent RFC 6238 implementation (testing/totp-client.ts), not from the service.
 */

describe('identity-store end to end through the gateway (Kafka + PostgreSQL)', () => {
  const { call, api, system, token: adminToken, jwtSecret } = useE2eSystem('e2e');

  const storeName = uniqueName('acme');
  const policy = { name: 'default', issuer: 'Acme', algorithm: 'SHA1', digits: 6, period: 30, window: 1, maxFailedAttempts: 3, lockoutDuration: 'PT15M' };

  it('creates a store, a TOTP policy and users', async () => {
    const created = await call('POST', api(''), { name: storeName, description: 'e2e' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: storeName, description: 'e2e', totpPolicies: {}, attributeSchema: null });
    expect(created.headers.get('etag')).toBe('W/"1"');
    const withPolicy = await call('POST', api(`/${storeName}/totpPolicy`), policy);
    expect(withPolicy.status).toBe(201);
    expect(withPolicy.body.totpPolicies.default).toEqual(policy);
    const user = await call('POST', api(`/${storeName}/users`), { extId: 'alice', attributes: { email: 'alice@example.com' } });
    expect(user.status).toBe(200);
    expect(user.body).toMatchObject({ extId: 'alice', status: 'ACTIVE', attributes: { email: 'alice@example.com' } });
    expect(user.body.summaryInfo).toEqual({
      passkeys: { count: 0, items: [] },
      appkeys: { count: 0, items: [] },
      totps: { count: 0, items: [] },
      passcodes: { count: 0, items: [] },
      biometrics: { count: 0, items: [] },
      lastAuthentication: null,
    });
    const byExt = await call('GET', api(`/${storeName}/users/alice/ext`));
    expect(byExt.status).toBe(200);
    expect(byExt.body.id).toBe(user.body.id);
  });

  it('accepts and ignores the read-only fields a GET returned, in creates and updates (the changelog sends summaryInfo)', async () => {
    const forged = {
      id: 'not-an-id',
      createdDtm: '2000-01-01T00:00:00.000Z',
      lastUpdatedDtm: '2000-01-01T00:00:00.000Z',
      summaryInfo: { totps: { count: 9, items: [] }, passcodes: { count: 1, items: [] }, lastAuthentication: { type: 'Totp', result: 'SUCCESS', dtm: '2000-01-01T00:00:00.000Z' } },
    };
    const store = uniqueName('readonly');
    expect((await call('POST', api(''), { name: store })).status).toBe(201);
    const created = await call('POST', api(`/${store}/users`), { extId: 'erin', attributes: { a: 1 }, ...forged });
    expect(created.status).toBe(200);
    expect(created.body.id).not.toBe('not-an-id');
    expect(created.body.createdDtm).not.toBe(forged.createdDtm);
    expect(created.body.summaryInfo.totps).toEqual({ count: 0, items: [] });
    expect(created.body.summaryInfo.lastAuthentication).toBeNull();
    // A GET body sent back as an update: only extId, status and attributes count.
    const read = await call('GET', api(`/${store}/users/${created.body.id}`));
    const updated = await call('POST', api(`/${store}/users/${created.body.id}`), { ...read.body, ...forged, attributes: { a: 2 } });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ id: created.body.id, extId: 'erin', attributes: { a: 2 }, createdDtm: created.body.createdDtm });
    expect(updated.body.summaryInfo).toEqual(created.body.summaryInfo);
    // Anything else unknown is still refused, naming the field.
    const unknown = await call('POST', api(`/${store}/users`), { extId: 'frank', nickname: 'f' });
    expect([unknown.status, unknown.body.code]).toEqual([400, 'VALIDATION_FAILED']);
  });

  const userPath = (ref: string) => api(`/${storeName}/users/${ref}`);

  it('registers, authenticates, rejects wrong and replayed codes, locks out, deregisters — summaryInfo follows each request', async () => {
    const alice = (await call('GET', api(`/${storeName}/users/alice/ext`))).body;
    const started = await call('POST', `${userPath(alice.id)}/totps/registrations/default`);
    expect(started.status).toBe(201);
    expect(started.body.otpauthUri).toContain(`secret=${started.body.secret}`);
    expect(started.body.user.summaryInfo.totps).toEqual({
      count: 1,
      items: [expect.objectContaining({ id: started.body.id, status: 'PENDING', policyName: 'default', lastUsedDtm: null })],
    });
    const secret: string = started.body.secret;
    const step = currentStep();

    const wrongFirst = await call('POST', `${userPath(alice.id)}/totps/registrations/default/complete`, { code: totpCode(secret, step + 5) });
    expect(wrongFirst.status).toBe(400);
    expect(wrongFirst.body.code).toBe('INVALID_CODE');

    const completed = await call('POST', `${userPath('alice')}/totps/registrations/default/complete/ext`, { code: totpCode(secret, step) });
    expect(completed.status).toBe(200);
    expect(completed.body.summaryInfo.totps.items[0].status).toBe('ACTIVE');

    // The next step's code is inside the window (1) and newer than the completing one.
    const ok = await call('POST', `${userPath(alice.id)}/totps/authentications/default`, { code: totpCode(secret, step + 1), context: { ip: '203.0.113.9' } });
    expect(ok.status).toBe(200);
    expect(ok.body.result).toBe('SUCCESS');
    expect(ok.body.user.summaryInfo.lastAuthentication).toEqual({ type: 'Totp', result: 'SUCCESS', dtm: expect.any(String) });
    expect(ok.body.user.summaryInfo.totps.items[0].lastUsedDtm).toBe(ok.body.user.summaryInfo.lastAuthentication.dtm);

    const audit = await call('GET', `${userPath(alice.id)}/authentications/${ok.body.authenticationId}`);
    expect(audit.status).toBe(200);
    expect(audit.body).toMatchObject({ id: ok.body.authenticationId, userId: alice.id, type: 'Totp', result: 'SUCCESS', context: { ip: '203.0.113.9' } });
    expect((await call('GET', `${userPath('alice')}/authentications/${ok.body.authenticationId}/ext`)).body.id).toBe(ok.body.authenticationId);

    const replayed = await call('POST', `${userPath('alice')}/totps/authentications/default/ext`, { code: totpCode(secret, step + 1) });
    expect(replayed.status).toBe(400);
    expect(replayed.body).toMatchObject({ result: 'FAILURE', reason: 'CODE_REPLAYED' });
    expect(replayed.body.user.summaryInfo.lastAuthentication.result).toBe('FAILURE');

    const wrong = await call('POST', `${userPath(alice.id)}/totps/authentications/default`, { code: totpCode(secret, step + 9) });
    expect(wrong.status).toBe(400);
    expect(wrong.body.reason).toBe('INVALID_CODE');

    // Third failure reaches maxFailedAttempts (3): locked, and even a right code is refused (423).
    const third = await call('POST', `${userPath(alice.id)}/totps/authentications/default`, { code: '000000' === totpCode(secret, step) ? '111111' : '000000' });
    expect(third.status).toBe(400);
    expect(third.body.user.summaryInfo.totps.items[0].status).toBe('LOCKED');
    const locked = await call('POST', `${userPath(alice.id)}/totps/authentications/default`, { code: totpCode(secret, step + 1) });
    expect(locked.status).toBe(423);
    expect(locked.body.code).toBe('TOTP_LOCKED');

    const listed = await call('GET', `${userPath(alice.id)}/totps`);
    expect(listed.body).toMatchObject({ totalElements: 1, content: [{ id: started.body.id, status: 'LOCKED', failedAttempts: 3 }] });
    expect(JSON.stringify(listed.body)).not.toContain(secret);

    const unlocked = await call('POST', `${userPath(alice.id)}/totps/${started.body.id}`, { status: 'ACTIVE' });
    expect(unlocked.status).toBe(200);
    expect(unlocked.body).toMatchObject({ status: 'ACTIVE', failedAttempts: 0 });

    const deregistered = await call('POST', `${userPath(alice.id)}/totps/deregistrations/default`);
    expect(deregistered.status).toBe(200);
    expect(deregistered.body.summaryInfo.totps).toEqual({ count: 0, items: [] });
    expect((await call('GET', `${userPath(alice.id)}/totps/registrations/default`)).status).toBe(404);
  });

  it('answers malformed bodies with 400 naming every bad field, and stores nothing', async () => {
    const bad = await call('POST', api(`/${storeName}/totpPolicy`), { name: 'way too long policy name!!', issuer: '', digits: 7, period: 5 });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    const paths = bad.body.errors.map((e: { path: string }) => e.path).sort();
    expect(paths).toEqual(['body.digits', 'body.issuer', 'body.name', 'body.period']);
    expect(Object.keys((await call('GET', api(`/${storeName}`))).body.totpPolicies)).toEqual(['default']);

    const badUser = await call('POST', api(`/${storeName}/users`), { extId: '', status: 'SLEEPING', unknown: 1 });
    expect(badUser.status).toBe(400);
    expect([...new Set(badUser.body.errors.map((e: { path: string }) => e.path))].sort()).toEqual(['body', 'body.extId', 'body.status']);
    expect((await call('GET', api(`/${storeName}/users`))).body.totalElements).toBe(1);

    const notJson = await call('POST', api(''), '{"name": ');
    expect(notJson.status).toBe(400);
    expect(notJson.body.code).toBe('MALFORMED_JSON');

    const badCode = await call('POST', `${userPath('alice')}/totps/authentications/default/ext`, { code: '12ab' });
    expect(badCode.status).toBe(400);
    expect(badCode.body.errors).toEqual([{ path: 'body.code', message: expect.any(String) }]);
  });

  it('validates user attributes against the store attributeSchema', async () => {
    const name = uniqueName('schema');
    const schema = { type: 'object', properties: { age: { type: 'integer', minimum: 0 } }, required: ['age'] };
    expect((await call('POST', api(''), { name, attributeSchema: schema })).status).toBe(201);
    const rejected = await call('POST', api(`/${name}/users`), { extId: 'bob', attributes: { age: -1 } });
    expect(rejected.status).toBe(400);
    expect(rejected.body.errors).toEqual([{ path: 'body.attributes.age', message: 'must be >= 0' }]);
    expect((await call('POST', api(`/${name}/users`), { extId: 'bob', attributes: { age: 42 } })).status).toBe(200);
    expect((await call('POST', api(`/${name}/users`), { extId: 'bob', attributes: { age: 42 } })).status).toBe(409);
  });

  it('answers unknown store, user, policy and cross-store users with 404', async () => {
    const alice = (await call('GET', api(`/${storeName}/users/alice/ext`))).body;
    const other = uniqueName('other');
    expect((await call('POST', api(''), { name: other })).status).toBe(201);
    expect((await call('POST', api(`/${other}/totpPolicy`), policy)).status).toBe(201);
    expect((await call('GET', api('/no-such-store'))).body.code).toBe('STORE_NOT_FOUND');
    expect((await call('GET', api(`/${storeName}/users/00000000-0000-0000-0000-000000000000`))).status).toBe(404);
    expect((await call('POST', `${userPath(alice.id)}/totps/registrations/nope`)).body.code).toBe('POLICY_NOT_FOUND');
    // alice belongs to storeName: through the other store she does not exist.
    const crossStore = await call('POST', api(`/${other}/users/${alice.id}/totps/registrations/default`));
    expect(crossStore.status).toBe(404);
    expect(crossStore.body.code).toBe('USER_NOT_FOUND');
    expect((await call('GET', api(`/${other}/users/alice/ext`))).status).toBe(404);
  });

  it('requires a valid token (401) and the operation permission and store (403)', async () => {
    const token = adminToken();
    expect((await call('GET', api(''), undefined, null)).status).toBe(401);
    expect((await call('GET', api(''), undefined, `${token.slice(0, -4)}AAAA`)).status).toBe(401);
    const [header, payload] = token.split('.');
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), sub: 'someone-else' })).toString('base64url')}.${token.split('.')[2]}`;
    expect((await call('GET', api(''), undefined, forged)).status).toBe(401);
    // the admin token's own claims, signed with the gateway's real key: only the times differ
    const resigned = (iat: number, exp: number) =>
      new SignJWT({ ...decodeJwt(token), iat, exp }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(Buffer.from(jwtSecret));
    const now = Math.floor(Date.now() / 1000);
    const expired = await call('GET', api(''), undefined, await resigned(now - 1000, now - 100));
    expect([expired.status, expired.body.code, expired.body.detail]).toEqual([401, 'TOKEN_INVALID', 'The token has expired.']);
    expect((await call('GET', api(''), undefined, await resigned(now - 10, now + 600))).status).toBe(200);

    const limited = await call('POST', '/api/arthr/apiKeys', { name: 'reader', permissions: ['IdentityStore:getStore'], stores: [storeName] });
    expect(limited.status).toBe(201);
    const issued = await fetch(`${system().url}/api/arthr/apiKeys/issue`, { method: 'POST', headers: { 'x-api-key': limited.body.key } });
    const limitedToken = ((await issued.json()) as { token: string }).token;
    expect((await call('GET', api(`/${storeName}`), undefined, limitedToken)).status).toBe(200);
    const denied = await call('POST', api(`/${storeName}/users`), { extId: 'mallory' }, limitedToken);
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe('PERMISSION_DENIED');
    expect((await call('GET', api('/some-other-store'), undefined, limitedToken)).status).toBe(403);
    expect((await call('GET', api(`/${storeName}/users/mallory/ext`))).status).toBe(404);
  });
});
