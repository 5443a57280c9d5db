import { encodeConsistencyToken, parseConsistencyTokens } from '@identity-store/http-kit';
import { uniqueName } from '@identity-store/testing';
import { type DistributedSystem, startDistributedSystem } from './testing/distributed-system';
import { useE2eSystem } from './testing/e2e-system';
import { currentStep, totpCode } from './testing/totp-client';

/**
 * Issue 10: writes answer without waiting for the projection, with their own effect in summaryInfo
 * and a Consistency-Token; a later read that sends the token sees at least that write (bounded
 * wait, then 503 with Retry-After). On the Kafka transport (the e2e default).
 */
describe('Consistency-Token: read your writes across requests', () => {
  const { call, api } = useE2eSystem('tokens', { consistencyTimeoutMs: 1_500 });
  const policy = { issuer: 'Acme', algorithm: 'SHA1', digits: 6, period: 30, window: 1, maxFailedAttempts: 9, lockoutDuration: 'PT15M' };
  const storeName = uniqueName('tokens');
  let userId: string;

  /** A GET that sends exactly this token (not the suite client's session). */
  const readWith = (path: string, token: string | null) => call('GET', api(path), undefined, undefined, { 'consistency-token': token ?? '' });
  const tokenOf = (answer: { headers: Headers }) => {
    const token = answer.headers.get('consistency-token');
    expect(token).toEqual(expect.any(String));
    return token!;
  };

  beforeAll(async () => {
    expect((await call('POST', api(''), { name: storeName, totpPolicies: { default: policy } })).status).toBe(201);
  });

  it('every write answers with a token; the user read with it shows what the write answered', async () => {
    const created = await call('POST', api(`/${storeName}/users`), { extId: 'alice', attributes: {} });
    expect(created.status).toBe(200);
    userId = created.body.id;
    const readAfter = async (answer: { headers: Headers }) => (await readWith(`/${storeName}/users/${userId}`, tokenOf(answer))).body;
    expect((await readAfter(created)).summaryInfo).toEqual(created.body.summaryInfo);

    const started = await call('POST', api(`/${storeName}/users/${userId}/totps/registrations/default`));
    expect(started.status).toBe(201);
    expect(started.body.user.summaryInfo.totps.items).toEqual([expect.objectContaining({ id: started.body.id, status: 'PENDING' })]);
    expect((await readAfter(started)).summaryInfo).toEqual(started.body.user.summaryInfo);

    const step = currentStep();
    const completed = await call('POST', api(`/${storeName}/users/${userId}/totps/registrations/default/complete`), {
      code: totpCode(started.body.secret, step),
    });
    expect(completed.status).toBe(200);
    expect(completed.body.summaryInfo.totps.items[0].status).toBe('ACTIVE');
    expect((await readAfter(completed)).summaryInfo).toEqual(completed.body.summaryInfo);

    const failed = await call('POST', api(`/${storeName}/users/${userId}/totps/authentications/default`), {
      code: totpCode(started.body.secret, step + 9),
    });
    expect([failed.status, failed.body.user.summaryInfo.lastAuthentication.result]).toEqual([400, 'FAILURE']);
    expect((await readAfter(failed)).summaryInfo).toEqual(failed.body.user.summaryInfo);

    const succeeded = await call('POST', api(`/${storeName}/users/${userId}/totps/authentications/default`), {
      code: totpCode(started.body.secret, step + 1),
    });
    expect([succeeded.status, succeeded.body.user.summaryInfo.lastAuthentication.result]).toEqual([200, 'SUCCESS']);
    expect((await readAfter(succeeded)).summaryInfo).toEqual(succeeded.body.user.summaryInfo);
    // The audit record of that very authentication, and the users page, with its token.
    const audit = await readWith(`/${storeName}/users/${userId}/authentications/${succeeded.body.authenticationId}`, tokenOf(succeeded));
    expect([audit.status, audit.body.result]).toEqual([200, 'SUCCESS']);
    const page = await readWith(`/${storeName}/users`, tokenOf(succeeded));
    expect(page.body.content.find((u: { id: string }) => u.id === userId).summaryInfo).toEqual(succeeded.body.user.summaryInfo);

    // A write that answers without the user: its token still makes the next read show it.
    const suspended = await call('POST', api(`/${storeName}/users/${userId}/totps/${started.body.id}`), { status: 'SUSPENDED' });
    expect(suspended.status).toBe(200);
    expect((await readAfter(suspended)).summaryInfo.totps.items[0].status).toBe('SUSPENDED');
  });

  it('several tokens (comma-separated) are all honoured', async () => {
    const bob = await call('POST', api(`/${storeName}/users`), { extId: 'bob', attributes: {} });
    const started = await call('POST', api(`/${storeName}/users/${bob.body.id}/totps/registrations/default`));
    const both = `${tokenOf(bob)}, ${tokenOf(started)}`;
    expect(parseConsistencyTokens(both).map((p) => p.streamId).sort()).toEqual([`totp-user-${bob.body.id}`, `user-${bob.body.id}`]);
    const read = await readWith(`/${storeName}/users/${bob.body.id}`, both);
    expect([read.status, read.body.summaryInfo.totps.count]).toEqual([200, 1]);
  });

  it('a token the projection cannot reach within the bound: 503 with Retry-After, nothing older shown', async () => {
    const ahead = encodeConsistencyToken([{ streamId: `totp-user-${userId}`, streamVersion: 1_000_000 }]);
    const read = await readWith(`/${storeName}/users/${userId}`, ahead);
    expect([read.status, read.body.code, read.headers.get('retry-after')]).toEqual([503, 'CONSISTENCY_TIMEOUT', '1']);
  });

  it('a malformed token is a 400 naming the header; writes ignore the header', async () => {
    for (const bad of ['', 'not base64!', Buffer.from('totp-user-x@0').toString('base64url'), Buffer.from('@3').toString('base64url'), 'a'.repeat(5_000)]) {
      const read = await readWith(`/${storeName}/users/${userId}`, bad);
      expect([read.status, read.body.code]).toEqual([400, 'INVALID_CONSISTENCY_TOKEN']);
      expect(read.body.errors).toEqual([expect.objectContaining({ path: 'headers.consistency-token' })]);
    }
    const write = await call('POST', api(`/${storeName}/users`), { extId: 'carol', attributes: {} }, undefined, { 'consistency-token': 'not base64!' });
    expect(write.status).toBe(200);
  });
});

describe('Consistency-Token in the distributed layout (every service its own listener, lookups over HTTP)', () => {
  let system: DistributedSystem;
  let bearer: string;
  const S = '/api/identity-store/stores';
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${system.gatewayUrl}${S}${path}`, {
      method,
      headers: { authorization: `Bearer ${bearer}`, ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read whatever was answered
    return { status: response.status, body: text ? (JSON.parse(text) as any) : undefined, token: response.headers.get('consistency-token') };
  };

  beforeAll(async () => {
    system = await startDistributedSystem({ label: 'tokens', consistencyWaitMs: 1_500 });
    const issued = await fetch(`${system.gatewayUrl}/api/arthr/apiKeys/issue`, { method: 'POST', headers: { 'x-api-key': system.adminApiKey } });
    bearer = ((await issued.json()) as { token: string }).token;
  });
  afterAll(async () => {
    await system?.close();
  });

  it('a write answers with its effect without waiting; the token read shows the same, a made-up one 503', async () => {
    const store = uniqueName('dtokens');
    const policy = { issuer: 'Acme', algorithm: 'SHA1', digits: 6, period: 30, window: 1, maxFailedAttempts: 5, lockoutDuration: 'PT15M' };
    expect((await call('POST', '', { name: store, totpPolicies: { default: policy } })).status).toBe(201);
    const user = await call('POST', `/${store}/users`, { extId: 'dora' });
    const started = await call('POST', `/${store}/users/${user.body.id}/totps/registrations/default`);
    expect(started.body.user.summaryInfo.totps.items).toEqual([expect.objectContaining({ status: 'PENDING' })]);
    const completed = await call('POST', `/${store}/users/${user.body.id}/totps/registrations/default/complete`, {
      code: totpCode(started.body.secret, currentStep()),
    });
    expect(completed.body.summaryInfo.totps.items).toEqual([expect.objectContaining({ status: 'ACTIVE' })]);
    const read = await call('GET', `/${store}/users/${user.body.id}`, undefined, { 'consistency-token': completed.token! });
    expect([read.status, read.body.summaryInfo]).toEqual([200, completed.body.summaryInfo]);
    const ahead = encodeConsistencyToken([{ streamId: `totp-user-${user.body.id}`, streamVersion: 999 }]);
    const late = await call('GET', `/${store}/users/${user.body.id}`, undefined, { 'consistency-token': ahead });
    expect([late.status, late.body.code]).toEqual([503, 'CONSISTENCY_TIMEOUT']);
  });
});
